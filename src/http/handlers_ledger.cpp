// Receivables: invoices, payments, credit notes and write-offs.
#include "http/handlers.hpp"
#include "http/json_output.hpp"

namespace creditline::http {
namespace json = boost::json;
using service::Role;

namespace {

json::array AllocationsJson(const std::vector<Allocation>& allocations) {
  json::array out;
  for (const Allocation& a : allocations) {
    out.push_back(json::object{{"invoice_id", a.invoice_id}, {"amount_minor", a.amount_minor}});
  }
  return out;
}

Result<Prepared> PrepareCreateInvoice(JsonInput& body, const Params&) {
  CreateInvoice c;
  CL_ASSIGN_OR_RETURN(c.invoice_id, body.String("invoice_id"));
  CL_ASSIGN_OR_RETURN(std::string customer_id, body.String("customer_id"));
  CL_ASSIGN_OR_RETURN(c.account, ReadAccountRef(body, customer_id));
  CL_ASSIGN_OR_RETURN(c.order_id, body.StringOr("order_id", ""));
  CL_ASSIGN_OR_RETURN(c.amount, body.Amount());
  CL_ASSIGN_OR_RETURN(c.issued_on, body.DateField("issued_on"));
  CL_ASSIGN_OR_RETURN(std::optional<Date> due_on, body.OptionalDate("due_on"));
  c.due_on = due_on.value_or(kNoDate);
  CL_ASSIGN_OR_RETURN(std::optional<bool> close_order, body.OptionalBool("close_order"));
  c.close_order = close_order.value_or(false);
  return Prepared{c, 201, [c](const CommandResult& r) {
                    json::object out = AccountRefJson(c.account);
                    out["invoice_id"] = c.invoice_id;
                    out["order_id"] = c.order_id;
                    out["amount_minor"] = r.amount_minor;
                    out["due_on"] = DateJson(r.due_on);
                    out["reservation_consumed_minor"] = r.reservation_consumed_minor;
                    out["reservation_released_minor"] = r.reservation_released_minor;
                    out["credit_applied_minor"] = r.credit_applied_minor;
                    return out;
                  }};
}

// Payments and credit notes share their shape: an amount settled against invoices.
json::object SettlementJson(const AccountRef& account, const char* id_name, const std::string& id,
                            const CommandResult& r) {
  json::object out = AccountRefJson(account);
  out[id_name] = id;
  out["amount_minor"] = r.amount_minor;
  out["allocations"] = AllocationsJson(r.allocations);
  out["unapplied_minor"] = r.unapplied_minor;
  return out;
}

Result<Prepared> PrepareRecordPayment(JsonInput& body, const Params&) {
  RecordPayment c;
  CL_ASSIGN_OR_RETURN(c.payment_id, body.String("payment_id"));
  CL_ASSIGN_OR_RETURN(std::string customer_id, body.String("customer_id"));
  CL_ASSIGN_OR_RETURN(c.account, ReadAccountRef(body, customer_id));
  CL_ASSIGN_OR_RETURN(c.invoice_id, body.StringOr("invoice_id", ""));
  CL_ASSIGN_OR_RETURN(c.amount, body.Amount());
  CL_ASSIGN_OR_RETURN(c.received_on, body.DateField("received_on"));
  return Prepared{c, 201, [c](const CommandResult& r) {
                    return SettlementJson(c.account, "payment_id", c.payment_id, r);
                  }};
}

Result<Prepared> PrepareCreditNote(JsonInput& body, const Params&) {
  IssueCreditNote c;
  CL_ASSIGN_OR_RETURN(c.credit_note_id, body.String("credit_note_id"));
  CL_ASSIGN_OR_RETURN(std::string customer_id, body.String("customer_id"));
  CL_ASSIGN_OR_RETURN(c.account, ReadAccountRef(body, customer_id));
  CL_ASSIGN_OR_RETURN(c.invoice_id, body.StringOr("invoice_id", ""));
  CL_ASSIGN_OR_RETURN(c.amount, body.Amount());
  CL_ASSIGN_OR_RETURN(c.issued_on, body.DateField("issued_on"));
  CL_ASSIGN_OR_RETURN(c.reason, body.StringOr("reason", ""));
  return Prepared{c, 201, [c](const CommandResult& r) {
                    return SettlementJson(c.account, "credit_note_id", c.credit_note_id, r);
                  }};
}

Result<Prepared> PrepareWriteOff(JsonInput& body, const Params&) {
  WriteOff c;
  CL_ASSIGN_OR_RETURN(c.write_off_id, body.String("write_off_id"));
  CL_ASSIGN_OR_RETURN(c.invoice_id, body.String("invoice_id"));
  // A partial write-off names its amount and currency together; either alone is incomplete.
  if (body.Has("amount_minor") || body.Has("currency")) {
    CL_ASSIGN_OR_RETURN(c.amount, body.Amount());
  }
  CL_ASSIGN_OR_RETURN(c.reason, body.StringOr("reason", ""));
  return Prepared{c, 201, [c](const CommandResult& r) {
                    json::object out = AccountRefJson(r.account);
                    out["write_off_id"] = c.write_off_id;
                    out["invoice_id"] = c.invoice_id;
                    out["amount_minor"] = r.amount_minor;
                    return out;
                  }};
}

}  // namespace

void AddLedgerRoutes(Api& api) {
  AddCommandRoute(api, "POST", "/v1/invoices", Role::kAnalyst, PrepareCreateInvoice);
  AddCommandRoute(api, "POST", "/v1/payments", Role::kAnalyst, PrepareRecordPayment);
  AddCommandRoute(api, "POST", "/v1/credit-notes", Role::kAnalyst, PrepareCreditNote);
  AddCommandRoute(api, "POST", "/v1/write-offs", Role::kCreditManager, PrepareWriteOff);

  auto& batch = BatchOperations();
  batch["create_invoice"] = {PrepareCreateInvoice, {}, Role::kAnalyst};
  batch["record_payment"] = {PrepareRecordPayment, {}, Role::kAnalyst};
  batch["issue_credit_note"] = {PrepareCreditNote, {}, Role::kAnalyst};
}

}  // namespace creditline::http
