// Access control of every endpoint, over real HTTP on loopback.
//
// The routes come from the Api's route table, so a route added without an entry in kExpected
// below fails the test. The expectation (the least role a route needs, or public) is written out
// here, not read from the code under test. Every route is tried with a token of each role, with
// no credentials, a malformed Authorization header, an unknown token and a revoked token, and
// with a console session cookie of each role, with and without the CSRF header on mutating
// methods. A refusal must be 401 or 403 with its specific code and must change nothing.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json/serialize.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "http/api.hpp"
#include "http/server.hpp"
#include "http_client.hpp"
#include "service/calendar.hpp"
#include "service/engine.hpp"
#include "service/tokens.hpp"
#include "service/users.hpp"

namespace creditline::http {
namespace {

using namespace test_client;  // NOLINT: the client and its Response.
using service::Role;

// The least role each route needs; nullopt: public (no credentials needed).
const std::map<std::string, std::optional<Role>>& Expected() {
  static const std::map<std::string, std::optional<Role>> kExpected = {
      {"GET /healthz", std::nullopt},
      {"GET /openapi.json", std::nullopt},
      {"POST /v1/session", std::nullopt},
      {"GET /metrics", Role::kViewer},
      {"GET /v1/events", Role::kViewer},
      {"GET /v1/audit", Role::kCreditManager},
      {"POST /v1/tokens", Role::kAdmin},
      {"GET /v1/tokens", Role::kAdmin},
      {"DELETE /v1/tokens/{token_id}", Role::kAdmin},
      {"GET /v1/session", Role::kViewer},
      {"DELETE /v1/session", Role::kViewer},
      {"GET /v1/users", Role::kAdmin},
      {"POST /v1/users", Role::kAdmin},
      {"PATCH /v1/users/{username}", Role::kAdmin},
      {"POST /v1/customers", Role::kAnalyst},
      {"GET /v1/customers", Role::kViewer},
      {"GET /v1/customers/{customer_id}", Role::kViewer},
      {"PATCH /v1/customers/{customer_id}", Role::kAnalyst},
      {"POST /v1/customers/{customer_id}/accounts", Role::kCreditManager},
      {"PUT /v1/customers/{customer_id}/limit", Role::kCreditManager},
      {"POST /v1/customers/{customer_id}/temporary-limits", Role::kCreditManager},
      {"DELETE /v1/customers/{customer_id}/temporary-limits/{temporary_limit_id}",
       Role::kCreditManager},
      {"POST /v1/customers/{customer_id}/collateral", Role::kCreditManager},
      {"DELETE /v1/customers/{customer_id}/collateral/{collateral_id}", Role::kCreditManager},
      {"PUT /v1/customers/{customer_id}/status", Role::kCreditManager},
      {"GET /v1/customers/{customer_id}/orders", Role::kViewer},
      {"GET /v1/customers/{customer_id}/invoices", Role::kViewer},
      {"GET /v1/customers/{customer_id}/statement", Role::kAnalyst},
      {"GET /v1/customers/{customer_id}/history", Role::kAnalyst},
      {"POST /v1/customers/{customer_id}/financials", Role::kAnalyst},
      {"GET /v1/customers/{customer_id}/financials", Role::kViewer},
      {"GET /v1/customers/{customer_id}/assessment", Role::kViewer},
      {"POST /v1/credit-checks", Role::kSales},
      {"POST /v1/orders", Role::kSales},
      {"GET /v1/orders/{order_id}", Role::kViewer},
      {"PATCH /v1/orders/{order_id}", Role::kSales},
      {"POST /v1/orders/{order_id}/cancel", Role::kSales},
      {"GET /v1/holds", Role::kViewer},
      {"POST /v1/holds/{order_id}/release", Role::kCreditManager},
      {"POST /v1/holds/{order_id}/reject", Role::kCreditManager},
      {"POST /v1/invoices", Role::kAnalyst},
      {"POST /v1/payments", Role::kAnalyst},
      {"POST /v1/credit-notes", Role::kAnalyst},
      {"POST /v1/write-offs", Role::kCreditManager},
      {"POST /v1/groups", Role::kCreditManager},
      {"GET /v1/groups/{group_id}", Role::kViewer},
      {"PUT /v1/groups/{group_id}/limit", Role::kCreditManager},
      {"POST /v1/groups/{group_id}/members", Role::kCreditManager},
      {"DELETE /v1/groups/{group_id}/members/{customer_id}", Role::kCreditManager},
      {"GET /v1/policies", Role::kViewer},
      {"GET /v1/policies/{name}", Role::kViewer},
      {"PUT /v1/policies/{name}", Role::kCreditManager},
      {"GET /v1/fx-rates", Role::kViewer},
      {"PUT /v1/fx-rates", Role::kCreditManager},
      {"GET /v1/scorecard", Role::kViewer},
      {"PUT /v1/scorecard", Role::kCreditManager},
      {"GET /v1/assessment-policy", Role::kViewer},
      {"PUT /v1/assessment-policy", Role::kAdmin},
      {"POST /v1/reviews", Role::kAnalyst},
      {"POST /v1/limit-requests", Role::kSales},
      {"GET /v1/limit-requests", Role::kViewer},
      {"GET /v1/limit-requests/{request_id}", Role::kViewer},
      {"POST /v1/limit-requests/{request_id}/approve", Role::kAnalyst},
      {"POST /v1/limit-requests/{request_id}/reject", Role::kAnalyst},
      {"POST /v1/recovery-plans", Role::kCreditManager},
      {"GET /v1/recovery-plans/{plan_id}", Role::kViewer},
      {"POST /v1/batch", Role::kSales},
      {"GET /v1/alerts", Role::kViewer},
      {"POST /v1/alerts/{alert_id}/acknowledge", Role::kCreditManager},
      {"GET /v1/alert-rules", Role::kViewer},
      {"PUT /v1/alert-rules", Role::kAdmin},
      {"GET /v1/webhooks", Role::kAdmin},
      {"PUT /v1/webhooks/{webhook_id}", Role::kAdmin},
      {"DELETE /v1/webhooks/{webhook_id}", Role::kAdmin},
      {"GET /v1/webhook-deliveries", Role::kAdmin},
      {"GET /v1/reports/{report}", Role::kAnalyst},
      {"GET /v1/exports/{entity}", Role::kAnalyst},
      {"POST /v1/imports", Role::kCreditManager},
  };
  return kExpected;
}

constexpr Role kRoles[] = {Role::kViewer, Role::kSales, Role::kAnalyst, Role::kCreditManager,
                           Role::kAdmin};

bool IsMutating(const std::string& method) { return method != "GET"; }

// A concrete target for a pattern: each {parameter} becomes a well-formed id.
std::string TargetOf(const std::string& pattern) {
  std::string target;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') {
      target += pattern[i];
      continue;
    }
    i = pattern.find('}', i);
    target += "x1";
  }
  return target;
}

