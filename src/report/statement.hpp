// The customer credit statement and the customer activity feed, built from one account's (or
// one customer's) events and the current state.
//
// The core keeps only current state; every account carries the seqs of the events that touched
// it (Account::history), so the caller reads exactly those events (service::EventFeed::Get)
// and hands them here. Both functions replay the events forward from the account's opening
// through a small mirror of the account's figures (limit, temporary limits, collateral,
// status, grade, score, group, open orders, open invoices, unapplied credit), which yields
// every change's before and after and the figures at the end of each day. The mirror's final
// figures are compared with the state's (`reconciled`). Pure functions of their arguments;
// call them with a state no other thread changes (the engine thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/state.hpp"
#include "report/report.hpp"

namespace creditline::report {

// A statement covers at most this many days, which bounds the daily exposure series.
inline constexpr int32_t kStatementDaysMax = 3660;
// The default window: this many days back from `to`.
inline constexpr int32_t kStatementDaysDefault = 365;
// The statement's sections, in order; CSV export names one with `section=`.
inline constexpr const char* kStatementSections[] = {"summary",     "limit_history", "exposure",
                                                     "open_orders", "open_invoices", "invoices",
                                                     "settlements", "decisions"};

struct StatementOptions {
  AccountRef account;
  Date from, to;  // Inclusive business dates.
  Date today;     // The business date: open items' days past due count to it.
};

// `events` are the account's events, oldest first, from its opening on (the account's
// Account::history); events of other accounts are ignored. kAccountNotFound when the account
// does not exist; kHistoryUnavailable when `events` do not start with the account's opening.
Result<Report> BuildStatement(const State& state, const StatementOptions& options,
                              const std::vector<Event>& events);

// One field an event changed on one account.
struct FieldChange {
  std::string field;  // "limit_minor", "status", "exposure_minor", ...
  Cell before, after;
};

struct HistoryEntry {
  uint64_t seq = 0;
  TimeMs time = 0;
  std::string actor, type;
  std::string segment;  // The account changed; empty for the default account.
  std::string summary;  // One line for people.
  std::vector<FieldChange> changes;
};

// The customer's activity: an entry for each event in `events` (all of the customer's events
// from the opening of its first account, oldest first) with seq > after, at most `limit`.
// Events that changed several of the customer's accounts give one entry per account.
Result<std::vector<HistoryEntry>> CustomerHistory(const State& state,
                                                  const std::string& customer_id,
                                                  const std::vector<Event>& events, uint64_t after,
                                                  size_t limit);

}  // namespace creditline::report
