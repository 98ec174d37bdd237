// Black-box tests of the HTTP/JSON API (docs/api.md) over real HTTP on loopback.
//
// Each test starts a server in-process on 127.0.0.1 with an ephemeral port, a token store in a
// fresh temporary directory under /tmp and one token per role (created through POST /v1/tokens),
// and drives it with a small synchronous HTTP/1.1 client (Boost.Beast, keep-alive). Assertions
// look only at what a client sees: statuses, headers, JSON bodies, and the effect of each request
// on later reads. A rejected request must change nothing: neither the account nor the event feed.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <future>
#include <latch>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/time.hpp"
#include "http/api.hpp"
#include "http/server.hpp"
#include "http_client.hpp"
#include "service/calendar.hpp"
#include "service/engine.hpp"
#include "service/tokens.hpp"

namespace creditline::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

using namespace test_client;  // NOLINT: the client and its Response.

::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << part << "' not found in:\n" << text;
}

json::value J(std::string_view text) { return json::parse(text); }

std::vector<std::string> Ids(const Response& response, std::string_view array,
                             std::string_view field) {
  std::vector<std::string> ids;
  for (const json::value& item : response.At(array).as_array()) {
    ids.emplace_back(item.at(field).as_string());
  }
  return ids;
}

constexpr const char* kRoles[] = {"viewer", "sales", "analyst", "credit_manager", "admin"};

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/creditline-http-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    data_dir_ = pattern;
    Result<service::NewToken> first =
        service::TokenStore::Initialize(data_dir_, service::SystemNowMs());
    ASSERT_TRUE(first.ok()) << first.error().message;
    Result<std::unique_ptr<service::TokenStore>> tokens = service::TokenStore::Open(data_dir_);
    ASSERT_TRUE(tokens.ok()) << tokens.error().message;
    tokens_ = std::move(*tokens);
    Result<service::BusinessCalendar> calendar = service::BusinessCalendar::ForZone("UTC");
    ASSERT_TRUE(calendar.ok());
    engine_ = std::make_unique<service::Engine>(*calendar);
    api_ = std::make_unique<Api>(*engine_, *tokens_);
    server_ = std::make_unique<Server>(
        [this](HttpRequest request, Reply reply) { api_->Handle(std::move(request), reply); });
    engine_->Start();
    ASSERT_TRUE(server_->Start("127.0.0.1:0", 2).ok());
    ASSERT_NE(server_->port(), 0);
    client_ = std::make_unique<HttpClient>(server_->port());
    for (const char* role : kRoles) {
      Response created = Request("POST", "/v1/tokens", first->secret,
                                 json::serialize(json::value{{"role", role}, {"name", role}}));
      ASSERT_EQ(created.status, 201u) << created.body;
      ASSERT_EQ(created.Str("/role"), role);
      token_[role] = created.Str("/token");
      token_id_[role] = created.Str("/token_id");
    }
    viewer_ = token_["viewer"];
    sales_ = token_["sales"];
    analyst_ = token_["analyst"];
    manager_ = token_["credit_manager"];
    admin_ = token_["admin"];
  }

  void TearDown() override {
    client_.reset();
    if (server_) server_->Stop();
    if (engine_) engine_->Stop();
    server_.reset();
    api_.reset();
    engine_.reset();
    tokens_.reset();
    if (!data_dir_.empty()) std::filesystem::remove_all(data_dir_);
  }

  // One request on the fixture's connection; `token` empty sends no Authorization header.
  Response Request(const std::string& method, const std::string& target, const std::string& token,
                   const std::string& body = "", Headers headers = {}) {
    if (!token.empty()) headers.emplace(headers.begin(), "Authorization", "Bearer " + token);
    return client_->Send(method, target, body, headers);
  }
  Response Get(const std::string& target, const std::string& token) {
    return Request("GET", target, token);
  }
  Response Get(const std::string& target) { return Get(target, viewer_); }

  std::string NextKey() { return "test-key-" + std::to_string(++keys_); }
  // A mutation with a raw body and an Idempotency-Key (a fresh one unless given).
  Response SendRaw(const std::string& method, const std::string& target, const std::string& token,
                   const std::string& body, const std::string& key = "") {
    return Request(method, target, token, body,
                   {{"Idempotency-Key", key.empty() ? NextKey() : key}});
  }
  Response Send(const std::string& method, const std::string& target, const std::string& token,
                const json::value& body, const std::string& key = "") {
    return SendRaw(method, target, token, json::serialize(body), key);
  }
  Response Post(const std::string& target, const std::string& token, const json::value& body,
                const std::string& key = "") {
    return Send("POST", target, token, body, key);
  }
  Response Delete(const std::string& target, const std::string& token) {
    return SendRaw("DELETE", target, token, "");
  }

  // POST /v1/customers (CNY) with the analyst token; `extra` adds or replaces body fields.
  void CreateCustomer(const std::string& id, int64_t limit_minor, json::object extra = {}) {
    json::object body{{"customer_id", id},
                      {"name", "Customer " + id},
                      {"currency", "CNY"},
                      {"limit_minor", limit_minor}};
    for (const auto& [key, value] : extra) body[key] = value;
    Response created = Post("/v1/customers", analyst_, body);
    EXPECT_EQ(created.status, 201u) << created.body;
  }
  Response PlaceOrder(const std::string& order_id, const std::string& customer_id,
                      int64_t amount_minor, const std::string& currency = "CNY") {
    return Post("/v1/orders", sales_,
                {{"order_id", order_id},
                 {"customer_id", customer_id},
                 {"amount_minor", amount_minor},
                 {"currency", currency}});
  }
  // The customer's default AccountView.
  json::value Account(const std::string& customer_id) {
    Response customer = Get("/v1/customers/" + customer_id);
    EXPECT_EQ(customer.status, 200u) << customer.body;
    return customer.status == 200 ? customer.At("/account") : json::value();
  }
  int64_t AccountInt(const std::string& customer_id, std::string_view field) {
    json::value account = Account(customer_id);
    return account.is_object() ? account.at(field).to_number<int64_t>() : -1;
  }
  int64_t NextAfter() { return Get("/v1/events?after=0&limit=1000").Int("/next_after"); }
  // Everything a rejected request must leave as it was: the customer with its accounts, its open
  // orders, the hold queue and the change feed.
  std::string Snapshot(const std::string& customer_id) {
    return Get("/v1/customers/" + customer_id).body +
           Get("/v1/customers/" + customer_id + "/orders").body + Get("/v1/holds").body +
           std::to_string(NextAfter());
  }

  std::string data_dir_;
  std::unique_ptr<service::TokenStore> tokens_;
  std::unique_ptr<service::Engine> engine_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpClient> client_;
  std::map<std::string, std::string> token_, token_id_;  // By role name.
  std::string viewer_, sales_, analyst_, manager_, admin_;
  int keys_ = 0;
};

// --- Service endpoints -------------------------------------------------------------------------

TEST_F(HttpTest, HealthAndOpenApiNeedNoToken) {
  Response health = Request("GET", "/healthz", "");
  ASSERT_EQ(health.status, 200u) << health.body;
  EXPECT_EQ(health.Header("Content-Type"), "application/json");
  EXPECT_EQ(health.Str("/status"), "ok");
  EXPECT_EQ(health.Int("/seq"), 0);
  EXPECT_EQ(health.Str("/role"), "memory");  // No journal here; "active" or "standby" with one.
  EXPECT_EQ(Request("GET", "/healthz?role=active", "").status, 200u);
  Response wrong_role = Request("GET", "/healthz?role=standby", "");
  EXPECT_EQ(wrong_role.status, 400u);
  EXPECT_EQ(wrong_role.Str("/error/field"), "role");

  Response openapi = Request("GET", "/openapi.json", "");
  ASSERT_EQ(openapi.status, 200u);
  ASSERT_TRUE(openapi.json.is_object()) << openapi.body;
  EXPECT_EQ(openapi.Str("/openapi").substr(0, 4), "3.1.");
  EXPECT_TRUE(openapi.At("/paths").is_object());
  // Everything so far, the token creation included, went over one keep-alive connection.
  EXPECT_EQ(server_->open_connections(), 1u);
}

