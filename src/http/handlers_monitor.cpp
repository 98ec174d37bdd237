// Monitoring: alerts (list, acknowledge), the alert rules' parameters, and webhooks.
#include <boost/json/parse.hpp>

#include "http/audit.hpp"
#include "http/handlers.hpp"
#include "http/json_output.hpp"

namespace creditline::http {
namespace json = boost::json;
using service::Role;

namespace {

constexpr size_t kDeliveriesShownMax = 1'000;

json::object RulesJson(const AlertRules& rules) {
  return json::object{{"overdue_days", rules.overdue_days},
                      {"hold_sla_minutes", rules.hold_sla_minutes},
                      {"expiry_notice_days", rules.expiry_notice_days},
                      {"review_notice_days", rules.review_notice_days}};
}

void ListAlerts(Api& api, Call&& call, Reply reply) {
  Result<int64_t> limit = QueryInteger(call, "limit", kPageSizeDefault, 1, kPageSizeMax);
  if (!limit.ok()) return reply(ErrorResponse(limit.error()));
  Result<int64_t> after = QueryInteger(call, "after_id", 0, 0, INT64_MAX);
  if (!after.ok()) return reply(ErrorResponse(after.error()));
  AlertFilter filter;
  filter.after_id = static_cast<uint64_t>(*after);
  if (call.query.count("rule") && !call.query["rule"].empty()) {
    Result<AlertRule> rule = ParseAlertRule(call.query["rule"]);
    if (!rule.ok()) return reply(ErrorResponse(rule.error()));
    filter.rule = *rule;
  }
  if (call.query.count("customer_id")) filter.customer_id = call.query["customer_id"];
  if (call.query.count("acknowledged")) {
    const std::string& text = call.query["acknowledged"];
    if (text != "true" && text != "false") {
      return reply(ErrorResponse(MakeError(ErrorCode::kInvalidArgument,
                                           "acknowledged must be true or false", "acknowledged")));
    }
    filter.acknowledged = text == "true";
  }
  api.Query(std::move(reply), [filter, limit = static_cast<size_t>(*limit)](
                                  service::EngineContext& context) {
    std::vector<Alert> page = context.state.Alerts(filter, limit + 1);
    bool more = page.size() > limit;
    if (more) page.pop_back();
    json::array alerts;
    for (const Alert& alert : page) alerts.push_back(json::parse(service::AlertJson(alert)));
    json::object out{{"alerts", std::move(alerts)}};
    out["next_after_id"] = more ? json::value(page.back().alert_id) : json::value(nullptr);
    return JsonResponse(200, out);
  });
}

void Acknowledge(Api& api, Call&& call, Reply reply) {
  const std::string& text = call.params.at(0);
  if (text.empty() || text.size() > 19 || !std::all_of(text.begin(), text.end(), ::isdigit)) {
    return reply(ErrorResponse(
        MakeError(ErrorCode::kInvalidArgument, "the alert id must be a number", "alert_id")));
  }
  uint64_t id = std::stoull(text);
  api.Execute(call, AcknowledgeAlert{id}, 200, ToTextRender([id](const CommandResult&) {
                return json::object{{"alert_id", id}, {"acknowledged", true}};
              }),
              std::move(reply));
}

void GetRules(Api& api, Call&&, Reply reply) {
  api.Query(std::move(reply), [](service::EngineContext& context) {
    return JsonResponse(200, RulesJson(context.state.monitor().rules));
  });
}

Result<Prepared> PrepareRules(JsonInput& body, const Params&) {
  SetAlertRules c;
  AlertRules& r = c.rules;
  CL_ASSIGN_OR_RETURN(std::optional<int32_t> overdue, OptionalInt32(body, "overdue_days"));
  CL_ASSIGN_OR_RETURN(std::optional<int32_t> sla, OptionalInt32(body, "hold_sla_minutes"));
  CL_ASSIGN_OR_RETURN(std::optional<int32_t> expiry, OptionalInt32(body, "expiry_notice_days"));
  CL_ASSIGN_OR_RETURN(std::optional<int32_t> review, OptionalInt32(body, "review_notice_days"));
  r.overdue_days = overdue.value_or(r.overdue_days);
  r.hold_sla_minutes = sla.value_or(r.hold_sla_minutes);
  r.expiry_notice_days = expiry.value_or(r.expiry_notice_days);
  r.review_notice_days = review.value_or(r.review_notice_days);
  return Prepared{c, 200, [r](const CommandResult&) { return RulesJson(r); }};
}

json::object WebhookJson(const service::Webhook& w) {
  // The secret is never shown again: only whether one is set.
  return json::object{{"webhook_id", w.webhook_id}, {"url", w.url}, {"active", w.active}};
}

std::optional<service::Webhook> FindWebhook(Api& api, const std::string& id) {
  for (const service::Webhook& w : api.webhooks()->List()) {
    if (w.webhook_id == id) return w;
  }
  return std::nullopt;
}

bool NeedWebhooks(Api& api, const Reply& reply) {
  if (api.webhooks() != nullptr) return true;
  reply(ErrorResponse(MakeError(ErrorCode::kRouteNotFound, "this server delivers no webhooks")));
  return false;
}

void ListWebhooks(Api& api, Call&&, Reply reply) {
  if (!NeedWebhooks(api, reply)) return;
  json::array items;
  for (const service::Webhook& w : api.webhooks()->List()) items.push_back(WebhookJson(w));
  reply(JsonResponse(200, json::object{{"webhooks", std::move(items)}}));
}

void PutWebhook(Api& api, Call&& call, Reply reply) {
  if (!NeedWebhooks(api, reply)) return;
  Result<JsonInput> body = JsonInput::Parse(call.request.body);
  if (!body.ok()) return reply(ErrorResponse(body.error()));
  service::Webhook webhook;
  webhook.webhook_id = call.params.at(0);
  Result<std::string> url = body->String("url");
  if (!url.ok()) return reply(ErrorResponse(url.error()));
  Result<std::string> secret = body->String("secret");
  if (!secret.ok()) return reply(ErrorResponse(secret.error()));
  Result<std::optional<bool>> active = body->OptionalBool("active");
  if (!active.ok()) return reply(ErrorResponse(active.error()));
  Result<std::string> reason = OptionalReason(*body);
  if (!reason.ok()) return reply(ErrorResponse(reason.error()));
  Status finished = body->Finish();
  if (!finished.ok()) return reply(ErrorResponse(finished.error()));
  webhook.url = *url, webhook.secret = *secret, webhook.active = active->value_or(true);
  RunAdminChange(
      api, call,
      [&api, webhook, reason = *reason]() -> Result<AdminOutcome> {
        std::optional<service::Webhook> before = FindWebhook(api, webhook.webhook_id);
        CL_RETURN_IF_ERROR(api.webhooks()->Put(webhook));
        json::object after = WebhookJson(webhook);
        // The secret is recorded only as changed or not, never itself.
        after["secret_changed"] = !before || before->secret != webhook.secret;
        return AdminOutcome{
            JsonResponse(200, WebhookJson(webhook)),
            AdminEntry("webhook_set", webhook.webhook_id,
                       before ? WebhookJson(*before) : json::object{}, after, reason)};
      },
      std::move(reply));
}

void DeleteWebhook(Api& api, Call&& call, Reply reply) {
  if (!NeedWebhooks(api, reply)) return;
  Result<std::string> reason = QueryReason(call);
  if (!reason.ok()) return reply(ErrorResponse(reason.error()));
  RunAdminChange(
      api, call,
      [&api, id = call.params.at(0), reason = *reason]() -> Result<AdminOutcome> {
        std::optional<service::Webhook> before = FindWebhook(api, id);
        CL_RETURN_IF_ERROR(api.webhooks()->Remove(id));
        return AdminOutcome{
            JsonResponse(200, json::object{{"webhook_id", id}, {"removed", true}}),
            AdminEntry("webhook_deleted", id, before ? WebhookJson(*before) : json::object{},
                       json::object{}, reason)};
      },
      std::move(reply));
}

void ListDeliveries(Api& api, Call&& call, Reply reply) {
  if (!NeedWebhooks(api, reply)) return;
  Result<int64_t> limit = QueryInteger(call, "limit", 100, 1, kDeliveriesShownMax);
  if (!limit.ok()) return reply(ErrorResponse(limit.error()));
  json::array items;
  for (const service::DeliveryRecord& d :
       api.webhooks()->Deliveries(static_cast<size_t>(*limit))) {
    items.push_back(json::object{{"delivery_id", d.delivery_id},
                                 {"alert_id", d.alert_id},
                                 {"webhook_id", d.webhook_id},
                                 {"attempt", d.attempt},
                                 {"time", FormatTimestamp(d.time)},
                                 {"status", d.status},
                                 {"outcome", d.outcome},
                                 {"error", d.error}});
  }
  reply(JsonResponse(200, json::object{{"deliveries", std::move(items)}}));
}

}  // namespace

void AddMonitorRoutes(Api& api) {
  api.Add("GET", "/v1/alerts", Role::kViewer, ListAlerts);
  api.Add("POST", "/v1/alerts/{alert_id}/acknowledge", Role::kCreditManager, Acknowledge);
  api.Add("GET", "/v1/alert-rules", Role::kViewer, GetRules);
  AddCommandRoute(api, "PUT", "/v1/alert-rules", Role::kAdmin, PrepareRules);
  api.Add("GET", "/v1/webhooks", Role::kAdmin, ListWebhooks);
  api.AddWithoutIdempotencyKey("PUT", "/v1/webhooks/{webhook_id}", Role::kAdmin, PutWebhook);
  api.AddWithoutIdempotencyKey("DELETE", "/v1/webhooks/{webhook_id}", Role::kAdmin,
                               DeleteWebhook);
  api.Add("GET", "/v1/webhook-deliveries", Role::kAdmin, ListDeliveries);
}

}  // namespace creditline::http