bool Refused(const Response& response) { return response.status == 401 || response.status == 403; }

class AccessControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/creditline-access-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    data_dir_ = pattern;
    ASSERT_TRUE(service::TokenStore::Initialize(data_dir_, 0).ok());
    Result<std::unique_ptr<service::TokenStore>> tokens = service::TokenStore::Open(data_dir_);
    ASSERT_TRUE(tokens.ok());
    tokens_ = std::move(*tokens);
    Result<std::unique_ptr<service::UserStore>> users = service::UserStore::Open(data_dir_);
    ASSERT_TRUE(users.ok());
    users_ = std::move(*users);
    for (Role role : kRoles) {
      Result<service::NewToken> token = tokens_->Create(role, "access test", 0);
      ASSERT_TRUE(token.ok());
      secrets_[role] = token->secret;
      std::string name(service::NameOf(role));
      ASSERT_TRUE(users_->Create(name, role, name + "-password", 0).ok());
    }
    Result<service::NewToken> revoked = tokens_->Create(Role::kAdmin, "revoked", 0);
    ASSERT_TRUE(revoked.ok());
    ASSERT_TRUE(tokens_->Revoke(revoked->record.token_id).ok());
    revoked_secret_ = revoked->secret;
    engine_ = std::make_unique<service::Engine>(*service::BusinessCalendar::ForZone("UTC"));
    ConsoleOptions console;
    console.users = users_.get();
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

  Response Call(const Route& route, Headers headers) {
    headers.emplace_back("Idempotency-Key", "access-" + std::to_string(++keys_));
    return client_->Send(route.method, TargetOf(route.pattern),
                         IsMutating(route.method) ? "{}" : "", headers);
  }
  Headers Bearer(const std::string& secret) { return {{"Authorization", "Bearer " + secret}}; }
  // The Cookie header and CSRF token of a fresh console session for the role's user.
  std::pair<std::string, std::string> Session(Role role) {
    std::string name(service::NameOf(role));
    Response login = client_->Send("POST", "/v1/session",
                                   boost::json::serialize(boost::json::value{
                                       {"username", name}, {"password", name + "-password"}}),
                                   {});
    EXPECT_EQ(login.status, 200u) << login.body;
    std::string cookie = login.Header("Set-Cookie");
    return {cookie.substr(0, cookie.find(';')), login.Str("/csrf_token")};
  }
  // What may change through a request: the journal, the tokens and the users.
  std::string Fingerprint() {
    std::string out = std::to_string(engine_->events_applied());
    for (const service::TokenRecord& token : tokens_->List()) {
      out += "|" + token.token_id + (token.revoked ? "r" : "");
    }
    for (const service::UserRecord& user : users_->List()) {
      out += "|" + user.username + std::string(service::NameOf(user.role)) +
             (user.disabled ? "d" : "");
    }
    return out;
  }

  std::string data_dir_, revoked_secret_;
  std::map<Role, std::string> secrets_;
  std::unique_ptr<service::TokenStore> tokens_;
  std::unique_ptr<service::UserStore> users_;
  std::unique_ptr<service::Engine> engine_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpClient> client_;
  int keys_ = 0;
};

