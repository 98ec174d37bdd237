// Black-box tests of console logins, sessions, CSRF, users and the served console files, over
// real HTTP on loopback (the client of http_client.hpp).
//
// Each test starts a server in-process with a token store and a user store in a fresh
// temporary directory, one console user per role, a small web root with index.html and a hashed
// asset, and a clock the test moves to expire sessions.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "http/api.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "http_client.hpp"
#include "service/calendar.hpp"
#include "service/engine.hpp"
#include "service/sessions.hpp"
#include "service/tokens.hpp"
#include "service/users.hpp"

namespace creditline::http {
namespace {

using namespace test_client;  // NOLINT: the client and its Response.

constexpr const char* kUsers[][2] = {{"viewer", "viewer"},
                                     {"sales", "sales"},
                                     {"analyst", "analyst"},
                                     {"manager", "credit_manager"},
                                     {"admin", "admin"}};

std::string PasswordOf(const std::string& username) { return username + "-password"; }

struct Login {
  std::string cookie;  // "cl_session=..." for the Cookie header.
  std::string csrf;
  Response response;
};

class ConsoleHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/creditline-console-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    data_dir_ = pattern;
    Result<service::NewToken> first =
        service::TokenStore::Initialize(data_dir_, service::SystemNowMs());
    ASSERT_TRUE(first.ok());
    admin_token_ = first->secret;
    Result<std::unique_ptr<service::TokenStore>> tokens = service::TokenStore::Open(data_dir_);
    ASSERT_TRUE(tokens.ok());
    tokens_ = std::move(*tokens);
    Result<std::unique_ptr<service::UserStore>> users = service::UserStore::Open(data_dir_);
    ASSERT_TRUE(users.ok());
    users_ = std::move(*users);
    for (const auto& [name, role] : kUsers) {
      ASSERT_TRUE(users_->Create(name, *service::ParseRole(role), PasswordOf(name), 0).ok());
    }
    std::string web = data_dir_ + "/web";
    std::filesystem::create_directories(web + "/assets");
    std::ofstream(web + "/index.html") << "<!doctype html><title>console</title>";
    std::ofstream(web + "/assets/index-abc123.js") << "console.log('hi')";
    Result<std::unique_ptr<StaticFiles>> files = StaticFiles::Load(web);
    ASSERT_TRUE(files.ok()) << files.error().message;
    web_ = std::move(*files);
    engine_ = std::make_unique<service::Engine>(*service::BusinessCalendar::ForZone("UTC"));
    ConsoleOptions console;
    console.users = users_.get();
    console.web = web_.get();
    console.clock = [this] { return now_.load(); };
    api_ = std::make_unique<Api>(*engine_, *tokens_, std::move(console));
    server_ = std::make_unique<Server>(
        [this](HttpRequest request, Reply reply) { api_->Handle(std::move(request), reply); });
    engine_->Start();
    ASSERT_TRUE(server_->Start("127.0.0.1:0", 2).ok());
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  void TearDown() override {
    client_.reset();
    if (server_) server_->Stop();
    if (engine_) engine_->Stop();
    server_.reset();
    api_.reset();
    engine_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  Response Send(const std::string& method, const std::string& target, const std::string& body,
                const Headers& headers = {}) {
    return client_->Send(method, target, body, headers);
  }
  Login LogIn(const std::string& username, const std::string& password) {
    Login login;
    login.response =
        Send("POST", "/v1/session",
             json::serialize(json::value{{"username", username}, {"password", password}}));
    std::string set_cookie = login.response.Header("Set-Cookie");
    login.cookie = set_cookie.substr(0, set_cookie.find(';'));
    if (login.response.Has("/csrf_token")) login.csrf = login.response.Str("/csrf_token");
    return login;
  }
  Login LogIn(const std::string& username) { return LogIn(username, PasswordOf(username)); }
  // A mutation with the session cookie, and the CSRF token unless `csrf` is "-".
  Response WithSession(const Login& login, const std::string& method, const std::string& target,
                       const std::string& body, const std::string& csrf = "") {
    Headers headers{{"Cookie", login.cookie},
                    {"Idempotency-Key", "key-" + std::to_string(++keys_)}};
    if (csrf != "-") headers.emplace_back("X-CSRF-Token", csrf.empty() ? login.csrf : csrf);
    return Send(method, target, body, headers);
  }
  Response GetWithSession(const Login& login, const std::string& target) {
    return Send("GET", target, "", {{"Cookie", login.cookie}});
  }
  std::string CreateCustomerBody(const std::string& id) {
    return json::serialize(json::value{{"customer_id", id},
                                       {"name", "Customer " + id},
                                       {"currency", "CNY"},
                                       {"limit_minor", 100}});
  }

  std::string data_dir_, admin_token_;
  std::unique_ptr<service::TokenStore> tokens_;
  std::unique_ptr<service::UserStore> users_;
  std::unique_ptr<StaticFiles> web_;
  std::unique_ptr<service::Engine> engine_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpClient> client_;
  std::atomic<TimeMs> now_{1'700'000'000'000};
  int keys_ = 0;
};

TEST_F(ConsoleHttpTest, LoginSetsAStrictHttpOnlyCookieAndWhoAmIAnswers) {
  Login login = LogIn("manager");
  ASSERT_EQ(login.response.status, 200u) << login.response.body;
  EXPECT_EQ(login.response.Str("/username"), "manager");
  EXPECT_EQ(login.response.Str("/role"), "credit_manager");
  EXPECT_EQ(login.response.Str("/auth"), "session");
  EXPECT_EQ(login.csrf.size(), 48u);
  std::string cookie = login.response.Header("Set-Cookie");
  EXPECT_EQ(cookie.rfind("cl_session=", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Max-Age=43200"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << cookie;
  EXPECT_EQ(login.response.Header("Cache-Control"), "no-store");

  Response me = GetWithSession(login, "/v1/session");
  ASSERT_EQ(me.status, 200u) << me.body;
  EXPECT_EQ(me.Str("/username"), "manager");
  EXPECT_EQ(me.Str("/csrf_token"), login.csrf);
  // The session reads like a token: the same API, the same roles.
  EXPECT_EQ(GetWithSession(login, "/v1/holds").status, 200u);
  EXPECT_TRUE(IsError(GetWithSession(login, "/v1/users"), 403, "forbidden"));
}

TEST_F(ConsoleHttpTest, WrongPasswordsAndUnknownUsersAreRefusedAlike) {
  Login wrong = LogIn("manager", "not-the-password");
  EXPECT_TRUE(IsError(wrong.response, 401, "unauthenticated"));
  EXPECT_EQ(wrong.response.Header("Set-Cookie"), "");
  Login unknown = LogIn("nobody", "not-the-password");
  EXPECT_TRUE(IsError(unknown.response, 401, "unauthenticated"));
  EXPECT_EQ(wrong.response.Str("/error/message"), unknown.response.Str("/error/message"));
  // Malformed bodies are 400s, not login failures.
  EXPECT_TRUE(
      IsError(Send("POST", "/v1/session", R"({"username":"manager"})"), 400, "missing_field"));
  EXPECT_TRUE(IsError(
      Send("POST", "/v1/session", R"({"username":"manager","password":"x","remember":true})"), 400,
      "unknown_field"));
  EXPECT_TRUE(IsError(Send("POST", "/v1/session", "username=manager",
                           {{"Content-Type", "application/x-www-form-urlencoded"}}),
                      415, "unsupported_media_type"));
  // No cookie, no session.
  EXPECT_TRUE(IsError(Send("GET", "/v1/session", ""), 401, "unauthenticated"));
  EXPECT_TRUE(IsError(Send("GET", "/v1/session", "", {{"Cookie", "cl_session=forged"}}), 401,
                      "unauthenticated"));
}

TEST_F(ConsoleHttpTest, RepeatedFailuresThrottleTheUserEvenWithTheRightPassword) {
  for (int i = 0; i < service::kLoginFailuresPerUserMax; ++i) {
    EXPECT_TRUE(IsError(LogIn("analyst", "wrong-password").response, 401, "unauthenticated"));
  }
  Login throttled = LogIn("analyst");
  EXPECT_TRUE(IsError(throttled.response, 429, "too_many_requests"));
  EXPECT_EQ(throttled.response.Header("Retry-After"), "900");
  EXPECT_EQ(throttled.response.Header("Set-Cookie"), "");
  // Other users are not locked out by it.
  EXPECT_EQ(LogIn("viewer").response.status, 200u);
  // One millisecond before the window ends it is still refused; at its end the right password
  // works again.
  now_ += service::kLoginFailureWindowMs - 1;
  Login late = LogIn("analyst");
  EXPECT_TRUE(IsError(late.response, 429, "too_many_requests"));
  EXPECT_EQ(late.response.Header("Retry-After"), "1");
  now_ += 1;
  EXPECT_EQ(LogIn("analyst").response.status, 200u);
}

TEST_F(ConsoleHttpTest, TheAddressIsThrottledAcrossUserNames) {
  for (int i = 0; i < service::kLoginFailuresPerAddressMax; ++i) {
    LogIn("guess" + std::to_string(i), "wrong-password");
  }
  EXPECT_TRUE(IsError(LogIn("viewer").response, 429, "too_many_requests"));
}

TEST_F(ConsoleHttpTest, MutationsWithTheCookieNeedTheCsrfToken) {
  Login login = LogIn("analyst");
  std::string body = CreateCustomerBody("C1");
  EXPECT_TRUE(
      IsError(WithSession(login, "POST", "/v1/customers", body, "-"), 403, "csrf_token_invalid"));
  EXPECT_TRUE(IsError(WithSession(login, "POST", "/v1/customers", body, "0123456789abcdef"), 403,
                      "csrf_token_invalid"));
  Login other = LogIn("manager");
  EXPECT_TRUE(IsError(WithSession(login, "POST", "/v1/customers", body, other.csrf), 403,
                      "csrf_token_invalid"));
  // Nothing was created by the refused requests.
  EXPECT_TRUE(IsError(GetWithSession(login, "/v1/customers/C1"), 404, "customer_not_found"));
  Response created = WithSession(login, "POST", "/v1/customers", body);
  ASSERT_EQ(created.status, 201u) << created.body;
  // The event records the console user as its actor.
  Response events = Send("GET", "/v1/events?after=0", "", {{"Cookie", login.cookie}});
  EXPECT_NE(events.body.find("\"actor\":\"user:analyst\""), std::string::npos) << events.body;
  // Bearer tokens need no CSRF token: they are not sent by browsers on their own.
  Response with_token =
      Send("POST", "/v1/customers", CreateCustomerBody("C2"),
           {{"Authorization", "Bearer " + admin_token_}, {"Idempotency-Key", "token-key"}});
  EXPECT_EQ(with_token.status, 201u) << with_token.body;
}

TEST_F(ConsoleHttpTest, RolesApplyToSessions) {
  Login sales = LogIn("sales");
  std::string limit = R"({"limit_minor":500,"currency":"CNY"})";
  Response created = Send("POST", "/v1/customers", CreateCustomerBody("C1"),
                          {{"Authorization", "Bearer " + admin_token_}, {"Idempotency-Key", "k1"}});
  ASSERT_EQ(created.status, 201u);
  EXPECT_TRUE(
      IsError(WithSession(sales, "PUT", "/v1/customers/C1/limit", limit), 403, "forbidden"));
  Login manager = LogIn("manager");
  EXPECT_EQ(WithSession(manager, "PUT", "/v1/customers/C1/limit", limit).status, 200u);
}

TEST_F(ConsoleHttpTest, LogoutEndsTheSessionAndClearsTheCookie) {
  Login login = LogIn("viewer");
  EXPECT_TRUE(
      IsError(WithSession(login, "DELETE", "/v1/session", "", "-"), 403, "csrf_token_invalid"));
  Response out = WithSession(login, "DELETE", "/v1/session", "");
  ASSERT_EQ(out.status, 200u) << out.body;
  std::string cookie = out.Header("Set-Cookie");
  EXPECT_EQ(cookie.rfind("cl_session=;", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("Max-Age=0"), std::string::npos) << cookie;
  EXPECT_TRUE(IsError(GetWithSession(login, "/v1/session"), 401, "unauthenticated"));
}

TEST_F(ConsoleHttpTest, SessionsExpireWhenIdleAndAfterTheirLifetime) {
  Login idle = LogIn("viewer");
  now_ += service::kSessionIdleMs - 1;
  EXPECT_EQ(GetWithSession(idle, "/v1/session").status, 200u);  // Restarts the idle clock.
  now_ += service::kSessionIdleMs - 1;
  EXPECT_EQ(GetWithSession(idle, "/v1/session").status, 200u);
  now_ += service::kSessionIdleMs;
  EXPECT_TRUE(IsError(GetWithSession(idle, "/v1/session"), 401, "unauthenticated"));

  Login busy = LogIn("viewer");
  TimeMs step = service::kSessionIdleMs / 2;
  for (TimeMs elapsed = 0; elapsed + step < service::kSessionLifetimeMs; elapsed += step) {
    now_ += step;
    ASSERT_EQ(GetWithSession(busy, "/v1/session").status, 200u) << elapsed;
  }
  now_ += step;
  EXPECT_TRUE(IsError(GetWithSession(busy, "/v1/session"), 401, "unauthenticated"));
}

TEST_F(ConsoleHttpTest, AdminsManageUsers) {
  Login admin = LogIn("admin");
  Response listed = GetWithSession(admin, "/v1/users");
  ASSERT_EQ(listed.status, 200u);
  EXPECT_EQ(listed.Size("/users"), 5u);
  EXPECT_EQ(listed.body.find("argon2"), std::string::npos) << "hashes must not leave the server";

  Response created =
      WithSession(admin, "POST", "/v1/users",
                  R"({"username":"lin.wei","password":"s3cret-pass","role":"sales"})");
  ASSERT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(created.Str("/role"), "sales");
  EXPECT_TRUE(
      IsError(WithSession(admin, "POST", "/v1/users",
                          R"({"username":"lin.wei","password":"s3cret-pass","role":"sales"})"),
              409, "duplicate_id"));
  EXPECT_TRUE(IsError(WithSession(admin, "POST", "/v1/users",
                                  R"({"username":"x","password":"short","role":"sales"})"),
                      400, "invalid_argument"));
  EXPECT_TRUE(
      IsError(WithSession(admin, "POST", "/v1/users",
                          R"({"username":"bad name","password":"long enough","role":"sales"})"),
              400, "invalid_id"));
  EXPECT_TRUE(IsError(WithSession(admin, "POST", "/v1/users",
                                  R"({"username":"y","password":"long enough","role":"boss"})"),
                      400, "invalid_argument"));

  Login lin = LogIn("lin.wei", "s3cret-pass");
  ASSERT_EQ(lin.response.status, 200u);
  Response promoted = WithSession(admin, "PATCH", "/v1/users/lin.wei", R"({"role":"analyst"})");
  ASSERT_EQ(promoted.status, 200u) << promoted.body;
  // A role change applies to the open session at once.
  EXPECT_EQ(GetWithSession(lin, "/v1/session").Str("/role"), "analyst");
  // A new password ends the user's sessions; the old password no longer works.
  ASSERT_EQ(
      WithSession(admin, "PATCH", "/v1/users/lin.wei", R"({"password":"another-pass"})").status,
      200u);
  EXPECT_TRUE(IsError(GetWithSession(lin, "/v1/session"), 401, "unauthenticated"));
  EXPECT_EQ(LogIn("lin.wei", "s3cret-pass").response.status, 401u);
  EXPECT_EQ(LogIn("lin.wei", "another-pass").response.status, 200u);
  // Disabled users cannot log in.
  ASSERT_EQ(WithSession(admin, "PATCH", "/v1/users/lin.wei", R"({"disabled":true})").status, 200u);
  EXPECT_EQ(LogIn("lin.wei", "another-pass").response.status, 401u);
  // Admins cannot lock themselves out; unknown users and fields are refused.
  EXPECT_TRUE(IsError(WithSession(admin, "PATCH", "/v1/users/admin", R"({"disabled":true})"), 409,
                      "invalid_state"));
  EXPECT_TRUE(IsError(WithSession(admin, "PATCH", "/v1/users/admin", R"({"role":"viewer"})"), 409,
                      "invalid_state"));
  EXPECT_TRUE(IsError(WithSession(admin, "PATCH", "/v1/users/ghost", R"({"disabled":true})"), 404,
                      "not_found"));
  EXPECT_TRUE(IsError(WithSession(admin, "PATCH", "/v1/users/lin.wei", R"({"name":"x"})"), 400,
                      "unknown_field"));
  // Only admins.
  Login manager = LogIn("manager");
  EXPECT_TRUE(IsError(WithSession(manager, "POST", "/v1/users",
                                  R"({"username":"z","password":"long enough","role":"admin"})"),
                      403, "forbidden"));
  // The user file survives a reload, with hashes only.
  Result<std::unique_ptr<service::UserStore>> reloaded = service::UserStore::Open(data_dir_);
  ASSERT_TRUE(reloaded.ok());
  std::optional<service::UserRecord> record = (*reloaded)->Find("lin.wei");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->role, service::Role::kAnalyst);
  EXPECT_TRUE(record->disabled);
  EXPECT_EQ(record->password_hash.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u)
      << record->password_hash;
}

TEST_F(ConsoleHttpTest, ServesTheConsoleWithSecurityHeadersAndRouteFallback) {
  Response index = Send("GET", "/", "");
  ASSERT_EQ(index.status, 200u);
  EXPECT_EQ(index.body, "<!doctype html><title>console</title>");
  EXPECT_EQ(index.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.Header("Cache-Control"), "no-cache");
  EXPECT_NE(index.Header("Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_NE(index.Header("Content-Security-Policy").find("script-src 'self';"), std::string::npos);
  EXPECT_EQ(index.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(index.Header("X-Frame-Options"), "DENY");
  EXPECT_EQ(index.Header("Referrer-Policy"), "same-origin");
  // The console's files keep their own policy, not the API's.
  EXPECT_EQ(index.Header("Content-Security-Policy").find("default-src 'none'"), std::string::npos);

  Response asset = Send("GET", "/assets/index-abc123.js", "");
  ASSERT_EQ(asset.status, 200u);
  EXPECT_EQ(asset.body, "console.log('hi')");
  EXPECT_EQ(asset.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(asset.Header("Cache-Control"), "public, max-age=31536000, immutable");

  // Client-side routes get index.html; missing files and API paths do not.
  Response route = Send("GET", "/customers/C100?tab=orders", "");
  EXPECT_EQ(route.status, 200u);
  EXPECT_EQ(route.body, index.body);
  EXPECT_TRUE(IsError(Send("GET", "/assets/missing.js", ""), 404, "not_found"));
  EXPECT_TRUE(IsError(Send("GET", "/v1/nothing-here", ""), 404, "not_found"));
  EXPECT_TRUE(IsError(Send("GET", "/../../etc/passwd.txt", ""), 404, "not_found"));
  EXPECT_TRUE(
      IsError(Send("POST", "/customers", "", {{"Authorization", "Bearer x"}}), 404, "not_found"));
  // The API keeps answering JSON next to the console.
  EXPECT_EQ(Send("GET", "/healthz", "").status, 200u);
}

TEST(UserStoreTest, HashesAreArgon2idAndVerify) {
  Result<std::string> hash = service::HashPassword("correct horse");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(service::VerifyPassword("correct horse", *hash));
  EXPECT_FALSE(service::VerifyPassword("correct horse ", *hash));
  EXPECT_NE(*hash, *service::HashPassword("correct horse")) << "salts must differ";
  EXPECT_EQ(service::GeneratePassword().size(), 16u);
  EXPECT_NE(service::GeneratePassword(), service::GeneratePassword());
}

TEST(UserStoreTest, AMalformedUserFileIsRefused) {
  char pattern[] = "/tmp/creditline-users-test-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string dir = pattern;
  std::ofstream(dir + "/users.tsv") << "admin\tadmin\tplaintext\t0\t0\n";
  Result<std::unique_ptr<service::UserStore>> opened = service::UserStore::Open(dir);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kCorruptRecord);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace creditline::http
