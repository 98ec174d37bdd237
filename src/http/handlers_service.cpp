// Health, OpenAPI, metrics, the change feed and API tokens.
#include "http/audit.hpp"
#include "http/handlers.hpp"
#include "http/json_output.hpp"
#include "http/openapi.hpp"
#include "service/calendar.hpp"

namespace creditline::http {
namespace json = boost::json;
using service::Role;

namespace {

void Health(Api& api, Call&& call, Reply reply) {
  if (std::optional<Error> failure = api.engine().failure()) {
    return reply(ErrorResponse(MakeError(
        ErrorCode::kWritesStopped,
        "the journal failed, so no commands are accepted until a restart: " + failure->message)));
  }
  bool durable = api.engine().journaler() != nullptr;
  bool standby = api.engine().standby();
  // Load balancers that send commands ask for the active server only.
  auto wanted = call.query.find("role");
  if (wanted != call.query.end() && wanted->second != "active") {
    return reply(ErrorResponse(
        MakeError(ErrorCode::kInvalidArgument, "role must be active when given", "role")));
  }
  if (wanted != call.query.end() && standby) return reply(StandbyResponse());
  api.Query(std::move(reply), [durable, standby](service::EngineContext& context) {
    const char* role = standby ? "standby" : (durable ? "active" : "memory");
    return JsonResponse(200, json::object{{"status", "ok"},
                                          {"seq", context.state.last_seq()},
                                          {"durable", durable || standby},
                                          {"role", role}});
  });
}

void OpenApi(Api&, Call&&, Reply reply) {
  reply(HttpResponse{200, OpenApiDocument(), "application/json", {}});
}

void Metrics(Api& api, Call&&, Reply reply) {
  reply(HttpResponse{200, api.RenderMetrics(), "text/plain; version=0.0.4", {}});
}

void Events(Api& api, Call&& call, Reply reply) {
  Result<int64_t> after = QueryInteger(call, "after", 0, 0, INT64_MAX / 2);
  if (!after.ok()) return reply(ErrorResponse(after.error()));
  Result<int64_t> limit = QueryInteger(call, "limit", 100, 1, 1000);
  if (!limit.ok()) return reply(ErrorResponse(limit.error()));
  // The feed holds committed events only; it is read here, on the I/O thread, not the engine.
  service::EventFeed& feed = api.engine().feed();
  Result<std::vector<Event>> page =
      feed.After(static_cast<uint64_t>(*after), static_cast<size_t>(*limit));
  if (!page.ok()) return reply(ErrorResponse(page.error()));
  json::array events;
  uint64_t next_after = static_cast<uint64_t>(*after);
  for (const Event& event : *page) {
    events.push_back(EventJson(event));
    next_after = event.seq;
  }
  reply(JsonResponse(200, json::object{{"events", std::move(events)},
                                       {"next_after", next_after},
                                       {"first_available_seq", feed.first_seq()}}));
}

json::object TokenJson(const service::TokenRecord& record) {
  return json::object{{"token_id", record.token_id},
                      {"role", service::NameOf(record.role)},
                      {"name", record.name},
                      {"created_at", FormatTimestamp(record.created_at)},
                      {"revoked", record.revoked}};
}

void CreateToken(Api& api, Call&& call, Reply reply) {
  Result<JsonInput> body = JsonInput::Parse(call.request.body);
  if (!body.ok()) return reply(ErrorResponse(body.error()));
  Result<std::string> role_name = body->String("role");
  if (!role_name.ok()) return reply(ErrorResponse(role_name.error()));
  Result<service::Role> role = service::ParseRole(*role_name);
  if (!role.ok()) return reply(ErrorResponse(role.error()));
  Result<std::string> name = body->StringOr("name", "");
  if (!name.ok()) return reply(ErrorResponse(name.error()));
  Result<std::string> reason = OptionalReason(*body);
  if (!reason.ok()) return reply(ErrorResponse(reason.error()));
  if (Status finished = body->Finish(); !finished.ok())
    return reply(ErrorResponse(finished.error()));
  RunAdminChange(
      api, call,
      [&api, role = *role, name = *name, reason = *reason]() -> Result<AdminOutcome> {
        CL_ASSIGN_OR_RETURN(service::NewToken token,
                            api.tokens().Create(role, name, service::SystemNowMs()));
        json::object out = TokenJson(token.record);
        json::object after = out;  // The secret stays out of the audit trail.
        out["token"] = token.secret;
        return AdminOutcome{JsonResponse(201, out),
                            AdminEntry("token_created", token.record.token_id, {}, after, reason)};
      },
      std::move(reply));
}

void ListTokens(Api& api, Call&&, Reply reply) {
  json::array tokens;
  for (const service::TokenRecord& record : api.tokens().List())
    tokens.push_back(TokenJson(record));
  reply(JsonResponse(200, json::object{{"tokens", std::move(tokens)}}));
}

void RevokeToken(Api& api, Call&& call, Reply reply) {
  Result<std::string> reason = QueryReason(call);
  if (!reason.ok()) return reply(ErrorResponse(reason.error()));
  std::string id = call.params.at(0);
  RunAdminChange(
      api, call,
      [&api, id, reason = *reason]() -> Result<AdminOutcome> {
        bool was_revoked = false;
        for (const service::TokenRecord& record : api.tokens().List()) {
          if (record.token_id == id) was_revoked = record.revoked;
        }
        CL_RETURN_IF_ERROR(api.tokens().Revoke(id));
        return AdminOutcome{JsonResponse(200, json::object{{"token_id", id}, {"revoked", true}}),
                            AdminEntry("token_revoked", id, json::object{{"revoked", was_revoked}},
                                       json::object{{"revoked", true}}, reason)};
      },
      std::move(reply));
}

}  // namespace

void AddServiceRoutes(Api& api) {
  api.AddPublic("GET", "/healthz", Health);
  api.AddPublic("GET", "/openapi.json", OpenApi);
  api.Add("GET", "/metrics", Role::kViewer, Metrics);
  api.Add("GET", "/v1/events", Role::kViewer, Events);
  // Token changes are not credit commands: they are not journaled and need no idempotency key.
  api.AddWithoutIdempotencyKey("POST", "/v1/tokens", Role::kAdmin, CreateToken);
  api.Add("GET", "/v1/tokens", Role::kAdmin, ListTokens);
  api.AddWithoutIdempotencyKey("DELETE", "/v1/tokens/{token_id}", Role::kAdmin, RevokeToken);
}

}  // namespace creditline::http
