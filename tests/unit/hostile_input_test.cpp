// A catalogue of malformed and hostile requests against a real in-process HTTP server, and the
// connection-level attacks a public endpoint meets (slow senders, idle connections, floods).
//
// Each catalogue entry is one request with the status and error code it must get; after every
// one the state hash and the last seq (read on the engine thread) must be as before: a refused
// request changes nothing. The connection tests start servers with shrunken ServerLimits so
// that timeouts and caps are reached in seconds; the limits themselves are the named constants
// in http/server.hpp (docs/hardening.md lists them).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/api.hpp"
#include "http/server.hpp"
#include "http_client.hpp"
#include "service/calendar.hpp"
#include "service/engine.hpp"
#include "service/tokens.hpp"

namespace creditline::http {
namespace {

namespace json = boost::json;
using namespace test_client;  // NOLINT: the client and its Response.
using Clock = std::chrono::steady_clock;

constexpr const char* kFreshKey = "<fresh>";  // A new Idempotency-Key for each request.
constexpr const char* kSetupKey = "setup-customer-c1";

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// A blocking TCP connection to 127.0.0.1:port with a receive timeout; -1 on failure.
Fd Connect(uint16_t port, int receive_timeout_ms = 5'000) {
  Fd fd(socket(AF_INET, SOCK_STREAM, 0));
  if (fd.get() < 0) return Fd();
  timeval timeout{receive_timeout_ms / 1000, (receive_timeout_ms % 1000) * 1000};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return Fd();
  return fd;
}

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t sent = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

// Reads until the server closes, the receive timeout passes, or one whole response (by its
// Content-Length) is in.
std::string ReadResponse(int fd) {
  std::string text;
  char buffer[4096];
  while (true) {
    size_t end = text.find("\r\n\r\n");
    if (end != std::string::npos) {
      size_t length_at = Lower(text.substr(0, end)).find("content-length:");
      if (length_at != std::string::npos &&
          text.size() >= end + 4 + std::stoul(text.substr(length_at + 15))) {
        return text;
      }
    }
    ssize_t received = recv(fd, buffer, sizeof buffer, 0);
    if (received <= 0) return text;
    text.append(buffer, static_cast<size_t>(received));
  }
}

// The status and error code of a raw response ("HTTP/1.1 400 ...\r\n...\r\n\r\n{json}").
Response ParseRaw(const std::string& text) {
  Response response;
  if (text.rfind("HTTP/1.1 ", 0) != 0 || text.size() < 12) return response;
  response.status = static_cast<unsigned>(std::stoul(text.substr(9, 3)));
  size_t body = text.find("\r\n\r\n");
  if (body != std::string::npos) {
    response.body = text.substr(body + 4);
    boost::system::error_code error;
    json::value parsed = json::parse(response.body, error);
    if (!error) response.json = std::move(parsed);
  }
  return response;
}

// One catalogue entry: a request and the refusal it must get.
struct HostileCase {
  std::string name;
  std::string method = "POST";
  std::string target = "/v1/customers";
  std::string body;
  unsigned status = 400;
  std::string code;
  std::string role = "admin";  // "": no Authorization header; other text is sent as it is.
  std::string key = kFreshKey;  // "": no Idempotency-Key.
  std::string content_type = "application/json";
  Headers extra;
  std::string raw;  // Not empty: these bytes are sent on a fresh connection instead.
};

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer({}); }

  void StartServer(ServerLimits limits) {
    char pattern[] = "/tmp/creditline-hostile-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    data_dir_ = pattern;
    Result<service::NewToken> first =
        service::TokenStore::Initialize(data_dir_, service::SystemNowMs());
    ASSERT_TRUE(first.ok()) << first.error().message;
    admin_ = first->secret;
    Result<std::unique_ptr<service::TokenStore>> tokens = service::TokenStore::Open(data_dir_);
    ASSERT_TRUE(tokens.ok()) << tokens.error().message;
    tokens_ = std::move(*tokens);
    Result<service::NewToken> viewer =
        tokens_->Create(service::Role::kViewer, "viewer", service::SystemNowMs());
    ASSERT_TRUE(viewer.ok());
    viewer_ = viewer->secret;
    Result<service::BusinessCalendar> calendar = service::BusinessCalendar::ForZone("UTC");
    ASSERT_TRUE(calendar.ok());
    engine_ = std::make_unique<service::Engine>(*calendar);
    api_ = std::make_unique<Api>(*engine_, *tokens_);
    server_ = std::make_unique<Server>(
        [this](HttpRequest request, Reply reply) { api_->Handle(std::move(request), reply); },
        limits);
    engine_->Start();
    ASSERT_TRUE(server_->Start("127.0.0.1:0", 2).ok());
    client_ = std::make_unique<HttpClient>(server_->port());
    Response created = Post("/v1/customers",
                            R"({"customer_id":"C1","name":"Acme","currency":"CNY",)"
                            R"("limit_minor":1000000})",
                            kSetupKey);
    ASSERT_EQ(created.status, 201u) << created.body;
    Response order = Post("/v1/orders",
                          R"({"order_id":"O1","customer_id":"C1","amount_minor":100,)"
                          R"("currency":"CNY"})");
    ASSERT_EQ(order.status, 200u) << order.body;
  }

