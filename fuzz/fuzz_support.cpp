#include "fuzz_support.hpp"

#include <vector>

#include "service/demo_portfolio.hpp"

namespace creditline::fuzz {
namespace {

std::vector<Event> DemoEvents() {
  Result<service::DemoPortfolio> demo =
      service::GenerateDemoPortfolio(kFuzzToday, service::kDemoSeed);
  if (!demo.ok()) Fail("the demo portfolio failed: " + demo.error().message);
  return std::move(demo->events);
}

}  // namespace

const State& DemoState() {
  static const State* state = [] {
    auto* built = new State();
    for (const Event& event : DemoEvents()) built->Apply(event);
    return built;
  }();
  return *state;
}

const std::string& SmallStateSnapshot() {
  static const std::string* snapshot = [] {
    State state;
    std::vector<Event> events = DemoEvents();
    for (size_t i = 0; i < events.size() && i < kSmallStateEvents; ++i) state.Apply(events[i]);
    return new std::string(EncodeSnapshot(state));
  }();
  return *snapshot;
}

std::unique_ptr<State> FreshSmallState() {
  auto state = std::make_unique<State>();
  Status decoded = DecodeSnapshot(SmallStateSnapshot(), state.get());
  if (!decoded.ok()) Fail("the small state's snapshot does not decode: " + decoded.error().message);
  return state;
}

}  // namespace creditline::fuzz
