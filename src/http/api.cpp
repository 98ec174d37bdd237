#include "http/api.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <chrono>
#include <sstream>

#include "core/ids.hpp"
#include "http/api_headers.hpp"
#include "http/audit.hpp"
#include "http/json_output.hpp"
#include "service/calendar.hpp"

namespace creditline::http {
namespace json = boost::json;
using service::Role;

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; '+' is a space in query strings. Malformed escapes are kept as they are,
// and the id validation that follows refuses them.
std::string Decode(std::string_view text, bool plus_is_space) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += plus_is_space && text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> parameters;
  while (!query.empty()) {
    size_t end = query.find('&');
    std::string_view pair = query.substr(0, end);
    size_t equals = pair.find('=');
    std::string name = Decode(pair.substr(0, equals), true);
    std::string value =
        equals == std::string_view::npos ? "" : Decode(pair.substr(equals + 1), true);
    if (!name.empty()) parameters[name] = value;
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
  }
  return parameters;
}

bool IsMutating(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

void Record(RouteStats& stats, unsigned status, Clock::duration elapsed) {
  size_t index = RouteStats::kStatuses.size();
  for (size_t i = 0; i < RouteStats::kStatuses.size(); ++i) {
    if (RouteStats::kStatuses[i] == status) index = i;
  }
  stats.by_status[index].fetch_add(1, std::memory_order_relaxed);
  double seconds = std::chrono::duration<double>(elapsed).count();
  size_t bucket = RouteStats::kLatencyBoundsSeconds.size();
  for (size_t i = 0; i < RouteStats::kLatencyBoundsSeconds.size(); ++i) {
    if (seconds <= RouteStats::kLatencyBoundsSeconds[i]) {
      bucket = i;
      break;
    }
  }
  stats.latency_buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  stats.latency_sum_us.fetch_add(
      std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count(),
      std::memory_order_relaxed);
}

Status CheckIdempotencyKey(const std::string& key) {
  if (key.empty()) {
    return MakeError(ErrorCode::kMissingIdempotencyKey,
                     "this request changes data and needs an Idempotency-Key header",
                     "Idempotency-Key");
  }
  Status valid = ValidateId(key, "Idempotency-Key", kIdempotencyKeyBytesMaxHttp);
  if (!valid.ok()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "Idempotency-Key must be 1-100 characters of A-Z a-z 0-9 . _ : -",
                     "Idempotency-Key");
  }
  return Status::Ok();
}

bool IsJsonContentType(const std::string& content_type) {
  std::string_view type(content_type);
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type == "application/json";
}

}  // namespace

HttpResponse JsonResponse(unsigned status, const json::object& body) {
  return HttpResponse{status, json::serialize(body), "application/json", {}};
}

HttpResponse ErrorResponse(const Error& error) {
  HttpResponse response{static_cast<unsigned>(InfoOf(error.code).http_status),
                        ErrorJson(error),
                        "application/json",
                        {}};
  if (error.code == ErrorCode::kOverloaded) response.headers.emplace_back("Retry-After", "1");
  return response;
}

Result<int64_t> QueryInteger(const Call& call, const char* name, int64_t fallback, int64_t minimum,
                             int64_t maximum) {
  auto found = call.query.find(name);
  if (found == call.query.end() || found->second.empty()) return fallback;
  const std::string& text = found->second;
  int64_t value = 0;
  bool digits = text.size() <= 18 && text.find_first_not_of("0123456789") == std::string::npos;
  if (digits) value = std::stoll(text);
  if (!digits || value < minimum || value > maximum) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(name) + " must be an integer from " + std::to_string(minimum) +
                         " to " + std::to_string(maximum),
                     name);
  }
  return value;
}

std::string CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
  }
  return "";
}

Api::Api(service::Engine& engine, service::TokenStore& tokens, ConsoleOptions console)
    : engine_(engine), tokens_(tokens), console_(std::move(console)) {
  AddServiceRoutes(*this);
  AddCustomerRoutes(*this);
  AddOrderRoutes(*this);
  AddLedgerRoutes(*this);
  AddAdministrationRoutes(*this);
  AddAssessmentRoutes(*this);
  AddBatchRoutes(*this);
  AddSessionRoutes(*this);
  AddMonitorRoutes(*this);
  AddReportRoutes(*this);
  AddAuditRoutes(*this);
}

TimeMs Api::Now() const { return console_.clock ? console_.clock() : service::SystemNowMs(); }

