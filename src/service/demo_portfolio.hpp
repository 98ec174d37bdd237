// The demo portfolio behind `creditline serve --demo`: a year of generated credit history.
//
// GenerateDemoPortfolio() runs a seeded, deterministic script of ordinary commands (policies,
// FX rates, credit groups, a few hundred customers across industries, regions and grades, then
// a year of orders, holds and their releases or rejections, invoices, payments, late payers,
// limit reviews, limit requests from sales with their decisions, a monitor run at the start of
// every day (alerts and the daily trend point) and weekly alert acknowledgements; the last days'
// holds, limit requests and alerts are left open) through State::Execute, each with an envelope
// dated on the day it happens, and returns the events. The caller journals them like any other
// events, so the history is in the journal, hash chain and all, and recovery replays it as
// usual. For a given `today` and seed the result is the same on every machine. Single-threaded.
#pragma once

#include <cstdint>
#include <vector>

#include "core/events.hpp"
#include "core/time.hpp"

namespace creditline::service {

inline constexpr int kDemoCustomers = 320;
inline constexpr int kDemoHistoryDays = 365;
inline constexpr uint64_t kDemoSeed = 20'260'301;

struct DemoPortfolio {
  std::vector<Event> events;
  int customers = 0, orders = 0, invoices = 0, payments = 0, open_holds = 0;
};

// History from `today` - kDemoHistoryDays up to the day before `today`.
Result<DemoPortfolio> GenerateDemoPortfolio(Date today, uint64_t seed);

}  // namespace creditline::service
