// Credit groups, policies and FX rates.
#include "core/fx.hpp"
#include "http/handlers.hpp"
#include "http/json_output.hpp"

namespace creditline::http {
namespace json = boost::json;
using service::Role;

namespace {

Result<Prepared> PrepareCreateGroup(JsonInput& body, const Params&) {
  CreateGroup c;
  CL_ASSIGN_OR_RETURN(c.group_id, body.String("group_id"));
  CL_ASSIGN_OR_RETURN(c.name, body.StringOr("name", ""));
  CL_ASSIGN_OR_RETURN(c.limit, body.Amount("limit_minor", "currency"));
  return Prepared{c, 201, [c](const CommandResult&) {
                    return json::object{{"group_id", c.group_id},
                                        {"name", c.name},
                                        {"limit_minor", c.limit.minor},
                                        {"currency", c.limit.currency.code()}};
                  }};
}

Result<Prepared> PrepareSetGroupLimit(JsonInput& body, const Params& params) {
  SetGroupLimit c;
  c.group_id = params.at(0);
  CL_ASSIGN_OR_RETURN(c.limit, body.Amount("limit_minor", "currency"));
  CL_ASSIGN_OR_RETURN(c.reason, body.StringOr("reason", ""));
  return Prepared{c, 200, [c](const CommandResult&) {
                    return json::object{{"group_id", c.group_id},
                                        {"limit_minor", c.limit.minor},
                                        {"currency", c.limit.currency.code()}};
                  }};
}

Result<Prepared> PrepareJoinGroup(JsonInput& body, const Params& params) {
  JoinGroup c;
  c.group_id = params.at(0);
  CL_ASSIGN_OR_RETURN(std::string customer_id, body.String("customer_id"));
  CL_ASSIGN_OR_RETURN(c.account, ReadAccountRef(body, customer_id));
  return Prepared{c, 200, [c](const CommandResult&) {
                    json::object out = AccountRefJson(c.account);
                    out["group_id"] = c.group_id;
                    return out;
                  }};
}

// Reads an optional policy amount given as NAME_minor and NAME_currency.
Result<std::optional<Money>> OptionalPolicyAmount(JsonInput& body, const std::string& name) {
  std::string minor_field = name + "_minor", currency_field = name + "_currency";
  CL_ASSIGN_OR_RETURN(std::optional<int64_t> minor, body.OptionalInteger(minor_field.c_str()));
  CL_ASSIGN_OR_RETURN(std::optional<std::string> code, body.OptionalString(currency_field.c_str()));
  if (!minor && !code) return std::optional<Money>();
  if (!minor || !code) {
    return MakeError(ErrorCode::kMissingField,
                     minor_field + " and " + currency_field + " go together",
                     minor ? currency_field : minor_field);
  }
  Result<Currency> currency = Currency::Parse(*code);
  if (!currency.ok()) {
    return MakeError(ErrorCode::kUnknownCurrency, currency.error().message, currency_field);
  }
  return std::optional<Money>(Money{*minor, *currency});
}

Status ReadAction(JsonInput& body, const char* name, RuleAction* action) {
  CL_ASSIGN_OR_RETURN(std::optional<std::string> text, body.OptionalString(name));
  if (!text) return Status::Ok();
  Result<RuleAction> parsed = ParseRuleAction(*text);
  if (!parsed.ok()) return MakeError(ErrorCode::kInvalidArgument, parsed.error().message, name);
  *action = *parsed;
  return Status::Ok();
}

Result<Prepared> PrepareSetPolicy(JsonInput& body, const Params& params) {
  Policy p;
  p.name = params.at(0);
  CL_ASSIGN_OR_RETURN(std::optional<int32_t> tolerance, OptionalInt32(body, "tolerance_bp"));
  p.tolerance_bp = tolerance.value_or(p.tolerance_bp);
  CL_ASSIGN_OR_RETURN(std::optional<int32_t> warning, OptionalInt32(body, "warning_bp"));
  p.warning_bp = warning.value_or(p.warning_bp);
  CL_ASSIGN_OR_RETURN(p.max_days_past_due, OptionalInt32(body, "max_days_past_due"));
  CL_ASSIGN_OR_RETURN(p.max_order_value, OptionalPolicyAmount(body, "max_order_value"));
  CL_ASSIGN_OR_RETURN(p.max_overdue_amount, OptionalPolicyAmount(body, "max_overdue_amount"));
  CL_ASSIGN_OR_RETURN(p.day_quota, OptionalPolicyAmount(body, "day_quota"));
  CL_ASSIGN_OR_RETURN(p.month_quota, OptionalPolicyAmount(body, "month_quota"));
  for (const PolicyActionField& field : kPolicyActionFields) {
    CL_RETURN_IF_ERROR(ReadAction(body, field.name, &(p.*field.member)));
  }
  return Prepared{SetPolicy{p}, 200, [p](const CommandResult&) { return PolicyJson(p); }};
}

Result<Prepared> PrepareSetFxRate(JsonInput& body, const Params&) {
  SetFxRate c;
  CL_ASSIGN_OR_RETURN(c.from, body.CurrencyField("from"));
  CL_ASSIGN_OR_RETURN(c.to, body.CurrencyField("to"));
  CL_ASSIGN_OR_RETURN(std::string rate, body.String("rate"));
  CL_ASSIGN_OR_RETURN(c.rate_scaled, ParseFxRate(rate));
  CL_ASSIGN_OR_RETURN(c.effective_on, body.DateField("effective_on"));
  return Prepared{c, 200, [c](const CommandResult&) {
                    return json::object{{"from", c.from.code()},
                                        {"to", c.to.code()},
                                        {"rate", FormatFxRate(c.rate_scaled)},
                                        {"effective_on", DateJson(c.effective_on)}};
                  }};
}

void GetGroup(Api& api, Call&& call, Reply reply) {
  api.Query(std::move(reply), [id = call.params.at(0)](service::EngineContext& context) {
    Result<GroupView> group = context.state.ViewGroup(id);
    if (!group.ok()) return ErrorResponse(group.error());
    return JsonResponse(200, GroupJson(*group));
  });
}

void LeaveGroupRoute(Api& api, Call&& call, Reply reply) {
  Result<AccountRef> ref = AccountFromQuery(call, call.params.at(1));
  if (!ref.ok()) return reply(ErrorResponse(ref.error()));
  LeaveGroup command{*ref, call.params.at(0)};
  api.Execute(call, command, 200, ToTextRender([command](const CommandResult&) {
                json::object out = AccountRefJson(command.account);
                out["group_id"] = command.group_id;
                return out;
              }),
              std::move(reply));
}

void GetPolicies(Api& api, Call&&, Reply reply) {
  api.Query(std::move(reply), [](service::EngineContext& context) {
    json::array policies;
    for (const Policy& policy : context.state.policies()) policies.push_back(PolicyJson(policy));
    return JsonResponse(200, json::object{{"policies", std::move(policies)}});
  });
}

void GetPolicy(Api& api, Call&& call, Reply reply) {
  api.Query(std::move(reply), [name = call.params.at(0)](service::EngineContext& context) {
    const Policy* policy = context.state.FindPolicy(name);
    if (policy == nullptr) {
      return ErrorResponse(
          MakeError(ErrorCode::kPolicyNotFound, "no policy '" + name.substr(0, 64) + "'", "name"));
    }
    return JsonResponse(200, PolicyJson(*policy));
  });
}

void GetFxRates(Api& api, Call&&, Reply reply) {
  api.Query(std::move(reply), [](service::EngineContext& context) {
    json::array rates;
    for (const auto& [pair, entries] : context.state.fx().entries()) {
      for (const FxRateEntry& entry : entries) {
        rates.push_back(json::object{{"from", Currency::FromIndex(pair.first).code()},
                                     {"to", Currency::FromIndex(pair.second).code()},
                                     {"rate", FormatFxRate(entry.rate_scaled)},
                                     {"effective_on", DateJson(entry.effective_on)}});
      }
    }
    return JsonResponse(200, json::object{{"rates", std::move(rates)}});
  });
}

}  // namespace

void AddAdministrationRoutes(Api& api) {
  AddCommandRoute(api, "POST", "/v1/groups", Role::kCreditManager, PrepareCreateGroup);
  api.Add("GET", "/v1/groups/{group_id}", Role::kViewer, GetGroup);
  AddCommandRoute(api, "PUT", "/v1/groups/{group_id}/limit", Role::kCreditManager,
                  PrepareSetGroupLimit);
  AddCommandRoute(api, "POST", "/v1/groups/{group_id}/members", Role::kCreditManager,
                  PrepareJoinGroup);
  api.Add("DELETE", "/v1/groups/{group_id}/members/{customer_id}", Role::kCreditManager,
          LeaveGroupRoute);
  api.Add("GET", "/v1/policies", Role::kViewer, GetPolicies);
  api.Add("GET", "/v1/policies/{name}", Role::kViewer, GetPolicy);
  AddCommandRoute(api, "PUT", "/v1/policies/{name}", Role::kCreditManager, PrepareSetPolicy);
  api.Add("GET", "/v1/fx-rates", Role::kViewer, GetFxRates);
  AddCommandRoute(api, "PUT", "/v1/fx-rates", Role::kCreditManager, PrepareSetFxRate);
}

}  // namespace creditline::http