void Api::Add(std::string method, std::string pattern, Role role, RouteHandler handler) {
  auto route = std::make_unique<Route>();
  route->needs_idempotency_key = IsMutating(method);
  route->method = std::move(method);
  route->segments = SplitPath(pattern);
  route->pattern = std::move(pattern);
  route->role = role;
  route->handler = std::move(handler);
  routes_.push_back(std::move(route));
}

void Api::AddPublic(std::string method, std::string pattern, RouteHandler handler) {
  Add(std::move(method), std::move(pattern), Role::kViewer, std::move(handler));
  routes_.back()->authenticated = false;
  // Public routes change no credit state (the one that changes anything is the login).
  routes_.back()->needs_idempotency_key = false;
}

void Api::AddWithoutIdempotencyKey(std::string method, std::string pattern, Role role,
                                   RouteHandler handler) {
  Add(std::move(method), std::move(pattern), role, std::move(handler));
  routes_.back()->needs_idempotency_key = false;
}

Route* Api::Match(const std::string& method, const std::string& path,
                  std::vector<std::string>* params, bool* method_mismatch) {
  std::vector<std::string> segments = SplitPath(path);
  *method_mismatch = false;
  for (auto& route : routes_) {
    if (route->segments.size() != segments.size()) continue;
    std::vector<std::string> found;
    bool same = true;
    for (size_t i = 0; i < segments.size() && same; ++i) {
      const std::string& expected = route->segments[i];
      if (expected.size() > 2 && expected.front() == '{') {
        same = !segments[i].empty();
        found.push_back(Decode(segments[i], false));
      } else {
        same = expected == segments[i];
      }
    }
    if (!same) continue;
    if (route->method != method) {
      *method_mismatch = true;
      continue;
    }
    *params = std::move(found);
    return route.get();
  }
  return nullptr;
}

void Api::Handle(HttpRequest request, Reply reply_in) {
  Reply reply = [reply = std::move(reply_in)](HttpResponse response) {
    // Console files carry the console's own headers (static_files.cpp); the rest is the API.
    if (!HasHeader(response, "Content-Security-Policy")) AddApiSecurityHeaders(response);
    reply(std::move(response));
  };
  Call call;
  size_t question = request.target.find('?');
  call.path = request.target.substr(0, question);
  if (question != std::string::npos) call.query = ParseQuery(request.target.substr(question + 1));
  bool method_mismatch = false;
  Route* route = Match(request.method, call.path, &call.params, &method_mismatch);
  if (route == nullptr && request.method == "GET" && call.path.rfind("/v1/", 0) != 0) {
    if (console_.web != nullptr) {
      if (std::optional<HttpResponse> file = console_.web->Serve(call.path)) return reply(*file);
    } else if (call.path == "/") {
      return reply(HttpResponse{404,
                                "The web console is not built: run ./scripts/setup, or pass "
                                "--web-root to `creditline serve`.\n",
                                "text/plain; charset=utf-8",
                                {}});
    }
  }
  if (route == nullptr) {
    return reply(method_mismatch
                     ? ErrorResponse(MakeError(ErrorCode::kMethodNotAllowed,
                                               request.method + " is not allowed on " + call.path))
                     : ErrorResponse(MakeError(ErrorCode::kRouteNotFound, "no such endpoint")));
  }
  call.request = std::move(request);
  Clock::time_point start = Clock::now();
  RouteStats* stats = route->stats.get();
  Dispatch(*route, std::move(call), [stats, start, reply = std::move(reply)](HttpResponse r) {
    Record(*stats, r.status, Clock::now() - start);
    reply(std::move(r));
  });
}

void Api::Dispatch(Route& route, Call&& call, Reply reply) {
  if (route.authenticated) {
    Result<service::Principal> principal = Authenticate(call.request);
    if (!principal.ok()) return reply(ErrorResponse(principal.error()));
    if (principal->role < route.role) {
      return reply(ErrorResponse(
          MakeError(ErrorCode::kForbidden, "the role " + std::string(NameOf(principal->role)) +
                                               " may not do this; it needs " +
                                               std::string(NameOf(route.role)))));
    }
    call.principal = *principal;
  }
  // Every path parameter is an id of some kind (customer, order, token, user name, report, ...),
  // so one check here refuses path separators, control characters and over-long ids for all.
  for (size_t segment = 0, param = 0; segment < route.segments.size(); ++segment) {
    const std::string& name = route.segments[segment];
    if (name.size() <= 2 || name.front() != '{') continue;
    std::string field = name.substr(1, name.size() - 2);
    Status valid = ValidateId(call.params.at(param++), field.c_str());
    if (!valid.ok()) return reply(ErrorResponse(valid.error()));
  }
  // The import route takes the CSV file itself as its body.
  bool csv_body = route.pattern == "/v1/imports" &&
                  call.request.content_type.rfind("text/csv", 0) == 0;
  if (!call.request.body.empty() && !IsJsonContentType(call.request.content_type) && !csv_body) {
    return reply(ErrorResponse(MakeError(ErrorCode::kUnsupportedMediaType,
                                         "the body must be application/json", "Content-Type")));
  }
  if (route.needs_idempotency_key) {
    // A standby refuses at once what it could only refuse later, on the engine thread.
    if (engine_.standby()) return reply(StandbyResponse());
    Status key = CheckIdempotencyKey(call.request.idempotency_key);
    if (!key.ok()) return reply(ErrorResponse(key.error()));
    call.idempotency_key = call.request.idempotency_key;
  }
  route.handler(*this, std::move(call), std::move(reply));
}

