// Console sessions (log in, who am I, log out) and console users (admin).
#include <boost/json/serialize.hpp>

#include "http/audit.hpp"
#include "http/handlers.hpp"
#include "http/json_output.hpp"
#include "service/calendar.hpp"

namespace creditline::http {
namespace json = boost::json;
using service::Role;

namespace {

constexpr int64_t kMsPerSecond = 1000;

Error ConsoleLoginsDisabled() {
  return MakeError(ErrorCode::kRouteNotFound, "this server has no console users");
}

std::string SessionCookie(const Api& api, const std::string& value, int64_t max_age_seconds) {
  std::string cookie =
      std::string(kSessionCookie) + "=" + value +
      "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_seconds);
  if (api.console().secure_cookies) cookie += "; Secure";
  return cookie;
}

json::object SessionJson(const service::Principal& principal) {
  bool console = !principal.username.empty();
  json::object out{{"auth", console ? "session" : "token"},
                   {"role", service::NameOf(principal.role)}};
  if (console) {
    out["username"] = principal.username;
    out["csrf_token"] = principal.csrf_token;
    out["expires_at"] = FormatTimestamp(principal.session_expires_at);
  } else {
    out["token_id"] = principal.token_id;
  }
  return out;
}

void Login(Api& api, Call&& call, Reply reply) {
  if (api.users() == nullptr) return reply(ErrorResponse(ConsoleLoginsDisabled()));
  Result<JsonInput> body = JsonInput::Parse(call.request.body);
  if (!body.ok()) return reply(ErrorResponse(body.error()));
  Result<std::string> username = body->String("username");
  if (!username.ok()) return reply(ErrorResponse(username.error()));
  Result<std::string> password = body->String("password");
  if (!password.ok()) return reply(ErrorResponse(password.error()));
  if (Status finished = body->Finish(); !finished.ok()) {
    return reply(ErrorResponse(finished.error()));
  }
  const std::string& address = call.request.remote_address;
  TimeMs now = api.Now();
  if (TimeMs wait = api.login_throttle().RetryAfter(*username, address, now); wait > 0) {
    HttpResponse refused = ErrorResponse(MakeError(
        ErrorCode::kTooManyRequests, "too many failed logins; try again later", "username"));
    refused.headers.emplace_back("Retry-After",
                                 std::to_string((wait + kMsPerSecond - 1) / kMsPerSecond));
    return reply(std::move(refused));
  }
  std::optional<service::UserRecord> user = api.users()->Authenticate(*username, *password);
  if (!user) {
    api.login_throttle().Failed(*username, address, now);
    return reply(ErrorResponse(
        MakeError(ErrorCode::kUnauthenticated, "wrong user name or password", "password")));
  }
  api.login_throttle().Succeeded(*username);
  std::optional<service::NewSession> session = api.sessions().Create(user->username, now);
  if (!session) {
    return reply(ErrorResponse(MakeError(ErrorCode::kOverloaded, "too many open sessions")));
  }
  service::Principal principal{"", user->role, user->username, session->session.csrf_token,
                               session->session.expires_at()};
  HttpResponse response = JsonResponse(200, SessionJson(principal));
  response.headers.emplace_back(
      "Set-Cookie",
      SessionCookie(api, session->secret, service::kSessionLifetimeMs / kMsPerSecond));
  response.headers.emplace_back("Cache-Control", "no-store");
  reply(std::move(response));
}

void WhoAmI(Api&, Call&& call, Reply reply) {
  HttpResponse response = JsonResponse(200, SessionJson(call.principal));
  response.headers.emplace_back("Cache-Control", "no-store");
  reply(std::move(response));
}

void Logout(Api& api, Call&& call, Reply reply) {
  std::string secret = CookieValue(call.request.cookie, kSessionCookie);
  if (!call.principal.username.empty() && !secret.empty()) api.sessions().End(secret);
  HttpResponse response = JsonResponse(200, json::object{{"logged_out", true}});
  response.headers.emplace_back("Set-Cookie", SessionCookie(api, "", 0));
  reply(std::move(response));
}

json::object UserJson(const service::UserRecord& user) {
  return json::object{{"username", user.username},
                      {"role", service::NameOf(user.role)},
                      {"created_at", FormatTimestamp(user.created_at)},
                      {"disabled", user.disabled}};
}

void ListUsers(Api& api, Call&&, Reply reply) {
  if (api.users() == nullptr) return reply(ErrorResponse(ConsoleLoginsDisabled()));
  json::array users;
  for (const service::UserRecord& user : api.users()->List()) users.push_back(UserJson(user));
  reply(JsonResponse(200, json::object{{"users", std::move(users)}}));
}

Result<AdminChange> CreateUser(Api& api, const Call& call) {
  if (api.users() == nullptr) return ConsoleLoginsDisabled();
  CL_ASSIGN_OR_RETURN(JsonInput body, JsonInput::Parse(call.request.body));
  CL_ASSIGN_OR_RETURN(std::string username, body.String("username"));
  CL_ASSIGN_OR_RETURN(std::string password, body.String("password"));
  CL_ASSIGN_OR_RETURN(std::string role_name, body.String("role"));
  CL_ASSIGN_OR_RETURN(std::string reason, OptionalReason(body));
  CL_RETURN_IF_ERROR(body.Finish());
  CL_ASSIGN_OR_RETURN(Role role, service::ParseRole(role_name));
  return AdminChange([&api, username, password, role, reason]() -> Result<AdminOutcome> {
    CL_ASSIGN_OR_RETURN(service::UserRecord user,
                        api.users()->Create(username, role, password, service::SystemNowMs()));
    json::object out = UserJson(user);
    return AdminOutcome{JsonResponse(201, out),
                        AdminEntry("user_created", user.username, {}, out, reason)};
  });
}

json::object UserAuditFields(const service::UserRecord& user) {
  return json::object{{"role", service::NameOf(user.role)}, {"disabled", user.disabled}};
}

Result<AdminChange> ChangeUser(Api& api, const Call& call) {
  if (api.users() == nullptr) return ConsoleLoginsDisabled();
  const std::string& username = call.params.at(0);
  CL_ASSIGN_OR_RETURN(JsonInput body, JsonInput::Parse(call.request.body));
  service::UserChange change;
  CL_ASSIGN_OR_RETURN(std::optional<std::string> role_name, body.OptionalString("role"));
  CL_ASSIGN_OR_RETURN(change.password, body.OptionalString("password"));
  CL_ASSIGN_OR_RETURN(change.disabled, body.OptionalBool("disabled"));
  CL_ASSIGN_OR_RETURN(std::string reason, OptionalReason(body));
  CL_RETURN_IF_ERROR(body.Finish());
  if (role_name) {
    CL_ASSIGN_OR_RETURN(change.role, service::ParseRole(*role_name));
  }
  // An administrator who locks themselves out may leave nobody able to undo it.
  bool self = username == call.principal.username;
  if (self && ((change.role && *change.role != Role::kAdmin) || change.disabled.value_or(false))) {
    return MakeError(ErrorCode::kInvalidState,
                     "you cannot disable yourself or take away your own admin role", "username");
  }
  return AdminChange([&api, username, change, reason]() -> Result<AdminOutcome> {
    std::optional<service::UserRecord> before = api.users()->Find(username);
    CL_ASSIGN_OR_RETURN(service::UserRecord user, api.users()->Change(username, change));
    // A new password or a disabled account ends the user's sessions (a stolen cookie included).
    if (change.password || user.disabled) api.sessions().EndAllOf(username);
    json::object after = UserAuditFields(user);
    if (change.password) after["password_changed"] = true;  // Never the password itself.
    return AdminOutcome{
        JsonResponse(200, UserJson(user)),
        AdminEntry("user_changed", username, before ? UserAuditFields(*before) : json::object{},
                   after, reason)};
  });
}

template <class F>
RouteHandler Changing(F prepare) {
  return [prepare](Api& api, Call&& call, Reply reply) {
    Result<AdminChange> change = prepare(api, call);
    if (!change.ok()) return reply(ErrorResponse(change.error()));
    RunAdminChange(api, call, std::move(*change), std::move(reply));
  };
}

}  // namespace

void AddSessionRoutes(Api& api) {
  // Logins are not credit commands: they are not journaled and need no idempotency key.
  api.AddPublic("POST", "/v1/session", Login);
  api.Add("GET", "/v1/session", Role::kViewer, WhoAmI);
  api.AddWithoutIdempotencyKey("DELETE", "/v1/session", Role::kViewer, Logout);
  api.Add("GET", "/v1/users", Role::kAdmin, ListUsers);
  api.AddWithoutIdempotencyKey("POST", "/v1/users", Role::kAdmin, Changing(CreateUser));
  api.AddWithoutIdempotencyKey("PATCH", "/v1/users/{username}", Role::kAdmin, Changing(ChangeUser));
}

}  // namespace creditline::http
