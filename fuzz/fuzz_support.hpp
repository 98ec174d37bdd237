// Shared fixtures of the libFuzzer targets: a credit state with real history to run inputs
// against, built once per process from the demo portfolio (deterministic for a fixed date;
// fuzz_support.cpp, which needs the service library), and small helpers that need only the core.
// Owned by the fuzz target's process; not thread-safe (libFuzzer runs one input at a time).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "core/snapshot.hpp"
#include "core/state.hpp"
#include "core/time.hpp"

namespace creditline::fuzz {

// The date the demo history ends on, fixed so that every run sees the same state.
inline constexpr Date kFuzzToday = DateFromCivil(2026, 11, 23);
inline constexpr TimeMs kFuzzNowMs = static_cast<TimeMs>(kFuzzToday.days) * kMsPerDay + 36'000'000;
// The small state holds the demo's first events: its policies, FX rates, groups, customers and
// a few orders, so that an import or a decoded command finds something to refer to while a
// copy per input stays cheap.
inline constexpr size_t kSmallStateEvents = 400;

// Stops the fuzz target with a message: a broken invariant is a finding.
[[noreturn]] inline void Fail(std::string_view what) {
  std::fprintf(stderr, "fuzz invariant broken: %.*s\n", static_cast<int>(what.size()),
               what.data());
  std::abort();
}

// The whole demo portfolio (320 customers, a year of history), applied once.
const State& DemoState();
// The snapshot of the small state; DecodeSnapshot of it gives a fresh copy to mutate.
const std::string& SmallStateSnapshot();
std::unique_ptr<State> FreshSmallState();

// A view of the fuzzer's bytes.
inline std::string_view Bytes(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace creditline::fuzz
