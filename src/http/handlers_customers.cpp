// Customers, their accounts, limits, temporary limits, collateral and status.
#include "http/handlers.hpp"
#include "http/json_output.hpp"

namespace creditline::http {
namespace json = boost::json;
using service::Role;

namespace {

json::array TagsJson(const std::vector<std::string>& tags) {
  json::array out;
  for (const std::string& tag : tags) out.push_back(json::string(tag));
  return out;
}

// The fields of a new account, shared by POST /v1/customers and POST .../accounts.
Result<OpenAccount> ReadOpenAccount(JsonInput& body, AccountRef ref) {
  OpenAccount open;
  open.account = std::move(ref);
  CL_ASSIGN_OR_RETURN(open.currency, body.CurrencyField("currency"));
  CL_ASSIGN_OR_RETURN(std::optional<int64_t> limit, body.OptionalInteger("limit_minor"));
  open.limit_minor = limit.value_or(0);
  CL_ASSIGN_OR_RETURN(std::optional<int32_t> terms, OptionalInt32(body, "payment_terms_days"));
  open.payment_terms_days = terms.value_or(30);
  CL_ASSIGN_OR_RETURN(open.grade, body.StringOr("grade", ""));
  CL_ASSIGN_OR_RETURN(open.policy, body.StringOr("policy", std::string(kDefaultPolicyName)));
  CL_ASSIGN_OR_RETURN(std::optional<Date> review_on, body.OptionalDate("review_on"));
  open.review_on = review_on.value_or(kNoDate);
  CL_ASSIGN_OR_RETURN(open.group_id, body.StringOr("group_id", ""));
  CL_ASSIGN_OR_RETURN(std::optional<std::string> status, body.OptionalString("status"));
  if (status) {
    CL_ASSIGN_OR_RETURN(open.status, ParseAccountStatus(*status));
  }
  return open;
}

json::object OpenAccountJson(const OpenAccount& open) {
  return json::object{{"customer_id", open.account.customer_id},
                      {"segment", open.account.segment},
                      {"currency", open.currency.code()},
                      {"limit_minor", open.limit_minor},
                      {"payment_terms_days", open.payment_terms_days},
                      {"grade", open.grade},
                      {"policy", open.policy},
                      {"review_on", DateJson(open.review_on)},
                      {"group_id", open.group_id},
                      {"status", NameOf(open.status)}};
}

Result<Prepared> PrepareCreateCustomer(JsonInput& body, const Params&) {
  CreateCustomer c;
  CL_ASSIGN_OR_RETURN(c.customer_id, body.String("customer_id"));
  CL_ASSIGN_OR_RETURN(c.name, body.String("name"));
  CL_ASSIGN_OR_RETURN(c.industry, body.StringOr("industry", ""));
  CL_ASSIGN_OR_RETURN(c.region, body.StringOr("region", ""));
  CL_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> tags,
                      body.OptionalStringList("tags"));
  c.tags = tags.value_or(std::vector<std::string>{});
  CL_ASSIGN_OR_RETURN(AccountRef ref, ReadAccountRef(body, c.customer_id));
  CL_ASSIGN_OR_RETURN(OpenAccount open, ReadOpenAccount(body, std::move(ref)));
  c.account = open;
  return Prepared{c, 201, [c, open](const CommandResult&) {
                    json::object out = OpenAccountJson(open);
                    out["name"] = c.name;
                    out["industry"] = c.industry;
                    out["region"] = c.region;
                    out["tags"] = TagsJson(c.tags);
                    return out;
                  }};
}

Result<Prepared> PrepareUpdateCustomer(JsonInput& body, const Params& params) {
  UpdateCustomer c;
  c.customer_id = params.at(0);
  CL_ASSIGN_OR_RETURN(c.name, body.OptionalString("name"));
  CL_ASSIGN_OR_RETURN(c.industry, body.OptionalString("industry"));
  CL_ASSIGN_OR_RETURN(c.region, body.OptionalString("region"));
  CL_ASSIGN_OR_RETURN(c.tags, body.OptionalStringList("tags"));
  UpdateAccount account;
  CL_ASSIGN_OR_RETURN(account.account, ReadAccountRef(body, c.customer_id));
  CL_ASSIGN_OR_RETURN(account.payment_terms_days, OptionalInt32(body, "payment_terms_days"));
  CL_ASSIGN_OR_RETURN(account.grade, body.OptionalString("grade"));
  CL_ASSIGN_OR_RETURN(account.review_on, body.NullableDate("review_on"));
  CL_ASSIGN_OR_RETURN(account.policy, body.OptionalString("policy"));
  if (account.payment_terms_days || account.grade || account.review_on || account.policy ||
      !account.account.segment.empty()) {
    c.account = account;
  }
  return Prepared{c, 200, [id = c.customer_id](const CommandResult&) {
                    return json::object{{"customer_id", id}};
                  }};
}

Result<Prepared> PrepareOpenAccount(JsonInput& body, const Params& params) {
  CL_ASSIGN_OR_RETURN(std::string segment, body.Id("segment"));
  CL_ASSIGN_OR_RETURN(OpenAccount open, ReadOpenAccount(body, AccountRef{params.at(0), segment}));
  return Prepared{open, 201,
                  [ref = open.account](const CommandResult&) { return AccountRefJson(ref); }};
}

Result<Prepared> PrepareSetLimit(JsonInput& body, const Params& params) {
  SetLimit c;
  CL_ASSIGN_OR_RETURN(c.account, ReadAccountRef(body, params.at(0)));
  CL_ASSIGN_OR_RETURN(c.limit, body.Amount("limit_minor", "currency"));
  CL_ASSIGN_OR_RETURN(c.reason, body.StringOr("reason", ""));
  return Prepared{c, 200, [c](const CommandResult&) {
                    json::object out = AccountRefJson(c.account);
                    out["limit_minor"] = c.limit.minor;
                    out["currency"] = c.limit.currency.code();
                    return out;
                  }};
}

Result<Prepared> PrepareAddTemporaryLimit(JsonInput& body, const Params& params) {
  AddTemporaryLimit c;
  CL_ASSIGN_OR_RETURN(c.account, ReadAccountRef(body, params.at(0)));
  CL_ASSIGN_OR_RETURN(c.temporary_limit_id, body.String("temporary_limit_id"));
  CL_ASSIGN_OR_RETURN(c.amount, body.Amount());
  CL_ASSIGN_OR_RETURN(c.valid_from, body.DateField("valid_from"));
  CL_ASSIGN_OR_RETURN(c.valid_to, body.DateField("valid_to"));
  CL_ASSIGN_OR_RETURN(c.reason, body.StringOr("reason", ""));
  return Prepared{c, 201, [c](const CommandResult&) {
                    json::object out = AccountRefJson(c.account);
                    out["temporary_limit_id"] = c.temporary_limit_id;
                    return out;
                  }};
}

Result<Prepared> PrepareAddCollateral(JsonInput& body, const Params& params) {
  AddCollateral c;
  CL_ASSIGN_OR_RETURN(c.account, ReadAccountRef(body, params.at(0)));
  CL_ASSIGN_OR_RETURN(c.collateral_id, body.String("collateral_id"));
  CL_ASSIGN_OR_RETURN(c.kind, body.String("kind"));
  CL_ASSIGN_OR_RETURN(c.amount, body.Amount());
  CL_ASSIGN_OR_RETURN(c.valid_to, body.DateField("valid_to"));
  CL_ASSIGN_OR_RETURN(std::optional<bool> counts, body.OptionalBool("counts_toward_limit"));
  c.counts_toward_limit = counts.value_or(true);
  return Prepared{c, 201, [c](const CommandResult&) {
                    json::object out = AccountRefJson(c.account);
                    out["collateral_id"] = c.collateral_id;
                    return out;
                  }};
}

Result<Prepared> PrepareSetStatus(JsonInput& body, const Params& params) {
  SetStatus c;
  CL_ASSIGN_OR_RETURN(c.account, ReadAccountRef(body, params.at(0)));
  CL_ASSIGN_OR_RETURN(std::string status, body.String("status"));
  CL_ASSIGN_OR_RETURN(c.status, ParseAccountStatus(status));
  CL_ASSIGN_OR_RETURN(c.reason, body.StringOr("reason", ""));
  return Prepared{c, 200, [c](const CommandResult&) {
                    json::object out = AccountRefJson(c.account);
                    out["status"] = NameOf(c.status);
                    return out;
                  }};
}

// DELETE routes carry the account in the query string and the item id in the path.
void AddRemoveRoute(Api& api, const std::string& pattern, const char* id_name,
                    std::function<Command(AccountRef, std::string)> make) {
  api.Add("DELETE", pattern, Role::kCreditManager,
          [id_name, make](Api& api, Call&& call, Reply reply) {
            Result<AccountRef> ref = AccountFromQuery(call, call.params.at(0));
            if (!ref.ok()) return reply(ErrorResponse(ref.error()));
            std::string id = call.params.at(1);
            Command command = make(*ref, id);
            api.Execute(call, std::move(command), 200,
                        ToTextRender([ref = *ref, id, id_name](const CommandResult&) {
                          json::object out = AccountRefJson(ref);
                          out[id_name] = id;
                          return out;
                        }),
                        std::move(reply));
          });
}

json::object CustomerWithAccounts(const Customer& customer, const std::vector<AccountView>& views) {
  json::object out = CustomerJson(customer);
  json::array accounts;
  for (const AccountView& view : views) accounts.push_back(AccountViewJson(view));
  out["account"] = accounts.empty() ? json::value(nullptr) : accounts.front();
  out["accounts"] = std::move(accounts);
  return out;
}

void GetCustomer(Api& api, Call&& call, Reply reply) {
  api.Query(std::move(reply), [id = call.params.at(0)](service::EngineContext& context) {
    Result<std::vector<AccountView>> views =
        context.state.ViewCustomerAccounts(id, context.stamp.today);
    if (!views.ok()) return ErrorResponse(views.error());
    return JsonResponse(200, CustomerWithAccounts(*context.state.FindCustomer(id), *views));
  });
}

void ListCustomers(Api& api, Call&& call, Reply reply) {
  Result<int64_t> limit = QueryInteger(call, "limit", kPageSizeDefault, 1, kPageSizeMax);
  if (!limit.ok()) return reply(ErrorResponse(limit.error()));
  CustomerFilter filter;
  filter.query = call.query.count("q") ? call.query["q"] : "";
  if (call.query.count("status") && !call.query["status"].empty()) {
    Result<AccountStatus> status = ParseAccountStatus(call.query["status"]);
    if (!status.ok()) return reply(ErrorResponse(status.error()));
    filter.status = *status;
  }
  if (call.query.count("grade") && !call.query["grade"].empty()) filter.grade = call.query["grade"];
  std::string after = call.query.count("page_token") ? call.query["page_token"] : "";
  api.Query(std::move(reply), [filter, after, limit = static_cast<size_t>(*limit)](
                                  service::EngineContext& context) {
    std::vector<const Customer*> page = context.state.ListCustomers(filter, after, limit + 1);
    bool more = page.size() > limit;
    if (more) page.pop_back();
    json::array customers;
    for (const Customer* customer : page) {
      Result<std::vector<AccountView>> views =
          context.state.ViewCustomerAccounts(customer->customer_id, context.stamp.today);
      json::object item = CustomerJson(*customer);
      item["account"] = views.ok() && !views->empty() ? json::value(AccountViewJson(views->front()))
                                                      : json::value(nullptr);
      customers.push_back(std::move(item));
    }
    json::value next = more ? json::value(json::string(page.back()->customer_id)) : nullptr;
    return JsonResponse(200, json::object{{"customers", std::move(customers)},
                                          {"next_page_token", std::move(next)}});
  });
}

void GetCustomerOrders(Api& api, Call&& call, Reply reply) {
  Result<AccountRef> ref = AccountFromQuery(call, call.params.at(0));
  if (!ref.ok()) return reply(ErrorResponse(ref.error()));
  api.Query(std::move(reply), [ref = *ref](service::EngineContext& context) {
    Result<std::vector<OrderView>> orders = context.state.OpenOrders(ref);
    if (!orders.ok()) return ErrorResponse(orders.error());
    json::array items;
    for (const OrderView& order : *orders) items.push_back(OrderJson(order));
    return JsonResponse(200, json::object{{"orders", std::move(items)}});
  });
}

void GetCustomerInvoices(Api& api, Call&& call, Reply reply) {
  Result<AccountRef> ref = AccountFromQuery(call, call.params.at(0));
  if (!ref.ok()) return reply(ErrorResponse(ref.error()));
  api.Query(std::move(reply), [ref = *ref](service::EngineContext& context) {
    Result<std::vector<InvoiceView>> invoices =
        context.state.OpenInvoices(ref, context.stamp.today);
    if (!invoices.ok()) return ErrorResponse(invoices.error());
    json::array items;
    for (const InvoiceView& invoice : *invoices) items.push_back(InvoiceJson(invoice));
    return JsonResponse(200, json::object{{"invoices", std::move(items)}});
  });
}

}  // namespace

