// Tests for the OpenAPI document served at GET /openapi.json.
//
// The routes registered in handlers_*.cpp are the source of truth. These tests check that the
// document describes exactly those routes (paths, methods, roles, security, Idempotency-Key,
// path parameters, batch ops), that every $ref resolves, and then drive every route once
// through a running engine and validate each real response (status and body) against the
// schema the document gives for it, so the document and the code cannot drift apart.
#include "http/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "http/api.hpp"
#include "http/handlers.hpp"
#include "service/calendar.hpp"
#include "service/engine.hpp"
#include "service/tokens.hpp"
#include "service/webhooks.hpp"

namespace creditline::http {
namespace {

namespace json = boost::json;

const json::value& Document() {
  static const json::value document = json::parse(OpenApiDocument());
  return document;
}

std::string Lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

std::string Str(const json::value& value) { return std::string(value.as_string()); }

// Resolves a local JSON pointer ("#/components/schemas/Error"); null when it does not resolve.
const json::value* Resolve(std::string_view ref) {
  if (ref.substr(0, 2) != "#/") return nullptr;
  const json::value* at = &Document();
  std::string_view rest = ref.substr(2);
  while (at != nullptr) {
    size_t slash = rest.find('/');
    std::string token(rest.substr(0, slash));
    for (size_t i = 0; (i = token.find('~', i)) != std::string::npos; ++i) {
      token.replace(i, 2, token.compare(i, 2, "~1") == 0 ? "/" : "~");
    }
    at = at->is_object() ? at->as_object().if_contains(token) : nullptr;
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return at;
}

// Follows $refs until a value that is not one.
const json::value& Deref(const json::value& value) {
  const json::value* at = &value;
  for (int hops = 0; hops < 16 && at->is_object() && at->as_object().contains("$ref"); ++hops) {
    const json::value* next = Resolve(at->as_object().at("$ref").as_string());
    if (next == nullptr) break;
    at = next;
  }
  return *at;
}

const json::object& Paths() { return Document().at("paths").as_object(); }

const json::object* FindOperation(const std::string& method, const std::string& pattern) {
  const json::value* item = Paths().if_contains(pattern);
  if (item == nullptr) return nullptr;
  const json::value* operation = item->as_object().if_contains(Lowercase(method));
  return operation == nullptr ? nullptr : &operation->as_object();
}

std::vector<json::object> ParametersOf(const json::object& operation) {
  std::vector<json::object> out;
  if (const json::value* parameters = operation.if_contains("parameters")) {
    for (const json::value& parameter : parameters->as_array()) {
      out.push_back(Deref(parameter).as_object());
    }
  }
  return out;
}

std::vector<std::string> PathParameterNames(const std::string& pattern) {
  std::vector<std::string> names;
  for (size_t open = pattern.find('{'); open != std::string::npos;
       open = pattern.find('{', open + 1)) {
    names.push_back(pattern.substr(open + 1, pattern.find('}', open) - open - 1));
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// A small JSON Schema validator: the keywords the document uses. In strict mode (responses), an
// object property the schema does not declare is an error too, so a field added to a render
// function without documenting it fails the tests.

class Validator {
 public:
  std::vector<std::string> errors;

  void Check(const json::value& schema, const json::value& instance, const std::string& where,
             bool strict, const std::set<std::string>& also_declared = {}) {
    const json::object& s = Deref(schema).as_object();
    if (const json::value* type = s.if_contains("type");
        type != nullptr && !Typed(*type, instance)) {
      return Fail(where, "is " + json::serialize(instance) + ", not " + json::serialize(*type));
    }
    if (const json::value* values = s.if_contains("enum")) {
      bool found = false;
      for (const json::value& value : values->as_array()) found = found || value == instance;
      if (!found) Fail(where, json::serialize(instance) + " is not in the enum");
    }
    if (const json::value* value = s.if_contains("const"); value != nullptr && *value != instance) {
      Fail(where, json::serialize(instance) + " is not " + json::serialize(*value));
    }
    if (instance.is_string()) CheckString(s, Str(instance), where);
    if (instance.is_int64()) {
      int64_t n = instance.as_int64();
      if (const json::value* minimum = s.if_contains("minimum");
          minimum && n < minimum->to_number<int64_t>()) {
        Fail(where, "is below the minimum");
      }
      if (const json::value* maximum = s.if_contains("maximum");
          maximum && n > maximum->to_number<int64_t>()) {
        Fail(where, "is above the maximum");
      }
    }
    if (instance.is_object()) CheckObject(s, instance.as_object(), where, strict, also_declared);
    if (instance.is_array()) {
      if (const json::value* items = s.if_contains("items")) {
        const json::array& array = instance.as_array();
        for (size_t i = 0; i < array.size(); ++i) {
          Check(*items, array[i], where + "[" + std::to_string(i) + "]", strict);
        }
      }
    }
    if (const json::value* all = s.if_contains("allOf")) {
      std::set<std::string> declared = also_declared;
      for (const json::value& branch : all->as_array()) AddDeclared(Deref(branch), &declared);
      AddDeclared(s, &declared);
      for (const json::value& branch : all->as_array()) {
        Check(branch, instance, where, strict, declared);
      }
    }
    if (const json::value* one = s.if_contains("oneOf")) {
      int matches = 0;
      for (const json::value& branch : one->as_array()) {
        Validator trial;
        trial.Check(branch, instance, where, strict, also_declared);
        matches += trial.errors.empty() ? 1 : 0;
      }
      if (matches != 1) Fail(where, "matches " + std::to_string(matches) + " oneOf branches");
    }
    if (const json::value* condition = s.if_contains("if")) {
      Validator trial;
      trial.Check(*condition, instance, where, false);
      if (trial.errors.empty() && s.contains("then")) {
        Check(s.at("then"), instance, where, strict, also_declared);
      }
    }
  }

 private:
  void Fail(const std::string& where, const std::string& message) {
    errors.push_back(where + " " + message);
  }

  static bool Typed(const json::value& type, const json::value& instance) {
    if (type.is_array()) {
      for (const json::value& one : type.as_array()) {
        if (Typed(one, instance)) return true;
      }
      return false;
    }
    std::string name = Str(type);
    if (name == "integer") return instance.is_int64() || instance.is_uint64();
    if (name == "number") return instance.is_number();
    if (name == "string") return instance.is_string();
    if (name == "boolean") return instance.is_bool();
    if (name == "null") return instance.is_null();
    if (name == "array") return instance.is_array();
    if (name == "object") return instance.is_object();
    return false;
  }

  void CheckString(const json::object& s, const std::string& text, const std::string& where) {
    if (const json::value* pattern = s.if_contains("pattern")) {
      if (!std::regex_search(text, std::regex(Str(*pattern)))) {
        Fail(where, "'" + text + "' does not match " + Str(*pattern));
      }
    }
    if (const json::value* format = s.if_contains("format")) {
      static const std::regex kDate("^\\d{4}-\\d{2}-\\d{2}$");
      static const std::regex kDateTime(
          "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$");
      if (*format == "date" && !std::regex_match(text, kDate)) Fail(where, "is not a date");
      if (*format == "date-time" && !std::regex_match(text, kDateTime)) {
        Fail(where, "is not a date-time");
      }
    }
  }

  static void AddDeclared(const json::value& schema, std::set<std::string>* declared) {
    if (!schema.is_object()) return;
    if (const json::value* properties = schema.as_object().if_contains("properties")) {
      for (const auto& [key, value] : properties->as_object()) declared->insert(std::string(key));
    }
  }

  void CheckObject(const json::object& s, const json::object& instance, const std::string& where,
                   bool strict, const std::set<std::string>& also_declared) {
    if (const json::value* required = s.if_contains("required")) {
      for (const json::value& name : required->as_array()) {
        if (!instance.contains(name.as_string())) Fail(where, "lacks " + Str(name));
      }
    }
    if (const json::value* dependent = s.if_contains("dependentRequired")) {
      for (const auto& [key, names] : dependent->as_object()) {
        if (!instance.contains(key)) continue;
        for (const json::value& name : names.as_array()) {
          if (!instance.contains(name.as_string())) {
            Fail(where, std::string(key) + " needs " + Str(name));
          }
        }
      }
    }
    const json::value* properties = s.if_contains("properties");
    if (properties == nullptr) return;
    bool closed = s.contains("additionalProperties") && s.at("additionalProperties") == false;
    for (const auto& [key, value] : instance) {
      std::string name(key);
      if (const json::value* property = properties->as_object().if_contains(key)) {
        Check(*property, value, where + "." + name, strict);
      } else if (closed) {
        Fail(where, "has the undeclared field " + name + " (additionalProperties: false)");
      } else if (strict && !also_declared.contains(name)) {
        Fail(where, "has the undocumented field " + name);
      }
    }
  }
};

// ---------------------------------------------------------------------------------------------
// The document against the registered routes.

class OpenApiTest : public testing::Test {
 protected:
  void SetUp() override {
    char directory[] = "/tmp/creditline-openapi-test-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    data_dir_ = directory;
    Result<service::NewToken> admin =
        service::TokenStore::Initialize(data_dir_, service::SystemNowMs());
    ASSERT_TRUE(admin.ok()) << admin.error().message;
    admin_token_ = admin->secret;
    Result<std::unique_ptr<service::TokenStore>> tokens = service::TokenStore::Open(data_dir_);
    ASSERT_TRUE(tokens.ok()) << tokens.error().message;
    tokens_ = std::move(*tokens);
    Result<service::BusinessCalendar> calendar = service::BusinessCalendar::ForZone("UTC");
    ASSERT_TRUE(calendar.ok());
    engine_ = std::make_unique<service::Engine>(*calendar);
    Result<std::unique_ptr<service::UserStore>> users = service::UserStore::Open(data_dir_);
    ASSERT_TRUE(users.ok()) << users.error().message;
    users_ = std::move(*users);
    ASSERT_TRUE(users_->Create("ops", service::Role::kCreditManager, "ops-password", 0).ok());
    ConsoleOptions console;
    console.users = users_.get();
    api_ = std::make_unique<Api>(*engine_, *tokens_, std::move(console));
  }

  void TearDown() override {
    api_.reset();
    engine_.reset();
    tokens_.reset();
    if (!data_dir_.empty()) std::filesystem::remove_all(data_dir_);
  }

  const Route* FindRoute(const std::string& method, const std::string& pattern) const {
    for (const auto& route : api_->routes()) {
      if (route->method == method && route->pattern == pattern) return route.get();
    }
    return nullptr;
  }

  std::string data_dir_;
  std::string admin_token_;
  std::unique_ptr<service::TokenStore> tokens_;
  std::unique_ptr<service::UserStore> users_;
  std::unique_ptr<service::Engine> engine_;
  std::unique_ptr<Api> api_;
};

TEST_F(OpenApiTest, IsOpenApi310) {
  ASSERT_TRUE(Document().is_object());
  EXPECT_EQ(Document().at("openapi"), "3.1.0");
  EXPECT_EQ(Document().at("info").at("title"), "Creditline API");
  EXPECT_TRUE(Document().at("info").as_object().contains("version"));
  EXPECT_FALSE(Paths().empty());
  for (const char* name : {"AccountView", "Decision", "Order", "Invoice", "Group", "Policy",
                           "Error", "Event", "Token"}) {
    EXPECT_TRUE(Document().at("components").at("schemas").as_object().contains(name)) << name;
  }
}

TEST_F(OpenApiTest, EveryRouteIsDocumented) {
  ASSERT_FALSE(api_->routes().empty());
  for (const auto& route : api_->routes()) {
    EXPECT_NE(FindOperation(route->method, route->pattern), nullptr)
        << route->method << " " << route->pattern << " is registered but not documented";
  }
}

TEST_F(OpenApiTest, EveryDocumentedOperationIsARoute) {
  size_t operations = 0;
  for (const auto& [path, item] : Paths()) {
    for (const auto& [method, operation] : item.as_object()) {
      std::string upper(method);
      for (char& c : upper) c = static_cast<char>(c - 'a' + 'A');
      EXPECT_NE(FindRoute(upper, std::string(path)), nullptr)
          << upper << " " << path << " is documented but not registered";
      ++operations;
    }
  }
  EXPECT_EQ(operations, api_->routes().size());
}

TEST_F(OpenApiTest, RolesAndSecurityMatchRoutes) {
  for (const auto& route : api_->routes()) {
    const json::object* operation = FindOperation(route->method, route->pattern);
    if (operation == nullptr) continue;  // Reported by EveryRouteIsDocumented.
    SCOPED_TRACE(route->method + " " + route->pattern);
    std::string role = route->authenticated ? std::string(service::NameOf(route->role)) : "none";
    EXPECT_EQ(operation->at("x-required-role"), role.c_str());
    std::string named = route->authenticated ? "`" + role + "`" : "No authentication";
    EXPECT_NE(Str(operation->at("description")).find(named), std::string::npos);
    const json::array& security = operation->at("security").as_array();
    if (route->authenticated) {
      ASSERT_EQ(security.size(), 1u);
      EXPECT_TRUE(security[0].as_object().contains("bearer"));
      EXPECT_TRUE(operation->at("responses").as_object().contains("401"));
      if (route->role > service::Role::kViewer) {
        EXPECT_TRUE(operation->at("responses").as_object().contains("403"));
      }
    } else {
      EXPECT_TRUE(security.empty());
    }
  }
  EXPECT_TRUE(Document().at("components").at("securitySchemes").at("bearer").at("scheme") ==
              "bearer");
}

TEST_F(OpenApiTest, IdempotencyKeyHeaderMatchesRoutes) {
  size_t with_key = 0;
  for (const auto& route : api_->routes()) {
    const json::object* operation = FindOperation(route->method, route->pattern);
    if (operation == nullptr) continue;
    SCOPED_TRACE(route->method + " " + route->pattern);
    std::optional<json::object> header;
    for (const json::object& parameter : ParametersOf(*operation)) {
      if (parameter.at("in") == "header" && parameter.at("name") == "Idempotency-Key") {
        header = parameter;
      }
    }
    EXPECT_EQ(header.has_value(), route->needs_idempotency_key);
    if (header) {
      ++with_key;
      EXPECT_EQ(header->at("required"), true);
      EXPECT_TRUE(operation->at("responses").as_object().contains("400"));
    }
  }
  EXPECT_GT(with_key, 20u);
}

TEST_F(OpenApiTest, PathParametersMatchPatterns) {
  for (const auto& route : api_->routes()) {
    const json::object* operation = FindOperation(route->method, route->pattern);
    if (operation == nullptr) continue;
    SCOPED_TRACE(route->method + " " + route->pattern);
    std::vector<std::string> documented;
    for (const json::object& parameter : ParametersOf(*operation)) {
      if (parameter.at("in") != "path") continue;
      documented.push_back(Str(parameter.at("name")));
      EXPECT_EQ(parameter.at("required"), true);
    }
    EXPECT_EQ(documented, PathParameterNames(route->pattern));
  }
}

void CollectRefs(const json::value& value, std::vector<std::string>* refs) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.as_object()) {
      if (key == "$ref" && child.is_string()) refs->push_back(Str(child));
      CollectRefs(child, refs);
    }
  } else if (value.is_array()) {
    for (const json::value& child : value.as_array()) CollectRefs(child, refs);
  }
}

TEST_F(OpenApiTest, EveryRefResolves) {
  std::vector<std::string> refs;
  CollectRefs(Document(), &refs);
  EXPECT_GT(refs.size(), 100u);
  for (const std::string& ref : refs) EXPECT_NE(Resolve(ref), nullptr) << ref;
}

TEST_F(OpenApiTest, RequestBodiesAreClosedObjectsAndErrorsShareOneSchema) {
  for (const auto& route : api_->routes()) {
    const json::object* operation = FindOperation(route->method, route->pattern);
    if (operation == nullptr) continue;
    SCOPED_TRACE(route->method + " " + route->pattern);
    bool has_body = route->method == "POST" || route->method == "PUT" || route->method == "PATCH";
    ASSERT_EQ(operation->contains("requestBody"), has_body);
    if (has_body) {
      const json::object& schema =
          Deref(operation->at("requestBody").at("content").at("application/json").at("schema"))
              .as_object();
      EXPECT_EQ(schema.at("type"), "object");
      EXPECT_EQ(schema.at("additionalProperties"), false);
      EXPECT_TRUE(operation->at("responses").as_object().contains("413"));
      EXPECT_TRUE(operation->at("responses").as_object().contains("415"));
    }
    for (const auto& [status, response] : operation->at("responses").as_object()) {
      if (status.starts_with("2")) continue;
      const json::value& schema = Deref(response).at("content").at("application/json").at("schema");
      EXPECT_EQ(schema.at("$ref"), "#/components/schemas/Error") << status;
    }
  }
  const json::object& error = Deref(Document().at("components").at("schemas").at("Error"))
                                  .at("properties")
                                  .at("error")
                                  .at("properties")
                                  .as_object();
  for (const char* field : {"code", "message", "field"}) EXPECT_TRUE(error.contains(field));
}

TEST_F(OpenApiTest, BatchOpsMatchRegisteredOperations) {
  std::set<std::string> registered = {"credit_check"};  // Handled by the batch handler itself.
  for (const auto& [op, operation] : BatchOperations()) registered.insert(op);
  std::set<std::string> documented;
  const json::object& schemas = Document().at("components").at("schemas").as_object();
  for (const json::value& op : schemas.at("BatchOp").at("enum").as_array()) {
    documented.insert(Str(op));
  }
  EXPECT_EQ(documented, registered);
  // Each op's body names the fields that stand for its route's path parameters.
  for (const json::value& branch : schemas.at("BatchCommand").at("allOf").as_array()) {
    std::string op = Str(branch.at("if").at("properties").at("op").at("const"));
    const json::object& body = Deref(branch.at("then").at("properties").at("body")).as_object();
    auto found = BatchOperations().find(op);
    if (found == BatchOperations().end()) continue;
    for (const std::string& field : found->second.path_fields) {
      bool required = false;
      for (const json::value& name : body.at("required").as_array()) {
        required = required || name == field.c_str();
      }
      EXPECT_TRUE(required) << op << " needs " << field;
    }
  }
}

TEST_F(OpenApiTest, IsServedAtOpenApiJson) {
  HttpRequest request;
  request.method = "GET";
  request.target = "/openapi.json";
  std::optional<HttpResponse> answer;
  api_->Handle(request, [&answer](HttpResponse response) { answer = std::move(response); });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200u);
  EXPECT_EQ(answer->content_type, "application/json");
  EXPECT_EQ(answer->body, OpenApiDocument());
}

// The validator the exchange test relies on does catch drift.
TEST_F(OpenApiTest, ValidatorCatchesUndocumentedMissingAndMistypedFields) {
  const json::value& account_view = Document().at("components").at("schemas").at("AccountView");
  auto errors = [&](const json::value& instance, bool strict) {
    Validator check;
    check.Check(account_view, instance, "account", strict);
    return check.errors.size();
  };
  json::object view = {{"customer_id", "C1"}, {"segment", ""},
                       {"currency", "CNY"},   {"status", "active"},
                       {"grade", ""},         {"policy", "standard"},
                       {"group_id", ""},      {"payment_terms_days", 30},
                       {"review_on", nullptr}};
  for (const char* name :
       {"limit_minor", "temporary_limits_minor", "collateral_minor", "effective_limit_minor",
        "orders_open_minor", "receivables_open_minor", "unapplied_credit_minor", "exposure_minor",
        "available_minor", "utilization_bp", "overdue_minor", "oldest_days_past_due",
        "written_off_minor", "open_orders", "held_orders", "open_invoices"}) {
    view[name] = 0;
  }
  EXPECT_EQ(errors(view, true), 0u);
  json::object extra = view;
  extra["surprise"] = 1;
  EXPECT_EQ(errors(extra, false), 0u);
  EXPECT_EQ(errors(extra, true), 1u);
  json::object missing = view;
  missing.erase("exposure_minor");
  EXPECT_EQ(errors(missing, true), 1u);
  json::object mistyped = view;
  mistyped["limit_minor"] = "100";
  mistyped["status"] = "frozen";
  mistyped["review_on"] = "2026-13";
  mistyped["customer_id"] = "C 1";
  EXPECT_EQ(errors(mistyped, true), 4u);

  Validator closed;
  closed.Check(Document().at("components").at("schemas").at("SetLimitRequest"),
               json::parse(R"({"limit_minor": 1, "currency": "CNY", "limt": 2})"), "body", false);
  EXPECT_EQ(closed.errors.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Every route, driven once through a running engine; every answer checked against the document.

struct Request {
  std::string method, pattern;
  std::vector<std::string> args;  // Path parameters, in pattern order.
  std::string query;              // Without '?'.
  std::string body;
  std::optional<std::string> key;    // Default: a fresh key when the route needs one.
  std::optional<std::string> token;  // Default: the admin token.
  std::string content_type = "application/json";
};

class OpenApiExchangeTest : public OpenApiTest {
 protected:
  void SetUp() override {
    OpenApiTest::SetUp();
    engine_->Start();
  }

  // Sends the request, checks the status, and checks the answer against the document.
  json::value Exchange(Request request, unsigned expected_status, HttpResponse* raw = nullptr) {
    SCOPED_TRACE(request.method + " " + request.pattern + " " + request.body);
    const Route* route = FindRoute(request.method, request.pattern);
    EXPECT_NE(route, nullptr);
    std::string target = request.pattern;
    for (const std::string& arg : request.args) {
      size_t open = target.find('{');
      target.replace(open, target.find('}', open) - open + 1, arg);
    }
    if (!request.query.empty()) target += "?" + request.query;
    HttpRequest http;
    http.method = request.method;
    http.target = target;
    http.body = request.body;
    http.content_type = request.body.empty() ? "" : request.content_type;
    http.authorization = "Bearer " + request.token.value_or(admin_token_);
    if (request.key) {
      http.idempotency_key = *request.key;
    } else if (route != nullptr && route->needs_idempotency_key) {
      http.idempotency_key = "key-" + std::to_string(++keys_);
    }
    auto promise = std::make_shared<std::promise<HttpResponse>>();
    std::future<HttpResponse> future = promise->get_future();
    api_->Handle(http,
                 [promise](HttpResponse response) { promise->set_value(std::move(response)); });
    HttpResponse response = future.get();
    EXPECT_EQ(response.status, expected_status) << response.body;
    if (raw != nullptr) *raw = response;

    const json::object* operation = FindOperation(request.method, request.pattern);
    if (operation == nullptr) return nullptr;
    if (!request.body.empty() && response.status < 300) {
      Validator request_check;
      request_check.Check(
          operation->at("requestBody").at("content").at("application/json").at("schema"),
          json::parse(request.body), "request", false);
      for (const std::string& error : request_check.errors) ADD_FAILURE() << error;
    }
    const json::value* documented =
        operation->at("responses").as_object().if_contains(std::to_string(response.status));
    if (documented == nullptr) {
      ADD_FAILURE() << "status " << response.status << " is not documented: " << response.body;
      return nullptr;
    }
    if (response.status < 300) covered_.insert(request.method + " " + request.pattern);
    const json::object& content = Deref(*documented).at("content").as_object();
    if (!content.contains("application/json")) {
      EXPECT_TRUE(content.contains(response.content_type)) << response.content_type;
      return nullptr;
    }
    EXPECT_EQ(response.content_type, "application/json");
    json::value body = json::parse(response.body);
    Validator check;
    check.Check(content.at("application/json").at("schema"), body, "response", true);
    for (const std::string& error : check.errors) ADD_FAILURE() << error << "\n" << response.body;
    return body;
  }

  // Checks a batch result's body against the documented answer of the op's own route.
  void CheckBatchResult(const json::value& result, const std::string& method,
                        const std::string& pattern) {
    unsigned status = static_cast<unsigned>(result.at("status").as_int64());
    const json::object* operation = FindOperation(method, pattern);
    ASSERT_NE(operation, nullptr);
    const json::value* documented =
        operation->at("responses").as_object().if_contains(std::to_string(status));
    ASSERT_NE(documented, nullptr) << method << " " << pattern << " " << status;
    Validator check;
    check.Check(Deref(*documented).at("content").at("application/json").at("schema"),
                result.at("body"), "batch result", true);
    for (const std::string& error : check.errors) ADD_FAILURE() << error;
  }

  int keys_ = 0;
  std::set<std::string> covered_;
};

TEST_F(OpenApiExchangeTest, EveryRouteAnswersAsDocumented) {
  // Service and tokens.
  Exchange({.method = "GET", .pattern = "/healthz", .token = ""}, 200);
  Exchange({.method = "GET", .pattern = "/openapi.json", .token = ""}, 200);
  Exchange({.method = "GET", .pattern = "/metrics"}, 200);
  Exchange({.method = "GET", .pattern = "/v1/customers", .token = ""}, 401);
  json::value sales = Exchange(
      {.method = "POST", .pattern = "/v1/tokens", .body = R"({"role": "sales", "name": "test"})"},
      201);
  std::string sales_token = Str(sales.at("token"));
  Exchange({.method = "GET", .pattern = "/v1/tokens"}, 200);
  Exchange({.method = "GET", .pattern = "/v1/tokens", .token = sales_token}, 403);

  // Customers and accounts.
  Exchange({.method = "POST",
            .pattern = "/v1/groups",
            .body = R"({"group_id": "G1", "name": "Holding", "limit_minor": 90000000,
                        "currency": "CNY"})"},
           201);
  std::string create_customer = R"({"customer_id": "C1", "name": "Acme", "currency": "CNY",
      "limit_minor": 50000000, "tags": ["key"], "industry": "retail", "region": "east",
      "review_on": "2099-12-31", "payment_terms_days": 30, "grade": "A"})";
  HttpResponse first, replay;
  Exchange(
      {.method = "POST", .pattern = "/v1/customers", .body = create_customer, .key = "create-C1"},
      201, &first);
  Exchange(
      {.method = "POST", .pattern = "/v1/customers", .body = create_customer, .key = "create-C1"},
      201, &replay);
  EXPECT_EQ(replay.body, first.body);
  // Past the security headers every API answer carries, the replay's own header.
  auto has_header = [](const HttpResponse& response, const std::string& name) {
    for (const auto& [present, value] : response.headers) {
      if (present == name) return true;
    }
    return false;
  };
  EXPECT_TRUE(has_header(replay, "Idempotent-Replayed"));
  EXPECT_FALSE(has_header(first, "Idempotent-Replayed"));
  EXPECT_TRUE(has_header(first, "Content-Security-Policy"));
  EXPECT_TRUE(FindOperation("POST", "/v1/customers")
                  ->at("responses")
                  .at("201")
                  .at("headers")
                  .as_object()
                  .contains("Idempotent-Replayed"));
  Exchange({.method = "POST",
            .pattern = "/v1/customers",
            .body = R"({"customer_id": "C1", "name": "Again", "currency": "CNY"})"},
           409);
  Exchange({.method = "POST", .pattern = "/v1/customers", .body = create_customer, .key = ""}, 400);
  Exchange({.method = "POST",
            .pattern = "/v1/customers",
            .body = create_customer,
            .content_type = "text/plain"},
           415);
  Exchange({.method = "POST",
            .pattern = "/v1/customers",
            .body = R"({"customer_id": "C9", "name": "X", "currency": "CNY", "limt": 1})"},
           400);
  Exchange({.method = "GET", .pattern = "/v1/customers", .query = "limit=1&status=active"}, 200);
  Exchange({.method = "GET", .pattern = "/v1/customers", .query = "limit=0"}, 400);
  Exchange({.method = "GET", .pattern = "/v1/customers/{customer_id}", .args = {"C1"}}, 200);
  Exchange({.method = "GET", .pattern = "/v1/customers/{customer_id}", .args = {"nobody"}}, 404);
  Exchange({.method = "PATCH",
            .pattern = "/v1/customers/{customer_id}",
            .args = {"C1"},
            .body = R"({"name": "Acme Ltd", "review_on": null, "payment_terms_days": 45})"},
           200);
  Exchange({.method = "POST",
            .pattern = "/v1/customers/{customer_id}/accounts",
            .args = {"C1"},
            .body = R"({"segment": "EU", "currency": "CNY", "limit_minor": 1000000,
                        "status": "on_hold"})"},
           201);
  Exchange({.method = "PUT",
            .pattern = "/v1/customers/{customer_id}/limit",
            .args = {"C1"},
            .body = R"({"limit_minor": 60000000, "currency": "CNY", "reason": "review"})"},
           200);
  Exchange({.method = "PUT",
            .pattern = "/v1/customers/{customer_id}/limit",
            .args = {"C1"},
            .body = R"({"limit_minor": 60000000, "currency": "USD"})"},
           422);
  Exchange({.method = "PUT",
            .pattern = "/v1/customers/{customer_id}/limit",
            .args = {"C1"},
            .body = R"({"limit_minor": 1, "currency": "CNY"})",
            .token = sales_token},
           403);
  Exchange({.method = "POST",
            .pattern = "/v1/customers/{customer_id}/temporary-limits",
            .args = {"C1"},
            .body = R"({"temporary_limit_id": "T1", "amount_minor": 100000, "currency": "CNY",
                        "valid_from": "2000-01-01", "valid_to": "2099-12-31"})"},
           201);
  Exchange({.method = "DELETE",
            .pattern = "/v1/customers/{customer_id}/temporary-limits/{temporary_limit_id}",
            .args = {"C1", "T1"}},
           200);
  Exchange({.method = "POST",
            .pattern = "/v1/customers/{customer_id}/collateral",
            .args = {"C1"},
            .body = R"({"collateral_id": "K1", "kind": "bank_guarantee", "amount_minor": 5000,
                        "currency": "CNY", "valid_to": "2099-12-31",
                        "counts_toward_limit": false, "segment": "EU"})"},
           201);
  Exchange({.method = "DELETE",
            .pattern = "/v1/customers/{customer_id}/collateral/{collateral_id}",
            .args = {"C1", "K1"},
            .query = "segment=EU"},
           200);

  // Groups, policies, FX rates.
  Exchange({.method = "POST",
            .pattern = "/v1/groups/{group_id}/members",
            .args = {"G1"},
            .body = R"({"customer_id": "C1"})"},
           200);
  Exchange({.method = "GET", .pattern = "/v1/groups/{group_id}", .args = {"G1"}}, 200);
  Exchange({.method = "PUT",
            .pattern = "/v1/groups/{group_id}/limit",
            .args = {"G1"},
            .body = R"({"limit_minor": 95000000, "currency": "CNY"})"},
           200);
  Exchange({.method = "GET", .pattern = "/v1/policies"}, 200);
  Exchange({.method = "PUT",
            .pattern = "/v1/policies/{name}",
            .args = {"strict"},
            .body = R"({"tolerance_bp": 500, "max_order_value_minor": 100000,
                        "max_order_value_currency": "CNY", "limit_action": "reject"})"},
           200);
  Exchange({.method = "GET", .pattern = "/v1/policies/{name}", .args = {"strict"}}, 200);
  Exchange({.method = "GET", .pattern = "/v1/policies/{name}", .args = {"lenient"}}, 404);
  Exchange({.method = "PUT",
            .pattern = "/v1/fx-rates",
            .body = R"({"from": "USD", "to": "CNY", "rate": "7.1234",
                        "effective_on": "2000-01-01"})"},
           200);
  Exchange({.method = "GET", .pattern = "/v1/fx-rates"}, 200);

  // Orders, credit checks and holds.
  Exchange({.method = "POST",
            .pattern = "/v1/credit-checks",
            .body = R"({"customer_id": "C1", "amount_minor": 1000, "currency": "USD"})",
            .key = ""},
           200);
  Exchange({.method = "POST",
            .pattern = "/v1/credit-checks",
            .body = R"({"customer_id": "C1", "amount_minor": 1000, "currency": "EUR"})",
            .key = ""},
           422);
  Exchange({.method = "POST",
            .pattern = "/v1/orders",
            .body = R"({"order_id": "O1", "customer_id": "C1", "amount_minor": 1000000,
                        "currency": "CNY", "expires_at": "2099-01-01T00:00:00Z"})"},
           200);
  Exchange({.method = "GET", .pattern = "/v1/orders/{order_id}", .args = {"O1"}}, 200);
  Exchange({.method = "PATCH",
            .pattern = "/v1/orders/{order_id}",
            .args = {"O1"},
            .body = R"({"amount_minor": 2000000, "currency": "CNY"})"},
           200);
  Exchange({.method = "GET", .pattern = "/v1/customers/{customer_id}/orders", .args = {"C1"}}, 200);
  json::value held = Exchange(
      {.method = "POST", .pattern = "/v1/orders", .body = R"({"order_id": "O2", "customer_id": "C1",
                                           "amount_minor": 70000000, "currency": "CNY"})"},
      200);
  EXPECT_EQ(held.at("decision"), "held");
  Exchange({.method = "POST",
            .pattern = "/v1/orders",
            .body = R"({"order_id": "O3", "customer_id": "C1", "amount_minor": 80000000,
                        "currency": "CNY"})"},
           200);
  Exchange({.method = "GET", .pattern = "/v1/holds", .query = "limit=10"}, 200);
  Exchange({.method = "POST",
            .pattern = "/v1/holds/{order_id}/release",
            .args = {"O2"},
            .body = R"({"reason": "customer paid in advance"})"},
           200);
  Exchange({.method = "POST",
            .pattern = "/v1/holds/{order_id}/reject",
            .args = {"O3"},
            .body = R"({"reason": "too large"})"},
           200);
  Exchange({.method = "POST",
            .pattern = "/v1/holds/{order_id}/reject",
            .args = {"O2"},
            .body = R"({"reason": "no longer held"})"},
           409);

  // Receivables.
  Exchange({.method = "POST",
            .pattern = "/v1/invoices",
            .body = R"({"invoice_id": "I1", "customer_id": "C1", "order_id": "O1",
                        "amount_minor": 2000000, "currency": "CNY", "issued_on": "2020-01-01",
                        "close_order": true})"},
           201);
  Exchange({.method = "POST",
            .pattern = "/v1/invoices",
            .body = R"({"invoice_id": "I2", "customer_id": "C1", "amount_minor": 3000,
                        "currency": "USD", "issued_on": "2020-01-01",
                        "due_on": "2020-03-01"})"},
           201);
  Exchange({.method = "GET", .pattern = "/v1/customers/{customer_id}/invoices", .args = {"C1"}},
           200);
  Exchange({.method = "POST",
            .pattern = "/v1/payments",
            .body = R"({"payment_id": "P1", "customer_id": "C1", "amount_minor": 500000,
                        "currency": "CNY", "received_on": "2020-02-01"})"},
           201);
  Exchange({.method = "POST",
            .pattern = "/v1/credit-notes",
            .body = R"({"credit_note_id": "N1", "customer_id": "C1", "invoice_id": "I1",
                        "amount_minor": 1000, "currency": "CNY", "issued_on": "2020-02-01",
                        "reason": "damaged"})"},
           201);
  Exchange({.method = "POST",
            .pattern = "/v1/write-offs",
            .body = R"({"write_off_id": "W1", "invoice_id": "I1", "amount_minor": 100,
                        "currency": "CNY"})"},
           201);
  Exchange({.method = "POST",
            .pattern = "/v1/write-offs",
            .body = R"({"write_off_id": "W2", "invoice_id": "I2", "reason": "bankrupt"})"},
           201);
  Exchange({.method = "POST",
            .pattern = "/v1/orders/{order_id}/cancel",
            .args = {"O2"},
            .body = R"({"reason": "customer withdrew"})"},
           200);
  Exchange(
      {.method = "POST", .pattern = "/v1/orders/{order_id}/cancel", .args = {"O2"}, .body = "{}"},
      404);
  Exchange({.method = "DELETE",
            .pattern = "/v1/groups/{group_id}/members/{customer_id}",
            .args = {"G1", "C1"}},
           200);
  Exchange({.method = "PUT",
            .pattern = "/v1/customers/{customer_id}/status",
            .args = {"C1"},
            .body = R"({"status": "prepayment_only", "reason": "late payer"})"},
           200);

  // Batch: every result is the answer its own route documents.
  json::value batch = Exchange({.method = "POST", .pattern = "/v1/batch", .body = R"({"commands": [
           {"op": "credit_check", "body": {"customer_id": "C1", "amount_minor": 100,
                                          "currency": "CNY"}},
           {"op": "update_customer", "idempotency_key": "b-1",
            "body": {"customer_id": "C1", "region": "west"}},
           {"op": "set_status", "body": {"customer_id": "C1", "status": "active"}},
           {"op": "create_order", "body": {"order_id": "O4", "customer_id": "C1",
                                          "amount_minor": 100, "currency": "CNY"}},
           {"op": "cancel_order", "body": {"order_id": "nope"}}]})"},
                               200);
  const json::array& results = batch.at("results").as_array();
  ASSERT_EQ(results.size(), 5u);
  CheckBatchResult(results[0], "POST", "/v1/credit-checks");
  CheckBatchResult(results[1], "PATCH", "/v1/customers/{customer_id}");
  CheckBatchResult(results[2], "PUT", "/v1/customers/{customer_id}/status");
  CheckBatchResult(results[3], "POST", "/v1/orders");
  EXPECT_EQ(results[4].at("status"), 404);
  CheckBatchResult(results[4], "POST", "/v1/orders/{order_id}/cancel");

  // Credit assessment.
  Exchange({.method = "POST",
            .pattern = "/v1/customers/{customer_id}/financials",
            .args = {"C1"},
            .body = R"({"period": "2025", "currency": "CNY", "revenue_minor": 100000000,
                        "net_profit_minor": -5000, "equity_minor": 40000000,
                        "total_assets_minor": 100000000, "current_assets_minor": 30000000,
                        "current_liabilities_minor": 20000000, "external_score": 70})"},
           201);
  Exchange({.method = "GET", .pattern = "/v1/customers/{customer_id}/financials", .args = {"C1"}},
           200);
  Exchange({.method = "GET", .pattern = "/v1/customers/{customer_id}/assessment", .args = {"C1"}},
           200);
  Exchange(
      {.method = "GET", .pattern = "/v1/customers/{customer_id}/assessment", .args = {"nobody"}},
      404);
  json::value scorecard = Exchange({.method = "GET", .pattern = "/v1/scorecard"}, 200);
  scorecard.as_object().erase("name");
  Exchange({.method = "PUT", .pattern = "/v1/scorecard", .body = json::serialize(scorecard)}, 200);
  Exchange({.method = "PUT", .pattern = "/v1/scorecard", .body = R"({"factors": []})"}, 400);
  Exchange({.method = "GET", .pattern = "/v1/assessment-policy"}, 200);
  Exchange({.method = "PUT",
            .pattern = "/v1/assessment-policy",
            .body = R"({"review": {"lower": "request"}, "recovery": {"missed_action": "block"}})"},
           200);
  Exchange({.method = "POST",
            .pattern = "/v1/limit-requests",
            .body = R"({"request_id": "LR1", "customer_id": "C1", "amount_minor": 1000000,
                        "currency": "CNY", "expires_on": "2099-01-31", "reason": "season"})",
            .token = sales_token},
           201);
  Exchange({.method = "GET", .pattern = "/v1/limit-requests", .query = "status=pending"}, 200);
  Exchange({.method = "GET", .pattern = "/v1/limit-requests/{request_id}", .args = {"LR1"}}, 200);
  Exchange({.method = "GET", .pattern = "/v1/limit-requests/{request_id}", .args = {"LR9"}}, 404);
  Exchange({.method = "POST",
            .pattern = "/v1/limit-requests/{request_id}/approve",
            .args = {"LR1"},
            .body = R"({"reason": "ok"})",
            .token = sales_token},
           403);
  Exchange({.method = "POST",
            .pattern = "/v1/limit-requests/{request_id}/approve",
            .args = {"LR1"},
            .body = R"({"reason": "ok"})"},
           200);
  Exchange({.method = "POST",
            .pattern = "/v1/limit-requests",
            .body = R"({"request_id": "LR2", "customer_id": "C1", "amount_minor": 1000000,
                        "currency": "CNY", "reason": "cut"})",
            .token = sales_token},
           201);
  // One pending request per account: a second waits for LR2's decision.
  json::value pending = Exchange({.method = "POST",
                                  .pattern = "/v1/limit-requests",
                                  .body = R"({"request_id": "LR3", "customer_id": "C1",
                                              "amount_minor": 5, "currency": "CNY",
                                              "reason": "again"})",
                                  .token = sales_token},
                                 409);
  EXPECT_EQ(pending.at("error").at("code"), "limit_request_pending");
  Exchange({.method = "POST",
            .pattern = "/v1/limit-requests/{request_id}/reject",
            .args = {"LR2"},
            .body = R"({"reason": "no"})"},
           200);
  Exchange({.method = "POST",
            .pattern = "/v1/recovery-plans",
            .body = R"({"plan_id": "RP1", "customer_id": "C1",
                        "installments": [{"due_on": "2099-01-31", "amount_minor": 1,
                                          "currency": "CNY"}]})"},
           201);
  Exchange({.method = "GET", .pattern = "/v1/recovery-plans/{plan_id}", .args = {"RP1"}}, 200);
  Exchange({.method = "GET", .pattern = "/v1/recovery-plans/{plan_id}", .args = {"RP9"}}, 404);
  Exchange({.method = "POST", .pattern = "/v1/reviews", .body = "{}", .key = ""}, 200);

  // The audit trail shows the same commands, with their actor.
  json::value audit =
      Exchange({.method = "GET", .pattern = "/v1/audit", .query = "customer_id=C1&limit=5"}, 200);
  EXPECT_EQ(audit.at("entries").as_array().size(), 5u);
  Exchange({.method = "GET", .pattern = "/v1/audit", .query = "source=admin"}, 200);
  Exchange({.method = "GET", .pattern = "/v1/audit", .query = "source=x"}, 400);
  Exchange({.method = "GET", .pattern = "/v1/audit", .token = sales_token}, 403);

  // The change feed holds every event type seen above; then the token goes.
  json::value events =
      Exchange({.method = "GET", .pattern = "/v1/events", .query = "after=0&limit=1000"}, 200);
  EXPECT_GT(events.at("events").as_array().size(), 20u);
  Exchange({.method = "DELETE",
            .pattern = "/v1/tokens/{token_id}",
            .args = {Str(sales.at("token_id"))},
            .key = ""},
           200);
  Exchange(
      {.method = "DELETE", .pattern = "/v1/tokens/{token_id}", .args = {"tok_none"}, .key = ""},
      404);
  Exchange({.method = "GET", .pattern = "/v1/holds", .token = sales_token}, 401);
  Exchange({.method = "GET", .pattern = "/healthz", .token = ""}, 200);

  // Console sessions and users.
  Exchange({.method = "POST",
            .pattern = "/v1/session",
            .body = R"({"username": "ops", "password": "ops-password"})",
            .token = ""},
           200);
  Exchange({.method = "POST",
            .pattern = "/v1/session",
            .body = R"({"username": "ops", "password": "wrong-password"})",
            .token = ""},
           401);
  Exchange(
      {.method = "POST", .pattern = "/v1/session", .body = R"({"username": "ops"})", .token = ""},
      400);
  Exchange({.method = "GET", .pattern = "/v1/session"}, 200);
  Exchange({.method = "DELETE", .pattern = "/v1/session"}, 200);
  Exchange({.method = "GET", .pattern = "/v1/users"}, 200);
  Exchange({.method = "POST",
            .pattern = "/v1/users",
            .body = R"({"username": "lin", "password": "lin-password", "role": "sales"})"},
           201);
  Exchange({.method = "POST",
            .pattern = "/v1/users",
            .body = R"({"username": "lin", "password": "lin-password", "role": "sales"})"},
           409);
  Exchange({.method = "PATCH",
            .pattern = "/v1/users/{username}",
            .args = {"lin"},
            .body = R"({"role": "analyst", "disabled": false})"},
           200);
  Exchange({.method = "PATCH",
            .pattern = "/v1/users/{username}",
            .args = {"nobody"},
            .body = R"({"disabled": true})"},
           404);
  // Monitoring, reports, export and import.
  json::value alerts =
      Exchange({.method = "GET", .pattern = "/v1/alerts", .query = "limit=5"}, 200);
  Exchange({.method = "GET", .pattern = "/v1/alerts", .query = "rule=nope"}, 400);
  ASSERT_FALSE(alerts.at("alerts").as_array().empty());
  std::string alert_id = std::to_string(alerts.at("alerts").at(0).at("alert_id").as_int64());
  Exchange({.method = "POST", .pattern = "/v1/alerts/{alert_id}/acknowledge", .args = {alert_id}},
           200);
  Exchange({.method = "POST", .pattern = "/v1/alerts/{alert_id}/acknowledge", .args = {alert_id}},
           409);
  Exchange({.method = "POST", .pattern = "/v1/alerts/{alert_id}/acknowledge", .args = {"999999"}},
           404);
  Exchange({.method = "PUT", .pattern = "/v1/alert-rules", .body = R"({"overdue_days": 20})"}, 200);
  Exchange({.method = "PUT", .pattern = "/v1/alert-rules", .body = R"({"overdue_days": -1})"}, 400);
  json::value rules = Exchange({.method = "GET", .pattern = "/v1/alert-rules"}, 200);
  EXPECT_EQ(rules.at("overdue_days"), 20);
  service::WebhookDispatcher webhooks(*engine_, "");
  Exchange({.method = "GET", .pattern = "/v1/webhooks"}, 404);
  api_->set_webhooks(&webhooks);
  Exchange({.method = "PUT",
            .pattern = "/v1/webhooks/{webhook_id}",
            .args = {"h1"},
            .body = R"({"url": "http://127.0.0.1:9/hook", "secret": "0123456789abcdef"})"},
           200);
  Exchange({.method = "PUT",
            .pattern = "/v1/webhooks/{webhook_id}",
            .args = {"h2"},
            .body = R"({"url": "ftp://x/", "secret": "0123456789abcdef"})"},
           400);
  Exchange({.method = "GET", .pattern = "/v1/webhooks"}, 200);
  Exchange({.method = "GET", .pattern = "/v1/webhook-deliveries"}, 200);
  Exchange({.method = "DELETE", .pattern = "/v1/webhooks/{webhook_id}", .args = {"h1"}}, 200);
  Exchange({.method = "DELETE", .pattern = "/v1/webhooks/{webhook_id}", .args = {"h1"}}, 404);
  for (const char* report :
       {"portfolio", "aging", "overdue", "dso", "concentration", "holds", "trend"}) {
    Exchange({.method = "GET", .pattern = "/v1/reports/{report}", .args = {report}}, 200);
  }
  Exchange({.method = "GET", .pattern = "/v1/reports/{report}", .args = {"nope"}}, 404);
  Exchange({.method = "GET",
            .pattern = "/v1/reports/{report}",
            .args = {"overdue"},
            .query = "after=yesterday"},
           400);
  Exchange({.method = "GET",
            .pattern = "/v1/reports/{report}",
            .args = {"overdue"},
            .query = "limit=1&after=2020-01-01.1"},
           200);
  // The whole overdue list as a file, read from the engine page by page.
  for (const char* format : {"csv", "xlsx"}) {
    HttpRequest http;
    http.method = "GET";
    http.target = std::string("/v1/reports/overdue?format=") + format;
    http.authorization = "Bearer " + admin_token_;
    auto promise = std::make_shared<std::promise<HttpResponse>>();
    std::future<HttpResponse> future = promise->get_future();
    api_->Handle(http, [promise](HttpResponse r) { promise->set_value(std::move(r)); });
    HttpResponse response = future.get();
    EXPECT_EQ(response.status, 200u) << response.body;
    if (std::string(format) == "csv") {
      EXPECT_EQ(response.content_type, "text/csv");
      EXPECT_TRUE(response.body.starts_with("invoice_id,customer_id,")) << response.body;
    } else {
      EXPECT_TRUE(response.body.starts_with("PK")) << "not an XLSX (zip) file";
    }
  }
  Exchange({.method = "GET",
            .pattern = "/v1/reports/{report}",
            .args = {"portfolio"},
            .query = "format=pdf"},
           400);
  Exchange({.method = "GET", .pattern = "/v1/customers/{customer_id}/statement", .args = {"C1"}},
           200);
  Exchange({.method = "GET",
            .pattern = "/v1/customers/{customer_id}/statement",
            .args = {"C1"},
            .query = "from=2026-13-01"},
           400);
  Exchange({.method = "GET", .pattern = "/v1/customers/{customer_id}/statement", .args = {"C404"}},
           404);
  Exchange({.method = "GET",
            .pattern = "/v1/customers/{customer_id}/history",
            .args = {"C1"},
            .query = "after=0&limit=5"},
           200);
  Exchange({.method = "GET",
            .pattern = "/v1/customers/{customer_id}/history",
            .args = {"C1"},
            .query = "limit=0"},
           400);
  Exchange({.method = "GET", .pattern = "/v1/customers/{customer_id}/history", .args = {"C404"}},
           404);
  Exchange({.method = "GET", .pattern = "/v1/exports/{entity}", .args = {"customers"}}, 200);
  Exchange({.method = "GET", .pattern = "/v1/exports/{entity}", .args = {"payments"}}, 400);
  Exchange({.method = "GET", .pattern = "/v1/exports/{entity}", .args = {"financials"}}, 200);
  // The import's body is the CSV file, which the JSON request check cannot read: sent directly.
  const std::string financials =
      "customer_id,period,currency,revenue,net_profit,equity,total_assets,current_assets,"
      "current_liabilities\n";
  for (auto [entity, body, status] :
       {std::tuple<std::string, std::string, unsigned>{
            "customers", "customer_id,name,currency,limit\nC77,Imported,CNY,10\n", 200},
        {"customers", "customer_id,name,currency,limit\nC78,Bad,CNY,-1\n", 422},
        {"financials", financials + "C77,2025,CNY,100,-5,20,80,40,30\n", 200},
        {"financials", financials + "C79,2025,CNY,100,-5,20,80,40,30\n", 422}}) {
    HttpRequest http;
    http.method = "POST";
    http.target = "/v1/imports?entity=" + entity;
    http.body = body;
    http.content_type = "text/csv";
    http.authorization = "Bearer " + admin_token_;
    auto promise = std::make_shared<std::promise<HttpResponse>>();
    std::future<HttpResponse> future = promise->get_future();
    api_->Handle(http, [promise](HttpResponse r) { promise->set_value(std::move(r)); });
    HttpResponse response = future.get();
    EXPECT_EQ(response.status, status) << response.body;
    if (status == 422) {
      EXPECT_NE(response.body.find("\"line\":2"), std::string::npos) << response.body;
    }
    if (response.status == 200) covered_.insert("POST /v1/imports");
  }
  api_->set_webhooks(nullptr);

  for (const auto& route : api_->routes()) {
    EXPECT_TRUE(covered_.contains(route->method + " " + route->pattern))
        << route->method << " " << route->pattern << " was not exercised";
  }
}

}  // namespace
}  // namespace creditline::http