TEST_F(HttpTest, MetricsCountRequestsAndDecisions) {
  EXPECT_TRUE(IsError(Request("GET", "/metrics", ""), 401, "unauthenticated"));
  CreateCustomer("C1", 100'000);
  EXPECT_EQ(PlaceOrder("SO-1", "C1", 10'000).Str("/decision"), "approved");
  EXPECT_EQ(PlaceOrder("SO-2", "C1", 200'000).Str("/decision"), "held");

  Response metrics = Get("/metrics");
  ASSERT_EQ(metrics.status, 200u);
  EXPECT_EQ(metrics.Header("Content-Type").rfind("text/plain", 0), 0u);
  const std::string& text = metrics.body;
  auto requests = [](const std::string& route, const std::string& method, int status) {
    return "creditline_http_requests_total{route=\"" + route + "\",method=\"" + method +
           "\",status=\"" + std::to_string(status) + "\"} ";
  };
  EXPECT_TRUE(Contains(text, requests("/v1/orders", "POST", 200) + "2\n"));
  EXPECT_TRUE(Contains(text, requests("/v1/customers", "POST", 201) + "1\n"));
  EXPECT_TRUE(Contains(text, requests("/v1/tokens", "POST", 201) + "5\n"));
  EXPECT_TRUE(Contains(text, requests("/metrics", "GET", 401) + "1\n"));
  const std::string orders = "{route=\"/v1/orders\",method=\"POST\"";
  EXPECT_TRUE(Contains(text, "creditline_http_request_duration_seconds_count" + orders + "} 2\n"));
  EXPECT_TRUE(Contains(
      text, "creditline_http_request_duration_seconds_bucket" + orders + ",le=\"+Inf\"} 2\n"));
  EXPECT_TRUE(Contains(text, "creditline_decisions_total{decision=\"approved\"} 1\n"));
  EXPECT_TRUE(Contains(text, "creditline_decisions_total{decision=\"held\"} 1\n"));
  EXPECT_TRUE(Contains(text, "creditline_decisions_total{decision=\"rejected\"} 0\n"));
  EXPECT_TRUE(Contains(text, "creditline_engine_queue_depth "));
  EXPECT_TRUE(Contains(text, "creditline_events_total 3\n"));
}

// --- Customers and accounts --------------------------------------------------------------------

TEST_F(HttpTest, CreateGetAndUpdateCustomer) {
  Response created = Post("/v1/customers", analyst_, J(R"({
      "customer_id": "C100", "name": "Acme Trading", "currency": "CNY", "industry": "retail",
      "region": "east", "tags": ["key", "new"], "limit_minor": 50000000,
      "payment_terms_days": 45, "grade": "A", "review_on": "2099-12-31"})"));
  ASSERT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(created.json, J(R"({
      "customer_id": "C100", "name": "Acme Trading", "industry": "retail", "region": "east",
      "tags": ["key", "new"], "segment": "", "currency": "CNY", "limit_minor": 50000000,
      "payment_terms_days": 45, "grade": "A", "policy": "standard", "review_on": "2099-12-31",
      "group_id": "", "status": "active", "seq": 1})"));

  Response customer = Get("/v1/customers/C100");
  ASSERT_EQ(customer.status, 200u) << customer.body;
  EXPECT_EQ(customer.Str("/name"), "Acme Trading");
  EXPECT_EQ(customer.At("/tags"), J(R"(["key", "new"])"));
  EXPECT_EQ(customer.At("/account"), J(R"({
      "customer_id": "C100", "segment": "", "currency": "CNY", "status": "active", "grade": "A",
      "policy": "standard", "group_id": "", "payment_terms_days": 45, "review_on": "2099-12-31",
      "limit_minor": 50000000, "temporary_limits_minor": 0, "collateral_minor": 0,
      "effective_limit_minor": 50000000, "orders_open_minor": 0, "receivables_open_minor": 0,
      "unapplied_credit_minor": 0, "exposure_minor": 0, "available_minor": 50000000,
      "utilization_bp": 0, "overdue_minor": 0, "oldest_days_past_due": 0,
      "written_off_minor": 0, "open_orders": 0, "held_orders": 0, "open_invoices": 0})"));
  ASSERT_EQ(customer.Size("/accounts"), 1u);
  EXPECT_EQ(customer.At("/accounts/0"), customer.At("/account"));

  Response patched = Send("PATCH", "/v1/customers/C100", analyst_, J(R"({
      "name": "Acme Trading Ltd", "tags": ["vip"], "grade": "B", "review_on": null,
      "payment_terms_days": 60})"));
  ASSERT_EQ(patched.status, 200u) << patched.body;
  EXPECT_EQ(patched.json, J(R"({"customer_id": "C100", "seq": 2})"));
  customer = Get("/v1/customers/C100");
  EXPECT_EQ(customer.Str("/name"), "Acme Trading Ltd");
  EXPECT_EQ(customer.At("/tags"), J(R"(["vip"])"));
  EXPECT_EQ(customer.Str("/account/grade"), "B");
  EXPECT_TRUE(customer.At("/account/review_on").is_null());
  EXPECT_EQ(customer.Int("/account/payment_terms_days"), 60);
}

TEST_F(HttpTest, SecondAccountInAnotherSegment) {
  CreateCustomer("C1", 1'000'000);
  Response opened = Post("/v1/customers/C1/accounts", manager_,
                         {{"segment", "EU"}, {"currency", "EUR"}, {"limit_minor", 200'000}});
  ASSERT_EQ(opened.status, 201u) << opened.body;
  EXPECT_EQ(opened.json, J(R"({"customer_id": "C1", "segment": "EU", "seq": 2})"));

  Response order = Post("/v1/orders", sales_,
                        {{"order_id", "SO-EU"},
                         {"customer_id", "C1"},
                         {"segment", "EU"},
                         {"amount_minor", 50'000},
                         {"currency", "EUR"}});
  ASSERT_EQ(order.status, 200u) << order.body;
  EXPECT_EQ(order.Str("/decision"), "approved");
  EXPECT_EQ(order.Str("/currency"), "EUR");

  Response customer = Get("/v1/customers/C1");
  ASSERT_EQ(customer.Size("/accounts"), 2u);
  EXPECT_EQ(customer.Str("/account/segment"), "");
  EXPECT_EQ(customer.Int("/account/orders_open_minor"), 0);
  EXPECT_EQ(customer.Str("/accounts/1/segment"), "EU");
  EXPECT_EQ(customer.Str("/accounts/1/currency"), "EUR");
  EXPECT_EQ(customer.Int("/accounts/1/orders_open_minor"), 50'000);
  EXPECT_EQ(customer.Int("/accounts/1/available_minor"), 150'000);

  EXPECT_EQ(Ids(Get("/v1/customers/C1/orders?segment=EU"), "/orders", "order_id"),
            std::vector<std::string>{"SO-EU"});
  EXPECT_EQ(Get("/v1/customers/C1/orders").Size("/orders"), 0u);
  EXPECT_TRUE(IsError(Get("/v1/customers/C1/orders?segment=US"), 404, "account_not_found"));

  // Segment-scoped changes: a body field for POST, a query parameter for DELETE.
  ASSERT_EQ(Post("/v1/customers/C1/temporary-limits", manager_,
                 {{"temporary_limit_id", "T-EU"},
                  {"segment", "EU"},
                  {"amount_minor", 30'000},
                  {"currency", "EUR"},
                  {"valid_from", "2000-01-01"},
                  {"valid_to", "9999-12-31"}})
                .status,
            201u);
  EXPECT_EQ(Get("/v1/customers/C1").Int("/accounts/1/effective_limit_minor"), 230'000);
  EXPECT_TRUE(IsError(Delete("/v1/customers/C1/temporary-limits/T-EU", manager_), 404,
                      "temporary_limit_not_found"));
  Response removed = Delete("/v1/customers/C1/temporary-limits/T-EU?segment=EU", manager_);
  ASSERT_EQ(removed.status, 200u) << removed.body;
  EXPECT_EQ(removed.Str("/segment"), "EU");
  EXPECT_EQ(Get("/v1/customers/C1").Int("/accounts/1/effective_limit_minor"), 200'000);
  ASSERT_EQ(Post("/v1/groups", manager_,
                 {{"group_id", "G-EU"}, {"limit_minor", 1'000'000}, {"currency", "EUR"}})
                .status,
            201u);
  ASSERT_EQ(
      Post("/v1/groups/G-EU/members", manager_, {{"customer_id", "C1"}, {"segment", "EU"}}).status,
      200u);
  EXPECT_EQ(Get("/v1/groups/G-EU").Int("/exposure_minor"), 50'000);
  Response left = Delete("/v1/groups/G-EU/members/C1?segment=EU", manager_);
  ASSERT_EQ(left.status, 200u) << left.body;
  EXPECT_EQ(Get("/v1/groups/G-EU").Size("/members"), 0u);
}

TEST_F(HttpTest, ExpiredReservationsAreReleasedByTheServer) {
  CreateCustomer("C1", 1'000'000);
  Response placed = Post("/v1/orders", sales_,
                         {{"order_id", "SO-1"},
                          {"customer_id", "C1"},
                          {"amount_minor", 100'000},
                          {"currency", "CNY"},
                          {"expires_at", FormatTimestamp(service::SystemNowMs() + 200)}});
  ASSERT_EQ(placed.Str("/decision"), "approved");
  // Expiry is checked every second.
  int64_t open = -1;
  for (int i = 0; i < 50 && open != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    open = AccountInt("C1", "orders_open_minor");
  }
  EXPECT_EQ(open, 0);
  EXPECT_TRUE(IsError(Get("/v1/orders/SO-1"), 404, "order_not_found"));
  Response events = Get("/v1/events?after=2");
  ASSERT_EQ(events.Size("/events"), 1u);
  EXPECT_EQ(events.Str("/events/0/type"), "reservations_expired");
  EXPECT_EQ(events.Str("/events/0/actor"), "system:expiry");
}

TEST_F(HttpTest, LimitTemporaryLimitsAndCollateralChangeTheEffectiveLimit) {
  CreateCustomer("C1", 100'000);
  ASSERT_EQ(PlaceOrder("SO-1", "C1", 40'000).Str("/decision"), "approved");

  Response limit = Send("PUT", "/v1/customers/C1/limit", manager_,
                        {{"limit_minor", 300'000}, {"currency", "CNY"}, {"reason", "review"}});
  ASSERT_EQ(limit.status, 200u) << limit.body;
  EXPECT_EQ(limit.json, J(R"({"customer_id": "C1", "segment": "", "limit_minor": 300000,
                              "currency": "CNY", "seq": 3})"));
  EXPECT_EQ(AccountInt("C1", "limit_minor"), 300'000);
  EXPECT_EQ(AccountInt("C1", "available_minor"), 260'000);

  Response temporary = Post("/v1/customers/C1/temporary-limits", manager_,
                            {{"temporary_limit_id", "T1"},
                             {"amount_minor", 50'000},
                             {"currency", "CNY"},
                             {"valid_from", "2000-01-01"},
                             {"valid_to", "9999-12-31"},
                             {"reason", "peak season"}});
  ASSERT_EQ(temporary.status, 201u) << temporary.body;
  EXPECT_EQ(temporary.json, J(R"({"customer_id": "C1", "segment": "",
                                  "temporary_limit_id": "T1", "seq": 4})"));
  json::value account = Account("C1");
  EXPECT_EQ(account.at("temporary_limits_minor"), 50'000);
  EXPECT_EQ(account.at("effective_limit_minor"), 350'000);
  EXPECT_EQ(account.at("available_minor"), 310'000);

  Response collateral = Post("/v1/customers/C1/collateral", manager_,
                             {{"collateral_id", "G1"},
                              {"kind", "guarantee"},
                              {"amount_minor", 20'000},
                              {"currency", "CNY"},
                              {"valid_to", "9999-12-31"}});
  ASSERT_EQ(collateral.status, 201u) << collateral.body;
  EXPECT_EQ(collateral.json, J(R"({"customer_id": "C1", "segment": "", "collateral_id": "G1",
                                   "seq": 5})"));
  // Collateral that does not count toward the limit is recorded but changes nothing.
  ASSERT_EQ(Post("/v1/customers/C1/collateral", manager_,
                 {{"collateral_id", "G2"},
                  {"kind", "deposit"},
                  {"amount_minor", 99'000},
                  {"currency", "CNY"},
                  {"valid_to", "9999-12-31"},
                  {"counts_toward_limit", false}})
                .status,
            201u);
  account = Account("C1");
  EXPECT_EQ(account.at("collateral_minor"), 20'000);
  EXPECT_EQ(account.at("effective_limit_minor"), 370'000);
  EXPECT_EQ(account.at("available_minor"), 330'000);

  Response removed = Delete("/v1/customers/C1/temporary-limits/T1", manager_);
  ASSERT_EQ(removed.status, 200u) << removed.body;
  EXPECT_EQ(removed.json, J(R"({"customer_id": "C1", "segment": "", "temporary_limit_id": "T1",
                                "seq": 7})"));
  EXPECT_EQ(AccountInt("C1", "effective_limit_minor"), 320'000);
  removed = Delete("/v1/customers/C1/collateral/G1", manager_);
  ASSERT_EQ(removed.status, 200u) << removed.body;
  EXPECT_EQ(removed.json, J(R"({"customer_id": "C1", "segment": "", "collateral_id": "G1",
                                "seq": 8})"));
  account = Account("C1");
  EXPECT_EQ(account.at("collateral_minor"), 0);
  EXPECT_EQ(account.at("effective_limit_minor"), 300'000);
  EXPECT_EQ(account.at("available_minor"), 260'000);
  EXPECT_TRUE(
      IsError(Delete("/v1/customers/C1/collateral/G1", manager_), 404, "collateral_not_found"));
  EXPECT_TRUE(IsError(Delete("/v1/customers/C1/temporary-limits/T1", manager_), 404,
                      "temporary_limit_not_found"));
}

TEST_F(HttpTest, BlockedAccountRejectsOrders) {
  CreateCustomer("C1", 100'000);
  Response status = Send("PUT", "/v1/customers/C1/status", manager_,
                         {{"status", "blocked"}, {"reason", "fraud check"}});
  ASSERT_EQ(status.status, 200u) << status.body;
  EXPECT_EQ(status.json,
            J(R"({"customer_id": "C1", "segment": "", "status": "blocked", "seq": 2})"));
  EXPECT_EQ(Account("C1").at("status"), "blocked");

  Response order = PlaceOrder("SO-1", "C1", 1'000);
  ASSERT_EQ(order.status, 200u) << order.body;
  EXPECT_EQ(order.Str("/decision"), "rejected");
  EXPECT_EQ(order.Str("/reasons/0/code"), "account_blocked");
  EXPECT_EQ(order.Str("/reasons/0/action"), "reject");
  EXPECT_EQ(AccountInt("C1", "orders_open_minor"), 0);
  EXPECT_TRUE(IsError(Get("/v1/orders/SO-1"), 404, "order_not_found"));
}

// --- Orders, credit checks and holds -----------------------------------------------------------

TEST_F(HttpTest, OrderIsReservedChangedAndCancelled) {
  CreateCustomer("C1", 1'000'000);
  Response placed = Post("/v1/orders", sales_,
                         {{"order_id", "SO-1"},
                          {"customer_id", "C1"},
                          {"amount_minor", 100'000},
                          {"currency", "CNY"},
                          {"expires_at", "2099-01-01T08:30:00+08:00"}});
  ASSERT_EQ(placed.status, 200u) << placed.body;
  EXPECT_EQ(placed.json, J(R"({
      "order_id": "SO-1", "decision": "approved", "reasons": [], "amount_minor": 100000,
      "currency": "CNY",
      "account": {"limit_minor": 1000000, "effective_limit_minor": 1000000, "exposure_minor": 0,
                  "orders_open_minor": 0, "receivables_open_minor": 0,
                  "unapplied_credit_minor": 0, "available_minor": 1000000,
                  "available_after_minor": 900000, "utilization_after_bp": 1000,
                  "overdue_minor": 0, "oldest_days_past_due": 0},
      "group": null, "seq": 2})"));
  json::value account = Account("C1");
  EXPECT_EQ(account.at("orders_open_minor"), 100'000);
  EXPECT_EQ(account.at("exposure_minor"), 100'000);
  EXPECT_EQ(account.at("available_minor"), 900'000);
  EXPECT_EQ(account.at("utilization_bp"), 1000);
  EXPECT_EQ(account.at("open_orders"), 1);

  Response order = Get("/v1/orders/SO-1");
  ASSERT_EQ(order.status, 200u) << order.body;
  EXPECT_EQ(order.Str("/customer_id"), "C1");
  EXPECT_EQ(order.Str("/status"), "open");
  EXPECT_EQ(order.Int("/amount_minor"), 100'000);
  EXPECT_EQ(order.Int("/reserved_minor"), 100'000);
  EXPECT_EQ(order.Int("/invoiced_minor"), 0);
  EXPECT_EQ(order.Int("/requested_amount_minor"), 100'000);
  EXPECT_EQ(order.Str("/requested_currency"), "CNY");
  EXPECT_EQ(order.Str("/placed_at").back(), 'Z');
  EXPECT_EQ(order.Str("/expires_at"), "2099-01-01T00:30:00.000Z");
  EXPECT_EQ(order.Str("/decision/decision"), "approved");
  EXPECT_EQ(order.Str("/released_by"), "");
  EXPECT_EQ(Ids(Get("/v1/customers/C1/orders"), "/orders", "order_id"),
            std::vector<std::string>{"SO-1"});

  Response changed =
      Send("PATCH", "/v1/orders/SO-1", sales_, {{"amount_minor", 150'000}, {"currency", "CNY"}});
  ASSERT_EQ(changed.status, 200u) << changed.body;
  EXPECT_EQ(changed.Str("/order_id"), "SO-1");
  EXPECT_EQ(changed.At("/applied"), true);
  EXPECT_EQ(changed.Str("/decision/decision"), "approved");
  EXPECT_EQ(changed.Int("/decision/amount_minor"), 50'000);
  EXPECT_EQ(changed.Int("/seq"), 3);
  EXPECT_EQ(AccountInt("C1", "orders_open_minor"), 150'000);
  // An increase that would pass the limit is refused, not held, and changes nothing.
  Response refused =
      Send("PATCH", "/v1/orders/SO-1", sales_, {{"amount_minor", 1'500'000}, {"currency", "CNY"}});
  ASSERT_EQ(refused.status, 200u) << refused.body;
  EXPECT_EQ(refused.At("/applied"), false);
  EXPECT_EQ(refused.Str("/decision/decision"), "rejected");
  EXPECT_EQ(Get("/v1/orders/SO-1").Int("/amount_minor"), 150'000);
  EXPECT_EQ(AccountInt("C1", "orders_open_minor"), 150'000);

  Response cancelled = Post("/v1/orders/SO-1/cancel", sales_, {{"reason", "withdrawn"}});
  ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
  EXPECT_EQ(cancelled.json, J(R"({"order_id": "SO-1", "released_minor": 150000, "seq": 5})"));
  account = Account("C1");
  EXPECT_EQ(account.at("orders_open_minor"), 0);
  EXPECT_EQ(account.at("open_orders"), 0);
  EXPECT_EQ(account.at("available_minor"), 1'000'000);
  EXPECT_TRUE(IsError(Get("/v1/orders/SO-1"), 404, "order_not_found"));
}

TEST_F(HttpTest, CreditCheckNeedsNoKeyAndChangesNothing) {
  CreateCustomer("C1", 100'000);
  std::string before = Snapshot("C1");
  Response check = Request("POST", "/v1/credit-checks", sales_,
                           R"({"customer_id": "C1", "amount_minor": 90000, "currency": "CNY"})");
  ASSERT_EQ(check.status, 200u) << check.body;
  EXPECT_EQ(check.Str("/decision"), "approved_with_warning");
  EXPECT_EQ(check.Str("/reasons/0/code"), "utilization_warning");
  EXPECT_EQ(check.Int("/account/available_after_minor"), 10'000);
  EXPECT_FALSE(check.Has("/order_id"));
  EXPECT_FALSE(check.Has("/seq"));
  EXPECT_EQ(Snapshot("C1"), before);
  EXPECT_TRUE(IsError(Request("POST", "/v1/credit-checks", viewer_,
                              R"({"customer_id": "C1", "amount_minor": 1, "currency": "CNY"})"),
                      403, "forbidden"));
}

TEST_F(HttpTest, HeldOrdersAreReleasedOrRejected) {
  CreateCustomer("C1", 100'000);
  Response held = PlaceOrder("SO-1", "C1", 150'000);
  ASSERT_EQ(held.status, 200u) << held.body;
  EXPECT_EQ(held.Str("/decision"), "held");
  EXPECT_EQ(held.Str("/reasons/0/code"), "credit_limit_exceeded");
  EXPECT_EQ(held.Str("/reasons/0/action"), "hold");
  EXPECT_EQ(held.Int("/account/available_after_minor"), -50'000);
  json::value account = Account("C1");
  EXPECT_EQ(account.at("held_orders"), 1);
  EXPECT_EQ(account.at("open_orders"), 0);
  EXPECT_EQ(account.at("orders_open_minor"), 0);

  Response holds = Get("/v1/holds");
  ASSERT_EQ(holds.status, 200u) << holds.body;
  EXPECT_EQ(Ids(holds, "/holds", "order_id"), std::vector<std::string>{"SO-1"});
  EXPECT_EQ(holds.Str("/holds/0/status"), "held");
  EXPECT_EQ(holds.Int("/holds/0/reserved_minor"), 0);
  EXPECT_EQ(Get("/v1/holds?limit=1").Size("/holds"), 1u);
  EXPECT_TRUE(IsError(Get("/v1/holds?limit=0"), 400, "invalid_argument"));

  Response released = Post("/v1/holds/SO-1/release", manager_, {{"reason", "good payer"}});
  ASSERT_EQ(released.status, 200u) << released.body;
  EXPECT_EQ(released.json, J(R"({"order_id": "SO-1", "decision": "approved",
                                 "reason": "good payer", "reserved_minor": 150000, "seq": 3})"));
  account = Account("C1");
  EXPECT_EQ(account.at("orders_open_minor"), 150'000);
  EXPECT_EQ(account.at("held_orders"), 0);
  EXPECT_EQ(account.at("open_orders"), 1);
  EXPECT_EQ(account.at("available_minor"), -50'000);
  Response order = Get("/v1/orders/SO-1");
  EXPECT_EQ(order.Str("/status"), "open");
  EXPECT_EQ(order.Int("/reserved_minor"), 150'000);
  EXPECT_EQ(order.Str("/released_by"), "token:" + token_id_["credit_manager"]);
  EXPECT_EQ(order.Str("/release_reason"), "good payer");
  EXPECT_EQ(Get("/v1/holds").Size("/holds"), 0u);

  ASSERT_EQ(PlaceOrder("SO-2", "C1", 10'000).Str("/decision"), "held");
  Response rejected = Post("/v1/holds/SO-2/reject", manager_, {{"reason", "too much"}});
  ASSERT_EQ(rejected.status, 200u) << rejected.body;
  EXPECT_EQ(rejected.json, J(R"({"order_id": "SO-2", "decision": "rejected",
                                 "reason": "too much", "seq": 5})"));
  EXPECT_TRUE(IsError(Get("/v1/orders/SO-2"), 404, "order_not_found"));
  EXPECT_EQ(AccountInt("C1", "held_orders"), 0);
  EXPECT_EQ(AccountInt("C1", "orders_open_minor"), 150'000);
  EXPECT_EQ(Get("/v1/holds").Size("/holds"), 0u);
}

// --- Receivables --------------------------------------------------------------------------------

TEST_F(HttpTest, InvoicesPaymentsCreditNotesAndWriteOffsMoveExposure) {
  CreateCustomer("C1", 1'000'000);
  ASSERT_EQ(PlaceOrder("SO-1", "C1", 100'000).Str("/decision"), "approved");

  Response invoice = Post("/v1/invoices", analyst_, J(R"({
      "invoice_id": "INV-1", "customer_id": "C1", "order_id": "SO-1", "amount_minor": 60000,
      "currency": "CNY", "issued_on": "2026-01-10", "due_on": "2099-12-31"})"));
  ASSERT_EQ(invoice.status, 201u) << invoice.body;
  EXPECT_EQ(invoice.json, J(R"({
      "invoice_id": "INV-1", "customer_id": "C1", "segment": "", "order_id": "SO-1",
      "amount_minor": 60000, "due_on": "2099-12-31", "reservation_consumed_minor": 60000,
      "reservation_released_minor": 0, "credit_applied_minor": 0, "seq": 3})"));
  json::value account = Account("C1");
  EXPECT_EQ(account.at("orders_open_minor"), 40'000);
  EXPECT_EQ(account.at("receivables_open_minor"), 60'000);
  EXPECT_EQ(account.at("exposure_minor"), 100'000);
  EXPECT_EQ(account.at("available_minor"), 900'000);
  EXPECT_EQ(account.at("open_invoices"), 1);
  EXPECT_EQ(Get("/v1/orders/SO-1").Int("/invoiced_minor"), 60'000);
  Response invoices = Get("/v1/customers/C1/invoices");
  ASSERT_EQ(invoices.status, 200u) << invoices.body;
  EXPECT_EQ(invoices.json, J(R"({"invoices": [{
      "invoice_id": "INV-1", "order_id": "SO-1", "customer_id": "C1", "segment": "",
      "currency": "CNY", "amount_minor": 60000, "open_minor": 60000,
      "issued_on": "2026-01-10", "due_on": "2099-12-31", "days_past_due": 0}]})"));

  Response payment = Post("/v1/payments", analyst_, J(R"({
      "payment_id": "PAY-1", "customer_id": "C1", "amount_minor": 20000, "currency": "CNY",
      "received_on": "2026-01-20"})"));
  ASSERT_EQ(payment.status, 201u) << payment.body;
  EXPECT_EQ(payment.json, J(R"({
      "payment_id": "PAY-1", "customer_id": "C1", "segment": "", "amount_minor": 20000,
      "allocations": [{"invoice_id": "INV-1", "amount_minor": 20000}], "unapplied_minor": 0,
      "seq": 4})"));
  EXPECT_EQ(AccountInt("C1", "receivables_open_minor"), 40'000);
  EXPECT_EQ(AccountInt("C1", "available_minor"), 920'000);

  Response note = Post("/v1/credit-notes", analyst_, J(R"({
      "credit_note_id": "CN-1", "customer_id": "C1", "invoice_id": "INV-1",
      "amount_minor": 10000, "currency": "CNY", "issued_on": "2026-01-21",
      "reason": "damaged goods"})"));
  ASSERT_EQ(note.status, 201u) << note.body;
  EXPECT_EQ(note.json, J(R"({
      "credit_note_id": "CN-1", "customer_id": "C1", "segment": "", "amount_minor": 10000,
      "allocations": [{"invoice_id": "INV-1", "amount_minor": 10000}], "unapplied_minor": 0,
      "seq": 5})"));
  EXPECT_EQ(AccountInt("C1", "receivables_open_minor"), 30'000);
  EXPECT_EQ(AccountInt("C1", "available_minor"), 930'000);

  Response partial = Post("/v1/write-offs", manager_,
                          {{"write_off_id", "WO-1"},
                           {"invoice_id", "INV-1"},
                           {"amount_minor", 5'000},
                           {"currency", "CNY"},
                           {"reason", "disputed"}});
  ASSERT_EQ(partial.status, 201u) << partial.body;
  EXPECT_EQ(partial.json, J(R"({"write_off_id": "WO-1", "invoice_id": "INV-1",
                                "customer_id": "C1", "segment": "", "amount_minor": 5000,
                                "seq": 6})"));
  Response rest =
      Post("/v1/write-offs", manager_, {{"write_off_id", "WO-2"}, {"invoice_id", "INV-1"}});
  ASSERT_EQ(rest.status, 201u) << rest.body;
  EXPECT_EQ(rest.Int("/amount_minor"), 25'000);
  account = Account("C1");
  EXPECT_EQ(account.at("receivables_open_minor"), 0);
  EXPECT_EQ(account.at("written_off_minor"), 30'000);
  EXPECT_EQ(account.at("open_invoices"), 0);
  EXPECT_EQ(account.at("available_minor"), 960'000);
  EXPECT_EQ(Get("/v1/customers/C1/invoices").Size("/invoices"), 0u);

  // A payment with nothing to settle becomes unapplied credit, which also counts as available.
  Response unapplied = Post("/v1/payments", analyst_, J(R"({
      "payment_id": "PAY-2", "customer_id": "C1", "amount_minor": 5000, "currency": "CNY",
      "received_on": "2026-01-22"})"));
  ASSERT_EQ(unapplied.status, 201u) << unapplied.body;
  EXPECT_EQ(unapplied.Int("/unapplied_minor"), 5'000);
  EXPECT_EQ(unapplied.Size("/allocations"), 0u);
  EXPECT_EQ(AccountInt("C1", "unapplied_credit_minor"), 5'000);
  EXPECT_EQ(AccountInt("C1", "available_minor"), 965'000);
}

// --- Groups, policies, FX rates ----------------------------------------------------------------

TEST_F(HttpTest, CreditGroupsAndMembership) {
  CreateCustomer("C1", 1'000'000);
  CreateCustomer("C2", 1'000'000);
  Response group = Post("/v1/groups", manager_,
                        {{"group_id", "G1"},
                         {"name", "Acme Holding"},
                         {"limit_minor", 500'000},
                         {"currency", "CNY"}});
  ASSERT_EQ(group.status, 201u) << group.body;
  EXPECT_EQ(group.json, J(R"({"group_id": "G1", "name": "Acme Holding", "limit_minor": 500000,
                              "currency": "CNY", "seq": 3})"));
  for (const char* customer : {"C1", "C2"}) {
    Response joined = Post("/v1/groups/G1/members", manager_, {{"customer_id", customer}});
    ASSERT_EQ(joined.status, 200u) << joined.body;
    EXPECT_EQ(joined.Str("/group_id"), "G1");
    EXPECT_EQ(joined.Str("/customer_id"), customer);
    EXPECT_EQ(joined.Str("/segment"), "");
  }
  EXPECT_EQ(Account("C1").at("group_id"), "G1");

  Response placed = PlaceOrder("SO-1", "C1", 300'000);
  EXPECT_EQ(placed.Str("/decision"), "approved");
  EXPECT_EQ(placed.At("/group"), J(R"({"limit_minor": 500000, "exposure_minor": 0,
                                       "available_after_minor": 200000})"));
  Response held = PlaceOrder("SO-2", "C2", 300'000);
  EXPECT_EQ(held.Str("/decision"), "held");
  EXPECT_EQ(held.Str("/reasons/0/code"), "group_limit_exceeded");

  EXPECT_EQ(Get("/v1/groups/G1").json, J(R"({
      "group_id": "G1", "name": "Acme Holding", "currency": "CNY", "limit_minor": 500000,
      "exposure_minor": 300000, "available_minor": 200000,
      "members": [{"customer_id": "C1", "segment": ""}, {"customer_id": "C2", "segment": ""}]})"));

  Response limit = Send("PUT", "/v1/groups/G1/limit", manager_,
                        {{"limit_minor", 800'000}, {"currency", "CNY"}, {"reason", "merger"}});
  ASSERT_EQ(limit.status, 200u) << limit.body;
  EXPECT_EQ(limit.json, J(R"({"group_id": "G1", "limit_minor": 800000, "currency": "CNY",
                              "seq": 8})"));
  EXPECT_EQ(Get("/v1/groups/G1").Int("/available_minor"), 500'000);

  Response left = Delete("/v1/groups/G1/members/C2", manager_);
  ASSERT_EQ(left.status, 200u) << left.body;
  EXPECT_EQ(left.json, J(R"({"group_id": "G1", "customer_id": "C2", "segment": "", "seq": 9})"));
  EXPECT_EQ(Ids(Get("/v1/groups/G1"), "/members", "customer_id"), std::vector<std::string>{"C1"});
  EXPECT_EQ(Account("C2").at("group_id"), "");
  EXPECT_TRUE(IsError(Get("/v1/groups/G9"), 404, "group_not_found"));
}

TEST_F(HttpTest, PoliciesAreReadAndReplaced) {
  Response policies = Get("/v1/policies");
  ASSERT_EQ(policies.status, 200u) << policies.body;
  ASSERT_EQ(policies.Size("/policies"), 1u);
  EXPECT_EQ(policies.At("/policies/0"), J(R"({
      "name": "standard", "tolerance_bp": 0, "warning_bp": 8000, "max_order_value_minor": null,
      "max_order_value_currency": null, "max_days_past_due": null,
      "max_overdue_amount_minor": null, "max_overdue_amount_currency": null,
      "day_quota_minor": null, "day_quota_currency": null, "month_quota_minor": null,
      "month_quota_currency": null, "blocked_action": "reject", "on_hold_action": "hold",
      "prepayment_action": "reject", "review_expired_action": "warn",
      "max_order_value_action": "hold", "overdue_action": "hold", "quota_action": "hold",
      "limit_action": "hold", "group_limit_action": "hold", "warning_action": "warn"})"));
  EXPECT_EQ(Get("/v1/policies/standard").json, policies.At("/policies/0"));

  Response put = Send("PUT", "/v1/policies/strict", manager_, J(R"({
      "tolerance_bp": 1000, "limit_action": "reject", "max_order_value_minor": 500000,
      "max_order_value_currency": "CNY"})"));
  ASSERT_EQ(put.status, 200u) << put.body;
  EXPECT_EQ(put.Str("/name"), "strict");
  EXPECT_EQ(put.Int("/tolerance_bp"), 1000);
  EXPECT_EQ(put.Int("/warning_bp"), 8000);
  EXPECT_EQ(put.Str("/limit_action"), "reject");
  EXPECT_EQ(put.Int("/max_order_value_minor"), 500'000);
  EXPECT_EQ(put.Str("/max_order_value_currency"), "CNY");
  EXPECT_EQ(put.Int("/seq"), 1);
  json::object stored = put.json.as_object();
  stored.erase("seq");
  EXPECT_EQ(Get("/v1/policies/strict").json, stored);
  EXPECT_EQ(Ids(Get("/v1/policies"), "/policies", "name"),
            (std::vector<std::string>{"standard", "strict"}));

  // The policy decides: inside the 10% tolerance warns, past it rejects.
  CreateCustomer("C1", 100'000, {{"policy", "strict"}});
  Response tolerated = PlaceOrder("SO-1", "C1", 105'000);
  EXPECT_EQ(tolerated.Str("/decision"), "approved_with_warning");
  EXPECT_EQ(tolerated.Str("/reasons/0/code"), "within_tolerance");
  Response refused = PlaceOrder("SO-2", "C1", 10'000);
  EXPECT_EQ(refused.Str("/decision"), "rejected");
  EXPECT_EQ(refused.Str("/reasons/0/code"), "credit_limit_exceeded");
  EXPECT_EQ(refused.Str("/reasons/0/action"), "reject");
  EXPECT_TRUE(IsError(Get("/v1/policies/lenient"), 404, "policy_not_found"));
}

TEST_F(HttpTest, OrderInAnotherCurrencyIsConvertedAtTheFxRate) {
  Response rate =
      Send("PUT", "/v1/fx-rates", manager_,
           {{"from", "USD"}, {"to", "CNY"}, {"rate", "7.1234"}, {"effective_on", "2000-01-01"}});
  ASSERT_EQ(rate.status, 200u) << rate.body;
  EXPECT_EQ(rate.json, J(R"({"from": "USD", "to": "CNY", "rate": "7.1234",
                             "effective_on": "2000-01-01", "seq": 1})"));
  EXPECT_EQ(Get("/v1/fx-rates").json, J(R"({"rates": [{"from": "USD", "to": "CNY",
                                            "rate": "7.1234", "effective_on": "2000-01-01"}]})"));

  CreateCustomer("C1", 1'000'000);
  Response order = PlaceOrder("SO-1", "C1", 10'000, "USD");  // USD 100.00 = CNY 712.34.
  ASSERT_EQ(order.status, 200u) << order.body;
  EXPECT_EQ(order.Str("/decision"), "approved");
  EXPECT_EQ(order.Int("/amount_minor"), 71'234);
  EXPECT_EQ(order.Str("/currency"), "CNY");
  Response stored = Get("/v1/orders/SO-1");
  EXPECT_EQ(stored.Int("/amount_minor"), 71'234);
  EXPECT_EQ(stored.Str("/currency"), "CNY");
  EXPECT_EQ(stored.Int("/requested_amount_minor"), 10'000);
  EXPECT_EQ(stored.Str("/requested_currency"), "USD");
  EXPECT_EQ(AccountInt("C1", "orders_open_minor"), 71'234);
}

// --- Change feed and tokens --------------------------------------------------------------------

TEST_F(HttpTest, EventsComeInOrderWithTypesAndActors) {
  CreateCustomer("C1", 100'000);
  ASSERT_EQ(PlaceOrder("SO-1", "C1", 1'000).status, 200u);
  ASSERT_EQ(Send("PUT", "/v1/customers/C1/limit", manager_,
                 {{"limit_minor", 200'000}, {"currency", "CNY"}})
                .status,
            200u);

  Response events = Get("/v1/events");
  ASSERT_EQ(events.status, 200u) << events.body;
  ASSERT_EQ(events.Size("/events"), 3u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"customer_created", "analyst"}, {"order_decided", "sales"}, {"limit_set", "credit_manager"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    std::string at = "/events/" + std::to_string(i);
    EXPECT_EQ(events.Int(at + "/seq"), static_cast<int64_t>(i + 1));
    EXPECT_EQ(events.Str(at + "/type"), expected[i].first);
    EXPECT_EQ(events.Str(at + "/actor"), "token:" + token_id_[expected[i].second]);
    EXPECT_EQ(events.Str(at + "/time").back(), 'Z');
    EXPECT_EQ(events.Str(at + "/today").size(), 10u);
  }
  EXPECT_EQ(events.Str("/events/0/data/customer_id"), "C1");
  EXPECT_EQ(events.Str("/events/1/data/order/order_id"), "SO-1");
  EXPECT_EQ(events.Int("/next_after"), 3);

  Response page = Get("/v1/events?after=1&limit=1");
  ASSERT_EQ(page.Size("/events"), 1u);
  EXPECT_EQ(page.Int("/events/0/seq"), 2);
  EXPECT_EQ(page.Int("/next_after"), 2);
  Response empty = Get("/v1/events?after=3");
  EXPECT_EQ(empty.Size("/events"), 0u);
  EXPECT_EQ(empty.Int("/next_after"), 3);
  EXPECT_TRUE(IsError(Get("/v1/events?limit=0"), 400, "invalid_argument"));
  EXPECT_TRUE(IsError(Get("/v1/events?limit=1001"), 400, "invalid_argument"));
}

TEST_F(HttpTest, TokensAreListedAndRevoked) {
  Response listed = Get("/v1/tokens", admin_);
  ASSERT_EQ(listed.status, 200u) << listed.body;
  ASSERT_EQ(listed.Size("/tokens"), 6u);  // The first admin token and one per role.
  for (const json::value& token : listed.At("/tokens").as_array()) {
    EXPECT_FALSE(token.as_object().contains("token")) << "secrets are shown only once";
    EXPECT_EQ(token.at("revoked"), false);
  }
  EXPECT_EQ(listed.Str("/tokens/1/token_id"), token_id_["viewer"]);
  EXPECT_EQ(listed.Str("/tokens/1/role"), "viewer");
  EXPECT_TRUE(IsError(Get("/v1/tokens", manager_), 403, "forbidden"));

  ASSERT_EQ(Get("/v1/customers").status, 200u);
  Response revoked = Delete("/v1/tokens/" + token_id_["viewer"], admin_);
  ASSERT_EQ(revoked.status, 200u) << revoked.body;
  EXPECT_EQ(revoked.json, (json::value{{"token_id", token_id_["viewer"]}, {"revoked", true}}));
  EXPECT_TRUE(IsError(Get("/v1/customers"), 401, "unauthenticated"));
  EXPECT_EQ(Get("/v1/tokens", admin_).At("/tokens/1/revoked"), true);
  EXPECT_TRUE(IsError(Delete("/v1/tokens/tok_nothing", admin_), 404, "not_found"));
}

// --- Errors ------------------------------------------------------------------------------------

struct BadRequest {
  std::string body;
  unsigned status;
  std::string code;
};

TEST_F(HttpTest, RejectedOrdersChangeNothing) {
  CreateCustomer("C1", 100'000);
  ASSERT_EQ(PlaceOrder("SO-0", "C1", 1'000).Str("/decision"), "approved");
  std::string before = Snapshot("C1");
  std::string nested = "1";
  for (int i = 0; i < 40; ++i) nested = "[" + nested + "]";
  auto order = [](const std::string& fields) {
    return R"({"order_id": "SO-1", "customer_id": "C1", "currency": "CNY", )" + fields + "}";
  };
  const std::vector<BadRequest> cases = {
      {"{not json", 400, "invalid_json"},
      {"[1, 2]", 400, "invalid_json"},
      {order(R"("amount_minor": 100, "tags": )" + nested), 400, "invalid_json"},
      {order(R"("amount_minor": 100, "colour": "red")"), 400, "unknown_field"},
      {R"({"order_id": "SO-1", "customer_id": "C1", "currency": "CNY"})", 400, "missing_field"},
      {R"({"order_id": "SO-1", "amount_minor": 100, "currency": "CNY"})", 400, "missing_field"},
      {order(R"("amount_minor": 1.5)"), 400, "invalid_amount"},
      {order(R"("amount_minor": "100")"), 400, "invalid_amount"},
      {order(R"("amount_minor": 1e3)"), 400, "invalid_amount"},
      {order(R"("amount_minor": -100)"), 400, "invalid_amount"},
      {order(R"("amount_minor": 0)"), 400, "invalid_amount"},
      {order(R"("amount_minor": 1000000000000001)"), 400, "invalid_amount"},
      {order(R"("amount_minor": 9223372036854775808)"), 400, "invalid_amount"},
      {order(R"("amount_minor": 100000000000000000000000)"), 400, "invalid_amount"},
      {R"({"order_id": "SO-1", "customer_id": "C1", "amount_minor": 1, "currency": "XYZ"})", 400,
       "unknown_currency"},
      {R"({"order_id": "SO-1", "customer_id": "C1", "amount_minor": 1, "currency": "cny"})", 400,
       "unknown_currency"},
      {order(R"("amount_minor": 100, "expires_at": "tomorrow")"), 400, "invalid_date"},
      {R"({"order_id": "SO/1", "customer_id": "C1", "amount_minor": 1, "currency": "CNY"})", 400,
       "invalid_id"},
      {R"({"order_id": "SO 1", "customer_id": "C1", "amount_minor": 1, "currency": "CNY"})", 400,
       "invalid_id"},
      {R"({"order_id": ")" + std::string(65, 'A') +
           R"(", "customer_id": "C1", "amount_minor": 1, "currency": "CNY"})",
       400, "invalid_id"},
      {R"({"order_id": "SO-1", "customer_id": "C1/x", "amount_minor": 1, "currency": "CNY"})", 400,
       "invalid_id"},
      {R"({"order_id": "SO-1", "customer_id": "NOPE", "amount_minor": 1, "currency": "CNY"})", 404,
       "customer_not_found"},
      {R"({"order_id": "SO-0", "customer_id": "C1", "amount_minor": 1, "currency": "CNY"})", 409,
       "duplicate_id"},
      {R"({"order_id": "SO-1", "customer_id": "C1", "amount_minor": 1, "currency": "EUR"})", 422,
       "fx_rate_not_found"},
  };
  for (const BadRequest& bad : cases) {
    EXPECT_TRUE(IsError(SendRaw("POST", "/v1/orders", sales_, bad.body), bad.status, bad.code))
        << bad.body.substr(0, 200);
    EXPECT_EQ(Snapshot("C1"), before) << bad.body.substr(0, 200);
  }
}

TEST_F(HttpTest, RejectedLedgerAndAccountRequestsChangeNothing) {
  CreateCustomer("C1", 100'000);
  ASSERT_EQ(PlaceOrder("SO-1", "C1", 1'000).Str("/decision"), "approved");
  std::string before = Snapshot("C1");
  struct Case {
    std::string method, target, token, body;
    unsigned status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"POST", "/v1/invoices", analyst_,
       R"({"invoice_id": "I-1", "customer_id": "C1", "amount_minor": 100, "currency": "CNY",
           "issued_on": "2026-02-30"})",
       400, "invalid_date"},
      {"POST", "/v1/invoices", analyst_,
       R"({"invoice_id": "I-1", "customer_id": "C1", "amount_minor": 100, "currency": "CNY",
           "issued_on": "2026/01/10"})",
       400, "invalid_date"},
      {"POST", "/v1/payments", analyst_,
       R"({"payment_id": "P-1", "customer_id": "C1", "amount_minor": 100, "currency": "USD",
           "received_on": "2026-01-10"})",
       422, "fx_rate_not_found"},
      {"PUT", "/v1/customers/C1/limit", manager_, R"({"limit_minor": 5000, "currency": "USD"})",
       422, "currency_mismatch"},
      {"PUT", "/v1/customers/C1/limit", manager_, R"({"limit_minor": -1, "currency": "CNY"})", 400,
       "invalid_amount"},
      {"POST", "/v1/customers/C1/temporary-limits", manager_,
       R"({"temporary_limit_id": "T1", "amount_minor": 10, "currency": "EUR",
           "valid_from": "2000-01-01", "valid_to": "2099-01-01"})",
       422, "currency_mismatch"},
      {"PUT", "/v1/customers/NOPE/limit", manager_, R"({"limit_minor": 1, "currency": "CNY"})", 404,
       "customer_not_found"},
      {"PUT", "/v1/customers/C%2F1/limit", manager_, R"({"limit_minor": 1, "currency": "CNY"})",
       400, "invalid_id"},
      {"PUT", "/v1/customers/C%201/limit", manager_, R"({"limit_minor": 1, "currency": "CNY"})",
       400, "invalid_id"},
      {"PUT", "/v1/customers/" + std::string(65, 'C') + "/limit", manager_,
       R"({"limit_minor": 1, "currency": "CNY"})", 400, "invalid_id"},
      {"POST", "/v1/customers", analyst_,
       R"({"customer_id": "C1", "name": "again", "currency": "CNY"})", 409, "duplicate_id"},
      {"POST", "/v1/customers", analyst_,
       R"({"customer_id": "C/2", "name": "x", "currency": "CNY"})", 400, "invalid_id"},
      {"POST", "/v1/customers", analyst_,
       R"({"customer_id": "C 2", "name": "x", "currency": "CNY"})", 400, "invalid_id"},
      {"POST", "/v1/customers", analyst_,
       R"({"customer_id": ")" + std::string(65, 'C') + R"(", "name": "x", "currency": "CNY"})", 400,
       "invalid_id"},
      {"POST", "/v1/customers", analyst_, R"({"customer_id": "C2", "currency": "CNY"})", 400,
       "missing_field"},
      {"POST", "/v1/holds/SO-1/release", manager_, R"({"reason": "not held"})", 409,
       "invalid_state"},
      {"POST", "/v1/holds/SO-9/release", manager_, R"({"reason": "none"})", 404, "order_not_found"},
      {"POST", "/v1/orders/SO-9/cancel", sales_, "", 404, "order_not_found"},
      {"PATCH", "/v1/orders/SO-9", sales_, R"({"amount_minor": 5, "currency": "CNY"})", 404,
       "order_not_found"},
      {"PATCH", "/v1/orders/SO-1", sales_, R"({"amount_minor": 5, "currency": "USD"})", 422,
       "currency_mismatch"},
      {"POST", "/v1/write-offs", manager_, R"({"write_off_id": "W-1", "invoice_id": "I-9"})", 404,
       "invoice_not_found"},
      {"POST", "/v1/groups/G9/members", manager_, R"({"customer_id": "C1"})", 404,
       "group_not_found"},
      {"PATCH", "/v1/customers/C1", analyst_, R"({"name": "x", "nmae": "y"})", 400,
       "unknown_field"},
  };
  for (const Case& bad : cases) {
    EXPECT_TRUE(IsError(SendRaw(bad.method, bad.target, bad.token, bad.body), bad.status, bad.code))
        << bad.method << " " << bad.target << " " << bad.body;
    EXPECT_EQ(Snapshot("C1"), before) << bad.method << " " << bad.target << " " << bad.body;
  }
  // An id of exactly 64 characters is fine.
  CreateCustomer(std::string(64, 'C'), 0);
}

TEST_F(HttpTest, AuthenticationAndRoutingErrors) {
  CreateCustomer("C1", 100'000);
  std::string before = Snapshot("C1");
  const std::string order = R"({"order_id": "SO-1", "customer_id": "C1", "amount_minor": 100,
                                "currency": "CNY"})";
  auto post = [&](const Headers& headers) {
    return Request("POST", "/v1/orders", "", order, headers);
  };
  const std::string key = "Idempotency-Key";
  EXPECT_TRUE(IsError(post({{key, "k-1"}}), 401, "unauthenticated"));
  EXPECT_TRUE(
      IsError(post({{"Authorization", "Bearer cl_0123"}, {key, "k-1"}}), 401, "unauthenticated"));
  EXPECT_TRUE(IsError(post({{"Authorization", sales_}, {key, "k-1"}}), 401, "unauthenticated"));
  EXPECT_TRUE(
      IsError(post({{"Authorization", "Basic " + sales_}, {key, "k-1"}}), 401, "unauthenticated"));
  EXPECT_TRUE(
      IsError(post({{"Authorization", "Bearer " + viewer_}, {key, "k-1"}}), 403, "forbidden"));
  EXPECT_TRUE(
      IsError(post({{"Authorization", "Bearer " + sales_}}), 400, "missing_idempotency_key"));
  EXPECT_TRUE(IsError(post({{"Authorization", "Bearer " + sales_}, {key, "a key"}}), 400,
                      "invalid_argument"));
  EXPECT_TRUE(IsError(post({{"Authorization", "Bearer " + sales_}, {key, std::string(101, 'k')}}),
                      400, "invalid_argument"));
  EXPECT_TRUE(IsError(
      post({{"Authorization", "Bearer " + sales_}, {key, "k-1"}, {"Content-Type", "text/plain"}}),
      415, "unsupported_media_type"));
  EXPECT_EQ(Snapshot("C1"), before);

  EXPECT_TRUE(IsError(Get("/v1/customers/C1", ""), 401, "unauthenticated"));
  EXPECT_TRUE(IsError(Get("/v1/nothing"), 404, "not_found"));
  EXPECT_TRUE(IsError(Get("/v2/customers"), 404, "not_found"));
  EXPECT_TRUE(IsError(Get("/v1/customers/C1/nothing"), 404, "not_found"));
  EXPECT_TRUE(IsError(Delete("/v1/customers", admin_), 405, "method_not_allowed"));
  EXPECT_TRUE(IsError(Get("/v1/orders"), 405, "method_not_allowed"));
  EXPECT_TRUE(IsError(Get("/v1/customers/NOPE"), 404, "customer_not_found"));
  EXPECT_TRUE(IsError(Get("/v1/orders/SO-404"), 404, "order_not_found"));
  EXPECT_EQ(Snapshot("C1"), before);
}

TEST_F(HttpTest, OversizedRequestsAreRefused) {
  CreateCustomer("C1", 100'000);
  std::string before = Snapshot("C1");
  std::string body = R"({"order_id": "SO-1", "customer_id": "C1", "amount_minor": 100,
                         "currency": "CNY", "note": ")" +
                     std::string(kRequestBodyBytesMax, 'x') + "\"}";
  EXPECT_TRUE(IsError(SendRaw("POST", "/v1/orders", sales_, body), 413, "payload_too_large"));
  EXPECT_EQ(Snapshot("C1"), before);

  Response headers = Request("GET", "/v1/customers/C1", viewer_, "",
                             {{"X-Padding", std::string(kRequestHeaderBytesMax + 1, 'x')}});
  EXPECT_EQ(headers.status, 431u) << headers.body;
  EXPECT_EQ(Snapshot("C1"), before);
}

// --- Roles ---------------------------------------------------------------------------------------

TEST_F(HttpTest, RoleMatrixFollowsTheDocumentedTiers) {
  CreateCustomer("C1", 1'000'000'000);
  CreateCustomer("H1", 0);  // Every order on it is held.
  int n = 0;
  auto id = [&n](const std::string& prefix) { return prefix + std::to_string(n); };
  struct Tier {
    std::string name;
    int rank;  // Index into kRoles of the least role allowed.
    std::function<Response(const std::string& token)> run;
  };
  const std::vector<Tier> tiers = {
      {"read", 0, [&](const std::string& token) { return Get("/v1/customers/C1", token); }},
      {"place order", 1,
       [&](const std::string& token) {
         return Post("/v1/orders", token,
                     {{"order_id", id("RO-")},
                      {"customer_id", "C1"},
                      {"amount_minor", 100},
                      {"currency", "CNY"}});
       }},
      {"create customer", 2,
       [&](const std::string& token) {
         return Post("/v1/customers", token,
                     {{"customer_id", id("RC-")}, {"name", "role"}, {"currency", "CNY"}});
       }},
      {"create invoice", 2,
       [&](const std::string& token) {
         return Post("/v1/invoices", token,
                     {{"invoice_id", id("RI-")},
                      {"customer_id", "C1"},
                      {"amount_minor", 100},
                      {"currency", "CNY"},
                      {"issued_on", "2026-01-10"}});
       }},
      {"set limit", 3,
       [&](const std::string& token) {
         return Send("PUT", "/v1/customers/C1/limit", token,
                     {{"limit_minor", 1'000'000'000 + n}, {"currency", "CNY"}});
       }},
      {"release hold", 3,
       [&](const std::string& token) {
         EXPECT_EQ(Post("/v1/orders", sales_,
                        {{"order_id", id("RH-")},
                         {"customer_id", "H1"},
                         {"amount_minor", 100},
                         {"currency", "CNY"}})
                       .Str("/decision"),
                   "held");
         return Post("/v1/holds/" + id("RH-") + "/release", token, {{"reason", "ok"}});
       }},
      {"write off", 3,
       [&](const std::string& token) {
         EXPECT_EQ(Post("/v1/invoices", analyst_,
                        {{"invoice_id", id("RW-")},
                         {"customer_id", "C1"},
                         {"amount_minor", 100},
                         {"currency", "CNY"},
                         {"issued_on", "2026-01-10"}})
                       .status,
                   201u);
         return Post("/v1/write-offs", token,
                     {{"write_off_id", id("RWO-")}, {"invoice_id", id("RW-")}});
       }},
      {"create token", 4,
       [&](const std::string& token) {
         return Request("POST", "/v1/tokens", token, R"({"role": "viewer"})");
       }},
  };
  for (int rank = 0; rank < 5; ++rank) {
    const std::string role = kRoles[rank];
    for (const Tier& tier : tiers) {
      ++n;
      Response response = tier.run(token_[role]);
      if (rank >= tier.rank) {
        EXPECT_TRUE(response.status == 200 || response.status == 201)
            << role << " / " << tier.name << ": " << response.status << " " << response.body;
      } else {
        EXPECT_TRUE(IsError(response, 403, "forbidden")) << role << " / " << tier.name;
      }
    }
  }
}

// --- Idempotency ---------------------------------------------------------------------------------

TEST_F(HttpTest, RetriesWithTheSameKeyReplayTheFirstAnswer) {
  CreateCustomer("C1", 1'000'000);
  const json::value order = {
      {"order_id", "SO-1"}, {"customer_id", "C1"}, {"amount_minor", 900'000}, {"currency", "CNY"}};
  Response first = Post("/v1/orders", sales_, order, "order-key-1");
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(first.Header("Idempotent-Replayed"), "");
  std::string before = Snapshot("C1");

  Response again = Post("/v1/orders", sales_, order, "order-key-1");
  EXPECT_EQ(again.status, 200u);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(Snapshot("C1"), before);

  json::value changed = order;
  changed.as_object()["amount_minor"] = 1'000;
  EXPECT_TRUE(
      IsError(Post("/v1/orders", sales_, changed, "order-key-1"), 409, "idempotency_conflict"));
  EXPECT_EQ(Snapshot("C1"), before);

  // A replay answers as the first time even after the order is gone, and does not revive it.
  ASSERT_EQ(Post("/v1/orders/SO-1/cancel", sales_, json::object{}).status, 200u);
  before = Snapshot("C1");
  Response late = Post("/v1/orders", sales_, order, "order-key-1");
  EXPECT_EQ(late.body, first.body);
  EXPECT_EQ(late.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(Snapshot("C1"), before);

  // The same holds for a 201 creation.
  const json::value customer = {{"customer_id", "C2"}, {"name", "Beta"}, {"currency", "CNY"}};
  Response created = Post("/v1/customers", analyst_, customer, "customer-key-1");
  ASSERT_EQ(created.status, 201u) << created.body;
  before = Snapshot("C2");
  Response recreated = Post("/v1/customers", analyst_, customer, "customer-key-1");
  EXPECT_EQ(recreated.status, 201u);
  EXPECT_EQ(recreated.body, created.body);
  EXPECT_EQ(recreated.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(Snapshot("C2"), before);
}

// --- Listing customers ---------------------------------------------------------------------------

TEST_F(HttpTest, CustomersArePagedInIdOrderAndFiltered) {
  std::vector<std::string> all;
  for (int i = 119; i >= 0; --i) {  // Created out of order: the listing sorts.
    char id[8];
    std::snprintf(id, sizeof id, "C%03d", i);
    all.emplace(all.begin(), id);
    json::object body{{"customer_id", id},
                      {"name", "Customer " + std::to_string(i)},
                      {"currency", "CNY"},
                      {"grade", i % 3 == 0 ? "A" : "B"},
                      {"status", i % 10 == 0 ? "on_hold" : "active"}};
    ASSERT_EQ(Post("/v1/customers", analyst_, body).status, 201u);
  }
  auto list_all = [&](const std::string& query, size_t page_size) {
    std::vector<std::string> ids;
    std::string page_token;
    for (int pages = 0; pages < 100; ++pages) {
      Response page = Get("/v1/customers?limit=" + std::to_string(page_size) + query +
                          (page_token.empty() ? "" : "&page_token=" + page_token));
      EXPECT_EQ(page.status, 200u) << page.body;
      if (page.status != 200) break;
      EXPECT_LE(page.Size("/customers"), page_size);
      for (const json::value& customer : page.At("/customers").as_array()) {
        ids.emplace_back(customer.at("customer_id").as_string());
        EXPECT_EQ(customer.at("account").at("customer_id"), customer.at("customer_id"));
      }
      if (page.At("/next_page_token").is_null()) return ids;
      page_token = page.Str("/next_page_token");
      EXPECT_EQ(page_token, ids.back());
    }
    ADD_FAILURE() << "paging did not end";
    return ids;
  };
  EXPECT_EQ(list_all("", 50), all);

  Response first = Get("/v1/customers");
  EXPECT_EQ(first.Size("/customers"), 50u);
  EXPECT_EQ(first.Str("/next_page_token"), "C049");
  EXPECT_EQ(first.Str("/customers/0/name"), "Customer 0");

  auto select = [&](const std::function<bool(int)>& keep) {
    std::vector<std::string> ids;
    for (int i = 0; i < 120; ++i) {
      if (keep(i)) ids.push_back(all[i]);
    }
    return ids;
  };
  EXPECT_EQ(list_all("&q=c01", 500), select([](int i) { return i >= 10 && i < 20; }));
  EXPECT_EQ(list_all("&q=CUSTOMER+11", 500),
            select([](int i) { return i == 11 || (i >= 110 && i < 120); }));
  EXPECT_EQ(list_all("&status=on_hold", 500), select([](int i) { return i % 10 == 0; }));
  EXPECT_EQ(list_all("&grade=A", 15), select([](int i) { return i % 3 == 0; }));
  EXPECT_EQ(list_all("&grade=A&status=on_hold", 2), select([](int i) { return i % 30 == 0; }));
  EXPECT_EQ(list_all("&q=nobody", 50), std::vector<std::string>{});

  EXPECT_TRUE(IsError(Get("/v1/customers?limit=0"), 400, "invalid_argument"));
  EXPECT_TRUE(IsError(Get("/v1/customers?limit=501"), 400, "invalid_argument"));
  EXPECT_TRUE(IsError(Get("/v1/customers?status=sleeping"), 400, "invalid_argument"));
}

// --- Batch ---------------------------------------------------------------------------------------

TEST_F(HttpTest, BatchAppliesItemsInOrderAndReplaysThem) {
  CreateCustomer("C1", 100'000);
  const std::string batch = R"({"commands": [
      {"op": "create_customer", "body": {"customer_id": "C2", "name": "Beta", "currency": "CNY",
                                         "limit_minor": 50000}},
      {"op": "create_order", "body": {"order_id": "B-1", "customer_id": "C2",
                                      "amount_minor": 10000, "currency": "CNY"}},
      {"op": "create_order", "body": {"order_id": "B-2", "customer_id": "NOPE",
                                      "amount_minor": 100, "currency": "CNY"}},
      {"op": "set_limit", "body": {"customer_id": "C1", "limit_minor": 200000,
                                   "currency": "CNY"}},
      {"op": "credit_check", "body": {"customer_id": "C2", "amount_minor": 1000,
                                      "currency": "CNY"}},
      {"op": "change_order", "body": {"order_id": "B-1", "amount_minor": 20000,
                                      "currency": "CNY"}},
      {"op": "cancel_order", "idempotency_key": "explicit-cancel",
       "body": {"order_id": "B-1"}},
      {"op": "update_customer", "body": {"customer_id": "C2", "name": "Beta Ltd"}},
      {"op": "set_status", "body": {"customer_id": "C2", "status": "on_hold"}},
      {"op": "create_invoice", "body": {"invoice_id": "BI-1", "customer_id": "C1",
                                        "amount_minor": 5000, "currency": "CNY",
                                        "issued_on": "2026-01-10", "due_on": "2099-01-01"}},
      {"op": "record_payment", "body": {"payment_id": "BP-1", "customer_id": "C1",
                                        "amount_minor": 2000, "currency": "CNY",
                                        "received_on": "2026-01-11"}},
      {"op": "issue_credit_note", "body": {"credit_note_id": "BC-1", "customer_id": "C1",
                                           "amount_minor": 1000, "currency": "CNY",
                                           "issued_on": "2026-01-12"}},
      {"op": "launch_rocket", "body": {}}]})";
  int64_t seq_before = NextAfter();
  Response response = SendRaw("POST", "/v1/batch", manager_, batch, "batch-1");
  ASSERT_EQ(response.status, 200u) << response.body;
  ASSERT_EQ(response.Size("/results"), 13u);
  const std::vector<unsigned> statuses = {201, 200, 404, 200, 200, 200, 200,
                                          200, 200, 201, 201, 201, 400};
  for (size_t i = 0; i < statuses.size(); ++i) {
    EXPECT_EQ(response.Int("/results/" + std::to_string(i) + "/status"), statuses[i])
        << "item " << i << ": " << json::serialize(response.At("/results/" + std::to_string(i)));
  }
  EXPECT_EQ(response.Str("/results/0/body/customer_id"), "C2");
  EXPECT_EQ(response.Str("/results/1/body/decision"), "approved");
  EXPECT_EQ(response.Str("/results/2/body/error/code"), "customer_not_found");
  EXPECT_EQ(response.Int("/results/3/body/limit_minor"), 200'000);
  EXPECT_EQ(response.Int("/results/4/body/account/orders_open_minor"), 10'000);
  EXPECT_FALSE(response.Has("/results/4/body/seq"));
  EXPECT_EQ(response.At("/results/5/body/applied"), true);
  EXPECT_EQ(response.Int("/results/6/body/released_minor"), 20'000);
  EXPECT_EQ(response.Str("/results/12/body/error/code"), "invalid_argument");
  EXPECT_EQ(NextAfter(), seq_before + 10);  // One event per successful mutation.

  Response customer = Get("/v1/customers/C2");
  EXPECT_EQ(customer.Str("/name"), "Beta Ltd");
  EXPECT_EQ(customer.Str("/account/status"), "on_hold");
  EXPECT_EQ(customer.Int("/account/orders_open_minor"), 0);
  json::value account = Account("C1");
  EXPECT_EQ(account.at("limit_minor"), 200'000);
  EXPECT_EQ(account.at("receivables_open_minor"), 2'000);

  // Re-sending the batch replays every mutation (the credit check is answered afresh).
  std::string before = Snapshot("C1") + Snapshot("C2");
  Response replay = SendRaw("POST", "/v1/batch", manager_, batch, "batch-1");
  ASSERT_EQ(replay.status, 200u) << replay.body;
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (i == 4) continue;
    std::string at = "/results/" + std::to_string(i);
    EXPECT_EQ(replay.At(at), response.At(at)) << "item " << i;
  }
  EXPECT_EQ(Snapshot("C1") + Snapshot("C2"), before);

  // An item's key is its own, or the batch's key with ":" and its index.
  Response single = Post(
      "/v1/orders", sales_,
      {{"order_id", "B-1"}, {"customer_id", "C2"}, {"amount_minor", 10'000}, {"currency", "CNY"}},
      "batch-1:1");
  EXPECT_EQ(single.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(single.json, response.At("/results/1/body"));
  Response cancel = Post("/v1/orders/B-1/cancel", sales_, json::object{}, "explicit-cancel");
  EXPECT_EQ(cancel.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(cancel.json, response.At("/results/6/body"));
  EXPECT_EQ(Snapshot("C1") + Snapshot("C2"), before);
}

TEST_F(HttpTest, BatchChecksEachItemsRoleAndItsSize) {
  CreateCustomer("C1", 100'000);
  Response response = SendRaw("POST", "/v1/batch", sales_, R"({"commands": [
      {"op": "create_order", "body": {"order_id": "S-1", "customer_id": "C1",
                                      "amount_minor": 100, "currency": "CNY"}},
      {"op": "set_limit", "body": {"customer_id": "C1", "limit_minor": 1, "currency": "CNY"}},
      {"op": "create_customer", "body": {"customer_id": "C2", "name": "x", "currency": "CNY"}},
      {"op": "credit_check", "body": {"customer_id": "C1", "amount_minor": 1,
                                      "currency": "CNY"}}]})");
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(response.Int("/results/0/status"), 200);
  EXPECT_EQ(response.Int("/results/1/status"), 403);
  EXPECT_EQ(response.Str("/results/1/body/error/code"), "forbidden");
  EXPECT_EQ(response.Int("/results/2/status"), 403);
  EXPECT_EQ(response.Int("/results/3/status"), 200);
  EXPECT_EQ(AccountInt("C1", "limit_minor"), 100'000);
  EXPECT_EQ(AccountInt("C1", "orders_open_minor"), 100);
  EXPECT_TRUE(IsError(Get("/v1/customers/C2"), 404, "customer_not_found"));

  std::string before = Snapshot("C1");
  EXPECT_TRUE(
      IsError(SendRaw("POST", "/v1/batch", viewer_, R"({"commands": []})"), 403, "forbidden"));
  EXPECT_TRUE(
      IsError(SendRaw("POST", "/v1/batch", manager_, R"({"commands": {}})"), 400, "missing_field"));
  auto orders = [](size_t count) {
    std::string body = R"({"commands": [)";
    for (size_t i = 0; i < count; ++i) {
      body += std::string(i ? "," : "") + R"({"op": "create_order", "body": {"order_id": "X-)" +
              std::to_string(i) +
              R"(", "customer_id": "C1", "amount_minor": 1, "currency": "CNY"}})";
    }
    return body + "]}";
  };
  EXPECT_TRUE(
      IsError(SendRaw("POST", "/v1/batch", manager_, orders(1001)), 400, "invalid_argument"));
  EXPECT_EQ(Snapshot("C1"), before);
  Response full = SendRaw("POST", "/v1/batch", manager_, orders(1000));
  ASSERT_EQ(full.status, 200u) << full.body.substr(0, 300);
  EXPECT_EQ(full.Size("/results"), 1000u);
  EXPECT_EQ(AccountInt("C1", "orders_open_minor"), 1'100);
}

// --- Concurrency ---------------------------------------------------------------------------------

TEST_F(HttpTest, ConcurrentOrdersOnOneCustomerNeverPassTheLimit) {
  constexpr int kThreads = 64;
  constexpr int kOrdersPerThread = 4;
  constexpr int64_t kLimit = 1'000'000;
  constexpr int64_t kAmount = 10'000;
  CreateCustomer("C1", kLimit);
  std::vector<std::vector<std::string>> decisions(kThreads);
  std::latch connected(kThreads);
  std::vector<std::thread> threads;
  const uint16_t port = server_->port();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client(port);
      client.Connect();
      connected.arrive_and_wait();  // Every connection is open before the first order goes.
      for (int k = 0; k < kOrdersPerThread; ++k) {
        std::string id = "T" + std::to_string(t) + "-" + std::to_string(k);
        Response r = client.Send("POST", "/v1/orders",
                                 R"({"order_id": ")" + id +
                                     R"(", "customer_id": "C1", "amount_minor": 10000,
                                         "currency": "CNY"})",
                                 {{"Authorization", "Bearer " + sales_}, {"Idempotency-Key", id}});
        decisions[t].push_back(r.status == 200 && r.Has("/decision")
                                   ? r.Str("/decision")
                                   : "status " + std::to_string(r.status) + " " + r.body);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  int64_t approved = 0, held = 0;
  for (const auto& list : decisions) {
    for (const std::string& decision : list) {
      if (decision == "approved" || decision == "approved_with_warning") {
        ++approved;
      } else if (decision == "held") {
        ++held;
      } else {
        ADD_FAILURE() << decision;
      }
    }
  }
  EXPECT_EQ(approved + held, kThreads * kOrdersPerThread);
  EXPECT_LE(approved * kAmount, kLimit);
  EXPECT_EQ(approved, kLimit / kAmount);  // Equal orders fill the limit exactly.
  json::value account = Account("C1");
  EXPECT_EQ(account.at("orders_open_minor"), approved * kAmount);
  EXPECT_EQ(account.at("open_orders"), approved);
  EXPECT_EQ(account.at("held_orders"), held);
  EXPECT_EQ(account.at("available_minor"), kLimit - approved * kAmount);
  Response holds = Get("/v1/holds?limit=1000");
  EXPECT_EQ(holds.Size("/holds"), static_cast<size_t>(held));
  int64_t reserved = 0;
  Response orders = Get("/v1/customers/C1/orders");
  for (const json::value& order : orders.At("/orders").as_array()) {
    reserved += order.at("reserved_minor").to_number<int64_t>();
  }
  EXPECT_EQ(reserved, approved * kAmount);
}

// ---- Credit assessment.

TEST_F(HttpTest, FinancialsAssessmentAndScorecard) {
  CreateCustomer("C1", 1'000'000);
  json::value financials = J(R"({"period": "2025", "currency": "CNY", "revenue_minor": 100000000,
      "net_profit_minor": 5000000, "equity_minor": 40000000, "total_assets_minor": 100000000,
      "current_assets_minor": 30000000, "current_liabilities_minor": 20000000,
      "external_rating": "BBB", "external_score": 65})");
  Response recorded = Post("/v1/customers/C1/financials", analyst_, financials);
  ASSERT_EQ(recorded.status, 201u) << recorded.body;
  EXPECT_EQ(recorded.Str("/period"), "2025");
  EXPECT_TRUE(IsError(Post("/v1/customers/C1/financials", sales_, financials), 403, "forbidden"));
  EXPECT_TRUE(IsError(Post("/v1/customers/NOPE/financials", analyst_, financials), 404,
                      "customer_not_found"));
  json::value bad = financials;
  bad.as_object()["revenue_minor"] = 1.5;
  EXPECT_TRUE(IsError(Post("/v1/customers/C1/financials", analyst_, bad), 400, "invalid_amount"));
  bad = financials;
  bad.as_object()["external_score"] = 101;
  EXPECT_TRUE(IsError(Post("/v1/customers/C1/financials", analyst_, bad), 400, "invalid_argument"));
  bad = financials;
  bad.as_object()["equity"] = 1;
  EXPECT_TRUE(IsError(Post("/v1/customers/C1/financials", analyst_, bad), 400, "unknown_field"));
  EXPECT_EQ(Get("/v1/customers/C1/financials").Size("/financials"), 1u);

  Response assessment = Get("/v1/customers/C1/assessment");
  ASSERT_EQ(assessment.status, 200u) << assessment.body;
  EXPECT_EQ(assessment.Str("/financials_period"), "2025");
  EXPECT_EQ(assessment.Size("/factors"), 14u);
  EXPECT_EQ(assessment.Str("/factors/10/factor"), "current_ratio");
  EXPECT_EQ(assessment.Int("/factors/10/value"), 15'000);
  EXPECT_EQ(assessment.Int("/factors/10/points"), 80);
  EXPECT_TRUE(IsError(Get("/v1/customers/C1/assessment?segment=EU"), 404, "account_not_found"));

  Response scorecard = Get("/v1/scorecard");
  ASSERT_EQ(scorecard.status, 200u);
  EXPECT_EQ(scorecard.Size("/grades"), 8u);
  EXPECT_TRUE(scorecard.At("/factors/0/bins/3/up_to").is_null());
  json::value card = J(R"({"name": "simple", "rounding_minor": 1000,
      "factors": [{"factor": "max_days_past_due", "weight": 1,
                   "bins": [{"up_to": 0, "points": 100}, {"up_to": null, "points": 0}]}],
      "grades": [{"grade": "GOOD", "score_min": 50, "limit_cap_minor": 7000000},
                 {"grade": "BAD", "score_min": 0, "prepayment_only": true}]})");
  EXPECT_TRUE(IsError(Send("PUT", "/v1/scorecard", analyst_, card), 403, "forbidden"));
  Response set = Send("PUT", "/v1/scorecard", manager_, card);
  ASSERT_EQ(set.status, 200u) << set.body;
  EXPECT_EQ(Get("/v1/customers/C1/assessment").Str("/grade"), "GOOD");
  EXPECT_EQ(Get("/v1/customers/C1/assessment").Int("/proposal/limit_minor"), 7'000'000);
  json::value invalid = card;
  invalid.as_object()["factors"].as_array()[0].as_object()["factor"] = "shoe_size";
  EXPECT_TRUE(IsError(Send("PUT", "/v1/scorecard", manager_, invalid), 400, "invalid_argument"));
  invalid = card;
  invalid.as_object()["grades"].as_array()[1].as_object()["score_min"] = 10;
  EXPECT_TRUE(IsError(Send("PUT", "/v1/scorecard", manager_, invalid), 400, "invalid_argument"));
  EXPECT_EQ(Get("/v1/scorecard").Str("/name"), "simple");

  Response review = Post("/v1/reviews", analyst_, J("{}"));
  ASSERT_EQ(review.status, 200u) << review.body;
  EXPECT_EQ(review.Int("/reviewed"), 1);
  // The proposal is above the limit, but the policy raises only at grade "A" or better, which
  // this scorecard does not have: nothing changes.
  EXPECT_EQ(review.Int("/unchanged"), 1);
  EXPECT_EQ(review.Int("/raised"), 0);
  EXPECT_TRUE(IsError(Post("/v1/reviews", sales_, J("{}")), 403, "forbidden"));
  EXPECT_TRUE(IsError(Post("/v1/reviews", analyst_, J(R"({"x": 1})")), 400, "unknown_field"));
  EXPECT_EQ(Post("/v1/reviews", analyst_, J("{}")).Int("/reviewed"), 0);
}

// The overdue list pages by cursor over HTTP, and its CSV export without limit is the whole
// list, read from the engine in pages of 20,000: 45,000 overdue invoices come back in one file,
// each once, in the order the pages give.
TEST_F(HttpTest, OverdueListPagesAndExportsTheWholeList) {
  CreateCustomer("C1", 1'000'000'000'000);
  constexpr int kInvoices = 45'000;
  std::promise<void> created;
  engine_->Submit([&created](service::EngineContext& context) -> service::Continuation {
    for (int i = 0; i < kInvoices; ++i) {
      Date issued = AddDays(context.stamp.today, -40 - i % 100);
      Envelope envelope{"", "test", context.stamp.time, context.stamp.today};
      Result<CommandResult> done = context.state.Execute(
          envelope,
          CreateInvoice{"I" + std::to_string(i), AccountRef{"C1", ""}, "",
                        Money{100, Currency::Of("CNY")}, issued, AddDays(issued, 30)},
          context.events);
      if (!done.ok()) ADD_FAILURE() << done.error().message;
    }
    return [&created](bool) { created.set_value(); };
  });
  created.get_future().get();
  // On a busy machine the invoices take long enough for the server to close the idle
  // connection: start a new one.
  client_ = std::make_unique<HttpClient>(server_->port());

  Response first = Get("/v1/reports/overdue?limit=3", analyst_);
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(first.Int("/summary/0/overdue_invoices"), kInvoices);
  EXPECT_EQ(first.Int("/summary/0/listed"), 3);
  std::string after = first.Str("/summary/0/next_after");
  Response second = Get("/v1/reports/overdue?limit=3&after=" + after, analyst_);
  ASSERT_EQ(second.status, 200u) << second.body;
  EXPECT_NE(second.Str("/invoices/0/invoice_id"), first.Str("/invoices/2/invoice_id"));
  EXPECT_GE(first.Int("/invoices/2/days_past_due"), second.Int("/invoices/0/days_past_due"));
  for (const char* bad : {"x", "2026-01-01", "2026-01-01.", "2026-02-30.4", "2026-01-01.-4"}) {
    EXPECT_TRUE(IsError(Get(std::string("/v1/reports/overdue?after=") + bad, analyst_), 400,
                        "invalid_argument"))
        << bad;
  }

  Response csv = Get("/v1/reports/overdue?format=csv", analyst_);
  ASSERT_EQ(csv.status, 200u) << csv.body.substr(0, 200);
  std::set<std::string> ids;
  size_t lines = 0;
  std::istringstream in(csv.body);
  std::string line;
  std::getline(in, line);
  EXPECT_TRUE(line.starts_with("invoice_id,customer_id,")) << line;
  int64_t previous_days = INT64_MAX;
  while (std::getline(in, line)) {
    ++lines;
    ids.insert(line.substr(0, line.find(',')));
    int64_t days = std::stoll(line.substr(line.rfind(',') + 1));
    EXPECT_LE(days, previous_days) << line;
    previous_days = days;
  }
  EXPECT_EQ(lines, static_cast<size_t>(kInvoices));
  EXPECT_EQ(ids.size(), static_cast<size_t>(kInvoices));
  Response xlsx = Get("/v1/reports/overdue?format=xlsx", analyst_);
  ASSERT_EQ(xlsx.status, 200u);
  EXPECT_TRUE(xlsx.body.starts_with("PK"));
  // A page with limit stays a page, also as CSV.
  Response page = Get("/v1/reports/overdue?format=csv&section=invoices&limit=10", analyst_);
  ASSERT_EQ(page.status, 200u);
  EXPECT_EQ(std::count(page.body.begin(), page.body.end(), '\n'), 11);
}

TEST_F(HttpTest, LimitRequestsFourEyesAndTiers) {
  CreateCustomer("C1", 1'000'000);
  json::value request = J(R"({"request_id": "LR1", "customer_id": "C1", "amount_minor": 60000000,
      "currency": "CNY", "reason": "new contract"})");
  EXPECT_TRUE(IsError(Post("/v1/limit-requests", viewer_, request), 403, "forbidden"));
  Response created = Post("/v1/limit-requests", sales_, request);
  ASSERT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(created.Str("/status"), "pending");
  EXPECT_TRUE(IsError(Post("/v1/limit-requests", sales_, request), 409, "duplicate_id"));
  json::value usd = request;
  usd.as_object()["request_id"] = "LR9", usd.as_object()["currency"] = "USD";
  EXPECT_TRUE(IsError(Post("/v1/limit-requests", sales_, usd), 422, "currency_mismatch"));

  json::value reason = J(R"({"reason": "checked"})");
  EXPECT_TRUE(IsError(Post("/v1/limit-requests/LR1/approve", sales_, reason), 403, "forbidden"));
  // The analyst tier stops at 50,000,000 minor units.
  EXPECT_TRUE(IsError(Post("/v1/limit-requests/LR1/approve", analyst_, reason), 403,
                      "approval_tier_exceeded"));
  EXPECT_TRUE(IsError(Post("/v1/limit-requests/LR404/approve", manager_, reason), 404,
                      "limit_request_not_found"));
  EXPECT_TRUE(
      IsError(Post("/v1/limit-requests/LR1/approve", manager_, J("{}")), 400, "missing_field"));
  EXPECT_EQ(AccountInt("C1", "limit_minor"), 1'000'000);
  Response approved = Post("/v1/limit-requests/LR1/approve", manager_, reason);
  ASSERT_EQ(approved.status, 200u) << approved.body;
  EXPECT_EQ(AccountInt("C1", "limit_minor"), 60'000'000);
  EXPECT_TRUE(IsError(Post("/v1/limit-requests/LR1/reject", admin_, reason), 409, "invalid_state"));

  // Four eyes: the manager's own request needs someone else.
  request.as_object()["request_id"] = "LR2";
  request.as_object()["amount_minor"] = 2'000'000;
  ASSERT_EQ(Post("/v1/limit-requests", manager_, request).status, 201u);
  EXPECT_TRUE(IsError(Post("/v1/limit-requests/LR2/approve", manager_, reason), 403,
                      "four_eyes_violation"));
  ASSERT_EQ(Post("/v1/limit-requests/LR2/reject", analyst_, reason).status, 200u);

  Response one = Get("/v1/limit-requests/LR1");
  ASSERT_EQ(one.status, 200u);
  EXPECT_EQ(one.Str("/status"), "approved");
  EXPECT_EQ(one.Str("/decision_reason"), "checked");
  EXPECT_EQ(one.Str("/requested_by"), "token:" + token_id_["sales"]);
  EXPECT_EQ(one.Str("/decided_by"), "token:" + token_id_["credit_manager"]);
  EXPECT_EQ(Get("/v1/limit-requests?status=rejected").Size("/limit_requests"), 1u);
  Response page = Get("/v1/limit-requests?customer_id=C1&limit=1");
  EXPECT_EQ(page.Size("/limit_requests"), 1u);
  EXPECT_EQ(page.Str("/next_page_token"), "1");
  EXPECT_EQ(Get("/v1/limit-requests?page_token=1").Str("/limit_requests/0/request_id"), "LR2");
  EXPECT_TRUE(IsError(Get("/v1/limit-requests?status=maybe"), 400, "invalid_argument"));
  EXPECT_TRUE(IsError(Get("/v1/limit-requests/LR404"), 404, "limit_request_not_found"));

  // Tiers are configuration: with analysts allowed up to 100M they may approve.
  json::value policy = J(R"({"approval_tiers": [{"role": "analyst", "amount_max_minor": 100000000},
      {"role": "admin", "amount_max_minor": null}]})");
  EXPECT_TRUE(IsError(Send("PUT", "/v1/assessment-policy", manager_, policy), 403, "forbidden"));
  ASSERT_EQ(Send("PUT", "/v1/assessment-policy", admin_, policy).status, 200u);
  EXPECT_TRUE(Get("/v1/assessment-policy").At("/approval_tiers/1/amount_max_minor").is_null());
  request.as_object()["request_id"] = "LR3";
  request.as_object()["amount_minor"] = 90'000'000;
  ASSERT_EQ(Post("/v1/limit-requests", sales_, request).status, 201u);
  EXPECT_EQ(Post("/v1/limit-requests/LR3/approve", analyst_, reason).status, 200u);
  json::value bad_policy = J(R"({"approval_tiers": [{"role": "sales", "amount_max_minor": 1}]})");
  EXPECT_TRUE(
      IsError(Send("PUT", "/v1/assessment-policy", admin_, bad_policy), 400, "invalid_argument"));
}

TEST_F(HttpTest, RecoveryPlans) {
  CreateCustomer("C1", 5'000'000);
  ASSERT_EQ(Post("/v1/invoices", analyst_,
                 J(R"({"invoice_id": "I1", "customer_id": "C1", "amount_minor": 3000000,
                       "currency": "CNY", "issued_on": "2020-01-01"})"))
                .status,
            201u);
  json::value plan = J(R"({"plan_id": "RP1", "customer_id": "C1", "reason": "agreed",
      "installments": [{"due_on": "2099-01-31", "amount_minor": 1000000, "currency": "CNY"},
                       {"due_on": "2099-02-28", "amount_minor": 2000000, "currency": "CNY"}]})");
  EXPECT_TRUE(IsError(Post("/v1/recovery-plans", analyst_, plan), 403, "forbidden"));
  json::value bad = plan;
  bad.as_object()["installments"].as_array()[1].as_object()["amount_minor"] = 9'000'000;
  EXPECT_TRUE(IsError(Post("/v1/recovery-plans", manager_, bad), 400, "invalid_amount"));
  bad = plan;
  bad.as_object()["installments"].as_array()[1].as_object()["due_on"] = "2099-01-01";
  EXPECT_TRUE(IsError(Post("/v1/recovery-plans", manager_, bad), 400, "invalid_date"));
  Response created = Post("/v1/recovery-plans", manager_, plan);
  ASSERT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(created.Int("/installments"), 2);
  EXPECT_TRUE(IsError(Post("/v1/recovery-plans", manager_, plan), 409, "duplicate_id"));
  bad = plan;
  bad.as_object()["plan_id"] = "RP2";
  EXPECT_TRUE(IsError(Post("/v1/recovery-plans", manager_, bad), 409, "invalid_state"));
  Response got = Get("/v1/recovery-plans/RP1");
  ASSERT_EQ(got.status, 200u);
  EXPECT_EQ(got.Str("/status"), "active");
  EXPECT_EQ(got.Str("/installments/0/status"), "pending");
  EXPECT_TRUE(IsError(Get("/v1/recovery-plans/RP9"), 404, "recovery_plan_not_found"));
  ASSERT_EQ(Post("/v1/payments", analyst_,
                 J(R"({"payment_id": "P1", "customer_id": "C1", "amount_minor": 3000000,
                       "currency": "CNY", "received_on": "2020-02-01"})"))
                .status,
            201u);
  Response review = Post("/v1/reviews", analyst_, J("{}"));
  ASSERT_EQ(review.status, 200u) << review.body;
  EXPECT_EQ(review.Int("/plans_completed"), 1);
  EXPECT_EQ(review.Int("/installments_paid"), 2);
  EXPECT_EQ(Get("/v1/recovery-plans/RP1").Str("/status"), "completed");
}

// --- Customer statement and activity feed ------------------------------------------------------

TEST_F(HttpTest, StatementAndHistory) {
  CreateCustomer("C1", 500'000);
  ASSERT_EQ(Send("PUT", "/v1/customers/C1/limit", manager_,
                 J(R"({"limit_minor": 800000, "currency": "CNY", "reason": "annual review"})"))
                .status,
            200u);
  ASSERT_EQ(PlaceOrder("O1", "C1", 300'000).status, 200u);
  ASSERT_EQ(PlaceOrder("O2", "C1", 900'000).status, 200u);  // Over the limit: held.
  ASSERT_EQ(Post("/v1/invoices", analyst_,
                 J(R"({"invoice_id": "I1", "customer_id": "C1", "order_id": "O1",
                       "amount_minor": 200000, "currency": "CNY", "issued_on": "2026-01-05",
                       "due_on": "2026-02-04"})"))
                .status,
            201u);
  ASSERT_EQ(Post("/v1/payments", analyst_,
                 J(R"({"payment_id": "P1", "customer_id": "C1", "amount_minor": 50000,
                       "currency": "CNY", "received_on": "2026-03-01"})"))
                .status,
            201u);
  json::value account = Account("C1");

  Response statement = Get("/v1/customers/C1/statement", analyst_);
  ASSERT_EQ(statement.status, 200u) << statement.body;
  EXPECT_EQ(statement.Str("/report"), "statement");
  EXPECT_EQ(statement.Int("/summary/0/reconciled"), 1);
  EXPECT_EQ(statement.Int("/summary/0/closing_limit_minor"), 800'000);
  EXPECT_EQ(statement.Int("/summary/0/paid_minor"), 50'000);
  EXPECT_EQ(statement.Int("/summary/0/closing_exposure_minor"),
            account.at("exposure_minor").to_number<int64_t>());
  EXPECT_EQ(statement.Size("/exposure"), 365u);
  EXPECT_EQ(statement.Int("/exposure/364/overdue_minor"), 150'000);
  // The limit change, with its before, after, reason and actor.
  // Opening (limit and status), then the change.
  ASSERT_EQ(statement.Size("/limit_history"), 3u);
  EXPECT_EQ(statement.Str("/limit_history/0/reason"), "account opened");
  EXPECT_EQ(statement.Str("/limit_history/2/field"), "limit_minor");
  EXPECT_EQ(statement.Int("/limit_history/2/before"), 500'000);
  EXPECT_EQ(statement.Int("/limit_history/2/after"), 800'000);
  EXPECT_EQ(statement.Str("/limit_history/2/reason"), "annual review");
  EXPECT_FALSE(statement.Str("/limit_history/2/actor").empty());
  EXPECT_EQ(statement.Str("/decisions/1/subject_id"), "O2");
  EXPECT_EQ(statement.Str("/decisions/1/outcome"), "held");
  EXPECT_EQ(statement.Str("/decisions/1/reasons"), "credit_limit_exceeded");
  EXPECT_EQ(statement.Str("/open_invoices/0/aging_bucket"), "over_90");
  EXPECT_EQ(statement.Str("/settlements/0/invoice_id"), "I1");

  Response csv = Get("/v1/customers/C1/statement?format=csv&section=limit_history", analyst_);
  ASSERT_EQ(csv.status, 200u) << csv.body;
  EXPECT_EQ(csv.Header("Content-Type"), "text/csv");
  EXPECT_TRUE(Contains(csv.body, "seq,time,day,actor,event,field,before,after,reason"));
  EXPECT_TRUE(Contains(csv.body, "annual review"));
  EXPECT_TRUE(Contains(csv.Header("Content-Disposition"), "statement-C1-"));
  Response xlsx = Get("/v1/customers/C1/statement?format=xlsx&from=2026-01-01", analyst_);
  ASSERT_EQ(xlsx.status, 200u);
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");  // A zip container.

  // Bad input: each its own 4xx, nothing changes.
  std::string before = Snapshot("C1");
  const std::string base = "/v1/customers/C1/statement";
  EXPECT_TRUE(IsError(Get(base, viewer_), 403, "forbidden"));
  EXPECT_TRUE(IsError(Get(base, sales_), 403, "forbidden"));
  EXPECT_TRUE(IsError(Get(base + "?from=2026-02-30", analyst_), 400, "invalid_date"));
  EXPECT_TRUE(IsError(Get(base + "?to=yesterday", analyst_), 400, "invalid_date"));
  Response reversed = Get(base + "?from=2026-03-01&to=2026-02-01", analyst_);
  EXPECT_TRUE(IsError(reversed, 400, "invalid_argument"));
  EXPECT_EQ(reversed.Str("/error/field"), "from");
  EXPECT_TRUE(IsError(Get(base + "?to=2999-01-01", analyst_), 400, "invalid_argument"));
  EXPECT_TRUE(IsError(Get(base + "?from=1990-01-01", analyst_), 400, "invalid_argument"));
  EXPECT_TRUE(IsError(Get(base + "?format=pdf", analyst_), 400, "invalid_argument"));
  EXPECT_TRUE(IsError(Get(base + "?format=csv&section=nope", analyst_), 400, "invalid_argument"));
  EXPECT_TRUE(IsError(Get("/v1/customers/C404/statement", analyst_), 404, "customer_not_found"));
  EXPECT_TRUE(IsError(Get(base + "?segment=EU", analyst_), 404, "account_not_found"));
  EXPECT_EQ(Snapshot("C1"), before);

  // The activity feed, in pages, ends with the payment; every event shows up once.
  std::vector<uint64_t> seqs;
  std::string after = "0";
  for (int page = 0; page < 10; ++page) {
    Response history = Get("/v1/customers/C1/history?limit=2&after=" + after, analyst_);
    ASSERT_EQ(history.status, 200u) << history.body;
    for (const json::value& entry : history.At("/entries").as_array()) {
      seqs.push_back(entry.at("seq").to_number<uint64_t>());
    }
    if (history.At("/next_after").is_null()) break;
    after = std::to_string(history.Int("/next_after"));
  }
  EXPECT_EQ(seqs.size(), 6u);  // Created, limit, two orders, invoice, payment.
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
  Response first = Get("/v1/customers/C1/history?limit=2", analyst_);
  EXPECT_EQ(first.Str("/entries/1/type"), "limit_set");
  EXPECT_EQ(first.Str("/entries/1/changes/0/field"), "limit_minor");
  EXPECT_EQ(first.Int("/entries/1/changes/0/before"), 500'000);
  EXPECT_EQ(first.Int("/entries/1/changes/0/after"), 800'000);
  EXPECT_TRUE(IsError(Get("/v1/customers/C1/history", viewer_), 403, "forbidden"));
  EXPECT_TRUE(IsError(Get("/v1/customers/C1/history?limit=0", analyst_), 400, "invalid_argument"));
  EXPECT_TRUE(IsError(Get("/v1/customers/C1/history?after=-1", analyst_), 400, "invalid_argument"));
  EXPECT_TRUE(IsError(Get("/v1/customers/C404/history", analyst_), 404, "customer_not_found"));
}

}  // namespace
}  // namespace creditline::http