  void TearDown() override { StopServer(); }

  void RestartServer(ServerLimits limits) {
    StopServer();
    StartServer(limits);
  }

  void StopServer() {
    client_.reset();
    if (server_) server_->Stop();
    if (engine_) engine_->Stop();
    server_.reset();
    api_.reset();
    engine_.reset();
    tokens_.reset();
    if (!data_dir_.empty()) std::filesystem::remove_all(data_dir_);
    data_dir_.clear();
  }

  Response Post(const std::string& target, const std::string& body, std::string key = "") {
    if (key.empty()) key = "key-" + std::to_string(++keys_);
    return client_->Send("POST", target, body,
                         {{"Authorization", "Bearer " + admin_}, {"Idempotency-Key", key}});
  }
  Response Get(const std::string& target) {
    return client_->Send("GET", target, "", {{"Authorization", "Bearer " + viewer_}});
  }

  // The state hash and last seq, read on the engine thread.
  std::pair<uint64_t, uint64_t> HashAndSeq() {
    auto promise = std::make_shared<std::promise<std::pair<uint64_t, uint64_t>>>();
    std::future<std::pair<uint64_t, uint64_t>> answer = promise->get_future();
    bool taken = engine_->Submit([promise](service::EngineContext& context) {
      promise->set_value({context.state.StateHash(), context.state.last_seq()});
      return [](bool) {};
    });
    EXPECT_TRUE(taken);
    return answer.get();
  }

  Response Run(const HostileCase& c) {
    if (!c.raw.empty()) {
      Fd fd = Connect(server_->port());
      if (fd.get() < 0 || !SendAll(fd.get(), c.raw)) return Response();
      return ParseRaw(ReadResponse(fd.get()));
    }
    Headers headers;
    if (c.role == "admin") headers.emplace_back("Authorization", "Bearer " + admin_);
    if (c.role == "viewer") headers.emplace_back("Authorization", "Bearer " + viewer_);
    if (!c.role.empty() && c.role != "admin" && c.role != "viewer") {
      headers.emplace_back("Authorization", c.role);
    }
    if (c.key == kFreshKey) {
      headers.emplace_back("Idempotency-Key", "hostile-" + std::to_string(++keys_));
    } else if (!c.key.empty()) {
      headers.emplace_back("Idempotency-Key", c.key);
    }
    headers.emplace_back("Content-Type", c.content_type);
    for (const auto& header : c.extra) headers.push_back(header);
    return client_->Send(c.method, c.target, c.body, headers);
  }

  std::string data_dir_;
  std::unique_ptr<service::TokenStore> tokens_;
  std::unique_ptr<service::Engine> engine_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpClient> client_;
  std::string admin_, viewer_;
  int keys_ = 0;
};

using RawFields = std::vector<std::pair<std::string, std::string>>;

// `fields` (name, raw JSON) as an object body with `field` replaced by the raw JSON `value`
// ("" drops the field; a field not in `fields` is added).
std::string BodyWith(RawFields fields, const std::string& field, const std::string& value) {
  bool replaced = false;
  for (auto& [name, raw] : fields) {
    if (name == field) raw = value, replaced = true;
  }
  if (!replaced) fields.emplace_back(field, value);
  std::string body = "{";
  for (const auto& [name, raw] : fields) {
    if (raw.empty()) continue;
    if (body.size() > 1) body += ",";
    body += "\"" + name + "\":" + raw;
  }
  return body + "}";
}

// A customer body with `field` replaced by the raw JSON `value` ("" drops the field).
std::string CustomerWith(const std::string& field, const std::string& value) {
  return BodyWith({{"customer_id", R"("C9")"},
                   {"name", R"("Nine")"},
                   {"currency", R"("CNY")"},
                   {"limit_minor", "1000"}},
                  field, value);
}

// An order body for C1 with `field` replaced by the raw JSON `value` ("" drops the field).
std::string OrderWith(const std::string& field, const std::string& value) {
  return BodyWith({{"order_id", R"("O9")"},
                   {"customer_id", R"("C1")"},
                   {"amount_minor", "100"},
                   {"currency", R"("CNY")"}},
                  field, value);
}

std::string Nested(int depth) {
  return "{\"customer_id\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
}

