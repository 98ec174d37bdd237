// Writes the seed corpora of the fuzz targets into DIR/<target>/ (fuzz/corpus is its output,
// committed): journal records and snapshots from the demo portfolio, a body per command route,
// CSV files per entity and encoding, and HTTP requests. Run by hand after the formats change:
// `build-fuzz/fuzz/fuzz_make_seeds fuzz/corpus`.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/codec.hpp"
#include "fuzz_support.hpp"
#include "http/handlers.hpp"
#include "service/calendar.hpp"
#include "service/demo_portfolio.hpp"
#include "service/engine.hpp"
#include "service/tokens.hpp"

namespace creditline::fuzz {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

// Realistic bodies for the common command routes; every other route gets "{}".
const std::map<std::string, std::vector<std::string>>& Bodies() {
  static const std::map<std::string, std::vector<std::string>> bodies = {
      {"POST /v1/customers",
       {R"({"customer_id":"C9","name":"Nine","currency":"CNY","limit_minor":100000,)"
        R"("payment_terms_days":30,"grade":"A","tags":["steel"],"review_on":"2027-01-01"})"}},
      {"PATCH /v1/customers/{customer_id}", {R"({"name":"New","grade":"B","review_on":null})"}},
      {"PUT /v1/customers/{customer_id}/limit",
       {R"({"currency":"CNY","limit_minor":5000000,"reason":"review"})"}},
      {"POST /v1/orders",
       {R"({"order_id":"O9","customer_id":"C1","amount_minor":1000,"currency":"CNY",)"
        R"("expires_at":"2026-12-01T00:00:00Z"})"}},
      {"PATCH /v1/orders/{order_id}", {R"({"amount_minor":500,"currency":"CNY"})"}},
      {"POST /v1/invoices",
       {R"({"invoice_id":"I9","customer_id":"C1","amount_minor":1000,"currency":"CNY",)"
        R"("issued_on":"2026-11-01","due_on":"2026-12-01"})"}},
      {"POST /v1/payments",
       {R"({"payment_id":"P9","customer_id":"C1","amount_minor":1000,"currency":"CNY",)"
        R"("received_on":"2026-11-20"})"}},
      {"PUT /v1/fx-rates", {R"({"from":"USD","to":"CNY","rate":"7.1","effective_on":"2026-11-01"})"}},
      {"POST /v1/groups", {R"({"group_id":"G9","name":"Group","currency":"CNY","limit_minor":1})"}},
  };
  return bodies;
}

void JsonCommandSeeds(const fs::path& dir) {
  const State& state = DemoState();
  std::vector<const Customer*> customers = state.ListCustomers({}, "", 1);
  std::string customer = customers.empty() ? "C1" : customers.front()->customer_id;
  // The same registration the fuzz target does: an Api over an engine that never starts.
  fs::path tokens_dir = fs::temp_directory_path() / ("creditline-seeds-" + service::RandomHex(8));
  (void)service::TokenStore::Initialize(tokens_dir.string(), kFuzzNowMs);
  std::unique_ptr<service::TokenStore> tokens =
      service::TokenStore::Open(tokens_dir.string()).value();
  fs::remove_all(tokens_dir);
  service::Engine engine(*service::BusinessCalendar::ForZone("UTC"));
  http::Api api(engine, *tokens);
  size_t index = 0;
  for (const auto& [route, prepare] : http::CommandPreparers()) {
    std::vector<std::string> bodies = {"{}"};
    if (auto found = Bodies().find(route); found != Bodies().end()) bodies = found->second;
    for (size_t i = 0; i < bodies.size(); ++i) {
      std::string seed(1, static_cast<char>(index));
      seed += customer + "/x\n" + bodies[i];
      Write(dir, "route-" + std::to_string(index) + "-" + std::to_string(i), seed);
    }
    ++index;
  }
}

void RecordSeeds(const fs::path& records, const fs::path& snapshots) {
  Result<service::DemoPortfolio> demo =
      service::GenerateDemoPortfolio(kFuzzToday, service::kDemoSeed);
  if (!demo.ok()) Fail(demo.error().message);
  std::set<size_t> seen;
  for (const Event& event : demo->events) {
    if (!seen.insert(event.body.index()).second) continue;
    Write(records, "event-" + std::to_string(event.body.index()), EncodeEvent(event));
  }
  Write(snapshots, "empty", EncodeSnapshot(State()));
  State state;
  for (size_t i = 0; i < demo->events.size() && i < 40; ++i) state.Apply(demo->events[i]);
  Write(snapshots, "first-40-events", EncodeSnapshot(state));
}

void CsvSeeds(const fs::path& dir) {
  // The selector byte: entity in the low two bits (customers, limits, invoices, payments), then
  // the encoding (auto, utf-8, gb18030).
  const std::vector<std::pair<std::string, std::string>> files = {
      {"customers",
       "customer_id,name,industry,region,currency,limit,payment_terms_days,grade,review_on\r\n"
       "N1,Acme,steel,east,CNY,1000.00,30,A,2027-01-01\r\n"
       "N2,\"Bolt, Nut & Co\",steel,north,CNY,250,45,BBB,\r\n"},
      {"limits", "customer_id,currency,limit,segment,reason\nC1,CNY,2000.50,,annual review\n"},
      {"invoices",
       "invoice_id,customer_id,currency,amount,issued_on,due_on,order_id,segment\n"
       "IX1,C1,CNY,100.00,2026-11-01,2026-12-01,,\n"},
      {"payments",
       "payment_id,customer_id,currency,amount,received_on,invoice_id,segment\n"
       "PX1,C1,CNY,50,2026-11-20,,\n"},
  };
  std::unique_ptr<State> small_state = FreshSmallState();
  const State& small = *small_state;
  std::vector<const Customer*> customers = small.ListCustomers({}, "", 1);
  std::string customer = customers.empty() ? "C1" : customers.front()->customer_id;
  for (size_t entity = 0; entity < files.size(); ++entity) {
    std::string text = files[entity].second;
    for (size_t at = text.find(",C1,"); at != std::string::npos; at = text.find(",C1,", at + 1)) {
      text.replace(at + 1, 2, customer);
    }
    Write(dir, files[entity].first + "-utf8", std::string(1, static_cast<char>(entity)) + text);
    Write(dir, files[entity].first + "-bom",
          std::string(1, static_cast<char>(entity + 4)) + "\xEF\xBB\xBF" + text);
  }
  // GBK: "客户" (customer) as a name, with the encoding named.
  Write(dir, "customers-gbk",
        std::string(1, static_cast<char>(0 + 8)) +
            "customer_id,name,currency,limit\r\nG1,\xBF\xCD\xBB\xA7,CNY,10\r\n");
}

void HttpSeeds(const fs::path& dir) {
  const std::vector<std::string> requests = {
      "GET /healthz\n\n",
      "GET /v1/customers?limit=5\nAuthorization: viewer\n\n",
      "GET /v1/customers/C10001\nAuthorization: viewer\n\n",
      "POST /v1/customers\nAuthorization: admin\nIdempotency-Key: k1\nContent-Type: "
      "application/json\n\n{\"customer_id\":\"N1\",\"name\":\"New\",\"currency\":\"CNY\","
      "\"limit_minor\":1000}",
      "POST /v1/orders\nAuthorization: sales\nIdempotency-Key: k2\nContent-Type: "
      "application/json\n\n{\"order_id\":\"ON1\",\"customer_id\":\"C10001\",\"amount_minor\":100,"
      "\"currency\":\"CNY\"}",
      "POST /v1/credit-checks\nAuthorization: sales\nContent-Type: application/json\n\n"
      "{\"customer_id\":\"C10001\",\"amount_minor\":100,\"currency\":\"CNY\"}",
      "POST /v1/batch\nAuthorization: admin\nIdempotency-Key: k3\nContent-Type: "
      "application/json\n\n{\"commands\":[{\"op\":\"credit_check\",\"body\":{\"customer_id\":"
      "\"C10001\",\"amount_minor\":1,\"currency\":\"CNY\"}}]}",
      "POST /v1/imports?entity=customers\nAuthorization: admin\nContent-Type: text/csv\n\n"
      "customer_id,name,currency,limit\nN2,Two,CNY,10\n",
      "GET /v1/events?after=0&limit=10\nAuthorization: viewer\n\n",
      "GET /v1/reports/aging?format=csv\nAuthorization: analyst\n\n",
      "GET /v1/holds\nAuthorization: viewer\n\n",
      "DELETE /v1/customers\nAuthorization: admin\n\n",
      "GET /metrics\nAuthorization: viewer\n\n",
      "POST /v1/session\nContent-Type: application/json\n\n{\"username\":\"a\",\"password\":\"b\"}",
  };
  for (size_t i = 0; i < requests.size(); ++i) {
    Write(dir, "request-" + std::to_string(i), requests[i]);
  }
}

}  // namespace
}  // namespace creditline::fuzz

int main(int argc, char** argv) {
  using namespace creditline::fuzz;
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds CORPUS_DIR\n");
    return 2;
  }
  std::filesystem::path root = argv[1];
  JsonCommandSeeds(root / "json_command");
  RecordSeeds(root / "journal_record", root / "snapshot");
  CsvSeeds(root / "csv_import");
  HttpSeeds(root / "http_request");
  return 0;
}
