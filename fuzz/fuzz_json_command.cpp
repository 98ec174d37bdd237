// Fuzzes the decoding of JSON request bodies into commands, and the core's decision on them.
//
// Input: one byte choosing a command route (all routes that AddCommandRoute registers), a line
// of '/'-separated path parameters, then the JSON body. A body that decodes is decided by
// State::Decide against the demo portfolio; an event it yields must survive the journal codec
// (encode, decode, encode gives the same bytes).
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/codec.hpp"
#include "fuzz_support.hpp"
#include "http/handlers.hpp"
#include "service/calendar.hpp"
#include "service/engine.hpp"
#include "service/tokens.hpp"

namespace creditline::fuzz {
namespace {

// The routes' preparers, registered by building an Api once (its engine never starts).
std::vector<std::pair<std::string, http::Preparer>>& Preparers() {
  static auto* preparers = [] {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("creditline-fuzz-" + service::RandomHex(8));
    Result<service::NewToken> first = service::TokenStore::Initialize(dir.string(), kFuzzNowMs);
    if (!first.ok()) Fail("token store: " + first.error().message);
    static std::unique_ptr<service::TokenStore> tokens =
        service::TokenStore::Open(dir.string()).value();
    std::filesystem::remove_all(dir);
    static service::Engine engine(*service::BusinessCalendar::ForZone("UTC"));
    static http::Api api(engine, *tokens);
    auto* list = new std::vector<std::pair<std::string, http::Preparer>>(
        http::CommandPreparers().begin(), http::CommandPreparers().end());
    return list;
  }();
  return *preparers;
}

void CheckEventCodec(const Event& event) {
  std::string bytes = EncodeEvent(event);
  Result<Event> decoded = DecodeEvent(bytes);
  if (!decoded.ok()) Fail("a decided event does not decode: " + decoded.error().message);
  if (EncodeEvent(*decoded) != bytes) Fail("a decided event changes through the codec");
}

}  // namespace
}  // namespace creditline::fuzz

// The demo portfolio and the preparers are built before the first input: that takes seconds
// under the sanitizers, which libFuzzer's per-input timeout would count against it.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  creditline::fuzz::DemoState();
  creditline::fuzz::Preparers();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace creditline;
  using namespace creditline::fuzz;
  const State& state = DemoState();
  auto& preparers = Preparers();
  if (size < 1) return 0;
  const auto& [route, prepare] = preparers[data[0] % preparers.size()];
  std::string_view rest = Bytes(data + 1, size - 1);
  size_t newline = rest.find('\n');
  std::string_view path = newline == std::string_view::npos ? "" : rest.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? rest : rest.substr(newline + 1);
  http::Params params;
  size_t wanted = static_cast<size_t>(std::count(route.begin(), route.end(), '{'));
  while (params.size() < wanted) {
    size_t slash = path.find('/');
    params.emplace_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? "" : path.substr(slash + 1);
  }
  Result<http::JsonInput> input = http::JsonInput::Parse(body);
  if (!input.ok()) return 0;
  Result<http::Prepared> prepared = prepare(*input, params);
  if (!prepared.ok()) return 0;
  if (!input->Finish().ok()) return 0;
  Envelope envelope{"fuzz-key", "fuzz", kFuzzNowMs, kFuzzToday};
  Event event;
  uint64_t fingerprint = Fingerprint(prepared->command);
  if (state.Decide(envelope, prepared->command, fingerprint, &event).ok()) CheckEventCodec(event);
  return 0;
}