std::string RawRequest(const std::string& request_line, const std::string& headers,
                       const std::string& body = "") {
  return request_line + "\r\nHost: 127.0.0.1\r\n" + headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::vector<HostileCase> Catalogue() {
  const std::string kMaxPlusOne = "9223372036854775808";
  const std::string kId65 = std::string(65, 'a');
  std::vector<HostileCase> cases = {
      // --- Not a JSON object -----------------------------------------------------------------
      {.name = "array body", .body = "[]", .code = "invalid_json"},
      {.name = "string body", .body = R"("customer")", .code = "invalid_json"},
      {.name = "number body", .body = "42", .code = "invalid_json"},
      {.name = "null body", .body = "null", .code = "invalid_json"},
      {.name = "truncated object", .body = R"({"customer_id":"C9")", .code = "invalid_json"},
      {.name = "trailing garbage", .body = CustomerWith("name", R"("N")") + "x",
       .code = "invalid_json"},
      {.name = "two objects", .body = "{}{}", .code = "invalid_json"},
      {.name = "comment", .body = R"({/* c */"customer_id":"C9"})", .code = "invalid_json"},
      {.name = "single quotes", .body = "{'customer_id':'C9'}", .code = "invalid_json"},
      {.name = "NaN literal", .body = CustomerWith("limit_minor", "NaN"), .code = "invalid_json"},
      {.name = "Infinity literal", .body = CustomerWith("limit_minor", "Infinity"),
       .code = "invalid_json"},
      {.name = "byte order mark", .body = "\xEF\xBB\xBF" + CustomerWith("name", R"("N")"),
       .code = "invalid_json"},
      {.name = "invalid UTF-8 in a string", .body = CustomerWith("name", "\"A\xC3\x28\""),
       .code = "invalid_json"},
      {.name = "overlong UTF-8", .body = CustomerWith("name", "\"\xC0\xAF\""),
       .code = "invalid_json"},
      {.name = "UTF-8 surrogate bytes", .body = CustomerWith("name", "\"\xED\xA0\x80\""),
       .code = "invalid_json"},
      {.name = "lone surrogate escape", .body = CustomerWith("name", R"("\ud800")"),
       .code = "invalid_json"},
      {.name = "raw control character in a string", .body = CustomerWith("name", "\"A\x01\""),
       .code = "invalid_json"},
      {.name = "nested 33 deep", .body = Nested(33), .code = "invalid_json"},
      {.name = "nested 100000 deep", .body = Nested(100'000), .code = "invalid_json"},
      {.name = "number past double range", .body = CustomerWith("limit_minor", "1e400"),
       .code = "invalid_amount"},
      {.name = "duplicate field", .body = CustomerWith("customer_id", R"("C9","customer_id":"C8")"),
       .code = "invalid_json"},
      {.name = "duplicate field in a batch item",
       .target = "/v1/batch",
       .body = R"({"commands":[{"op":"create_order","op":"create_order","body":{}}]})",
       .code = "invalid_json"},
      // --- Missing fields and wrong types ------------------------------------------------------
      {.name = "empty body", .body = "", .code = "missing_field"},
      {.name = "empty object", .body = "{}", .code = "missing_field"},
      {.name = "missing customer_id", .body = CustomerWith("customer_id", ""),
       .code = "missing_field"},
      {.name = "missing name", .body = CustomerWith("name", ""), .code = "missing_field"},
      {.name = "missing currency", .body = CustomerWith("currency", ""), .code = "missing_field"},
      {.name = "null customer_id", .body = CustomerWith("customer_id", "null"),
       .code = "missing_field"},
      {.name = "numeric customer_id", .body = CustomerWith("customer_id", "9"),
       .code = "invalid_argument"},
      {.name = "array name", .body = CustomerWith("name", R"(["Nine"])"),
       .code = "invalid_argument"},
      {.name = "object name", .body = CustomerWith("name", R"({"a":1})"),
       .code = "invalid_argument"},
      {.name = "boolean currency", .body = CustomerWith("currency", "true"),
       .code = "invalid_argument"},
      {.name = "unknown currency", .body = CustomerWith("currency", R"("XXX")"),
       .code = "unknown_currency"},
      {.name = "lower-case currency", .body = CustomerWith("currency", R"("cny")"),
       .code = "unknown_currency"},
      {.name = "unknown field", .body = CustomerWith("colour", R"("red")"),
       .code = "unknown_field"},
      {.name = "misspelt field", .body = CustomerWith("limit_minr", "5"), .code = "unknown_field"},
      {.name = "tags not an array", .body = CustomerWith("tags", R"("a")"),
       .code = "invalid_argument"},
      {.name = "tags with a number", .body = CustomerWith("tags", R"(["a",1])"),
       .code = "invalid_argument"},
      {.name = "payment terms past int32", .body = CustomerWith("payment_terms_days", "2147483648"),
       .code = "invalid_argument"},
      {.name = "payment terms fraction", .body = CustomerWith("payment_terms_days", "30.5"),
       .code = "invalid_argument"},
      {.name = "impossible review date", .body = CustomerWith("review_on", R"("2026-02-30")"),
       .code = "invalid_date"},
      {.name = "review date not a date", .body = CustomerWith("review_on", R"("tomorrow")"),
       .code = "invalid_date"},
      {.name = "review date year 10000", .body = CustomerWith("review_on", R"("10000-01-01")"),
       .code = "invalid_date"},
      {.name = "unknown status", .body = CustomerWith("status", R"("bogus")"),
       .code = "invalid_argument"},
      {.name = "unknown policy", .body = CustomerWith("policy", R"("nope")"), .status = 404,
       .code = "policy_not_found"},
      // --- Ids and text ------------------------------------------------------------------------
      {.name = "empty customer_id", .body = CustomerWith("customer_id", R"("")"),
       .code = "missing_field"},
      {.name = "slash in an id", .body = CustomerWith("customer_id", R"("a/b")"),
       .code = "invalid_id"},
      {.name = "backslash in an id", .body = CustomerWith("customer_id", R"("a\\b")"),
       .code = "invalid_id"},
      {.name = "dot-dot path in an id", .body = CustomerWith("customer_id", R"("../../etc")"),
       .code = "invalid_id"},
      {.name = "NUL in an id", .body = CustomerWith("customer_id", R"("a\u0000b")"),
       .code = "invalid_id"},
      {.name = "newline in an id", .body = CustomerWith("customer_id", R"("a\nb")"),
       .code = "invalid_id"},
      {.name = "space in an id", .body = CustomerWith("customer_id", R"("a b")"),
       .code = "invalid_id"},
      {.name = "non-ASCII id", .body = CustomerWith("customer_id", "\"\xE5\xAE\xA2\xE6\x88\xB7\""),
       .code = "invalid_id"},
      {.name = "65-byte id", .body = CustomerWith("customer_id", "\"" + kId65 + "\""),
       .code = "invalid_id"},
      {.name = "100 KiB id", .body = CustomerWith("customer_id", "\"" + std::string(100'000, 'a') + "\""),
       .code = "invalid_id"},
      {.name = "slash in a segment", .body = CustomerWith("segment", R"("x/y")"),
       .code = "invalid_id"},
      {.name = "empty name", .body = CustomerWith("name", R"("")"), .code = "missing_field"},
      {.name = "501-byte name", .body = CustomerWith("name", "\"" + std::string(501, 'n') + "\""),
       .code = "invalid_argument"},
      {.name = "control character in a name", .body = CustomerWith("name", R"("A\u0007B")"),
       .code = "invalid_argument"},
      {.name = "escape character in a name", .body = CustomerWith("name", R"("\u001b[31m")"),
       .code = "invalid_argument"},
      {.name = "newline in a name", .body = CustomerWith("name", R"("A\nB")"),
       .code = "invalid_argument"},
      {.name = "NUL in a name", .body = CustomerWith("name", R"("A\u0000B")"),
       .code = "invalid_argument"},
      {.name = "DEL in a name", .body = CustomerWith("name", R"("A\u007fB")"),
       .code = "invalid_argument"},
      {.name = "control character in a tag", .body = CustomerWith("tags", R"(["a\tb"])"),
       .code = "invalid_argument"},
      {.name = "501-byte industry",
       .body = CustomerWith("industry", "\"" + std::string(501, 'i') + "\""),
       .code = "invalid_argument"},
      {.name = "existing customer", .body = CustomerWith("customer_id", R"("C1")"), .status = 409,
       .code = "duplicate_id"},
      // --- Amounts -----------------------------------------------------------------------------
      {.name = "negative limit", .body = CustomerWith("limit_minor", "-1"),
       .code = "invalid_amount"},
      {.name = "limit past 10^15", .body = CustomerWith("limit_minor", "1000000000000001"),
       .code = "invalid_amount"},
      {.name = "limit at int64 max", .body = CustomerWith("limit_minor", "9223372036854775807"),
       .code = "invalid_amount"},
      {.name = "limit past int64 max", .body = CustomerWith("limit_minor", kMaxPlusOne),
       .code = "invalid_amount"},
      {.name = "limit at int64 min", .body = CustomerWith("limit_minor", "-9223372036854775808"),
       .code = "invalid_amount"},
      {.name = "limit as a string", .body = CustomerWith("limit_minor", R"("1000")"),
       .code = "invalid_amount"},
      {.name = "limit with a fraction", .body = CustomerWith("limit_minor", "1000.5"),
       .code = "invalid_amount"},
      {.name = "limit with an exponent", .body = CustomerWith("limit_minor", "1e3"),
       .code = "invalid_amount"},
      {.name = "order amount zero", .target = "/v1/orders", .body = OrderWith("amount_minor", "0"),
       .code = "invalid_amount"},
      {.name = "order amount negative", .target = "/v1/orders",
       .body = OrderWith("amount_minor", "-100"), .code = "invalid_amount"},
      {.name = "order amount at int64 max", .target = "/v1/orders",
       .body = OrderWith("amount_minor", "9223372036854775807"), .code = "invalid_amount"},
      {.name = "order amount past int64 max", .target = "/v1/orders",
       .body = OrderWith("amount_minor", kMaxPlusOne), .code = "invalid_amount"},
      {.name = "order amount 2^64", .target = "/v1/orders",
       .body = OrderWith("amount_minor", "18446744073709551616"), .code = "invalid_amount"},
      {.name = "order amount past int64 min", .target = "/v1/orders",
       .body = OrderWith("amount_minor", "-9223372036854775809"), .code = "invalid_amount"},
      {.name = "order amount 1.0", .target = "/v1/orders", .body = OrderWith("amount_minor", "1.0"),
       .code = "invalid_amount"},
      {.name = "order amount 1e2", .target = "/v1/orders", .body = OrderWith("amount_minor", "1e2"),
       .code = "invalid_amount"},
      {.name = "order amount 1E+2", .target = "/v1/orders",
       .body = OrderWith("amount_minor", "1E+2"), .code = "invalid_amount"},
      {.name = "order amount -0.0", .target = "/v1/orders",
       .body = OrderWith("amount_minor", "-0.0"), .code = "invalid_amount"},
      {.name = "order amount string", .target = "/v1/orders",
       .body = OrderWith("amount_minor", R"("100")"), .code = "invalid_amount"},
      {.name = "order amount boolean", .target = "/v1/orders",
       .body = OrderWith("amount_minor", "true"), .code = "invalid_amount"},
      {.name = "order amount array", .target = "/v1/orders",
       .body = OrderWith("amount_minor", "[100]"), .code = "invalid_amount"},
      {.name = "order amount null", .target = "/v1/orders", .body = OrderWith("amount_minor", "null"),
       .code = "missing_field"},
      {.name = "order amount missing", .target = "/v1/orders", .body = OrderWith("amount_minor", ""),
       .code = "missing_field"},
      {.name = "order for an unknown customer", .target = "/v1/orders",
       .body = OrderWith("customer_id", R"("NOPE")"), .status = 404,
       .code = "customer_not_found"},
      {.name = "order in another currency", .target = "/v1/orders",
       .body = OrderWith("currency", R"("USD")"), .status = 422, .code = "fx_rate_not_found"},
      {.name = "order id with a slash", .target = "/v1/orders",
       .body = OrderWith("order_id", R"("O/9")"), .code = "invalid_id"},
      {.name = "existing order id", .target = "/v1/orders", .body = OrderWith("order_id", R"("O1")"),
       .status = 409, .code = "duplicate_id"},
      {.name = "order expiry not a timestamp", .target = "/v1/orders",
       .body = OrderWith("expires_at", R"("soon")"), .code = "invalid_date"},
      {.name = "limit change negative", .method = "PUT", .target = "/v1/customers/C1/limit",
       .body = R"({"currency":"CNY","limit_minor":-5})", .code = "invalid_amount"},
      {.name = "limit change past int64", .method = "PUT", .target = "/v1/customers/C1/limit",
       .body = R"({"currency":"CNY","limit_minor":)" + kMaxPlusOne + "}",
       .code = "invalid_amount"},
      {.name = "payment negative", .target = "/v1/payments",
       .body = R"({"payment_id":"P1","customer_id":"C1","amount_minor":-1,"currency":"CNY",)"
               R"("received_on":"2026-11-01"})",
       .code = "invalid_amount"},
      {.name = "invoice amount fraction", .target = "/v1/invoices",
       .body = R"({"invoice_id":"I1","customer_id":"C1","amount_minor":10.25,"currency":"CNY",)"
               R"("issued_on":"2026-11-01"})",
       .code = "invalid_amount"},
      // --- Paths, routes and methods -----------------------------------------------------------
      {.name = "unknown route", .method = "GET", .target = "/v1/nope", .status = 404,
       .code = "not_found", .key = ""},
      {.name = "unknown sub-route", .method = "GET", .target = "/v1/customers/C1/nope",
       .status = 404, .code = "not_found", .key = ""},
      {.name = "double slash", .method = "GET", .target = "/v1//customers", .status = 404,
       .code = "not_found", .key = ""},
      {.name = "upper-case version", .method = "GET", .target = "/V1/customers", .status = 404,
       .code = "not_found", .key = ""},
      {.name = "trailing slash", .method = "GET", .target = "/v1/customers/", .status = 404,
       .code = "not_found", .key = ""},
      {.name = "wrong method", .method = "DELETE", .target = "/v1/customers", .status = 405,
       .code = "method_not_allowed"},
      {.name = "PUT on orders", .method = "PUT", .target = "/v1/orders", .status = 405,
       .code = "method_not_allowed"},
      {.name = "unknown method", .method = "PURGE", .target = "/v1/customers", .status = 405,
       .code = "method_not_allowed"},
      {.name = "encoded slash in a path id", .method = "GET", .target = "/v1/customers/a%2Fb",
       .code = "invalid_id", .key = ""},
      {.name = "encoded dot-dot in a path id", .method = "GET",
       .target = "/v1/customers/..%2F..%2Fetc%2Fpasswd", .code = "invalid_id", .key = ""},
      {.name = "encoded NUL in a path id", .method = "GET", .target = "/v1/customers/a%00b",
       .code = "invalid_id", .key = ""},
      {.name = "bad escape in a path id", .method = "GET", .target = "/v1/customers/%ZZ",
       .code = "invalid_id", .key = ""},
      {.name = "65-byte path id", .method = "GET", .target = "/v1/customers/" + kId65,
       .code = "invalid_id", .key = ""},
      {.name = "path id with a space", .method = "PATCH", .target = "/v1/customers/a%20b",
       .body = R"({"name":"X"})", .code = "invalid_id"},
      {.name = "page size not a number", .method = "GET", .target = "/v1/customers?limit=abc",
       .code = "invalid_argument", .key = ""},
      {.name = "page size past int64", .method = "GET",
       .target = "/v1/customers?limit=99999999999999999999", .code = "invalid_argument",
       .key = ""},
      {.name = "page size negative", .method = "GET", .target = "/v1/customers?limit=-1",
       .code = "invalid_argument", .key = ""},
      {.name = "page size zero", .method = "GET", .target = "/v1/customers?limit=0",
       .code = "invalid_argument", .key = ""},
      {.name = "page size over the maximum", .method = "GET", .target = "/v1/customers?limit=501",
       .code = "invalid_argument", .key = ""},
      // --- Authentication and roles ------------------------------------------------------------
      {.name = "no token", .status = 401, .code = "unauthenticated", .role = ""},
      {.name = "unknown token", .status = 401, .code = "unauthenticated",
       .role = "Bearer 0123456789abcdef"},
      {.name = "basic auth", .status = 401, .code = "unauthenticated",
       .role = "Basic YWRtaW46YWRtaW4="},
      {.name = "bearer without a token", .status = 401, .code = "unauthenticated",
       .role = "Bearer "},
      {.name = "viewer creates a customer", .body = CustomerWith("name", R"("N")"), .status = 403,
       .code = "forbidden", .role = "viewer"},
      // --- Content types -----------------------------------------------------------------------
      {.name = "text/plain body", .body = CustomerWith("name", R"("N")"), .status = 415,
       .code = "unsupported_media_type", .content_type = "text/plain"},
      {.name = "no Content-Type", .body = CustomerWith("name", R"("N")"), .status = 415,
       .code = "unsupported_media_type", .content_type = ""},
      {.name = "application/xml", .body = "<customer/>", .status = 415,
       .code = "unsupported_media_type", .content_type = "application/xml"},
      {.name = "application/jsonx", .body = CustomerWith("name", R"("N")"), .status = 415,
       .code = "unsupported_media_type", .content_type = "application/jsonx"},
      {.name = "text/csv outside imports", .body = "customer_id\nC9\n", .status = 415,
       .code = "unsupported_media_type", .content_type = "text/csv"},
      {.name = "form encoding", .body = "customer_id=C9", .status = 415,
       .code = "unsupported_media_type", .content_type = "application/x-www-form-urlencoded"},
      // --- Idempotency keys --------------------------------------------------------------------
      {.name = "no Idempotency-Key", .body = CustomerWith("name", R"("N")"),
       .code = "missing_idempotency_key", .key = ""},
      {.name = "Idempotency-Key with a space", .body = CustomerWith("name", R"("N")"),
       .code = "invalid_argument", .key = "a b"},
      {.name = "Idempotency-Key with a slash", .body = CustomerWith("name", R"("N")"),
       .code = "invalid_argument", .key = "a/b"},
      {.name = "101-byte Idempotency-Key", .body = CustomerWith("name", R"("N")"),
       .code = "invalid_argument", .key = std::string(101, 'k')},
      {.name = "non-ASCII Idempotency-Key", .body = CustomerWith("name", R"("N")"),
       .code = "invalid_argument", .key = "\xE9\x94\xAE"},
      {.name = "reused Idempotency-Key", .body = CustomerWith("name", R"("N")"), .status = 409,
       .code = "idempotency_conflict", .key = kSetupKey},
      // --- Batches -----------------------------------------------------------------------------
      {.name = "batch without commands", .target = "/v1/batch", .body = "{}",
       .code = "missing_field"},
      {.name = "batch commands not an array", .target = "/v1/batch", .body = R"({"commands":{}})",
       .code = "missing_field"},
      {.name = "batch of 1001 commands", .target = "/v1/batch",
       .body = [] {
         std::string body = R"({"commands":[)";
         for (int i = 0; i < 1001; ++i) body += (i ? "," : "") + std::string("{}");
         return body + "]}";
       }(),
       .code = "invalid_argument"},
      // --- HTTP messages -----------------------------------------------------------------------
      {.name = "body over 1 MiB", .body = CustomerWith("name", "\"" + std::string(1 << 20, 'n') + "\""),
       .status = 413, .code = "payload_too_large"},
      {.name = "Content-Length over 1 MiB (none of it sent)", .status = 413,
       .code = "payload_too_large",
       .raw = "POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              "Content-Length: 2097152\r\n\r\n"},
      {.name = "headers over 16 KiB", .method = "GET", .target = "/v1/customers", .status = 431,
       .code = "headers_too_large", .key = "",
       .extra = {{"X-Padding", std::string(17 << 10, 'p')}}},
      {.name = "one header line over 16 KiB", .status = 431, .code = "headers_too_large",
       .raw = RawRequest("GET /v1/customers HTTP/1.1",
                         "Authorization: Bearer " + std::string(20 << 10, 'a') + "\r\n")},
      {.name = "garbage request line", .code = "malformed_request",
       .raw = "NOT HTTP AT ALL\r\n\r\n"},
      {.name = "missing HTTP version", .code = "malformed_request",
       .raw = "GET /v1/customers\r\n\r\n"},
      {.name = "bad HTTP version", .code = "malformed_request",
       .raw = "GET /v1/customers HTTP/9.Z\r\nHost: x\r\n\r\n"},
      {.name = "header without a colon", .code = "malformed_request",
       .raw = "GET /v1/customers HTTP/1.1\r\nHost x\r\n\r\n"},
      {.name = "NUL in a header value", .code = "malformed_request",
       .raw = std::string("GET /v1/customers HTTP/1.1\r\nHost: a") + '\0' + "b\r\n\r\n"},
      {.name = "bad Content-Length", .code = "malformed_request",
       .raw = "POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"},
      {.name = "two Content-Lengths", .code = "malformed_request",
       .raw = "POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
              "Content-Length: 3\r\n\r\n{}"},
      {.name = "bad chunk size", .code = "malformed_request",
       .raw = "POST /v1/customers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
              "zz\r\n{}\r\n0\r\n\r\n"},
      {.name = "space in the target", .code = "malformed_request",
       .raw = "GET /v1/cust omers HTTP/1.1\r\nHost: x\r\n\r\n"},
  };
  return cases;
}

TEST_F(HostileInputTest, EveryHostileRequestIsRefusedPreciselyAndChangesNothing) {
  std::vector<HostileCase> cases = Catalogue();
  ASSERT_GE(cases.size(), 100u);
  auto [hash, seq] = HashAndSeq();
  ASSERT_GT(seq, 0u);
  for (const HostileCase& c : cases) {
    SCOPED_TRACE(c.name);
    Response response = Run(c);
    EXPECT_TRUE(IsError(response, c.status, c.code)) << c.name;
    auto [hash_after, seq_after] = HashAndSeq();
    EXPECT_EQ(hash_after, hash) << c.name;
    EXPECT_EQ(seq_after, seq) << c.name;
  }
  // The server still serves ordinary requests.
  Response customer = Get("/v1/customers/C1");
  EXPECT_EQ(customer.status, 200u) << customer.body;
}

// The answers the server writes itself, before any route (malformed messages, oversized
// headers and bodies), carry the same security headers as the API's own answers.
TEST_F(HostileInputTest, ServerWrittenErrorsCarryTheSecurityHeaders) {
  const std::vector<std::pair<std::string, unsigned>> requests = {
      {"NOT HTTP AT ALL\r\n\r\n", 400},
      {RawRequest("GET /v1/customers HTTP/1.1",
                  "X-Padding: " + std::string(20 << 10, 'p') + "\r\n"),
       431},
      {"POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n", 413},
  };
  for (const auto& [raw, status] : requests) {
    SCOPED_TRACE(status);
    Fd fd = Connect(server_->port());
    ASSERT_GE(fd.get(), 0);
    ASSERT_TRUE(SendAll(fd.get(), raw));
    std::string text = ReadResponse(fd.get());
    EXPECT_EQ(ParseRaw(text).status, status) << text;
    std::string head = Lower(text.substr(0, text.find("\r\n\r\n") + 2));
    for (const char* header :
         {"cache-control: no-store\r\n",
          "content-security-policy: default-src 'none'; frame-ancestors 'none'\r\n",
          "x-content-type-options: nosniff\r\n", "x-frame-options: deny\r\n",
          "referrer-policy: no-referrer\r\n"}) {
      EXPECT_NE(head.find(header), std::string::npos) << header << " missing in:\n" << head;
    }
  }
}

// Raises the soft descriptor limit towards `wanted`; returns what it is now.
rlim_t RaiseDescriptorLimit(rlim_t wanted) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

TEST_F(HostileInputTest, SlowHeaderSendersAreCutOffWhileOthersAreServed) {
  ServerLimits limits;
  limits.header_timeout_seconds = 1;
  RestartServer(limits);
  constexpr int kSlowClients = 4;
  std::atomic<int> cut_off{0};
  std::vector<std::thread> slow;
  Clock::time_point start = Clock::now();
  for (int i = 0; i < kSlowClients; ++i) {
    slow.emplace_back([&] {
      Fd fd = Connect(server_->port());
      ASSERT_GE(fd.get(), 0);
      // One byte every 100 ms: the headers would take about 6 s, far past the 1 s allowed.
      std::string request = "GET /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " +
                            std::string(20, 's') + "\r\n\r\n";
      for (char c : request) {
        if (!SendAll(fd.get(), std::string_view(&c, 1))) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        char probe;
        ssize_t got = recv(fd.get(), &probe, 1, MSG_DONTWAIT);
        if (got == 0) break;  // The server closed the connection.
      }
      // The server must have closed without answering.
      EXPECT_EQ(ReadResponse(fd.get()), "");
      cut_off.fetch_add(1);
    });
  }
  // Meanwhile every ordinary request is answered at once.
  int served = 0;
  while (cut_off.load() < kSlowClients && Clock::now() - start < std::chrono::seconds(10)) {
    Clock::time_point asked = Clock::now();
    Response customer = Get("/v1/customers/C1");
    EXPECT_EQ(customer.status, 200u) << customer.body;
    // Generous for a loaded test machine; a server stuck behind the slow senders would not
    // answer until they are cut off.
    EXPECT_LT(Clock::now() - asked, std::chrono::seconds(2));
    ++served;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (std::thread& thread : slow) thread.join();
  EXPECT_EQ(cut_off.load(), kSlowClients);
  // Their headers would have been complete after about 6 s.
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(5'500));
  EXPECT_GE(served, 3);
}

TEST_F(HostileInputTest, ThousandsOfIdleConnectionsDoNotStopTheServer) {
  // Each connection costs two descriptors in this process (client and server side).
  constexpr size_t kIdle = 2'000;
  if (RaiseDescriptorLimit(2 * kIdle + 200) < 2 * kIdle + 200) {
    GTEST_SKIP() << "RLIMIT_NOFILE is too low for this test";
  }
  std::vector<Fd> idle;
  for (size_t i = 0; i < kIdle; ++i) {
    idle.push_back(Connect(server_->port()));
    ASSERT_GE(idle.back().get(), 0) << i;
  }
  for (int i = 0; i < 50 && server_->open_connections() < kIdle; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(server_->open_connections(), kIdle);
  Response customer = Get("/v1/customers/C1");
  EXPECT_EQ(customer.status, 200u) << customer.body;
  Response order = Post("/v1/orders", R"({"order_id":"O2","customer_id":"C1","amount_minor":5,)"
                                      R"("currency":"CNY"})");
  EXPECT_EQ(order.status, 200u) << order.body;
}

TEST_F(HostileInputTest, ConnectionsPastTheCapAreRefusedWith503AndServedAgainLater) {
  ServerLimits limits;
  limits.connections_max = 50;
  RestartServer(limits);
  client_.reset();  // The fixture's own connection would count.
  std::vector<Fd> idle;
  for (size_t i = 0; i < limits.connections_max; ++i) {
    idle.push_back(Connect(server_->port()));
    ASSERT_GE(idle.back().get(), 0);
  }
  for (int i = 0; i < 200 && server_->open_connections() < limits.connections_max; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(server_->open_connections(), limits.connections_max);
  for (int i = 0; i < 5; ++i) {
    Fd extra = Connect(server_->port());
    ASSERT_GE(extra.get(), 0);
    SendAll(extra.get(), RawRequest("GET /healthz HTTP/1.1", ""));
    std::string text = ReadResponse(extra.get());
    EXPECT_TRUE(IsError(ParseRaw(text), 503, "overloaded"));
    EXPECT_NE(Lower(text).find("retry-after: 1"), std::string::npos) << text;
  }
  idle.clear();
  for (int i = 0; i < 50 && server_->open_connections() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  client_ = std::make_unique<HttpClient>(server_->port());
  Response customer = Get("/v1/customers/C1");
  EXPECT_EQ(customer.status, 200u) << customer.body;
}

TEST_F(HostileInputTest, AFloodIsShedWith503AndTheServerRecovers) {
  ServerLimits limits;
  limits.requests_in_flight_max = 8;
  RestartServer(limits);
  // The engine is held busy so that requests pile up in flight, as under a real flood.
  std::latch release(1);
  std::promise<void> blocked;
  ASSERT_TRUE(engine_->Submit([&](service::EngineContext&) {
    blocked.set_value();
    release.wait();
    return [](bool) {};
  }));
  blocked.get_future().wait();
  constexpr int kFlood = 40;
  std::atomic<int> shed{0}, served{0}, other{0};
  std::vector<std::thread> flood;
  for (int i = 0; i < kFlood; ++i) {
    flood.emplace_back([&] {
      HttpClient client(server_->port());
      Response response = client.Send("GET", "/v1/customers/C1", "",
                                       {{"Authorization", "Bearer " + viewer_}});
      if (IsError(response, 503, "overloaded") && response.Header("Retry-After") == "1") {
        shed.fetch_add(1);
      } else if (response.status == 200) {
        served.fetch_add(1);
      } else {
        other.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 200 && shed.load() < kFlood - 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(shed.load(), kFlood - 8);
  EXPECT_EQ(server_->requests_in_flight(), 8u);
  release.count_down();
  for (std::thread& thread : flood) thread.join();
  EXPECT_EQ(served.load(), 8);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(server_->requests_in_flight(), 0u);
  // Afterwards the server serves normally again.
  for (int i = 0; i < 20; ++i) {
    Response customer = Get("/v1/customers/C1");
    EXPECT_EQ(customer.status, 200u) << customer.body;
  }
}

}  // namespace
}  // namespace creditline::http
