// Portfolio reports over the credit state: portfolio summary, aging, overdue list, DSO,
// concentration, hold statistics and the daily trend.
//
// Each report is a list of named tables (sections) of integer, decimal and text cells, so that
// one shape serves the JSON API, CSV and XLSX export (export.hpp). Summary, aging, DSO and the
// trend read the running aggregates (core/aggregates.hpp): their cost does not grow with the
// number of accounts or invoices. The overdue list reads a page of the due-date index.
// Concentration and per-customer aging walk the accounts they report on. Functions of a const
// State; call them on the engine thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/state.hpp"

namespace creditline::report {

using Cell = std::variant<int64_t, double, std::string>;

struct Table {
  std::string name;  // The section: "totals", "by_grade", ...
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

struct Report {
  std::string name;  // "portfolio", "aging", ...
  Date as_of;
  std::vector<Table> tables;
  const Table* Find(const std::string& section) const;
};

// The reports the API serves, by name.
inline constexpr const char* kReportNames[] = {"portfolio",     "aging", "overdue", "dso",
                                               "concentration", "holds", "trend"};

struct ReportOptions {
  Date today;
  std::string customer_id;  // Aging: one customer's accounts only.
  std::string after;        // Aging: customers with ids after this; overdue: the cursor.
  // Overdue: the parsed `after` (Build parses it).
  std::optional<DueIndex::Position> overdue_after;
  size_t limit = 100;        // Rows of per-item sections (aging customers, overdue, top-N).
  int32_t window_days = 90;  // DSO: the sales window.
  int32_t days = 400;        // Trend: the days back from today.
};
inline constexpr size_t kReportRowsMax = 100'000;  // Bounds one response and one export.
inline constexpr int32_t kDsoWindowDaysMax = 3650;
inline constexpr size_t kConcentrationTop = 10;

Result<Report> Build(const State& state, const std::string& name, const ReportOptions& options);

Report Portfolio(const State& state, const ReportOptions& options);
Report Aging(const State& state, const ReportOptions& options);
// One page of the overdue list from the due-date index (core/due_index.hpp): most days past
// due first, then in arrival order; `next_after` in the summary continues it.
Report Overdue(const State& state, const ReportOptions& options);
// The overdue list's keyset cursor: "YYYY-MM-DD.<creation seq>" of the last invoice listed.
std::string FormatOverdueCursor(const DueIndex::Position& position);
Result<DueIndex::Position> ParseOverdueCursor(std::string_view text);
Report Dso(const State& state, const ReportOptions& options);
Report Concentration(const State& state, const ReportOptions& options);
Report Holds(const State& state, const ReportOptions& options);
Report Trend(const State& state, const ReportOptions& options);

// Aging buckets by days past due: current (not yet due), 1-30, 31-60, 61-90, over 90.
inline constexpr size_t kAgingBucketCount = 5;
inline constexpr const char* kAgingColumns[kAgingBucketCount] = {
    "current_minor", "days_1_30_minor", "days_31_60_minor", "days_61_90_minor", "over_90_minor"};
size_t AgingBucket(int32_t days_past_due);

}  // namespace creditline::report
