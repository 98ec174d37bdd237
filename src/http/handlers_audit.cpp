// The audit trail: GET /v1/audit, and the recording of changes made outside the credit state
// (API tokens, console users, webhooks) in the admin audit log (service/audit.hpp).
//
// The journal already is an append-only hash chain of every accepted command with its actor and
// time, so the credit part of the trail is the journal itself rather than a second copy that
// could disagree with it. Each journal entry's "after" is the event's own fields; its "before"
// is derived on read: for events that set a value, the fields of the previous event of the
// same type on the same subject.
#include <boost/json/serialize.hpp>
#include <unordered_map>

#include "core/ids.hpp"
#include "http/audit.hpp"
#include "http/handlers.hpp"
#include "http/json_output.hpp"

namespace creditline::http {
namespace json = boost::json;
using service::Role;

namespace {

// Events read from the feed per step while scanning the journal for audit entries.
constexpr size_t kAuditScanStepEvents = 1000;
constexpr int64_t kAuditPageSizeMax = 500;
constexpr int64_t kAuditPageSizeDefault = 100;

// The first value of member `name` anywhere in `value` (depth first), or null.
const json::value* FindMember(const json::value& value, std::string_view name) {
  if (const json::object* object = value.if_object()) {
    if (const json::value* found = object->if_contains(name)) return found;
    for (const auto& member : *object) {
      if (const json::value* found = FindMember(member.value(), name)) return found;
    }
  }
  return nullptr;
}

std::string MemberText(const json::value& data, std::string_view name) {
  const json::value* found = FindMember(data, name);
  if (found == nullptr) return "";
  return found->is_string() ? std::string(found->as_string()) : json::serialize(*found);
}

// What an event changed: a customer's account, a group, a policy, an order, an FX pair, a
// limit request, a plan, an admin action's subject; "" for events about everything.
std::string SubjectOf(const json::value& data) {
  for (std::string_view name : {"subject", "customer_id", "group_id", "order_id", "request_id",
                                "plan_id", "alert_id", "name"}) {
    std::string text = MemberText(data, name);
    if (!text.empty()) {
      std::string segment = name == "customer_id" ? MemberText(data, "segment") : "";
      return segment.empty() ? text : text + "/" + segment;
    }
  }
  std::string from = MemberText(data, "from");
  return from.empty() ? "" : from + "/" + MemberText(data, "to");
}

struct AuditFilter {
  std::string customer_id, actor;
  uint64_t after = 0;
  size_t limit = 0;
};

json::object AdminEntryJson(const service::AdminAuditEntry& entry) {
  return json::object{{"seq", entry.seq},         {"time", FormatTimestamp(entry.time)},
                      {"actor", entry.actor},     {"command", entry.command},
                      {"subject", entry.subject}, {"before", entry.before},
                      {"after", entry.after},     {"reason", entry.reason}};
}

// The admin log's entries are few (people's changes), so a page is a scan of memory.
json::object ReadAdminAudit(const service::AdminAuditLog* log, const AuditFilter& filter) {
  json::array entries;
  uint64_t next_after = filter.after;
  if (log != nullptr && filter.customer_id.empty()) {
    uint64_t position = filter.after;
    while (entries.size() < filter.limit) {
      std::vector<service::AdminAuditEntry> page = log->After(position, filter.limit);
      if (page.empty()) break;
      for (const service::AdminAuditEntry& entry : page) {
        position = entry.seq;
        if (entries.size() >= filter.limit) break;
        if (!filter.actor.empty() && entry.actor != filter.actor) continue;
        entries.push_back(AdminEntryJson(entry));
        next_after = entry.seq;
      }
    }
  }
  return json::object{{"entries", std::move(entries)}, {"next_after", next_after}};
}

// Events that set a value (limit_set, policy_set, customer_updated, ...) have a meaningful
// "before": the previous such event on the subject. Other events (orders, invoices, payments)
// add rather than replace, so they get none, and the walk keeps no memory for them.
bool SetsAValue(std::string_view event_name) {
  return event_name.ends_with("_set") || event_name.ends_with("_updated");
}

// Walks the journal from its start so that "before" can be derived for every entry shown.
Result<json::object> ReadAudit(service::EventFeed& feed, const AuditFilter& filter) {
  std::unordered_map<std::string, json::value> last;  // type|subject -> its latest fields.
  json::array entries;
  uint64_t position = 0, next_after = filter.after;
  while (entries.size() < filter.limit) {
    CL_ASSIGN_OR_RETURN(std::vector<Event> page, feed.After(position, kAuditScanStepEvents));
    if (page.empty()) break;
    for (const Event& event : page) {
      position = event.seq;
      json::object out = EventJson(event);
      json::value data = std::move(out["data"]);
      std::string subject = SubjectOf(data);
      json::value before, after = data;
      if (std::string_view name = EventName(event.body); SetsAValue(name)) {
        json::value& previous = last[std::string(name) + "|" + subject];
        before = previous;
        previous = data;
      }
      if (event.seq <= filter.after || entries.size() >= filter.limit) continue;
      if (!filter.actor.empty() && event.actor != filter.actor) continue;
      if (!filter.customer_id.empty() && MemberText(data, "customer_id") != filter.customer_id) {
        continue;
      }
      entries.push_back(json::object{{"seq", event.seq},
                                     {"time", out["time"]},
                                     {"actor", event.actor},
                                     {"command", EventName(event.body)},
                                     {"subject", subject},
                                     {"before", std::move(before)},
                                     {"after", std::move(after)},
                                     {"reason", MemberText(data, "reason")}});
      next_after = event.seq;
    }
  }
  return json::object{{"entries", std::move(entries)}, {"next_after", next_after}};
}

void GetAudit(Api& api, Call&& call, Reply reply) {
  Result<int64_t> after = QueryInteger(call, "after", 0, 0, INT64_MAX / 2);
  if (!after.ok()) return reply(ErrorResponse(after.error()));
  Result<int64_t> limit = QueryInteger(call, "limit", kAuditPageSizeDefault, 1, kAuditPageSizeMax);
  if (!limit.ok()) return reply(ErrorResponse(limit.error()));
  AuditFilter filter{"", "", static_cast<uint64_t>(*after), static_cast<size_t>(*limit)};
  if (auto found = call.query.find("customer_id"); found != call.query.end()) {
    Status valid = ValidateId(found->second, "customer_id");
    if (!valid.ok()) return reply(ErrorResponse(valid.error()));
    filter.customer_id = found->second;
  }
  if (auto found = call.query.find("actor"); found != call.query.end()) {
    Status valid = ValidateText(found->second, "actor", true);
    if (!valid.ok()) return reply(ErrorResponse(valid.error()));
    filter.actor = found->second;
  }
  std::string source = call.query.count("source") ? call.query.at("source") : "journal";
  if (source == "admin") return reply(JsonResponse(200, ReadAdminAudit(api.admin_audit_log(), filter)));
  if (source != "journal") {
    return reply(ErrorResponse(
        MakeError(ErrorCode::kInvalidArgument, "source must be journal or admin", "source")));
  }
  // The feed reads the journal through its own connection, on this I/O thread.
  Result<json::object> page = ReadAudit(api.engine().feed(), filter);
  reply(page.ok() ? JsonResponse(200, *page) : ErrorResponse(page.error()));
}

}  // namespace

void RunAdminChange(Api& api, const Call& call, const AdminChange& change, const Reply& reply) {
  Result<AdminOutcome> outcome = change();
  if (!outcome.ok()) return reply(ErrorResponse(outcome.error()));
  if (service::AdminAuditLog* log = api.admin_audit_log()) {
    outcome->entry.actor = call.principal.actor();
    outcome->entry.time = api.Now();
    Status recorded = log->Append(std::move(outcome->entry));
    if (!recorded.ok()) {
      return reply(ErrorResponse(MakeError(
          ErrorCode::kStorageError, "the change was made but its audit record was not written: " +
                                        recorded.error().message)));
    }
  }
  reply(std::move(outcome->response));
}

service::AdminAuditEntry AdminEntry(std::string command, std::string subject, json::object before,
                                    json::object after, std::string reason) {
  service::AdminAuditEntry entry;
  entry.command = std::move(command), entry.subject = std::move(subject);
  entry.before = std::move(before), entry.after = std::move(after);
  entry.reason = std::move(reason);
  return entry;
}

Result<std::string> OptionalReason(JsonInput& body) {
  CL_ASSIGN_OR_RETURN(std::string reason, body.StringOr("reason", ""));
  CL_RETURN_IF_ERROR(ValidateText(reason, "reason", false));
  return reason;
}

Result<std::string> QueryReason(const Call& call) {
  auto found = call.query.find("reason");
  std::string reason = found == call.query.end() ? "" : found->second;
  CL_RETURN_IF_ERROR(ValidateText(reason, "reason", false));
  return reason;
}

void AddAuditRoutes(Api& api) { api.Add("GET", "/v1/audit", Role::kCreditManager, GetAudit); }

}  // namespace creditline::http
