// Credit checks, orders and the hold queue.
#include "http/handlers.hpp"
#include "http/json_output.hpp"

namespace creditline::http {
namespace json = boost::json;
using service::Role;

namespace {

Result<Prepared> PrepareCreateOrder(JsonInput& body, const Params&) {
  ReserveOrder c;
  CL_ASSIGN_OR_RETURN(c.order_id, body.String("order_id"));
  CL_ASSIGN_OR_RETURN(std::string customer_id, body.String("customer_id"));
  CL_ASSIGN_OR_RETURN(c.account, ReadAccountRef(body, customer_id));
  CL_ASSIGN_OR_RETURN(c.amount, body.Amount());
  CL_ASSIGN_OR_RETURN(std::optional<TimeMs> expires_at, body.OptionalTimestamp("expires_at"));
  c.expires_at = expires_at.value_or(0);
  return Prepared{c, 200, [id = c.order_id](const CommandResult& result) {
                    return DecisionText(*result.decision, id);
                  }};
}

Result<Prepared> PrepareChangeOrder(JsonInput& body, const Params& params) {
  ChangeOrder c;
  c.order_id = params.at(0);
  CL_ASSIGN_OR_RETURN(c.amount, body.Amount());
  return Prepared{c, 200, [id = c.order_id](const CommandResult& result) {
                    return json::object{{"order_id", id},
                                        {"applied", result.applied},
                                        {"decision", DecisionJson(*result.decision, id)}};
                  }};
}

Result<Prepared> PrepareCancelOrder(JsonInput& body, const Params& params) {
  CancelOrder c;
  c.order_id = params.at(0);
  CL_ASSIGN_OR_RETURN(c.reason, body.StringOr("reason", ""));
  return Prepared{c, 200, [id = c.order_id](const CommandResult& result) {
                    return json::object{{"order_id", id}, {"released_minor", result.amount_minor}};
                  }};
}

Result<Prepared> PrepareReleaseHold(JsonInput& body, const Params& params) {
  ReleaseHold c;
  c.order_id = params.at(0);
  CL_ASSIGN_OR_RETURN(c.reason, body.String("reason"));
  return Prepared{c, 200, [c](const CommandResult& result) {
                    return json::object{{"order_id", c.order_id},
                                        {"decision", "approved"},
                                        {"reason", c.reason},
                                        {"reserved_minor", result.amount_minor}};
                  }};
}

Result<Prepared> PrepareRejectHold(JsonInput& body, const Params& params) {
  RejectHold c;
  c.order_id = params.at(0);
  CL_ASSIGN_OR_RETURN(c.reason, body.String("reason"));
  return Prepared{c, 200, [c](const CommandResult&) {
                    return json::object{
                        {"order_id", c.order_id}, {"decision", "rejected"}, {"reason", c.reason}};
                  }};
}

}  // namespace

// A credit check changes nothing: it is answered from the state on the engine thread.
Result<std::function<HttpResponse(service::EngineContext&)>> PrepareCreditCheck(JsonInput& body) {
  CL_ASSIGN_OR_RETURN(std::string customer_id, body.String("customer_id"));
  CL_ASSIGN_OR_RETURN(AccountRef ref, ReadAccountRef(body, customer_id));
  CL_ASSIGN_OR_RETURN(Money amount, body.Amount());
  CL_RETURN_IF_ERROR(body.Finish());
  return std::function<HttpResponse(service::EngineContext&)>(
      [ref, amount](service::EngineContext& context) {
        Result<Decision> decision = context.state.Check(ref, amount, context.stamp.today);
        if (!decision.ok()) return ErrorResponse(decision.error());
        return HttpResponse{200, DecisionText(*decision, ""), "application/json", {}};
      });
}

namespace {

void CreditCheck(Api& api, Call&& call, Reply reply) {
  Result<JsonInput> body = JsonInput::Parse(call.request.body);
  if (!body.ok()) return reply(ErrorResponse(body.error()));
  auto check = PrepareCreditCheck(*body);
  if (!check.ok()) return reply(ErrorResponse(check.error()));
  api.Query(std::move(reply), std::move(*check));
}

void GetOrder(Api& api, Call&& call, Reply reply) {
  api.Query(std::move(reply), [id = call.params.at(0)](service::EngineContext& context) {
    Result<OrderView> order = context.state.ViewOrder(id);
    if (!order.ok()) return ErrorResponse(order.error());
    return JsonResponse(200, OrderJson(*order));
  });
}

void GetHolds(Api& api, Call&& call, Reply reply) {
  Result<int64_t> limit = QueryInteger(call, "limit", 100, 1, 1000);
  if (!limit.ok()) return reply(ErrorResponse(limit.error()));
  api.Query(std::move(reply), [limit = static_cast<size_t>(*limit)](service::EngineContext& c) {
    json::array holds;
    for (const OrderView& order : c.state.Holds(limit)) holds.push_back(OrderJson(order));
    return JsonResponse(200,
                        json::object{{"holds", std::move(holds)}, {"total", c.state.hold_count()}});
  });
}

}  // namespace

void AddOrderRoutes(Api& api) {
  api.AddWithoutIdempotencyKey("POST", "/v1/credit-checks", Role::kSales, CreditCheck);
  AddCommandRoute(api, "POST", "/v1/orders", Role::kSales, PrepareCreateOrder);
  api.Add("GET", "/v1/orders/{order_id}", Role::kViewer, GetOrder);
  AddCommandRoute(api, "PATCH", "/v1/orders/{order_id}", Role::kSales, PrepareChangeOrder);
  AddCommandRoute(api, "POST", "/v1/orders/{order_id}/cancel", Role::kSales, PrepareCancelOrder);
  api.Add("GET", "/v1/holds", Role::kViewer, GetHolds);
  AddCommandRoute(api, "POST", "/v1/holds/{order_id}/release", Role::kCreditManager,
                  PrepareReleaseHold);
  AddCommandRoute(api, "POST", "/v1/holds/{order_id}/reject", Role::kCreditManager,
                  PrepareRejectHold);

  auto& batch = BatchOperations();
  batch["create_order"] = {PrepareCreateOrder, {}, Role::kSales};
  batch["change_order"] = {PrepareChangeOrder, {"order_id"}, Role::kSales};
  batch["cancel_order"] = {PrepareCancelOrder, {"order_id"}, Role::kSales};
}

}  // namespace creditline::http