TEST_F(AccessControlTest, EveryRouteHasAnExpectationAndEveryExpectationARoute) {
  std::set<std::string> registered;
  for (const auto& route : api_->routes()) {
    std::string key = route->method + " " + route->pattern;
    registered.insert(key);
    EXPECT_TRUE(Expected().count(key)) << key << " has no expected role in this test";
  }
  for (const auto& [key, role] : Expected()) {
    EXPECT_TRUE(registered.count(key)) << key << " is expected but not registered";
  }
}

TEST_F(AccessControlTest, RequestsWithoutValidCredentialsAreRefusedAndChangeNothing) {
  std::string before = Fingerprint();
  const std::vector<std::pair<std::string, Headers>> kAnonymous = {
      {"no credentials", {}},
      {"malformed header", {{"Authorization", "Token abc"}}},
      {"empty bearer", {{"Authorization", "Bearer "}}},
      {"unknown token", Bearer("cl_0000000000000000000000000000000000000000000000")},
      {"revoked token", Bearer(revoked_secret_)},
      {"unknown session", {{"Cookie", std::string(kSessionCookie) + "=deadbeef"}}},
  };
  for (const auto& route : api_->routes()) {
    auto expected = Expected().find(route->method + " " + route->pattern);
    ASSERT_NE(expected, Expected().end());
    for (const auto& [what, headers] : kAnonymous) {
      Response response = Call(*route, headers);
      SCOPED_TRACE(route->method + " " + route->pattern + " with " + what);
      if (!expected->second) {
        EXPECT_FALSE(Refused(response)) << response.status << " " << response.body;
      } else {
        EXPECT_TRUE(IsError(response, 401, "unauthenticated"));
      }
    }
  }
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(AccessControlTest, EachRoleReachesExactlyTheRoutesItsTableEntryAllows) {
  // Refusals first, so that "changes nothing" is checked before any allowed request runs.
  std::string before = Fingerprint();
  for (bool allowed_pass : {false, true}) {
    for (const auto& route : api_->routes()) {
      std::optional<Role> needed = Expected().at(route->method + " " + route->pattern);
      for (Role role : kRoles) {
        bool allowed = !needed || role >= *needed;
        if (allowed != allowed_pass) continue;
        Response response = Call(*route, Bearer(secrets_.at(role)));
        SCOPED_TRACE(route->method + " " + route->pattern + " as " +
                     std::string(service::NameOf(role)));
        if (allowed) {
          EXPECT_FALSE(Refused(response)) << response.status << " " << response.body;
        } else {
          EXPECT_TRUE(IsError(response, 403, "forbidden"));
        }
      }
    }
    if (!allowed_pass) {
      EXPECT_EQ(Fingerprint(), before);
    }
  }
}

TEST_F(AccessControlTest, SessionsFollowTheSameTableAndMutationsNeedTheCsrfHeader) {
  std::string before = Fingerprint();
  for (bool allowed_pass : {false, true}) {
    for (Role role : kRoles) {
      auto [cookie, csrf] = Session(role);
      for (const auto& route : api_->routes()) {
        // Logging out would end the session the rest of the loop uses.
        if (route->pattern == "/v1/session" && route->method == "DELETE") continue;
        std::optional<Role> needed = Expected().at(route->method + " " + route->pattern);
        bool allowed = !needed || role >= *needed;
        SCOPED_TRACE(route->method + " " + route->pattern + " as user " +
                     std::string(service::NameOf(role)));
        if (!allowed_pass && needed && IsMutating(route->method)) {
          EXPECT_TRUE(IsError(Call(*route, {{"Cookie", cookie}}), 403, "csrf_token_invalid"));
          EXPECT_TRUE(IsError(Call(*route, {{"Cookie", cookie}, {"X-CSRF-Token", "0" + csrf}}), 403,
                              "csrf_token_invalid"));
        }
        if (allowed != allowed_pass) continue;
        Headers headers{{"Cookie", cookie}};
        if (IsMutating(route->method)) headers.emplace_back("X-CSRF-Token", csrf);
        Response response = Call(*route, headers);
        if (allowed) {
          EXPECT_FALSE(Refused(response)) << response.status << " " << response.body;
        } else {
          EXPECT_TRUE(IsError(response, 403, "forbidden"));
        }
      }
    }
    if (!allowed_pass) {
      EXPECT_EQ(Fingerprint(), before);
    }
  }
}

}  // namespace
}  // namespace creditline::http
