// The OpenAPI 3.1 document, built once with Boost.JSON from small helpers so that each operation
// below reads like its row in docs/api.md.
//
// The routes registered in handlers_*.cpp are the source of truth; tests/unit/openapi_test.cpp
// fails when a route and the document disagree (path, method, role, security, Idempotency-Key,
// path parameters, batch ops) or when a $ref does not resolve. Enumerations that the code
// defines (currencies, statuses, rule actions, decisions, reasons, roles, error codes, event
// types) are generated from the code's own name tables, so they cannot drift. Request bodies
// mirror the JsonInput getters of each handler exactly: every field the handler reads, with its
// type, whether it is required, and `additionalProperties: false` because JsonInput::Finish()
// refuses any other field. Response schemas mirror the render functions in handlers_*.cpp and
// json_output.cpp.
#include "http/openapi.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/commands.hpp"
#include "core/decision.hpp"
#include "core/error.hpp"
#include "core/events.hpp"
#include "core/money.hpp"
#include "core/policy.hpp"
#include "service/tokens.hpp"

namespace creditline::http {
namespace json = boost::json;

namespace {

// ---------------------------------------------------------------------------------------------
// Schema helpers.

json::object Schema(std::string_view name) {
  return json::object{{"$ref", "#/components/schemas/" + std::string(name)}};
}

json::object Describe(json::object schema, std::string_view description) {
  if (!description.empty()) schema["description"] = description;
  return schema;
}

// A $ref with a description next to it (allowed in OpenAPI 3.1).
json::object SchemaRef(std::string_view name, std::string_view description) {
  return Describe(Schema(name), description);
}

json::object Str(std::string_view description = {}) {
  return Describe(json::object{{"type", "string"}}, description);
}

// Names, reasons and other free text (components/schemas/Text).
json::object Text(std::string_view description = {}) { return SchemaRef("Text", description); }

json::object Int(std::string_view description = {}) {
  return Describe(json::object{{"type", "integer"}, {"format", "int64"}}, description);
}

json::object IntRange(int64_t minimum, int64_t maximum, std::string_view description = {}) {
  return Describe(json::object{{"type", "integer"}, {"minimum", minimum}, {"maximum", maximum}},
                  description);
}

// Money in integer minor units of the currency named next to it.
json::object Minor(std::string_view description = {}) { return Int(description); }

json::object Bool(std::string_view description = {}) {
  return Describe(json::object{{"type", "boolean"}}, description);
}

json::object DateString(std::string_view description = {}) {
  return Describe(json::object{{"type", "string"}, {"format", "date"}}, description);
}

json::object Instant(std::string_view description = {}) {
  return Describe(json::object{{"type", "string"}, {"format", "date-time"}}, description);
}

json::object Id(std::string_view description = {}) { return SchemaRef("Id", description); }

json::object CurrencyCode(std::string_view description = {}) {
  return SchemaRef("Currency", description);
}

json::object Const(json::value value, std::string_view description = {}) {
  return Describe(json::object{{"const", std::move(value)}}, description);
}

json::object ArrayOf(json::object items, std::string_view description = {}) {
  return Describe(json::object{{"type", "array"}, {"items", std::move(items)}}, description);
}

// The schema, or null.
json::object Nullable(json::object schema) {
  if (schema.contains("$ref")) {
    json::object out;
    if (json::value* description = schema.if_contains("description")) {
      out["description"] = *description;
      schema.erase("description");
    }
    out["oneOf"] = json::array{std::move(schema), json::object{{"type", "null"}}};
    return out;
  }
  json::value type = schema["type"];
  schema["type"] = json::array{type, "null"};
  return schema;
}

json::object StringEnum(const std::vector<std::string>& names, std::string_view description) {
  json::array values;
  for (const std::string& name : names) values.emplace_back(name);
  return Describe(json::object{{"type", "string"}, {"enum", std::move(values)}}, description);
}

// The names of an enum that has EnumLimit() and NameOf(), in value order.
template <class Enum>
std::vector<std::string> EnumNames() {
  std::vector<std::string> names;
  for (uint8_t i = 0; i < EnumLimit(Enum{}); ++i) {
    names.emplace_back(NameOf(static_cast<Enum>(i)));
  }
  return names;
}

template <size_t... kIndexes>
std::vector<std::string> EventNames(std::index_sequence<kIndexes...>) {
  return {std::string(EventName(EventBody(std::in_place_index<kIndexes>)))...};
}

std::vector<std::string> ErrorCodeNames() {
  std::vector<std::string> names;
  for (size_t i = 0; i <= static_cast<size_t>(kLastErrorCode); ++i) {
    names.emplace_back(NameOf(static_cast<ErrorCode>(i)));
  }
  return names;
}

std::vector<std::string> ErrorCodeNamesWithStatus(int status) {
  std::vector<std::string> names;
  for (size_t i = 0; i <= static_cast<size_t>(kLastErrorCode); ++i) {
    const ErrorCodeInfo& info = InfoOf(static_cast<ErrorCode>(i));
    if (info.http_status == status) names.emplace_back(info.name);
  }
  return names;
}

std::vector<std::string> CurrencyCodes() {
  std::vector<std::string> codes;
  for (uint8_t i = 0; Currency::FromIndex(i).valid(); ++i) {
    codes.emplace_back(Currency::FromIndex(i).code());
  }
  return codes;
}

std::vector<std::string> RoleNames() {
  std::vector<std::string> names;
  for (int i = 0; i <= static_cast<int>(service::Role::kAdmin); ++i) {
    names.emplace_back(service::NameOf(static_cast<service::Role>(i)));
  }
  return names;
}

// The ops of POST /v1/batch and the route each one stands for (handlers_*.cpp register them in
// BatchOperations(); credit_check is handled by the batch handler itself).
struct BatchOp {
  const char* op;
  const char* request_schema;
  const char* path_field;  // The path parameter that goes in the body, or null.
  const char* route;
  const char* role;
};

constexpr BatchOp kBatchOps[] = {
    {"create_customer", "CreateCustomerRequest", nullptr, "POST /v1/customers", "analyst"},
    {"update_customer", "UpdateCustomerRequest", "customer_id", "PATCH /v1/customers/{customer_id}",
     "analyst"},
    {"set_limit", "SetLimitRequest", "customer_id", "PUT /v1/customers/{customer_id}/limit",
     "credit_manager"},
    {"set_status", "SetStatusRequest", "customer_id", "PUT /v1/customers/{customer_id}/status",
     "credit_manager"},
    {"create_order", "CreateOrderRequest", nullptr, "POST /v1/orders", "sales"},
    {"change_order", "ChangeOrderRequest", "order_id", "PATCH /v1/orders/{order_id}", "sales"},
    {"cancel_order", "CancelOrderRequest", "order_id", "POST /v1/orders/{order_id}/cancel",
     "sales"},
    {"create_invoice", "CreateInvoiceRequest", nullptr, "POST /v1/invoices", "analyst"},
    {"record_payment", "RecordPaymentRequest", nullptr, "POST /v1/payments", "analyst"},
    {"issue_credit_note", "IssueCreditNoteRequest", nullptr, "POST /v1/credit-notes", "analyst"},
    {"credit_check", "CreditCheckRequest", nullptr, "POST /v1/credit-checks", "sales"},
};

// ---------------------------------------------------------------------------------------------
// Objects.

struct Field {
  std::string name;
  json::object schema;
  bool required = true;
};

Field Optional(std::string name, json::object schema) {
  return Field{std::move(name), std::move(schema), false};
}

using Fields = std::vector<Field>;

Fields Concat(Fields first, const Fields& second) {
  first.insert(first.end(), second.begin(), second.end());
  return first;
}

json::object ObjectOf(const Fields& fields, bool closed, std::string_view description = {}) {
  json::object properties;
  json::array required;
  for (const Field& field : fields) {
    properties[field.name] = field.schema;
    if (field.required) required.emplace_back(field.name);
  }
  json::object out{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) out["required"] = std::move(required);
  if (closed) out["additionalProperties"] = false;
  return Describe(std::move(out), description);
}

// A request body: JsonInput::Finish() refuses fields that no getter read (unknown_field).
json::object Body(const Fields& fields, std::string_view description = {}) {
  return ObjectOf(fields, true, description);
}

// A response object; fields are always present unless marked Optional.
json::object Reply(const Fields& fields, std::string_view description = {}) {
  return ObjectOf(fields, false, description);
}

// Adds a field in front of a request body (batch items carry their path parameter).
json::object WithBodyField(json::object body, const std::string& name, json::object schema) {
  json::object properties{{name, std::move(schema)}};
  for (const auto& [key, value] : body["properties"].as_object()) properties[key] = value;
  body["properties"] = std::move(properties);
  json::array required{json::string(name)};
  if (json::value* existing = body.if_contains("required")) {
    for (const json::value& item : existing->as_array()) required.push_back(item);
  }
  body["required"] = std::move(required);
  return body;
}

Field SegmentIn() {
  return Optional("segment", SchemaRef("Segment",
                                       "The account's credit segment; absent or empty: "
                                       "the customer's default account."));
}

Field SegmentOut() {
  return {"segment", Str("The account's credit segment; empty: the default "
                         "account.")};
}

Field Seq() {
  return {"seq", Int("The sequence number of the event that carried out the command (the same "
                     "on a replay).")};
}

Fields AccountRefOut() { return {{"customer_id", Id()}, SegmentOut()}; }

// ---------------------------------------------------------------------------------------------
// Components.

// A nested object documented in docs/assessment.md rather than field by field here.
json::object Obj(std::string_view description) {
  return Describe(json::object{{"type", "object"}}, description);
}

void AddAssessmentSchemas(json::object& s) {
  s["RecordFinancialsRequest"] = Body(
      {{"period", Id("The period: 2025, 2025-H1, 2025-Q4; later periods sort after earlier.")},
       {"currency", CurrencyCode()},
       {"revenue_minor", Minor()},
       {"net_profit_minor", Minor("May be negative.")},
       {"equity_minor", Minor("May be negative.")},
       {"total_assets_minor", Minor()},
       {"current_assets_minor", Minor()},
       {"current_liabilities_minor", Minor()},
       Optional("external_rating", Str("The agency's rating as written, at most 16 characters.")),
       Optional("external_score", IntRange(0, 100, "The rating mapped to 0..100, 100 best."))});
  s["ScorecardRequest"] = Body(
      {Optional("name", Str()),
       Optional("rounding_minor", Minor("Proposals round down to a multiple; default 100000.")),
       {"factors", ArrayOf(Obj("{factor, weight, missing_points, bins: [{up_to|null, points}]}"))},
       {"grades", ArrayOf(Obj("{grade, score_min, review_interval_days, prepayment_only, "
                              "limit_cap_minor, purchases_multiple_pct, equity_bp}"))}});
  s["AssessmentPolicyRequest"] = Body(
      {Optional("review", Obj("{lower, raise (off|auto|request), raise_grade_min, raise_step_bp, "
                              "change_threshold_bp, suspend_prepayment_only}")),
       Optional("approval_tiers", ArrayOf(Obj("{role, amount_max_minor|null}"))),
       Optional("recovery", Obj("{missed_action (hold|block), restore_limit_bp}"))},
      "Fields left out take their default values.");
  s["LimitChangeRequest"] = Body(
      {{"request_id", Id()},
       {"customer_id", Id()},
       SegmentIn(),
       {"amount_minor", Minor("The new limit; with expires_on, the temporary increase.")},
       {"currency", CurrencyCode()},
       Optional("expires_on", DateString("Makes the request a temporary increase until then.")),
       {"reason", Text()}});
  s["DecideLimitRequestRequest"] = Body({{"reason", Text()}});
  s["ReviewRequest"] = Body({}, "No fields: an empty object or an empty body.");
  s["RecoveryPlanRequest"] = Body(
      {{"plan_id", Id()},
       {"customer_id", Id()},
       SegmentIn(),
       {"installments", ArrayOf(Obj("{due_on, amount_minor, currency}"),
                                "1..120, due dates ascending, total at most the receivables.")},
       Optional("reason", Text())});
}

json::object SharedSchemas() {
  json::object s;

  // Scalars and enumerations.
  s["Id"] = json::object{{"type", "string"},
                         {"pattern", "^[A-Za-z0-9._:-]{1,64}$"},
                         {"description", "An identifier: 1-64 characters of A-Z a-z 0-9 . _ : -"}};
  s["Segment"] = json::object{
      {"type", "string"},
      {"pattern", "^[A-Za-z0-9._:-]{0,64}$"},
      {"description", "A credit segment: an identifier, or empty for the default account."}};
  s["Text"] = json::object{
      {"type", "string"},
      {"maxLength", 500},
      {"description", "Free text: UTF-8 without control characters, at most 500 bytes."}};
  s["Currency"] = StringEnum(CurrencyCodes(), "An ISO 4217 currency code.");
  s["AccountStatus"] = StringEnum(EnumNames<AccountStatus>(), "The status of a credit account.");
  s["RuleAction"] = StringEnum(EnumNames<RuleAction>(),
                               "What a policy rule does when it fires; the most severe action "
                               "among the fired rules decides.");
  s["Outcome"] = StringEnum(EnumNames<Outcome>(), "A credit decision.");
  s["ReasonCode"] = StringEnum(EnumNames<ReasonCode>(), "A rule that fired, in check order.");
  s["OrderStatus"] =
      StringEnum({"open", "held"}, "open: approved and reserved; held: waiting in the hold queue.");
  s["Role"] = StringEnum(RoleNames(),
                         "An API token's role; each role may do everything the ones before it "
                         "may.");
  s["ErrorCode"] = StringEnum(ErrorCodeNames(), "A stable, machine-readable error code.");
  s["EventType"] =
      StringEnum(EventNames(std::make_index_sequence<std::variant_size_v<EventBody>>()),
                 "The type of an event in the change feed.");
  std::vector<std::string> ops;
  for (const BatchOp& op : kBatchOps) ops.emplace_back(op.op);
  s["BatchOp"] = StringEnum(ops,
                            "A batch operation: the endpoint it stands for is in "
                            "BatchCommand.");

  s["Error"] = Reply(
      {{"error",
        Reply({{"code", Schema("ErrorCode")},
               {"message", Str("For people; may change.")},
               {"field", Str("The offending input field (or header), empty when the error is not "
                             "about one field.")}})}},
      "A request that gets an error changes nothing.");

  // Accounts and customers.
  s["AccountRef"] = Reply(AccountRefOut(), "A credit account: a customer and a credit segment.");
  s["AccountView"] = Reply(
      Concat(AccountRefOut(),
             {{"currency", CurrencyCode("The account's currency: every amount is in it.")},
              {"status", Schema("AccountStatus")},
              {"grade", Str("Empty when not set.")},
              {"policy", Id("The name of the account's credit policy.")},
              {"group_id", Str("The account's credit group; empty when in none.")},
              {"payment_terms_days", Int()},
              {"review_on", Nullable(DateString("The next credit review; null when not set."))},
              {"limit_minor", Minor("The base credit limit.")},
              {"temporary_limits_minor", Minor("Temporary limits in effect today.")},
              {"collateral_minor", Minor("Collateral that counts toward the limit, valid today.")},
              {"effective_limit_minor", Minor("Base limit + temporary limits + collateral.")},
              {"orders_open_minor", Minor("Reserved by open orders.")},
              {"receivables_open_minor", Minor("Open invoice amounts.")},
              {"unapplied_credit_minor", Minor("Payments and credit notes not yet applied.")},
              {"exposure_minor", Minor("Orders + receivables - unapplied credit.")},
              {"available_minor", Minor("Effective limit - exposure; may be negative.")},
              {"utilization_bp", Int("Exposure / effective limit in basis points (8000 = 80%).")},
              {"overdue_minor", Minor()},
              {"oldest_days_past_due", Int("Of the oldest open invoice; 0 when none is overdue.")},
              {"written_off_minor", Minor()},
              {"open_orders", Int()},
              {"held_orders", Int()},
              {"open_invoices", Int()}}),
      "A credit account with its figures as of today.");
  Fields customer = {{"customer_id", Id()},
                     {"name", Str()},
                     {"industry", Str()},
                     {"region", Str()},
                     {"tags", ArrayOf(Str())}};
  s["Customer"] = Reply(customer);
  s["CustomerSummary"] = Reply(Concat(
      customer,
      {{"account", Nullable(SchemaRef("AccountView", "The default account, or the first one."))}}));
  s["CustomerDetail"] = Reply(Concat(
      customer,
      {{"account", Nullable(SchemaRef("AccountView", "The default account, or the first one."))},
       {"accounts", ArrayOf(Schema("AccountView"), "Default account first.")}}));

  // Decisions and orders.
  s["Reason"] = Reply({{"code", Schema("ReasonCode")},
                       {"action", Schema("RuleAction")},
                       {"message", Str("One sentence with the figures, for people.")}});
  s["Decision"] =
      Reply({Optional("order_id", Id("Absent in credit-check answers.")),
             {"decision", Schema("Outcome")},
             {"reasons", ArrayOf(Schema("Reason"), "Every rule that fired, in check order.")},
             {"amount_minor", Minor("The amount checked, in the account's currency: the order "
                                    "amount, or for an order change the change (negative for a "
                                    "decrease).")},
             {"currency", CurrencyCode("The account's currency.")},
             {"account", Reply({{"limit_minor", Minor()},
                                {"effective_limit_minor", Minor()},
                                {"exposure_minor", Minor("Before the order.")},
                                {"orders_open_minor", Minor()},
                                {"receivables_open_minor", Minor()},
                                {"unapplied_credit_minor", Minor()},
                                {"available_minor", Minor("Before the order.")},
                                {"available_after_minor", Minor("After the order.")},
                                {"utilization_after_bp", Int("After the order, in basis points.")},
                                {"overdue_minor", Minor()},
                                {"oldest_days_past_due", Int()}},
                               "The account figures the rules saw.")},
             {"group", Nullable(Reply({{"limit_minor", Minor()},
                                       {"exposure_minor", Minor("Before the order.")},
                                       {"available_after_minor", Minor("After the order.")}},
                                      "The credit group figures; null when the account is in no "
                                      "group."))},
             Optional("seq", Int("Only in the answer of POST /v1/orders (and its batch op)."))},
            "An explained credit decision.");
  s["Order"] =
      Reply({{"order_id", Id()},
             {"customer_id", Id()},
             SegmentOut(),
             {"status", Schema("OrderStatus")},
             {"currency", CurrencyCode("The account's currency.")},
             {"amount_minor", Minor("In the account's currency.")},
             {"reserved_minor", Minor()},
             {"invoiced_minor", Minor()},
             {"requested_amount_minor", Minor("As requested, in requested_currency.")},
             {"requested_currency", CurrencyCode()},
             {"placed_at", Instant()},
             {"expires_at", Nullable(Instant("null when the reservation does not expire."))},
             {"decision", SchemaRef("Decision", "The decision at placement (with order_id).")},
             {"released_by", Str("The actor who released the hold; empty when not released.")},
             {"release_reason", Str()}},
            "An open or held order.");

  // Receivables.
  s["Invoice"] = Reply({{"invoice_id", Id()},
                        {"order_id", Str("Empty when the invoice is for no order.")},
                        {"customer_id", Id()},
                        SegmentOut(),
                        {"currency", CurrencyCode("The account's currency.")},
                        {"amount_minor", Minor()},
                        {"open_minor", Minor()},
                        {"issued_on", DateString()},
                        {"due_on", DateString()},
                        {"days_past_due", Int("0 when not overdue.")}},
                       "An open invoice.");
  s["Allocation"] = Reply({{"invoice_id", Id()}, {"amount_minor", Minor()}});

  // Groups, policies, FX rates.
  s["Group"] = Reply({{"group_id", Id()},
                      {"name", Str()},
                      {"currency", CurrencyCode()},
                      {"limit_minor", Minor()},
                      {"exposure_minor", Minor()},
                      {"available_minor", Minor("Limit - exposure; may be negative.")},
                      {"members", ArrayOf(Schema("AccountRef"))}},
                     "A credit group: accounts that share a limit.");
  Fields policy = {{"name", Id()}, {"tolerance_bp", Int()}, {"warning_bp", Int()}};
  for (const char* amount : {"max_order_value", "max_overdue_amount", "day_quota", "month_quota"}) {
    policy.push_back({std::string(amount) + "_minor", Nullable(Minor("null when not set."))});
    policy.push_back(
        {std::string(amount) + "_currency", Nullable(CurrencyCode("null when not set."))});
    if (std::string_view(amount) == "max_order_value") {
      policy.push_back({"max_days_past_due", Nullable(Int("null when not set."))});
    }
  }
  for (const char* action :
       {"blocked_action", "on_hold_action", "prepayment_action", "review_expired_action",
        "max_order_value_action", "overdue_action", "quota_action", "limit_action",
        "group_limit_action", "warning_action"}) {
    policy.push_back({action, Schema("RuleAction")});
  }
  s["Policy"] = Reply(policy,
                      "A named credit policy: the rules an account's orders are checked "
                      "against.");
  s["FxRate"] = Reply({{"from", CurrencyCode()},
                       {"to", CurrencyCode()},
                       {"rate", Str("1 `from` = rate `to`, as an exact decimal string.")},
                       {"effective_on", DateString()}});

  // The change feed and tokens.
  s["Event"] = Reply(
      {{"seq", Int("1, 2, 3, ... without gaps.")},
       {"time", Instant("When the server accepted the command.")},
       {"today", DateString("The business date in the server's business time zone.")},
       {"actor", Str("token:<token_id>, or the service itself.")},
       {"type", Schema("EventType")},
       {"data", Describe(json::object{{"type", "object"}},
                         "The event body's fields by name (see docs/events.md): the command's "
                         "fields plus what the server resolved (converted amounts, the "
                         "decision, allocations). Money is {amount_minor, currency}, dates "
                         "YYYY-MM-DD or null, instants milliseconds since 1970.")}});
  s["Token"] = Reply({{"token_id", Str()},
                      {"role", Schema("Role")},
                      {"name", Str()},
                      {"created_at", Instant()},
                      {"revoked", Bool()}},
                     "An API token; the server stores only the SHA-256 of its secret.");
  s["NewToken"] = json::object{
      {"allOf", json::array{Schema("Token"),
                            Reply({{"token", Str("The bearer secret; shown only here.")}})}}};

  // Request bodies.
  Fields open_account = {
      {"currency", CurrencyCode("The account's currency.")},
      Optional("limit_minor", Describe(IntRange(0, kAmountMinorMax), "Default 0.")),
      Optional("payment_terms_days", Describe(IntRange(0, 3650), "Default 30.")),
      Optional("grade", Str("At most 16 characters.")),
      Optional("policy", Id("A policy name; default \"standard\".")),
      Optional("review_on", DateString()),
      Optional("group_id", Id("A credit group in the account's currency.")),
      Optional("status", SchemaRef("AccountStatus", "Default active."))};
  s["CreateCustomerRequest"] =
      Body(Concat({{"customer_id", Id()},
                   {"name", Text()},
                   Optional("industry", Text()),
                   Optional("region", Text()),
                   Optional("tags", Describe(ArrayOf(Text()), "At most 32.")),
                   SegmentIn()},
                  open_account),
           "A customer with its first credit account.");
  s["UpdateCustomerRequest"] = Body(
      {Optional("name", Text()), Optional("industry", Text()), Optional("region", Text()),
       Optional("tags", Describe(ArrayOf(Text()), "Replaces the tags; at most 32.")),
       Optional("segment", Id("The account the account fields below change; absent: the default "
                              "account.")),
       Optional("payment_terms_days", IntRange(0, 3650)),
       Optional("grade", Str("At most 16 characters.")),
       Optional("review_on", Nullable(DateString("null clears it."))),
       Optional("policy", Id("A policy name."))},
      "Absent fields are left as they are.");
  s["OpenAccountRequest"] =
      Body(Concat({{"segment", Id("The new account's credit segment.")}}, open_account));
  s["SetAlertRulesRequest"] = Body({Optional("overdue_days", IntRange(0, kAlertRuleDaysMax)),
                                    Optional("hold_sla_minutes", IntRange(1, kAlertRuleMinutesMax)),
                                    Optional("expiry_notice_days", IntRange(0, kAlertRuleDaysMax)),
                                    Optional("review_notice_days", IntRange(0, kAlertRuleDaysMax))},
                                   "Absent fields take their defaults (30, 240, 14, 0).");
  s["AcknowledgeAlertRequest"] = Body({}, "An empty object, or no body.");
  s["ImportRequest"] = Body({},
                            "Sent as the CSV file itself with Content-Type text/csv "
                            "(docs/import.md), not as JSON.");
  s["PutWebhookRequest"] =
      Body({{"url", Str("http://host:port/path or https://host:port/path (the receiver's "
                        "certificate is verified: docs/monitoring.md)")},
            {"secret", Str("16 to 256 bytes; signs every delivery (HMAC-SHA256).")},
            Optional("active", Bool("Default true.")),
            Optional("reason", Text("Recorded in the audit trail."))});
  s["Alert"] = Reply({{"alert_id", Int()},
                      {"rule", Str("utilization_warning, utilization_exceeded, invoice_overdue, "
                                   "overdue_days, hold_created, hold_sla, "
                                   "temporary_limit_expiring, collateral_expiring, review_due, "
                                   "grade_downgrade")},
                      {"customer_id", Id()},
                      {"segment", Str()},
                      {"subject_id", Str("The invoice, order, temporary limit or collateral.")},
                      {"amount_minor", Int()},
                      {"currency", Str()},
                      {"value", Int("Utilization bp, days past due, minutes or days left.")},
                      {"detail", Str()},
                      {"seq", Int()},
                      {"time", Str()},
                      {"day", Str()},
                      {"acknowledged", Bool()},
                      Optional("acknowledged_by", Str()),
                      Optional("acknowledged_at", Str())});
  s["SetLimitRequest"] = Body({{"limit_minor", IntRange(0, kAmountMinorMax)},
                               {"currency", CurrencyCode("Must be the account's currency.")},
                               Optional("reason", Text()),
                               SegmentIn()});
  s["AddTemporaryLimitRequest"] =
      Body({{"temporary_limit_id", Id()},
            {"amount_minor", IntRange(1, kAmountMinorMax)},
            {"currency", CurrencyCode("Must be the account's currency.")},
            {"valid_from", DateString()},
            {"valid_to", DateString("Not before valid_from.")},
            Optional("reason", Text()),
            SegmentIn()});
  s["AddCollateralRequest"] = Body({{"collateral_id", Id()},
                                    {"kind", Id("For example bank_guarantee.")},
                                    {"amount_minor", IntRange(1, kAmountMinorMax)},
                                    {"currency", CurrencyCode("Must be the account's currency.")},
                                    {"valid_to", DateString()},
                                    Optional("counts_toward_limit", Bool("Default true.")),
                                    SegmentIn()});
  s["SetStatusRequest"] =
      Body({{"status", Schema("AccountStatus")}, Optional("reason", Text()), SegmentIn()});
  s["CreateGroupRequest"] = Body({{"group_id", Id()},
                                  Optional("name", Text()),
                                  {"limit_minor", IntRange(0, kAmountMinorMax)},
                                  {"currency", CurrencyCode("The group's currency.")}});
  s["SetGroupLimitRequest"] = Body({{"limit_minor", IntRange(0, kAmountMinorMax)},
                                    {"currency", CurrencyCode("Must be the group's currency.")},
                                    Optional("reason", Text())});
  s["JoinGroupRequest"] = Body({{"customer_id", Id()}, SegmentIn()});

  Policy defaults;
  Fields policy_input = {
      Optional("tolerance_bp", Describe(IntRange(0, kPolicyBasisPointsMax),
                                        "Default " + std::to_string(defaults.tolerance_bp) + ".")),
      Optional("warning_bp", Describe(IntRange(0, kPolicyBasisPointsMax),
                                      "Default " + std::to_string(defaults.warning_bp) + "."))};
  json::object dependent;
  for (const char* amount : {"max_order_value", "max_overdue_amount", "day_quota", "month_quota"}) {
    std::string minor = std::string(amount) + "_minor",
                currency = std::string(amount) + "_currency";
    policy_input.push_back(Optional(minor, IntRange(0, kAmountMinorMax, "Default: not set.")));
    policy_input.push_back(Optional(currency, CurrencyCode("Goes with " + minor + ".")));
    dependent[minor] = json::array{json::string(currency)};
    dependent[currency] = json::array{json::string(minor)};
    if (std::string_view(amount) == "max_order_value") {
      policy_input.push_back(Optional("max_days_past_due", IntRange(0, 3650, "Default: not set.")));
    }
  }
  const std::pair<const char*, RuleAction> actions[] = {
      {"blocked_action", defaults.blocked_action},
      {"on_hold_action", defaults.on_hold_action},
      {"prepayment_action", defaults.prepayment_action},
      {"review_expired_action", defaults.review_expired_action},
      {"max_order_value_action", defaults.max_order_value_action},
      {"overdue_action", defaults.overdue_action},
      {"quota_action", defaults.quota_action},
      {"limit_action", defaults.limit_action},
      {"group_limit_action", defaults.group_limit_action},
      {"warning_action", defaults.warning_action},
  };
  for (const auto& [name, action] : actions) {
    json::object schema = Schema("RuleAction");
    schema["default"] = NameOf(action);
    policy_input.push_back(Optional(name, std::move(schema)));
  }
  json::object set_policy = Body(policy_input,
                                 "The whole policy: absent fields take their defaults (they do "
                                 "not keep the old values). A *_minor limit needs its *_currency.");
  set_policy["dependentRequired"] = std::move(dependent);
  s["SetPolicyRequest"] = std::move(set_policy);

  s["SetFxRateRequest"] = Body(
      {{"from", CurrencyCode()},
       {"to", CurrencyCode("Not the same as from.")},
       {"rate",
        Describe(json::object{{"type", "string"}, {"pattern", "^[0-9]{1,7}(\\.[0-9]{1,10})?$"}},
                 "1 `from` = rate `to`: a positive decimal string with at most 10 "
                 "fraction digits, so that no rate passes through floating point.")},
       {"effective_on", DateString()}});
  s["CreditCheckRequest"] = Body({{"customer_id", Id()},
                                  {"amount_minor", IntRange(1, kAmountMinorMax)},
                                  {"currency", CurrencyCode("Converted at the FX rate in effect "
                                                            "today when not the account's.")},
                                  SegmentIn()});
  s["CreateOrderRequest"] =
      Body({{"order_id", Id()},
            {"customer_id", Id()},
            {"amount_minor", IntRange(1, kAmountMinorMax)},
            {"currency", CurrencyCode("Converted at the FX rate in effect today when not the "
                                      "account's.")},
            SegmentIn(),
            Optional("expires_at", Instant("The reservation is released automatically once this "
                                           "instant passes."))});
  s["ChangeOrderRequest"] =
      Body({{"amount_minor", IntRange(1, kAmountMinorMax, "The order's new total.")},
            {"currency", CurrencyCode("Must be the order's requested currency.")}});
  s["CancelOrderRequest"] = Body({Optional("reason", Text())});
  s["HoldDecisionRequest"] = Body({{"reason", Describe(Text(), "Required, not empty.")}});
  s["CreateInvoiceRequest"] = Body(
      {{"invoice_id", Id()},
       {"customer_id", Id()},
       SegmentIn(),
       Optional("order_id", Id("The open order the invoice bills; its reservation is consumed.")),
       {"amount_minor", IntRange(1, kAmountMinorMax)},
       {"currency", CurrencyCode("Converted at the rate in effect on issued_on when not the "
                                 "account's.")},
       {"issued_on", DateString()},
       Optional("due_on", DateString("Default: issued_on + the account's payment terms.")),
       Optional("close_order", Bool("Release what the order still reserves; needs order_id. "
                                    "Default false."))});
  s["RecordPaymentRequest"] =
      Body({{"payment_id", Id()},
            {"customer_id", Id()},
            SegmentIn(),
            Optional("invoice_id", Id("Settle this invoice; absent: the oldest due first.")),
            {"amount_minor", IntRange(1, kAmountMinorMax)},
            {"currency", CurrencyCode()},
            {"received_on", DateString()}});
  s["IssueCreditNoteRequest"] =
      Body({{"credit_note_id", Id()},
            {"customer_id", Id()},
            SegmentIn(),
            Optional("invoice_id", Id("Settle this invoice; absent: the oldest due first.")),
            {"amount_minor", IntRange(1, kAmountMinorMax)},
            {"currency", CurrencyCode()},
            {"issued_on", DateString()},
            Optional("reason", Text())});
  json::object write_off =
      Body({{"write_off_id", Id()},
            {"invoice_id", Id()},
            Optional("amount_minor", IntRange(1, kAmountMinorMax,
                                              "At most the invoice's open amount; absent: all "
                                              "of it.")),
            Optional("currency", CurrencyCode("The account's currency; required with "
                                              "amount_minor, refused without it.")),
            Optional("reason", Text())});
  write_off["dependentRequired"] = json::object{{"amount_minor", json::array{"currency"}},
                                                {"currency", json::array{"amount_minor"}}};
  s["WriteOffRequest"] = std::move(write_off);

  // Batch.
  json::array per_op;
  std::string op_table;
  for (const BatchOp& op : kBatchOps) {
    json::object body = Schema(op.request_schema);
    if (op.path_field != nullptr) {
      body = WithBodyField(s[op.request_schema].as_object(), op.path_field, Id());
    }
    per_op.push_back(json::object{
        {"if", json::object{{"properties", json::object{{"op", json::object{{"const", op.op}}}}},
                            {"required", json::array{"op"}}}},
        {"then", json::object{{"properties", json::object{{"body", std::move(body)}}}}}});
    op_table += std::string("\n- `") + op.op + "`: " + op.route + " (role " + op.role + ")";
    if (op.path_field != nullptr) op_table += std::string("; `") + op.path_field + "` in body";
  }
  json::object command = Body(
      {{"op", Schema("BatchOp")},
       Optional("idempotency_key",
                Describe(json::object{{"type", "string"}, {"pattern", "^[A-Za-z0-9._:-]{1,100}$"}},
                         "Default: the batch's Idempotency-Key, ':' and the item's "
                         "index.")),
       {"body",
        Describe(json::object{{"type", "object"}}, "The body of the endpoint the op stands for.")}},
      "One batch item, applied as if it were its own request:" + op_table);
  command["allOf"] = std::move(per_op);
  s["BatchCommand"] = std::move(command);
  s["BatchRequest"] =
      Body({{"commands", Describe(ArrayOf(Schema("BatchCommand")), "At most 1000.")}});
  s["BatchResult"] =
      Reply({{"status", Int("The HTTP status the item's own request would have had.")},
             {"body", Describe(json::object{{"type", "object"}},
                               "The body the item's own request would have had: its success body "
                               "or an Error.")}});

  s["CreateTokenRequest"] = Body({{"role", Schema("Role")},
                                  Optional("name", Text()),
                                  Optional("reason", Text("Recorded in the audit trail."))});
  s["AuditEntry"] = Reply(
      {{"seq", Int("The journal record's seq (source=journal) or the admin entry's (admin).")},
       {"time", Instant()},
       {"actor", Str("token:ID, user:NAME, or (admin entries made by the CLI) cli:OS_USER.")},
       {"command", Str("The event type (docs/events.md) or the admin change: token_created, "
                       "token_revoked, user_created, user_changed, webhook_set, "
                       "webhook_deleted.")},
       {"subject", Str("What changed: a customer (ID or ID/SEGMENT), group, order, request, "
                       "plan, policy, FX pair, token, user or webhook; empty for events about "
                       "everything.")},
       {"before", Describe(json::object{},
                           "Journal: for *_set and *_updated events, the fields "
                           "of the previous event of the same type on the same "
                           "subject; else null. Admin: the changed fields "
                           "before.")},
       {"after", Describe(json::object{},
                          "Journal: the event's fields; admin: the changed "
                          "fields after (never a secret).")},
       {"reason", Str("The reason given with the change, or empty.")}},
      "One audited change.");

  // Console sessions and users.
  s["LoginRequest"] = Body({{"username", Str()}, {"password", Str()}});
  s["Session"] = Reply(
      {{"auth", StringEnum({"session", "token"},
                           "session: a console login (cookie); token: an API token.")},
       {"role", Schema("Role")},
       Optional("username", Str("The console user (sessions).")),
       Optional("csrf_token",
                Str("Sessions: send it as X-CSRF-Token with every request that changes data.")),
       Optional("expires_at", Instant("Sessions: when the session ends if left idle.")),
       Optional("token_id", Str("Tokens: the token's id."))},
      "Who is calling.");
  s["User"] = Reply({{"username", Str()},
                     {"role", Schema("Role")},
                     {"created_at", Instant()},
                     {"disabled", Bool("Disabled users cannot log in.")}},
                    "A console user; the server keeps only an argon2id hash of the password.");
  s["CreateUserRequest"] = Body({{"username", Str("1-64 characters of A-Z a-z 0-9 . _ -")},
                                 {"password", Str("8 to 256 bytes.")},
                                 {"role", Schema("Role")},
                                 Optional("reason", Text("Recorded in the audit trail."))});
  s["ChangeUserRequest"] =
      Body({Optional("role", Schema("Role")),
            Optional("password", Str("A new password ends the user's sessions.")),
            Optional("disabled", Bool("Disabling ends the user's sessions.")),
            Optional("reason", Text("Recorded in the audit trail."))});
  AddAssessmentSchemas(s);
  return s;
}

json::object ErrorReply(std::string_view summary, int status) {
  std::string codes;
  for (const std::string& name : ErrorCodeNamesWithStatus(status)) {
    codes += (codes.empty() ? "`" : ", `") + name + "`";
  }
  return json::object{
      {"description", std::string(summary) + " (" + codes + ")."},
      {"content", json::object{{"application/json", json::object{{"schema", Schema("Error")}}}}}};
}

struct ErrorStatus {
  unsigned status;
  const char* component;
  const char* summary;
};

constexpr ErrorStatus kErrorStatuses[] = {
    {400, "BadRequest", "The request is malformed or a field is invalid"},
    {401, "Unauthenticated", "No valid Authorization: Bearer <token>"},
    {403, "Forbidden",
     "The role may not do this, or a console request that changes data lacks the session's "
     "X-CSRF-Token"},
    {404, "NotFound", "Something the request names does not exist"},
    {409, "Conflict",
     "The request conflicts with the state or with an earlier use of its "
     "Idempotency-Key"},
    {413, "PayloadTooLarge", "The body is over 1 MiB"},
    {415, "UnsupportedMediaType", "The body is not application/json"},
    {422, "Unprocessable", "The amounts cannot be combined"},
    {429, "TooManyRequests", "Too many failed logins; retry after Retry-After seconds"},
    {500, "Internal", "The server could not complete the request"},
    {503, "Unavailable",
     "The credit engine's queue is full (overloaded: retry after Retry-After seconds), its "
     "journal failed (writes_stopped: nothing is accepted until the server is restarted), or "
     "this server is a hot standby (standby: send commands to the active server)"},
};

json::object SharedResponses() {
  json::object responses;
  for (const ErrorStatus& error : kErrorStatuses) {
    json::object response = ErrorReply(error.summary, static_cast<int>(error.status));
    if (error.status == 503 || error.status == 429) {
      response["headers"] = json::object{
          {"Retry-After", json::object{{"description", "Seconds to wait before retrying."},
                                       {"schema", json::object{{"type", "integer"}}}}}};
    }
    responses[error.component] = std::move(response);
  }
  return responses;
}

json::object PathParameter(const char* name, std::string_view description) {
  return json::object{{"name", name},
                      {"in", "path"},
                      {"required", true},
                      {"description", description},
                      {"schema", Schema("Id")}};
}

json::object QueryParameter(const char* name, json::object schema, std::string_view description) {
  return json::object{{"name", name},
                      {"in", "query"},
                      {"required", false},
                      {"description", description},
                      {"schema", std::move(schema)}};
}

json::object SharedParameters() {
  json::object p;
  p["customer_id"] = PathParameter("customer_id", "A customer id.");
  p["order_id"] = PathParameter("order_id", "An open or held order's id.");
  p["group_id"] = PathParameter("group_id", "A credit group's id.");
  p["temporary_limit_id"] = PathParameter("temporary_limit_id", "A temporary limit's id.");
  p["collateral_id"] = PathParameter("collateral_id", "A collateral item's id.");
  p["name"] = PathParameter("name", "A policy name.");
  p["token_id"] = PathParameter("token_id", "An API token's id.");
  p["username"] = PathParameter("username", "A console user's name.");
  p["request_id"] = PathParameter("request_id", "A limit change request's id.");
  p["plan_id"] = PathParameter("plan_id", "A recovery plan's id.");
  p["alert_id"] = PathParameter("alert_id", "An alert's number.");
  p["webhook_id"] = PathParameter("webhook_id", "A webhook's id.");
  p["report"] =
      PathParameter("report", "portfolio, aging, overdue, dso, concentration, holds or trend.");
  p["entity"] = PathParameter("entity", "customers, limits or invoices.");
  p["segment"] = QueryParameter("segment", Schema("Segment"),
                                "The account's credit segment; absent or empty: the default "
                                "account.");
  p["IdempotencyKey"] = json::object{
      {"name", "Idempotency-Key"},
      {"in", "header"},
      {"required", true},
      {"description",
       "A client-chosen key for this change. A retry with the same key and the same request "
       "answers the first response again (with Idempotent-Replayed: true) and changes nothing; "
       "the same key with a different request is 409 idempotency_conflict. Kept for 24 hours."},
      {"schema", json::object{{"type", "string"}, {"pattern", "^[A-Za-z0-9._:-]{1,100}$"}}}};
  return p;
}

// ---------------------------------------------------------------------------------------------
// Operations.

struct Operation {
  std::string method, path;  // As registered in handlers_*.cpp.
  std::string role;          // "none": public, no authentication.
  std::string tag, id, summary, description;
  // Mirrors Api::AddWithoutIdempotencyKey: mutating methods need the header unless this is set.
  bool without_idempotency_key = false;
  std::vector<json::object> query;  // Query parameters (path parameters come from the path).
  std::string request_schema;       // components/schemas name, or empty: no body.
  unsigned status = 200;
  json::object response;  // Success body schema.
  std::vector<unsigned> errors;
  std::string content_type = "application/json";
  bool replays = true;  // With an Idempotency-Key: a replay carries Idempotent-Replayed.
};

json::object WithSeq(std::string_view schema_name) {
  return json::object{{"allOf", json::array{Schema(schema_name), Reply({Seq()})}}};
}

void AddMonitoringOperations(std::vector<Operation>& ops) {
  json::object any{{"type", "object"}};
  auto query = [](const char* name, json::object schema, const char* description) {
    return QueryParameter(name, std::move(schema), description);
  };
  ops.push_back({.method = "GET",
                 .path = "/v1/alerts",
                 .role = "viewer",
                 .tag = "Monitoring",
                 .id = "listAlerts",
                 .summary = "Alerts, oldest first",
                 .query = {query("rule", Str(), "Only this rule."),
                           query("customer_id", Str(), "Only this customer."),
                           query("acknowledged", Str(), "true or false."),
                           query("after_id", Int(), "Paging: alerts after this id."),
                           query("limit", IntRange(1, 500), "Default 50.")},
                 .response = Reply(
                     {{"alerts", ArrayOf(Schema("Alert"))}, {"next_after_id", Nullable(Int())}}),
                 .errors = {400, 401, 503}});
  ops.push_back({.method = "POST",
                 .path = "/v1/alerts/{alert_id}/acknowledge",
                 .role = "credit_manager",
                 .tag = "Monitoring",
                 .id = "acknowledgeAlert",
                 .summary = "Acknowledge an alert",
                 .request_schema = "AcknowledgeAlertRequest",
                 .response = Reply({{"alert_id", Int()}, {"acknowledged", Bool()}, Seq()}),
                 .errors = {400, 401, 403, 404, 409, 413, 415, 503}});
  ops.push_back({.method = "GET",
                 .path = "/v1/alert-rules",
                 .role = "viewer",
                 .tag = "Monitoring",
                 .id = "getAlertRules",
                 .summary = "The alert rules' parameters",
                 .response = any,
                 .errors = {401, 503}});
  ops.push_back({.method = "PUT",
                 .path = "/v1/alert-rules",
                 .role = "admin",
                 .tag = "Monitoring",
                 .id = "setAlertRules",
                 .summary = "Set the alert rules' parameters",
                 .request_schema = "SetAlertRulesRequest",
                 .response = any,
                 .errors = {400, 401, 403, 409, 413, 415, 503}});
  ops.push_back({.method = "GET",
                 .path = "/v1/webhooks",
                 .role = "admin",
                 .tag = "Monitoring",
                 .id = "listWebhooks",
                 .summary = "Configured webhooks (secrets are not shown)",
                 .response = any,
                 .errors = {401, 403, 404}});
  ops.push_back({.method = "PUT",
                 .path = "/v1/webhooks/{webhook_id}",
                 .role = "admin",
                 .tag = "Monitoring",
                 .id = "putWebhook",
                 .summary = "Create or replace a webhook",
                 .without_idempotency_key = true,
                 .request_schema = "PutWebhookRequest",
                 .response = any,
                 .errors = {400, 401, 403, 404, 413, 415},
                 .replays = false});
  ops.push_back({.method = "DELETE",
                 .path = "/v1/webhooks/{webhook_id}",
                 .role = "admin",
                 .tag = "Monitoring",
                 .id = "deleteWebhook",
                 .summary = "Remove a webhook",
                 .without_idempotency_key = true,
                 .query = {QueryParameter("reason", Text(), "Recorded in the audit trail.")},
                 .response = any,
                 .errors = {401, 403, 404},
                 .replays = false});
  ops.push_back({.method = "GET",
                 .path = "/v1/webhook-deliveries",
                 .role = "admin",
                 .tag = "Monitoring",
                 .id = "listWebhookDeliveries",
                 .summary = "The delivery log, newest first",
                 .query = {query("limit", IntRange(1, 1000), "Default 100.")},
                 .response = any,
                 .errors = {400, 401, 403, 404}});
  ops.push_back({.method = "GET",
                 .path = "/v1/reports/{report}",
                 .role = "analyst",
                 .tag = "Reports",
                 .id = "getReport",
                 .summary = "A report: portfolio, aging, overdue, dso, concentration, holds, trend",
                 .description = "JSON by default; format=csv gives one section (section=, "
                                "default the first) as CSV, format=xlsx the whole report as a "
                                "workbook. The overdue list pages by keyset: summary.next_after "
                                "is the after= of the next page; as csv or xlsx without limit, "
                                "after and section it is the whole list (xlsx: up to 1,048,575 "
                                "rows, else 413). See docs/reports.md.",
                 .query = {query("format", Str(), "json, csv or xlsx."),
                           query("section", Str(), "CSV: the section."),
                           query("customer_id", Str(), "Aging: one customer."),
                           query("after", Str(),
                                 "Aging: customers after this id. Overdue: the next_after of "
                                 "the previous page (YYYY-MM-DD.N)."),
                           query("limit", IntRange(1, 100000), "Rows of per-item sections."),
                           query("window_days", IntRange(1, 3650), "DSO window, default 90."),
                           query("days", IntRange(1, 731), "Trend: days back, default 400.")},
                 .response = any,
                 .errors = {400, 401, 403, 404, 413, 503}});
  ops.push_back({.method = "GET",
                 .path = "/v1/customers/{customer_id}/statement",
                 .role = "analyst",
                 .tag = "Reports",
                 .id = "getStatement",
                 .summary = "A customer account's credit statement over a window of days",
                 .description =
                     "Sections: summary (opening and closing figures, window totals, "
                     "reconciled), limit_history (every change of limit, temporary limits, "
                     "collateral, status, grade, score or group: seq, time, actor, before, after, "
                     "reason), exposure (one row per day: limit, effective limit, open orders, "
                     "open receivables, unapplied credit, exposure, overdue), open_orders and "
                     "open_invoices (now, with days past due and aging bucket), invoices, "
                     "settlements (payments, credit notes and write-offs with their "
                     "allocations) and decisions (orders with reason codes, hold releases and "
                     "rejections, limit request steps, reviews) in the window. JSON by "
                     "default; format=csv gives one section (section=, default summary), "
                     "format=xlsx every section as a worksheet. 409 history_unavailable when a "
                     "server without a journal no longer holds the account's events. See "
                     "docs/reports.md.",
                 .query = {json::object{{"$ref", "#/components/parameters/segment"}},
                           query("from", DateString(), "Default: 364 days before to."),
                           query("to", DateString(), "Default and latest: the business date."),
                           query("format", Str(), "json, csv or xlsx."),
                           query("section", Str(), "CSV: the section.")},
                 .response = any,
                 .errors = {400, 401, 403, 404, 409, 503}});
  ops.push_back({.method = "GET",
                 .path = "/v1/customers/{customer_id}/history",
                 .role = "analyst",
                 .tag = "Reports",
                 .id = "getCustomerHistory",
                 .summary = "Every committed event that touched the customer, oldest first",
                 .description = "One entry per event and account it changed, with the account "
                                "figures it moved (before and after). Keyset paging: pass "
                                "next_after as after for the next page; null on the last page.",
                 .query = {query("after", Int(), "Entries with larger seqs; default 0."),
                           query("limit", IntRange(1, 500), "Events per page, default 50.")},
                 .response = Reply({{"customer_id", Id()},
                                    {"entries", ArrayOf(Obj("{seq, time, actor, type, segment, "
                                                            "summary, changes: [{field, before, "
                                                            "after}]}"))},
                                    {"next_after", Nullable(Int())}}),
                 .errors = {400, 401, 403, 404, 409, 503}});
  ops.push_back({.method = "GET",
                 .path = "/v1/exports/{entity}",
                 .role = "analyst",
                 .tag = "Reports",
                 .id = "exportEntity",
                 .summary = "Export customers, limits, open invoices or financials as CSV",
                 .description = "In the columns POST /v1/imports reads for the same entity.",
                 .response = any,
                 .errors = {400, 401, 403, 503},
                 .content_type = "text/csv"});
  ops.push_back(
      {.method = "POST",
       .path = "/v1/imports",
       .role = "credit_manager",
       .tag = "Reports",
       .id = "importCsv",
       .summary = "Import a CSV file of customers, limits, invoices, payments or financials",
       .description = "The body is the CSV file (at most 1 MiB; larger files go "
                      "through `creditline import`). All or nothing: 422 "
                      "import_rejected lists every bad row with its line.",
       .without_idempotency_key = true,
       .query = {query("entity", Str(), "customers, limits, invoices, payments or financials."),
                 query("encoding", Str(), "auto, utf-8, gbk or gb18030.")},
       .request_schema = "ImportRequest",
       .response = any,
       .errors = {400, 401, 403, 413, 415, 422, 503},
       .replays = false});
}

std::vector<Operation> Operations() {
  const std::vector<unsigned> kCommand = {400, 401, 403, 404, 409, 413, 415, 503};
  const std::vector<unsigned> kMoneyCommand = {400, 401, 403, 404, 409, 413, 415, 422, 503};
  const std::vector<unsigned> kDelete = {400, 401, 403, 404, 409, 503};
  const std::vector<unsigned> kGetOne = {401, 404, 503};
  const std::vector<unsigned> kGetAll = {401, 503};
  json::object page_limit_100 = Describe(IntRange(1, 1000), "Default 100.");
  page_limit_100["default"] = 100;
  json::object page_limit_50 = Describe(IntRange(1, 500), "Default 50.");
  page_limit_50["default"] = 50;
  json::object segment_ref{{"$ref", "#/components/parameters/segment"}};

  std::vector<Operation> ops;

  // Service.
  ops.push_back({.method = "GET",
                 .path = "/healthz",
                 .role = "none",
                 .tag = "Service",
                 .id = "getHealth",
                 .summary = "Health check",
                 .description = "Answers once the credit engine has run the request, so it also "
                                "shows that the engine is live. 503 writes_stopped when the "
                                "journal has failed. On PostgreSQL with a standby pair, role "
                                "tells the active server from the standby; with role=active a "
                                "standby answers 503 standby, for load balancers that send "
                                "commands.",
                 .query = {QueryParameter(
                     "role", StringEnum({"active"}, "Only the active server answers 200."),
                     "Asks whether this is the active server.")},
                 .response = Reply({{"status", Const("ok")},
                                    {"seq", Int("The last event's sequence number.")},
                                    {"durable", Bool("True when every change is journaled "
                                                     "before it is acknowledged.")},
                                    {"role", StringEnum({"active", "standby", "memory"},
                                                        "active: takes commands; standby: "
                                                        "follows the active server's journal "
                                                        "and answers reads; memory: no "
                                                        "journal.")}}),
                 .errors = {400, 503}});
  ops.push_back(
      {.method = "GET",
       .path = "/openapi.json",
       .role = "none",
       .tag = "Service",
       .id = "getOpenApi",
       .summary = "This OpenAPI 3.1 document",
       .response = Describe(json::object{{"type", "object"}}, "The OpenAPI 3.1 document.")});
  ops.push_back({.method = "GET",
                 .path = "/metrics",
                 .role = "viewer",
                 .tag = "Service",
                 .id = "getMetrics",
                 .summary = "Prometheus metrics",
                 .description = "Prometheus text format: creditline_http_requests_total{route,"
                                "method,status}, creditline_http_request_duration_seconds "
                                "(histogram by route), creditline_decisions_total{decision}, "
                                "creditline_engine_queue_depth, creditline_events_total.",
                 .response = Str("Prometheus text exposition format 0.0.4."),
                 .errors = {401},
                 .content_type = "text/plain; version=0.0.4"});
  ops.push_back({.method = "GET",
                 .path = "/v1/events",
                 .role = "viewer",
                 .tag = "Events",
                 .id = "listEvents",
                 .summary = "The change feed",
                 .description = "Committed events with seq > after, oldest first: the most "
                                "recent 200,000 from memory, older ones read back from the "
                                "journal, so a client can start from 0 at any time.",
                 .query = {QueryParameter("after", Describe(Int(), "Default 0."),
                                          "Return events after this sequence number."),
                           QueryParameter("limit", page_limit_100, "At most this many events.")},
                 .response = Reply(
                     {{"events", ArrayOf(Schema("Event"))},
                      {"next_after", Int("The last returned seq (or `after` when none): pass it "
                                         "as `after` for the next page.")},
                      {"first_available_seq",
                       Int("The oldest event the feed can return (1 with a journal); 0 when "
                           "there is none.")}}),
                 .errors = {400, 401, 503}});
  ops.push_back(
      {.method = "GET",
       .path = "/v1/audit",
       .role = "credit_manager",
       .tag = "Audit",
       .id = "listAudit",
       .summary = "The audit trail",
       .description = "source=journal (default): every credit command from the "
                      "journal, a hash chain that `creditline audit verify` checks; "
                      "\"before\" is derived on read. source=admin: changes to API "
                      "tokens, console users and webhooks from the admin audit log. "
                      "Oldest first; each source numbers its own entries (docs/security.md).",
       .query = {QueryParameter("source", StringEnum({"journal", "admin"}, "Default journal."),
                                "Which part of the trail."),
                 QueryParameter("customer_id", Id(),
                                "Only entries about this customer "
                                "(journal only)."),
                 QueryParameter("actor", Str("token:ID or user:NAME."),
                                "Only entries by this actor."),
                 QueryParameter("after", Describe(Int(), "Default 0."), "Entries after this seq."),
                 QueryParameter("limit", IntRange(1, 500),
                                "At most this many "
                                "entries (default 100).")},
       .response = Reply({{"entries", ArrayOf(Schema("AuditEntry"))},
                          {"next_after", Int("The last returned seq (or `after`): pass "
                                             "it as `after` for the next page.")}}),
       .errors = {400, 401, 403, 500}});
  ops.push_back({.method = "POST",
                 .path = "/v1/tokens",
                 .role = "admin",
                 .tag = "Tokens",
                 .id = "createToken",
                 .summary = "Create an API token",
                 .description = "The secret `token` is shown only in this answer. Token changes "
                                "are not credit commands: they are recorded in the admin audit "
                                "log (GET /v1/audit?source=admin), not the journal, and take no "
                                "Idempotency-Key.",
                 .without_idempotency_key = true,
                 .request_schema = "CreateTokenRequest",
                 .status = 201,
                 .response = Schema("NewToken"),
                 .errors = {400, 401, 403, 413, 415, 500}});
  ops.push_back({.method = "GET",
                 .path = "/v1/tokens",
                 .role = "admin",
                 .tag = "Tokens",
                 .id = "listTokens",
                 .summary = "List API tokens",
                 .response = Reply({{"tokens", ArrayOf(Schema("Token"))}}),
                 .errors = {401, 403}});
  ops.push_back({.method = "DELETE",
                 .path = "/v1/tokens/{token_id}",
                 .role = "admin",
                 .tag = "Tokens",
                 .id = "revokeToken",
                 .summary = "Revoke an API token",
                 .description = "Revoking a revoked token succeeds again. No Idempotency-Key. "
                                "Recorded in the admin audit log.",
                 .without_idempotency_key = true,
                 .query = {QueryParameter("reason", Text(), "Recorded in the audit trail.")},
                 .response = Reply({{"token_id", Str()}, {"revoked", Const(true)}}),
                 .errors = {401, 403, 404, 500}});

  // Console sessions and users.
  ops.push_back({.method = "POST",
                 .path = "/v1/session",
                 .role = "none",
                 .tag = "Sessions",
                 .id = "logIn",
                 .summary = "Log in to the console",
                 .description =
                     "Checks a console user's password and answers with a session cookie "
                     "(`Set-Cookie: cl_session=...; Path=/; HttpOnly; SameSite=Strict; "
                     "Max-Age=43200`) and the session's CSRF token. A session ends after 30 "
                     "minutes without a request, after 12 hours in any case, on logout, and when "
                     "the user is disabled or given a new password. Five failed logins for one "
                     "user name (or twenty from one address) within 15 minutes refuse further "
                     "attempts with 429 until the window has passed. Not journaled; no "
                     "Idempotency-Key.",
                 .without_idempotency_key = true,
                 .request_schema = "LoginRequest",
                 .response = Schema("Session"),
                 .errors = {400, 401, 404, 413, 415, 429}});
  ops.push_back({.method = "GET",
                 .path = "/v1/session",
                 .role = "viewer",
                 .tag = "Sessions",
                 .id = "getSession",
                 .summary = "Who am I",
                 .description = "The caller's role, and for a console session its user, CSRF "
                                "token and expiry.",
                 .response = Schema("Session"),
                 .errors = {401}});
  ops.push_back({.method = "DELETE",
                 .path = "/v1/session",
                 .role = "viewer",
                 .tag = "Sessions",
                 .id = "logOut",
                 .summary = "Log out",
                 .description = "Ends the console session and clears its cookie (with a token: "
                                "nothing to end). No Idempotency-Key.",
                 .without_idempotency_key = true,
                 .response = Reply({{"logged_out", Const(true)}}),
                 .errors = {401, 403}});
  ops.push_back({.method = "GET",
                 .path = "/v1/users",
                 .role = "admin",
                 .tag = "Users",
                 .id = "listUsers",
                 .summary = "List console users",
                 .response = Reply({{"users", ArrayOf(Schema("User"))}}),
                 .errors = {401, 403, 404}});
  ops.push_back({.method = "POST",
                 .path = "/v1/users",
                 .role = "admin",
                 .tag = "Users",
                 .id = "createUser",
                 .summary = "Add a console user",
                 .description = "User changes are not credit commands: they are recorded in "
                                "the admin audit log, not the journal, and take no "
                                "Idempotency-Key.",
                 .without_idempotency_key = true,
                 .request_schema = "CreateUserRequest",
                 .status = 201,
                 .response = Schema("User"),
                 .errors = {400, 401, 403, 404, 409, 413, 415, 500}});
  ops.push_back({.method = "PATCH",
                 .path = "/v1/users/{username}",
                 .role = "admin",
                 .tag = "Users",
                 .id = "changeUser",
                 .summary = "Change a console user's role, password or state",
                 .description = "A new role applies to the user's open sessions at once; a new "
                                "password or disabling ends them. Administrators cannot disable "
                                "themselves or drop their own admin role (409). No "
                                "Idempotency-Key.",
                 .without_idempotency_key = true,
                 .request_schema = "ChangeUserRequest",
                 .response = Schema("User"),
                 .errors = {400, 401, 403, 404, 409, 413, 415, 500}});

  // Customers and accounts.
  ops.push_back({.method = "POST",
                 .path = "/v1/customers",
                 .role = "analyst",
                 .tag = "Customers",
                 .id = "createCustomer",
                 .summary = "Create a customer with its first credit account",
                 .request_schema = "CreateCustomerRequest",
                 .status = 201,
                 .response = Reply(Concat(AccountRefOut(), {{"currency", CurrencyCode()},
                                                            {"limit_minor", Minor()},
                                                            {"payment_terms_days", Int()},
                                                            {"grade", Str()},
                                                            {"policy", Id()},
                                                            {"review_on", Nullable(DateString())},
                                                            {"group_id", Str()},
                                                            {"status", Schema("AccountStatus")},
                                                            {"name", Str()},
                                                            {"industry", Str()},
                                                            {"region", Str()},
                                                            {"tags", ArrayOf(Str())},
                                                            Seq()})),
                 .errors = kMoneyCommand});
  ops.push_back(
      {.method = "GET",
       .path = "/v1/customers",
       .role = "viewer",
       .tag = "Customers",
       .id = "listCustomers",
       .summary = "List customers",
       .description = "Ordered by customer id, a page at a time.",
       .query = {QueryParameter("q", Str(),
                                "Customer id or name contains this (ASCII case "
                                "ignored)."),
                 QueryParameter("status", Schema("AccountStatus"),
                                "Any of the customer's accounts has this status."),
                 QueryParameter("grade", Str(), "Any of the customer's accounts has this grade."),
                 QueryParameter("limit", page_limit_50, "Page size."),
                 QueryParameter("page_token", Str(), "next_page_token of the previous page.")},
       .response = Reply({{"customers", ArrayOf(Schema("CustomerSummary"))},
                          {"next_page_token", Nullable(Str("null on the last page."))}}),
       .errors = {400, 401, 503}});
  ops.push_back({.method = "GET",
                 .path = "/v1/customers/{customer_id}",
                 .role = "viewer",
                 .tag = "Customers",
                 .id = "getCustomer",
                 .summary = "A customer with all its credit accounts",
                 .response = Schema("CustomerDetail"),
                 .errors = kGetOne});
  ops.push_back({.method = "PATCH",
                 .path = "/v1/customers/{customer_id}",
                 .role = "analyst",
                 .tag = "Customers",
                 .id = "updateCustomer",
                 .summary = "Update a customer and one of its accounts",
                 .request_schema = "UpdateCustomerRequest",
                 .response = Reply({{"customer_id", Id()}, Seq()}),
                 .errors = kCommand});
  ops.push_back({.method = "POST",
                 .path = "/v1/customers/{customer_id}/accounts",
                 .role = "credit_manager",
                 .tag = "Customers",
                 .id = "openAccount",
                 .summary = "Open another credit account (segment)",
                 .request_schema = "OpenAccountRequest",
                 .status = 201,
                 .response = Reply(Concat(AccountRefOut(), {Seq()})),
                 .errors = kMoneyCommand});
  ops.push_back(
      {.method = "PUT",
       .path = "/v1/customers/{customer_id}/limit",
       .role = "credit_manager",
       .tag = "Customers",
       .id = "setLimit",
       .summary = "Set an account's base credit limit",
       .request_schema = "SetLimitRequest",
       .response = Reply(Concat(AccountRefOut(),
                                {{"limit_minor", Minor()}, {"currency", CurrencyCode()}, Seq()})),
       .errors = kMoneyCommand});
  ops.push_back({.method = "POST",
                 .path = "/v1/customers/{customer_id}/temporary-limits",
                 .role = "credit_manager",
                 .tag = "Customers",
                 .id = "addTemporaryLimit",
                 .summary = "Add a temporary limit",
                 .description = "Counts toward the effective limit from valid_from to valid_to "
                                "(inclusive). At most 32 per account.",
                 .request_schema = "AddTemporaryLimitRequest",
                 .status = 201,
                 .response = Reply(Concat(AccountRefOut(), {{"temporary_limit_id", Id()}, Seq()})),
                 .errors = kMoneyCommand});
  ops.push_back({.method = "DELETE",
                 .path = "/v1/customers/{customer_id}/temporary-limits/{temporary_limit_id}",
                 .role = "credit_manager",
                 .tag = "Customers",
                 .id = "removeTemporaryLimit",
                 .summary = "Remove a temporary limit",
                 .query = {segment_ref},
                 .response = Reply(Concat(AccountRefOut(), {{"temporary_limit_id", Id()}, Seq()})),
                 .errors = kDelete});
  ops.push_back({.method = "POST",
                 .path = "/v1/customers/{customer_id}/collateral",
                 .role = "credit_manager",
                 .tag = "Customers",
                 .id = "addCollateral",
                 .summary = "Add collateral",
                 .description = "At most 32 items per account.",
                 .request_schema = "AddCollateralRequest",
                 .status = 201,
                 .response = Reply(Concat(AccountRefOut(), {{"collateral_id", Id()}, Seq()})),
                 .errors = kMoneyCommand});
  ops.push_back({.method = "DELETE",
                 .path = "/v1/customers/{customer_id}/collateral/{collateral_id}",
                 .role = "credit_manager",
                 .tag = "Customers",
                 .id = "removeCollateral",
                 .summary = "Remove collateral",
                 .query = {segment_ref},
                 .response = Reply(Concat(AccountRefOut(), {{"collateral_id", Id()}, Seq()})),
                 .errors = kDelete});
  ops.push_back(
      {.method = "PUT",
       .path = "/v1/customers/{customer_id}/status",
       .role = "credit_manager",
       .tag = "Customers",
       .id = "setStatus",
       .summary = "Set an account's status",
       .request_schema = "SetStatusRequest",
       .response = Reply(Concat(AccountRefOut(), {{"status", Schema("AccountStatus")}, Seq()})),
       .errors = kCommand});
  ops.push_back({.method = "GET",
                 .path = "/v1/customers/{customer_id}/orders",
                 .role = "viewer",
                 .tag = "Customers",
                 .id = "listCustomerOrders",
                 .summary = "An account's open and held orders, oldest first",
                 .query = {segment_ref},
                 .response = Reply({{"orders", ArrayOf(Schema("Order"))}}),
                 .errors = {400, 401, 404, 503}});
  ops.push_back({.method = "GET",
                 .path = "/v1/customers/{customer_id}/invoices",
                 .role = "viewer",
                 .tag = "Customers",
                 .id = "listCustomerInvoices",
                 .summary = "An account's open invoices, by due date",
                 .query = {segment_ref},
                 .response = Reply({{"invoices", ArrayOf(Schema("Invoice"))}}),
                 .errors = {400, 401, 404, 503}});

  // Orders, credit checks and the hold queue.
  ops.push_back({.method = "POST",
                 .path = "/v1/credit-checks",
                 .role = "sales",
                 .tag = "Orders",
                 .id = "checkCredit",
                 .summary = "Check credit for a hypothetical order",
                 .description = "Changes nothing, so it takes no Idempotency-Key. The Decision "
                                "has no order_id and no seq.",
                 .without_idempotency_key = true,
                 .request_schema = "CreditCheckRequest",
                 .response = Schema("Decision"),
                 .errors = {400, 401, 403, 404, 413, 415, 422, 503}});
  json::object placed = json::object{
      {"allOf", json::array{Schema("Decision"),
                            json::object{{"required", json::array{"order_id", "seq"}}}}}};
  ops.push_back({.method = "POST",
                 .path = "/v1/orders",
                 .role = "sales",
                 .tag = "Orders",
                 .id = "placeOrder",
                 .summary = "Place an order: check credit and reserve",
                 .description = "A credit refusal is not an error: the answer is always 200 with "
                                "the decision. approved and approved_with_warning reserve the "
                                "amount; held puts the order in the hold queue; rejected "
                                "records nothing but the decision.",
                 .request_schema = "CreateOrderRequest",
                 .response = placed,
                 .errors = kMoneyCommand});
  ops.push_back({.method = "GET",
                 .path = "/v1/orders/{order_id}",
                 .role = "viewer",
                 .tag = "Orders",
                 .id = "getOrder",
                 .summary = "An open or held order",
                 .response = Schema("Order"),
                 .errors = kGetOne});
  ops.push_back({.method = "PATCH",
                 .path = "/v1/orders/{order_id}",
                 .role = "sales",
                 .tag = "Orders",
                 .id = "changeOrder",
                 .summary = "Change an order's total",
                 .description = "An increase is checked again; one that a rule would hold or "
                                "reject is refused (applied: false). A decrease is always "
                                "applied.",
                 .request_schema = "ChangeOrderRequest",
                 .response = Reply({{"order_id", Id()},
                                    {"applied", Bool("false when the check refused an "
                                                     "increase.")},
                                    {"decision", Schema("Decision")},
                                    Seq()}),
                 .errors = kMoneyCommand});
  ops.push_back({.method = "POST",
                 .path = "/v1/orders/{order_id}/cancel",
                 .role = "sales",
                 .tag = "Orders",
                 .id = "cancelOrder",
                 .summary = "Cancel an order",
                 .request_schema = "CancelOrderRequest",
                 .response = Reply({{"order_id", Id()},
                                    {"released_minor", Minor("Reservation released; 0 for a "
                                                             "held order.")},
                                    Seq()}),
                 .errors = kCommand});
  ops.push_back({.method = "GET",
                 .path = "/v1/holds",
                 .role = "viewer",
                 .tag = "Holds",
                 .id = "listHolds",
                 .summary = "The hold queue, oldest first",
                 .query = {QueryParameter("limit", page_limit_100, "At most this many orders.")},
                 .response = Reply({{"holds", ArrayOf(Schema("Order"))},
                                    {"total", Int("Orders in the hold queue.")}}),
                 .errors = {400, 401, 503}});
  ops.push_back({.method = "POST",
                 .path = "/v1/holds/{order_id}/release",
                 .role = "credit_manager",
                 .tag = "Holds",
                 .id = "releaseHold",
                 .summary = "Release a held order",
                 .description = "Reserves the order's amount, even past the limit.",
                 .request_schema = "HoldDecisionRequest",
                 .response = Reply({{"order_id", Id()},
                                    {"decision", Const("approved")},
                                    {"reason", Str()},
                                    {"reserved_minor", Minor()},
                                    Seq()}),
                 .errors = kMoneyCommand});
  ops.push_back(
      {.method = "POST",
       .path = "/v1/holds/{order_id}/reject",
       .role = "credit_manager",
       .tag = "Holds",
       .id = "rejectHold",
       .summary = "Reject a held order",
       .request_schema = "HoldDecisionRequest",
       .response =
           Reply({{"order_id", Id()}, {"decision", Const("rejected")}, {"reason", Str()}, Seq()}),
       .errors = kCommand});

  // Receivables.
  ops.push_back({.method = "POST",
                 .path = "/v1/invoices",
                 .role = "analyst",
                 .tag = "Receivables",
                 .id = "createInvoice",
                 .summary = "Record an invoice",
                 .request_schema = "CreateInvoiceRequest",
                 .status = 201,
                 .response = Reply(Concat(
                     AccountRefOut(),
                     {{"invoice_id", Id()},
                      {"order_id", Str("Empty when the invoice is for no order.")},
                      {"amount_minor", Minor("In the account's currency.")},
                      {"due_on", DateString()},
                      {"reservation_consumed_minor", Minor("Moved from the order's "
                                                           "reservation.")},
                      {"reservation_released_minor", Minor("Released by close_order.")},
                      {"credit_applied_minor", Minor("Unapplied credit settled against it at "
                                                     "once.")},
                      Seq()})),
                 .errors = kMoneyCommand});
  auto settlement = [](const char* id_name) {
    return Reply(Concat(AccountRefOut(), {{id_name, Id()},
                                          {"amount_minor", Minor("In the account's currency.")},
                                          {"allocations", ArrayOf(Schema("Allocation"))},
                                          {"unapplied_minor", Minor("Kept as unapplied credit.")},
                                          Seq()}));
  };
  ops.push_back({.method = "POST",
                 .path = "/v1/payments",
                 .role = "analyst",
                 .tag = "Receivables",
                 .id = "recordPayment",
                 .summary = "Record a payment",
                 .description = "Settles the named invoice, or the oldest due first; what is "
                                "left becomes unapplied credit.",
                 .request_schema = "RecordPaymentRequest",
                 .status = 201,
                 .response = settlement("payment_id"),
                 .errors = kMoneyCommand});
  ops.push_back({.method = "POST",
                 .path = "/v1/credit-notes",
                 .role = "analyst",
                 .tag = "Receivables",
                 .id = "issueCreditNote",
                 .summary = "Issue a credit note",
                 .description = "Settles like a payment, without cash.",
                 .request_schema = "IssueCreditNoteRequest",
                 .status = 201,
                 .response = settlement("credit_note_id"),
                 .errors = kMoneyCommand});
  ops.push_back(
      {.method = "POST",
       .path = "/v1/write-offs",
       .role = "credit_manager",
       .tag = "Receivables",
       .id = "writeOff",
       .summary = "Write off (part of) an invoice",
       .request_schema = "WriteOffRequest",
       .status = 201,
       .response = Reply(Concat(AccountRefOut(), {{"write_off_id", Id()},
                                                  {"invoice_id", Id()},
                                                  {"amount_minor", Minor("Written off, in the "
                                                                         "account's currency.")},
                                                  Seq()})),
       .errors = kMoneyCommand});

  // Credit groups, policies and FX rates.
  ops.push_back({.method = "POST",
                 .path = "/v1/groups",
                 .role = "credit_manager",
                 .tag = "Groups",
                 .id = "createGroup",
                 .summary = "Create a credit group",
                 .request_schema = "CreateGroupRequest",
                 .status = 201,
                 .response = Reply({{"group_id", Id()},
                                    {"name", Str()},
                                    {"limit_minor", Minor()},
                                    {"currency", CurrencyCode()},
                                    Seq()}),
                 .errors = {400, 401, 403, 409, 413, 415, 503}});
  ops.push_back({.method = "GET",
                 .path = "/v1/groups/{group_id}",
                 .role = "viewer",
                 .tag = "Groups",
                 .id = "getGroup",
                 .summary = "A credit group",
                 .response = Schema("Group"),
                 .errors = kGetOne});
  ops.push_back(
      {.method = "PUT",
       .path = "/v1/groups/{group_id}/limit",
       .role = "credit_manager",
       .tag = "Groups",
       .id = "setGroupLimit",
       .summary = "Set a group's limit",
       .request_schema = "SetGroupLimitRequest",
       .response = Reply(
           {{"group_id", Id()}, {"limit_minor", Minor()}, {"currency", CurrencyCode()}, Seq()}),
       .errors = kMoneyCommand});
  ops.push_back({.method = "POST",
                 .path = "/v1/groups/{group_id}/members",
                 .role = "credit_manager",
                 .tag = "Groups",
                 .id = "joinGroup",
                 .summary = "Add an account to a group",
                 .description = "The account must be in the group's currency and in no group.",
                 .request_schema = "JoinGroupRequest",
                 .response = Reply(Concat(AccountRefOut(), {{"group_id", Id()}, Seq()})),
                 .errors = kMoneyCommand});
  ops.push_back({.method = "DELETE",
                 .path = "/v1/groups/{group_id}/members/{customer_id}",
                 .role = "credit_manager",
                 .tag = "Groups",
                 .id = "leaveGroup",
                 .summary = "Remove an account from a group",
                 .query = {segment_ref},
                 .response = Reply(Concat(AccountRefOut(), {{"group_id", Id()}, Seq()})),
                 .errors = kDelete});
  ops.push_back({.method = "GET",
                 .path = "/v1/policies",
                 .role = "viewer",
                 .tag = "Policies",
                 .id = "listPolicies",
                 .summary = "All credit policies",
                 .response = Reply({{"policies", ArrayOf(Schema("Policy"))}}),
                 .errors = kGetAll});
  ops.push_back({.method = "GET",
                 .path = "/v1/policies/{name}",
                 .role = "viewer",
                 .tag = "Policies",
                 .id = "getPolicy",
                 .summary = "A credit policy",
                 .response = Schema("Policy"),
                 .errors = kGetOne});
  ops.push_back({.method = "PUT",
                 .path = "/v1/policies/{name}",
                 .role = "credit_manager",
                 .tag = "Policies",
                 .id = "setPolicy",
                 .summary = "Create or replace a credit policy",
                 .request_schema = "SetPolicyRequest",
                 .response = WithSeq("Policy"),
                 .errors = {400, 401, 403, 409, 413, 415, 503}});
  ops.push_back({.method = "GET",
                 .path = "/v1/fx-rates",
                 .role = "viewer",
                 .tag = "FX rates",
                 .id = "listFxRates",
                 .summary = "All FX rates",
                 .response = Reply({{"rates", ArrayOf(Schema("FxRate"))}}),
                 .errors = kGetAll});
  ops.push_back({.method = "PUT",
                 .path = "/v1/fx-rates",
                 .role = "credit_manager",
                 .tag = "FX rates",
                 .id = "setFxRate",
                 .summary = "Set an FX rate from a date on",
                 .description = "Conversion on a date uses the latest rate in effect then, "
                                "directly or through the inverse pair.",
                 .request_schema = "SetFxRateRequest",
                 .response = WithSeq("FxRate"),
                 .errors = {400, 401, 403, 409, 413, 415, 503}});

  // Batch.
  ops.push_back({.method = "POST",
                 .path = "/v1/batch",
                 .role = "sales",
                 .tag = "Batch",
                 .id = "runBatch",
                 .summary = "Run many commands in one request",
                 .description = "Each item is applied in order as if it were its own request "
                                "(its own status and body; one item's failure does not stop "
                                "the others), all in one pass through the engine. Each item "
                                "also needs its op's role; an item beyond the token's role "
                                "answers 403 in its result. An item's idempotency key is its "
                                "idempotency_key, or else the batch's Idempotency-Key followed "
                                "by ':' and the item's index.",
                 .request_schema = "BatchRequest",
                 .response = Reply(
                     {{"results", ArrayOf(Schema("BatchResult"), "One per command, in order.")}}),
                 .errors = {400, 401, 403, 413, 415, 503},
                 .replays = false});
  // Credit assessment (docs/assessment.md).
  Fields financials_out = {{"customer_id", Id()},
                           {"period", Id()},
                           {"currency", CurrencyCode()},
                           {"revenue_minor", Minor()},
                           {"net_profit_minor", Minor()},
                           {"equity_minor", Minor()},
                           {"total_assets_minor", Minor()},
                           {"current_assets_minor", Minor()},
                           {"current_liabilities_minor", Minor()},
                           {"external_rating", Str()},
                           {"external_score", Nullable(Int())}};
  ops.push_back({.method = "POST",
                 .path = "/v1/customers/{customer_id}/financials",
                 .role = "analyst",
                 .tag = "Assessment",
                 .id = "recordFinancials",
                 .summary = "Record a period of a customer's financials",
                 .description = "The same period again replaces it; the newest 8 are kept.",
                 .request_schema = "RecordFinancialsRequest",
                 .status = 201,
                 .response = Reply(Concat(financials_out, {Seq()})),
                 .errors = kCommand});
  ops.push_back(
      {.method = "GET",
       .path = "/v1/customers/{customer_id}/financials",
       .role = "viewer",
       .tag = "Assessment",
       .id = "getFinancials",
       .summary = "A customer's financials, oldest period first",
       .response = Reply({{"customer_id", Id()}, {"financials", ArrayOf(Obj("A period."))}}),
       .errors = kGetOne});
  ops.push_back(
      {.method = "GET",
       .path = "/v1/customers/{customer_id}/assessment",
       .role = "viewer",
       .tag = "Assessment",
       .id = "getAssessment",
       .summary = "Assess an account now: metrics, score with explanation, grade, proposal",
       .query = {segment_ref},
       .response = Reply({{"customer_id", Id()},
                          SegmentOut(),
                          {"currency", CurrencyCode()},
                          {"status", Schema("AccountStatus")},
                          {"limit_minor", Minor()},
                          {"metrics", Obj("The behaviour metrics (docs/assessment.md).")},
                          {"financials_period", Nullable(Str())},
                          {"score", IntRange(0, 100)},
                          {"grade", Str()},
                          {"factors", ArrayOf(Obj("{factor, value, bin, points, weight}"))},
                          {"proposal", Obj("{prepayment_only, limit_minor, basis}")},
                          {"last_score", Nullable(Int())},
                          {"reviewed_on", Nullable(DateString())},
                          {"review_on", Nullable(DateString())}}),
       .errors = {400, 401, 404, 503}});
  Fields scorecard_out = {{"name", Str()},
                          {"factors", ArrayOf(Obj("A factor."))},
                          {"grades", ArrayOf(Obj("A grade band."))},
                          {"rounding_minor", Minor()}};
  ops.push_back({.method = "GET",
                 .path = "/v1/scorecard",
                 .role = "viewer",
                 .tag = "Assessment",
                 .id = "getScorecard",
                 .summary = "The scorecard in force",
                 .response = Reply(scorecard_out),
                 .errors = kGetAll});
  ops.push_back({.method = "PUT",
                 .path = "/v1/scorecard",
                 .role = "credit_manager",
                 .tag = "Assessment",
                 .id = "setScorecard",
                 .summary = "Replace the scorecard",
                 .request_schema = "ScorecardRequest",
                 .response = Reply(Concat(scorecard_out, {Seq()})),
                 .errors = kCommand});
  Fields policy_out = {{"review", Obj("The review policy.")},
                       {"approval_tiers", ArrayOf(Obj("{role, amount_max_minor|null}"))},
                       {"recovery", Obj("The recovery rule.")}};
  ops.push_back({.method = "GET",
                 .path = "/v1/assessment-policy",
                 .role = "viewer",
                 .tag = "Assessment",
                 .id = "getAssessmentPolicy",
                 .summary = "The review policy, approval tiers and recovery rule in force",
                 .response = Reply(policy_out),
                 .errors = kGetAll});
  ops.push_back({.method = "PUT",
                 .path = "/v1/assessment-policy",
                 .role = "admin",
                 .tag = "Assessment",
                 .id = "setAssessmentPolicy",
                 .summary = "Replace the review policy, approval tiers and recovery rule",
                 .request_schema = "AssessmentPolicyRequest",
                 .response = Reply(Concat(policy_out, {Seq()})),
                 .errors = kCommand});
  ops.push_back({.method = "POST",
                 .path = "/v1/reviews",
                 .role = "analyst",
                 .tag = "Assessment",
                 .id = "runReview",
                 .summary = "Check recovery plans, then review every account that is due",
                 .description = "Runs as a series of events of at most 10,000 accounts each; "
                                "answers when all are durable. Needs no Idempotency-Key: what "
                                "a review reviewed is no longer due.",
                 .without_idempotency_key = true,
                 .request_schema = "ReviewRequest",
                 .response = Reply({{"due", Int()},
                                    {"reviewed", Int()},
                                    {"unchanged", Int()},
                                    {"raised", Int()},
                                    {"lowered", Int()},
                                    {"suspended", Int()},
                                    {"requested", Int()},
                                    {"request_pending", Int()},
                                    {"installments_paid", Int()},
                                    {"installments_missed", Int()},
                                    {"plans_completed", Int()},
                                    {"events", Int()},
                                    {"first_seq", Int()},
                                    {"last_seq", Int()}}),
                 .errors = {400, 401, 403, 413, 415, 503},
                 .replays = false});
  Fields request_out = {{"request_id", Id()},
                        {"account", Obj("{customer_id, segment}")},
                        {"currency", CurrencyCode()},
                        {"amount_minor", Minor()},
                        {"kind", StringEnum({"permanent", "temporary"}, "")},
                        {"expires_on", Nullable(DateString())},
                        {"reason", Str()},
                        {"requested_by", Str()},
                        {"requested_at", Instant()},
                        {"limit_before_minor", Minor()},
                        {"status", StringEnum({"pending", "approved", "rejected"}, "")},
                        {"decided_by", Str()},
                        {"decision_reason", Str()},
                        {"decided_at", Nullable(Instant())}};
  ops.push_back({.method = "POST",
                 .path = "/v1/limit-requests",
                 .role = "sales",
                 .tag = "Assessment",
                 .id = "requestLimitChange",
                 .summary = "Request a limit change or a temporary increase",
                 .description = "An account has at most one pending request: another while one "
                                "waits is refused with 409 limit_request_pending.",
                 .request_schema = "LimitChangeRequest",
                 .status = 201,
                 .response = Reply(
                     Concat(AccountRefOut(), {{"request_id", Id()},
                                              {"status", Const("pending")},
                                              {"amount_minor", Minor()},
                                              {"currency", CurrencyCode()},
                                              {"kind", StringEnum({"permanent", "temporary"}, "")},
                                              {"expires_on", Nullable(DateString())},
                                              {"reason", Str()},
                                              Seq()})),
                 .errors = kMoneyCommand});
  ops.push_back(
      {.method = "GET",
       .path = "/v1/limit-requests",
       .role = "viewer",
       .tag = "Assessment",
       .id = "listLimitRequests",
       .summary = "Limit change requests in creation order",
       .query = {QueryParameter("status", StringEnum({"pending", "approved", "rejected"}, ""),
                                "Only requests with this status."),
                 QueryParameter("customer_id", Id(), "Only this customer's requests."),
                 QueryParameter("limit", page_limit_50, "Page size."),
                 QueryParameter("page_token", Str(), "next_page_token of the page before.")},
       .response = Reply(
           {{"limit_requests", ArrayOf(Reply(request_out))}, {"next_page_token", Nullable(Str())}}),
       .errors = {400, 401, 503}});
  ops.push_back({.method = "GET",
                 .path = "/v1/limit-requests/{request_id}",
                 .role = "viewer",
                 .tag = "Assessment",
                 .id = "getLimitRequest",
                 .summary = "A limit change request with its audit trail",
                 .response = Reply(request_out),
                 .errors = kGetOne});
  for (const char* verb : {"approve", "reject"}) {
    bool approve = std::string_view(verb) == "approve";
    ops.push_back(
        {.method = "POST",
         .path = std::string("/v1/limit-requests/{request_id}/") + verb,
         .role = "analyst",
         .tag = "Assessment",
         .id = approve ? "approveLimitRequest" : "rejectLimitRequest",
         .summary = approve ? "Approve and apply a pending request" : "Reject a pending request",
         .description = approve ? "The approver's role must have an approval tier covering the "
                                  "amount (403 approval_tier_exceeded); the requester can never "
                                  "approve their own request (403 four_eyes_violation)."
                                : "",
         .request_schema = "DecideLimitRequestRequest",
         .response = Reply({{"request_id", Id()},
                            {"status", Const(approve ? "approved" : "rejected")},
                            {"reason", Str()},
                            Seq()}),
         .errors = kCommand});
  }
  ops.push_back(
      {.method = "POST",
       .path = "/v1/recovery-plans",
       .role = "credit_manager",
       .tag = "Assessment",
       .id = "createRecoveryPlan",
       .summary = "Agree an installment plan for an account's receivables",
       .request_schema = "RecoveryPlanRequest",
       .status = 201,
       .response = Reply(Concat(
           AccountRefOut(),
           {{"plan_id", Id()}, {"status", Const("active")}, {"installments", Int()}, Seq()})),
       .errors = kMoneyCommand});
  ops.push_back(
      {.method = "GET",
       .path = "/v1/recovery-plans/{plan_id}",
       .role = "viewer",
       .tag = "Assessment",
       .id = "getRecoveryPlan",
       .summary = "A recovery plan with its installments",
       .response = Reply({{"plan_id", Id()},
                          {"account", Obj("{customer_id, segment}")},
                          {"currency", CurrencyCode()},
                          {"installments", ArrayOf(Obj("{due_on, amount_minor, status}"))},
                          {"total_minor", Minor()},
                          {"paid_minor", Minor()},
                          {"limit_before_minor", Minor()},
                          {"status_before", Schema("AccountStatus")},
                          {"status", StringEnum({"active", "completed"}, "")},
                          {"reason", Str()},
                          {"created_by", Str()},
                          {"created_on", DateString()}}),
       .errors = kGetOne});
  AddMonitoringOperations(ops);
  return ops;
}

bool IsMutating(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

std::string Lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

std::string RoleSentence(const std::string& role) {
  if (role == "none") return "No authentication.";
  std::vector<std::string> roles = RoleNames();
  std::string sentence = "Required role: `" + role + "`";
  std::string higher;
  bool after = false;
  for (const std::string& name : roles) {
    if (after) higher += (higher.empty() ? "`" : ", `") + name + "`";
    after = after || name == role;
  }
  if (!higher.empty()) sentence += " (or " + higher + ")";
  return sentence + ".";
}

json::object ToJson(const Operation& op) {
  bool needs_key = IsMutating(op.method) && !op.without_idempotency_key;
  std::string description = op.description;
  if (!description.empty()) description += "\n\n";
  description += RoleSentence(op.role);
  if (needs_key) description += " Needs an Idempotency-Key.";

  json::array parameters;
  for (size_t open = op.path.find('{'); open != std::string::npos;
       open = op.path.find('{', open + 1)) {
    std::string name = op.path.substr(open + 1, op.path.find('}', open) - open - 1);
    parameters.push_back(json::object{{"$ref", "#/components/parameters/" + name}});
  }
  for (const json::object& parameter : op.query) parameters.push_back(parameter);
  if (needs_key) {
    parameters.push_back(json::object{{"$ref", "#/components/parameters/IdempotencyKey"}});
  }

  json::object success{
      {"description", op.status == 201 ? "Created" : "OK"},
      {"content", json::object{{op.content_type, json::object{{"schema", op.response}}}}}};
  if (needs_key && op.replays) {
    success["headers"] = json::object{
        {"Idempotent-Replayed", json::object{{"$ref", "#/components/headers/IdempotentReplayed"}}}};
  }
  json::object responses{{std::to_string(op.status), std::move(success)}};
  for (unsigned status : op.errors) {
    for (const ErrorStatus& error : kErrorStatuses) {
      if (error.status == status) {
        responses[std::to_string(status)] =
            json::object{{"$ref", std::string("#/components/responses/") + error.component}};
      }
    }
  }

  json::object out{{"tags", json::array{json::string(op.tag)}},
                   {"operationId", op.id},
                   {"summary", op.summary},
                   {"description", description},
                   {"x-required-role", op.role}};
  out["security"] =
      op.role == "none" ? json::array{} : json::array{json::object{{"bearer", json::array{}}}};
  if (!parameters.empty()) out["parameters"] = std::move(parameters);
  if (!op.request_schema.empty()) {
    out["requestBody"] = json::object{
        {"required", true},
        {"content",
         json::object{{"application/json", json::object{{"schema", Schema(op.request_schema)}}}}}};
  }
  out["responses"] = std::move(responses);
  return out;
}

constexpr const char* kDescription =
    "Credit limits, credit checks and receivables exposure.\n\n"
    "- **Money** is integer minor units in fields named `*_minor`, with a `currency` (ISO 4217). "
    "CNY 1,234.56 is `{\"amount_minor\": 123456, \"currency\": \"CNY\"}`. Amounts are JSON "
    "integers; `1.5`, `\"100\"` and `1e3` are refused.\n"
    "- **Dates** are `YYYY-MM-DD` business dates; **instants** are ISO 8601 with a zone.\n"
    "- **Ids** are 1-64 characters of `A-Z a-z 0-9 . _ : -`.\n"
    "- **Accounts**: a customer has a default credit account and may have more, one per credit "
    "segment. Endpoints that act on an account take an optional `segment` (body field, or query "
    "parameter for GET and DELETE); absent means the default account.\n"
    "- **Request bodies** are JSON objects; a field the endpoint does not know is refused "
    "(`unknown_field`). An optional field given as `null` is the same as leaving it out, except "
    "`review_on` in PATCH /v1/customers/{customer_id}, where `null` clears it.\n"
    "- **Authentication**: `Authorization: Bearer <token>` on every request except GET /healthz, "
    "GET /openapi.json and POST /v1/session. The web console authenticates with the session "
    "cookie of POST /v1/session instead, and must send the session's `X-CSRF-Token` with every "
    "request that changes data (403 `csrf_token_invalid` otherwise). Each operation names its "
    "role in `x-required-role`; roles are ordered viewer < sales < analyst < credit_manager < "
    "admin.\n"
    "- **Idempotency**: every mutating request needs `Idempotency-Key` except POST "
    "/v1/credit-checks, the token, session and user endpoints.\n"
    "- **Errors** are `{\"error\": {\"code\", \"message\", \"field\"}}`; a request that gets an "
    "error changes nothing. A credit refusal is not an error.";

std::string Build() {
  json::object paths;
  for (const Operation& op : Operations()) {
    json::value& item = paths[op.path];
    if (!item.is_object()) item = json::object{};
    item.as_object()[Lowercase(op.method)] = ToJson(op);
  }

  json::array tags;
  for (const char* tag : {"Service", "Customers", "Orders", "Holds", "Receivables", "Groups",
                          "Policies", "FX rates", "Batch", "Events", "Tokens", "Audit", "Sessions",
                          "Users", "Assessment", "Monitoring", "Reports"}) {
    tags.push_back(json::object{{"name", tag}});
  }

  json::object components{
      {"securitySchemes",
       json::object{{"bearer", json::object{{"type", "http"},
                                            {"scheme", "bearer"},
                                            {"description",
                                             "An API token from `creditline init` or POST "
                                             "/v1/tokens."}}}}},
      {"parameters", SharedParameters()},
      {"headers",
       json::object{{"IdempotentReplayed",
                     json::object{{"description",
                                   "true when the answer replays an earlier request with the "
                                   "same Idempotency-Key."},
                                  {"schema", json::object{{"type", "string"},
                                                          {"enum", json::array{"true"}}}}}}}},
      {"responses", SharedResponses()},
      {"schemas", SharedSchemas()}};

  json::object document{{"openapi", "3.1.0"},
                        {"info", json::object{{"title", "Creditline API"},
                                              {"version", "0.1.0"},
                                              {"description", kDescription}}},
                        {"tags", std::move(tags)},
                        {"paths", std::move(paths)},
                        {"components", std::move(components)}};
  return json::serialize(document);
}

}  // namespace

const std::string& OpenApiDocument() {
  static const std::string document = Build();
  return document;
}

}  // namespace creditline::http