Result<service::Principal> Api::Authenticate(const HttpRequest& request) {
  std::string_view authorization(request.authorization);
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.substr(0, kBearer.size()) == kBearer) {
    std::optional<service::Principal> principal =
        tokens_.Authenticate(authorization.substr(kBearer.size()));
    if (principal) return *principal;
  } else if (std::string secret = CookieValue(request.cookie, kSessionCookie);
             !secret.empty() && console_.users != nullptr) {
    std::optional<service::Session> session = sessions_.Touch(secret, Now());
    std::optional<service::UserRecord> user;
    if (session) user = console_.users->Find(session->username);
    if (user && !user->disabled) {
      // Another site can make the browser send the cookie, but cannot read the CSRF token.
      const std::string& sent = request.csrf_token;
      if (IsMutating(request.method) &&
          (sent.size() != session->csrf_token.size() ||
           CRYPTO_memcmp(sent.data(), session->csrf_token.data(), sent.size()) != 0)) {
        return MakeError(ErrorCode::kCsrfTokenInvalid,
                         "a console request that changes data needs the session's X-CSRF-Token",
                         "X-CSRF-Token");
      }
      return service::Principal{"", user->role, user->username, session->csrf_token,
                                session->expires_at()};
    }
    return MakeError(ErrorCode::kUnauthenticated, "the session has ended; log in again");
  }
  return MakeError(ErrorCode::kUnauthenticated,
                   "a valid Authorization: Bearer <token> or a console session is required");
}

void Api::Query(Reply reply, std::function<HttpResponse(service::EngineContext&)> query) {
  auto shared_reply = std::make_shared<Reply>(std::move(reply));
  bool taken =
      engine_.Submit([shared_reply, query = std::move(query)](service::EngineContext& context) {
        HttpResponse response = query(context);
        return [shared_reply, response = std::move(response)](bool durable) mutable {
          (*shared_reply)(durable ? std::move(response) : WritesStoppedResponse());
        };
      });
  if (!taken) {
    (*shared_reply)(engine_.failure()
                        ? WritesStoppedResponse()
                        : ErrorResponse(MakeError(ErrorCode::kOverloaded,
                                                  "the credit engine is busy; retry shortly")));
  }
}

HttpResponse WritesStoppedResponse() {
  return ErrorResponse(MakeError(ErrorCode::kWritesStopped,
                                 "the journal failed, so the server accepts no commands until it "
                                 "is restarted; nothing of this request was applied durably"));
}

HttpResponse StandbyResponse() {
  return ErrorResponse(MakeError(ErrorCode::kStandby,
                                 "this server is a standby: it follows the active server's journal "
                                 "and answers reads; send commands to the active server"));
}