void AddCustomerRoutes(Api& api) {
  AddCommandRoute(api, "POST", "/v1/customers", Role::kAnalyst, PrepareCreateCustomer);
  api.Add("GET", "/v1/customers", Role::kViewer, ListCustomers);
  api.Add("GET", "/v1/customers/{customer_id}", Role::kViewer, GetCustomer);
  AddCommandRoute(api, "PATCH", "/v1/customers/{customer_id}", Role::kAnalyst,
                  PrepareUpdateCustomer);
  AddCommandRoute(api, "POST", "/v1/customers/{customer_id}/accounts", Role::kCreditManager,
                  PrepareOpenAccount);
  AddCommandRoute(api, "PUT", "/v1/customers/{customer_id}/limit", Role::kCreditManager,
                  PrepareSetLimit);
  AddCommandRoute(api, "POST", "/v1/customers/{customer_id}/temporary-limits", Role::kCreditManager,
                  PrepareAddTemporaryLimit);
  AddRemoveRoute(api, "/v1/customers/{customer_id}/temporary-limits/{temporary_limit_id}",
                 "temporary_limit_id", [](AccountRef ref, std::string id) -> Command {
                   return RemoveTemporaryLimit{std::move(ref), std::move(id)};
                 });
  AddCommandRoute(api, "POST", "/v1/customers/{customer_id}/collateral", Role::kCreditManager,
                  PrepareAddCollateral);
  AddRemoveRoute(api, "/v1/customers/{customer_id}/collateral/{collateral_id}", "collateral_id",
                 [](AccountRef ref, std::string id) -> Command {
                   return RemoveCollateral{std::move(ref), std::move(id)};
                 });
  AddCommandRoute(api, "PUT", "/v1/customers/{customer_id}/status", Role::kCreditManager,
                  PrepareSetStatus);
  api.Add("GET", "/v1/customers/{customer_id}/orders", Role::kViewer, GetCustomerOrders);
  api.Add("GET", "/v1/customers/{customer_id}/invoices", Role::kViewer, GetCustomerInvoices);

  auto& batch = BatchOperations();
  batch["create_customer"] = {PrepareCreateCustomer, {}, Role::kAnalyst};
  batch["update_customer"] = {PrepareUpdateCustomer, {"customer_id"}, Role::kAnalyst};
  batch["set_limit"] = {PrepareSetLimit, {"customer_id"}, Role::kCreditManager};
  batch["set_status"] = {PrepareSetStatus, {"customer_id"}, Role::kCreditManager};
}

}  // namespace creditline::http
