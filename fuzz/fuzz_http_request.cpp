// Fuzzes the HTTP request path in process: routing, authentication, roles, idempotency keys,
// query parameters, content types and every handler, through Api::Handle with a running engine
// over the demo portfolio (no sockets). Every request must be answered exactly once.
//
// Input, like an HTTP message: "METHOD TARGET\n", header lines "Name: value\n", an empty line,
// then the body. Recognised headers: Authorization, Idempotency-Key, Content-Type, Cookie and
// X-CSRF-Token; an Authorization value that is a role name ("admin") stands for that role's
// bearer token. The engine's state is reset to the demo portfolio every so many inputs, so that
// it does not grow without bound.
#include <cstdint>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <string>

#include "fuzz_support.hpp"
#include "http/api.hpp"
#include "service/calendar.hpp"
#include "service/engine.hpp"
#include "service/tokens.hpp"

namespace creditline::fuzz {
namespace {

// Often enough to keep the state near the demo portfolio, rarely enough to cost little.
constexpr size_t kInputsPerReset = 2'000;

class HttpFixture {
 public:
  HttpFixture() {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("creditline-fuzz-" + service::RandomHex(8));
    Result<service::NewToken> first = service::TokenStore::Initialize(dir.string(), kFuzzNowMs);
    if (!first.ok()) Fail("token store: " + first.error().message);
    tokens_ = service::TokenStore::Open(dir.string()).value();
    for (service::Role role :
         {service::Role::kViewer, service::Role::kSales, service::Role::kAnalyst,
          service::Role::kCreditManager, service::Role::kAdmin}) {
      Result<service::NewToken> token = tokens_->Create(role, "fuzz", kFuzzNowMs);
      if (!token.ok()) Fail("token: " + token.error().message);
      secrets_[std::string(service::NameOf(role))] = token->secret;
    }
    std::filesystem::remove_all(dir);
    demo_snapshot_ = EncodeSnapshot(DemoState());
    Reset();
  }

  void Handle(http::HttpRequest request) {
    if (++inputs_ % kInputsPerReset == 0) Reset();
    if (auto found = secrets_.find(request.authorization); found != secrets_.end()) {
      request.authorization = "Bearer " + found->second;
    }
    auto answered = std::make_shared<std::promise<http::HttpResponse>>();
    std::future<http::HttpResponse> response = answered->get_future();
    // A second answer to one request would throw from set_value: the fuzzer reports it.
    api_->Handle(std::move(request),
                 [answered](http::HttpResponse reply) { answered->set_value(std::move(reply)); });
    http::HttpResponse reply = response.get();
    if (reply.status < 200 || reply.status > 599) Fail("an HTTP status out of range");
  }

 private:
  void Reset() {
    api_.reset();
    if (engine_) engine_->Stop();
    engine_.reset();
    State state;
    if (!DecodeSnapshot(demo_snapshot_, &state).ok()) Fail("the demo snapshot does not decode");
    engine_ = std::make_unique<service::Engine>(*service::BusinessCalendar::ForZone("UTC"),
                                                std::move(state));
    api_ = std::make_unique<http::Api>(*engine_, *tokens_);
    engine_->Start();
  }

  std::unique_ptr<service::TokenStore> tokens_;
  std::map<std::string, std::string> secrets_;  // Role name -> bearer secret.
  std::string demo_snapshot_;
  std::unique_ptr<service::Engine> engine_;
  std::unique_ptr<http::Api> api_;
  size_t inputs_ = 0;
};

// Splits off the text up to `separator`, or all of it.
std::string_view Take(std::string_view* text, char separator) {
  size_t end = text->find(separator);
  std::string_view part = text->substr(0, end);
  *text = end == std::string_view::npos ? std::string_view() : text->substr(end + 1);
  return part;
}

}  // namespace
}  // namespace creditline::fuzz

namespace creditline::fuzz {
namespace {

// Built before the first input: applying the demo portfolio takes seconds under the sanitizers,
// which libFuzzer's per-input timeout would otherwise count against the first input.
HttpFixture* fixture = nullptr;

}  // namespace
}  // namespace creditline::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  creditline::fuzz::fixture = new creditline::fuzz::HttpFixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace creditline;
  using namespace creditline::fuzz;
  std::string_view text = Bytes(data, size);
  std::string_view request_line = Take(&text, '\n');
  http::HttpRequest request;
  request.method = std::string(Take(&request_line, ' '));
  request.target = std::string(request_line);
  if (request.target.empty() || request.target.front() != '/') return 0;  // Beast refuses these.
  while (!text.empty()) {
    std::string_view line = Take(&text, '\n');
    if (line.empty()) break;
    std::string_view name = Take(&line, ':');
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    std::string value(line);
    if (name == "Authorization") request.authorization = value;
    if (name == "Idempotency-Key") request.idempotency_key = value;
    if (name == "Content-Type") request.content_type = value;
    if (name == "Cookie") request.cookie = value;
    if (name == "X-CSRF-Token") request.csrf_token = value;
  }
  request.body = std::string(text);
  request.remote_address = "127.0.0.1";
  fixture->Handle(std::move(request));
  return 0;
}