HttpResponse Api::ExecuteNow(service::EngineContext& context, const Envelope& envelope,
                             const Command& command, unsigned success_status,
                             const Render& render) {
  if (context.standby) return StandbyResponse();
  Result<CommandResult> result = context.state.Execute(envelope, command, context.events);
  if (!result.ok()) return ErrorResponse(result.error());
  if (result->decision && !result->replayed) {
    decisions_[static_cast<size_t>(result->decision->outcome)].fetch_add(1,
                                                                         std::memory_order_relaxed);
  }
  std::string body = render(*result);
  // Every reply is a JSON object; the event's sequence number goes in as its last field.
  body.insert(body.size() - 1,
              std::string(body.size() > 2 ? "," : "") + "\"seq\":" + std::to_string(result->seq));
  HttpResponse response{success_status, std::move(body), "application/json", {}};
  if (result->replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}

void Api::Execute(const Call& call, Command command, unsigned success_status, Render render,
                  Reply reply) {
  Envelope envelope{call.idempotency_key, call.principal.actor(), 0, Date{}};
  Query(std::move(reply),
        [this, envelope = std::move(envelope), command = std::move(command), success_status,
         render = std::move(render)](service::EngineContext& context) mutable {
          envelope.time = context.stamp.time;
          envelope.today = context.stamp.today;
          return ExecuteNow(context, envelope, command, success_status, render);
        });
}

std::string Api::RenderMetrics() const {
  std::ostringstream out;
  out << "# HELP creditline_http_requests_total HTTP requests by route, method and status.\n"
         "# TYPE creditline_http_requests_total counter\n";
  for (const auto& route : routes_) {
    for (size_t i = 0; i < route->stats->by_status.size(); ++i) {
      uint64_t count = route->stats->by_status[i].load(std::memory_order_relaxed);
      if (count == 0) continue;
      std::string status =
          i < RouteStats::kStatuses.size() ? std::to_string(RouteStats::kStatuses[i]) : "other";
      out << "creditline_http_requests_total{route=\"" << route->pattern << "\",method=\""
          << route->method << "\",status=\"" << status << "\"} " << count << "\n";
    }
  }
  out << "# HELP creditline_http_request_duration_seconds Time from request to reply.\n"
         "# TYPE creditline_http_request_duration_seconds histogram\n";
  for (const auto& route : routes_) {
    uint64_t cumulative = 0;
    std::string labels = "route=\"" + route->pattern + "\",method=\"" + route->method + "\"";
    for (size_t i = 0; i < route->stats->latency_buckets.size(); ++i) {
      cumulative += route->stats->latency_buckets[i].load(std::memory_order_relaxed);
      std::string bound = i < RouteStats::kLatencyBoundsSeconds.size()
                              ? std::to_string(RouteStats::kLatencyBoundsSeconds[i])
                              : "+Inf";
      out << "creditline_http_request_duration_seconds_bucket{" << labels << ",le=\"" << bound
          << "\"} " << cumulative << "\n";
    }
    out << "creditline_http_request_duration_seconds_sum{" << labels << "} "
        << static_cast<double>(route->stats->latency_sum_us.load()) / 1e6 << "\n";
    out << "creditline_http_request_duration_seconds_count{" << labels << "} " << cumulative
        << "\n";
  }
  out << "# HELP creditline_decisions_total Credit decisions by outcome.\n"
         "# TYPE creditline_decisions_total counter\n";
  for (size_t i = 0; i < decisions_.size(); ++i) {
    out << "creditline_decisions_total{decision=\"" << NameOf(static_cast<Outcome>(i)) << "\"} "
        << decisions_[i].load(std::memory_order_relaxed) << "\n";
  }
  out << "# HELP creditline_engine_queue_depth Tasks waiting for the engine thread.\n"
         "# TYPE creditline_engine_queue_depth gauge\n"
      << "creditline_engine_queue_depth " << engine_.queue_depth() << "\n"
      << "# HELP creditline_events_total Events applied since start.\n"
         "# TYPE creditline_events_total counter\n"
      << "creditline_events_total " << engine_.events_applied() << "\n";
  if (const service::Journaler* journaler = engine_.journaler()) {
    service::JournalerStats journal = journaler->stats();
    service::EngineStats engine = engine_.stats();
    out << "# HELP creditline_journal_commits_total Journal transactions committed.\n"
           "# TYPE creditline_journal_commits_total counter\n"
        << "creditline_journal_commits_total " << journal.commits << "\n"
        << "# HELP creditline_journal_records_total Events made durable.\n"
           "# TYPE creditline_journal_records_total counter\n"
        << "creditline_journal_records_total " << journal.records << "\n"
        << "# HELP creditline_journal_failed 1 once the journal failed and writes stopped.\n"
           "# TYPE creditline_journal_failed gauge\n"
        << "creditline_journal_failed " << (journaler->failed() ? 1 : 0) << "\n"
        << "# HELP creditline_snapshots_total Snapshots written.\n"
           "# TYPE creditline_snapshots_total counter\n"
        << "creditline_snapshots_total " << journal.snapshots << "\n"
        << "# HELP creditline_snapshot_pause_seconds Engine pause of the last snapshot.\n"
           "# TYPE creditline_snapshot_pause_seconds gauge\n"
        << "creditline_snapshot_pause_seconds " << engine.last_snapshot_pause_us / 1e6 << "\n";
  }
  return out.str();
}

}  // namespace creditline::http
