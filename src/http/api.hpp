// The HTTP API: routing, authentication (API tokens, and console sessions with their CSRF
// tokens), roles, idempotency keys, metrics, the web console's files, and the bridge from
// requests to engine tasks. Handlers (handlers_*.cpp) translate JSON to commands and results
// to JSON; no credit rule lives here. Handle() is called on I/O threads; replies are sent from
// the engine thread. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "core/state.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "service/engine.hpp"
#include "service/sessions.hpp"
#include "service/tokens.hpp"
#include "service/users.hpp"
#include "service/webhooks.hpp"

namespace creditline::service {
class AdminAuditLog;
}  // namespace creditline::service

namespace creditline::http {

inline constexpr size_t kIdempotencyKeyBytesMaxHttp = 100;  // Leaves room for batch suffixes.
inline constexpr size_t kPageSizeMax = 500;
inline constexpr size_t kPageSizeDefault = 50;

struct Call {
  HttpRequest request;
  std::string path;
  std::vector<std::string> params;           // Path parameters, in pattern order.
  std::map<std::string, std::string> query;  // Decoded query parameters.
  service::Principal principal;
  std::string idempotency_key;
};

class Api;
using RouteHandler = std::function<void(Api&, Call&&, Reply)>;

struct RouteStats {
  static constexpr std::array<unsigned, 15> kStatuses = {200, 201, 400, 401, 403, 404, 405, 409,
                                                         413, 415, 422, 429, 431, 500, 503};
  static constexpr std::array<double, 10> kLatencyBoundsSeconds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0};
  std::array<std::atomic<uint64_t>, kStatuses.size() + 1> by_status{};  // Last: other.
  std::array<std::atomic<uint64_t>, kLatencyBoundsSeconds.size() + 1> latency_buckets{};
  std::atomic<uint64_t> latency_sum_us{0};
};

struct Route {
  std::string method, pattern;
  std::vector<std::string> segments;  // "{x}" segments are parameters.
  bool authenticated = true;
  service::Role role = service::Role::kViewer;
  bool needs_idempotency_key = false;
  RouteHandler handler;
  std::unique_ptr<RouteStats> stats = std::make_unique<RouteStats>();
};

// The web console's side of the API: logins and the built files. Everything may be absent.
struct ConsoleOptions {
  service::UserStore* users = nullptr;  // Null: no console logins.
  const StaticFiles* web = nullptr;     // Null: the console is not served.
  bool secure_cookies = false;          // Mark the session cookie Secure (behind HTTPS).
  std::function<TimeMs()> clock;        // For session expiry; null: the system clock.
};

inline constexpr const char* kSessionCookie = "cl_session";

class Api {
 public:
  Api(service::Engine& engine, service::TokenStore& tokens, ConsoleOptions console = {});

  // The Server's handler.
  void Handle(HttpRequest request, Reply reply);

  // Registration (handlers_*.cpp). Mutating methods require an Idempotency-Key unless
  // `idempotent` is false for them (credit checks).
  void Add(std::string method, std::string pattern, service::Role role, RouteHandler handler);
  void AddPublic(std::string method, std::string pattern, RouteHandler handler);
  void AddWithoutIdempotencyKey(std::string method, std::string pattern, service::Role role,
                                RouteHandler handler);

  // Runs a read on the engine thread and replies with its answer.
  void Query(Reply reply, std::function<HttpResponse(service::EngineContext&)> query);
  // Executes a command with the call's idempotency key and actor; replies `render(result)`
  // (a JSON object's text; the event's "seq" is added to it) with `success_status`, or the
  // error. Replays carry Idempotent-Replayed: true.
  using Render = std::function<std::string(const CommandResult&)>;
  void Execute(const Call& call, Command command, unsigned success_status, Render render,
               Reply reply);
  // Executes inside an engine task (batch items); returns the response.
  HttpResponse ExecuteNow(service::EngineContext& context, const Envelope& envelope,
                          const Command& command, unsigned success_status, const Render& render);

  service::Engine& engine() { return engine_; }
  service::TokenStore& tokens() { return tokens_; }
  service::UserStore* users() { return console_.users; }
  service::SessionStore& sessions() { return sessions_; }
  service::LoginThrottle& login_throttle() { return login_throttle_; }
  const ConsoleOptions& console() const { return console_; }
  TimeMs Now() const;
  // The webhook dispatcher, when the server runs one (null: webhook routes answer 404).
  void set_webhooks(service::WebhookDispatcher* webhooks) { webhooks_ = webhooks; }
  service::WebhookDispatcher* webhooks() { return webhooks_; }
  // The log of admin changes (tokens, users, webhooks) when the server keeps one (null: such
  // changes are made unrecorded, as in embedded and test servers). Set before serving.
  void set_admin_audit_log(service::AdminAuditLog* log) { admin_audit_log_ = log; }
  service::AdminAuditLog* admin_audit_log() const { return admin_audit_log_; }
  std::string RenderMetrics() const;
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  void Dispatch(Route& route, Call&& call, Reply reply);
  // The principal of a bearer token or a session cookie; a cookie request that changes data
  // must carry the session's CSRF token.
  Result<service::Principal> Authenticate(const HttpRequest& request);
  Route* Match(const std::string& method, const std::string& path, std::vector<std::string>* params,
               bool* method_mismatch);

  service::Engine& engine_;
  service::TokenStore& tokens_;
  ConsoleOptions console_;
  service::SessionStore sessions_;
  service::LoginThrottle login_throttle_;
  service::WebhookDispatcher* webhooks_ = nullptr;
  service::AdminAuditLog* admin_audit_log_ = nullptr;
  std::vector<std::unique_ptr<Route>> routes_;
  std::array<std::atomic<uint64_t>, 4> decisions_{};  // By Outcome.
};

HttpResponse JsonResponse(unsigned status, const boost::json::object& body);

// A Render from a function returning either JSON text or a JSON object.
template <class F>
Api::Render ToTextRender(F render) {
  if constexpr (std::is_same_v<std::invoke_result_t<F, const CommandResult&>, std::string>) {
    return render;
  } else {
    return [render = std::move(render)](const CommandResult& result) {
      return boost::json::serialize(render(result));
    };
  }
}
HttpResponse ErrorResponse(const Error& error);
// 503 writes_stopped: the journal failed and the engine takes no more work.
HttpResponse WritesStoppedResponse();
// 503 standby: this server follows another's journal and runs no commands.
HttpResponse StandbyResponse();
// Parses a query parameter as an integer in [minimum, maximum], or returns the default.
Result<int64_t> QueryInteger(const Call& call, const char* name, int64_t fallback, int64_t minimum,
                             int64_t maximum);

// Route registration, one function per area.
void AddServiceRoutes(Api& api);
void AddCustomerRoutes(Api& api);
void AddOrderRoutes(Api& api);
void AddLedgerRoutes(Api& api);
void AddAdministrationRoutes(Api& api);
void AddBatchRoutes(Api& api);
void AddSessionRoutes(Api& api);  // Console logins and users.

// The value of cookie `name` in a Cookie header, or "".
std::string CookieValue(std::string_view header, std::string_view name);
void AddAssessmentRoutes(Api& api);
void AddMonitorRoutes(Api& api);  // Alerts, alert rules, webhooks.
void AddReportRoutes(Api& api);   // Reports, exports, imports.

}  // namespace creditline::http
