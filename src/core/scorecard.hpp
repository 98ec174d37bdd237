// Scorecards: customer financials, the configurable scorecard (factors, bins to points,
// weights), grade bands, and the proposed limit per grade.
//
// A score is the weighted mean of each factor's points (0..100), rounded half up; every score
// comes with its explanation, the value, bin and points of each factor. The grade is the first
// band (best first) whose minimum the score reaches; the proposed limit is the smallest of the
// grade's cap, k x average monthly purchases and p% of equity, rounded down. Integer arithmetic
// throughout. The scorecard in force is part of core::State, set by the SetScorecard command.
// Value types and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/behaviour.hpp"
#include "core/error.hpp"
#include "core/money.hpp"

namespace creditline {

// Financial statements of one period; amounts in `currency`, integer minor units.
struct Financials {
  std::string period;  // "2025", "2025-H1", "2025-Q4": later periods sort after earlier ones.
  Currency currency;
  int64_t revenue_minor = 0, net_profit_minor = 0, equity_minor = 0, total_assets_minor = 0;
  int64_t current_assets_minor = 0, current_liabilities_minor = 0;
  std::string external_rating;            // As the agency wrote it, for display.
  std::optional<int32_t> external_score;  // The agency's rating mapped to 0..100 (100 best).
  template <class F>
  void Fields(F&& f) {
    f("period", period), f("currency", currency), f("revenue_minor", revenue_minor),
        f("net_profit_minor", net_profit_minor), f("equity_minor", equity_minor);
    f("total_assets_minor", total_assets_minor), f("current_assets_minor", current_assets_minor),
        f("current_liabilities_minor", current_liabilities_minor);
    f("external_rating", external_rating), f("external_score", external_score);
  }
  bool operator==(const Financials&) const = default;
};
// A customer keeps its newest periods only.
inline constexpr size_t kFinancialPeriodsKept = 8;
Status ValidateFinancials(const Financials& financials);

enum class Factor : uint8_t {
  kOnTimeRatio,         // bp of paid amount paid by the due date.
  kAverageDaysLate,     // Amount-weighted days.
  kDso,                 // Days sales outstanding.
  kMaxDaysPastDue,      // Over 12 months.
  kAverageUtilization,  // bp.
  kPeakUtilization,     // bp.
  kTenureMonths,
  kVolumeTrend,    // bp, 10000 = flat.
  kHolds,          // Orders held over 12 months.
  kWriteOffs,      // Count, ever.
  kCurrentRatio,   // bp: current assets / current liabilities.
  kEquityRatio,    // bp: equity / total assets.
  kNetMargin,      // bp: net profit / revenue.
  kExternalScore,  // 0..100.
};
inline constexpr uint8_t EnumLimit(Factor) { return 14; }
std::string_view NameOf(Factor factor);
Result<Factor> ParseFactor(std::string_view text);

struct ScoreBin {
  int64_t up_to = 0;  // The bin holds values <= up_to (after the previous bin's up_to).
  int32_t points = 0;
  template <class F>
  void Fields(F&& f) {
    f("up_to", up_to), f("points", points);
  }
  bool operator==(const ScoreBin&) const = default;
};
// The last bin of a factor has no upper bound.
inline constexpr int64_t kBinUnbounded = INT64_MAX;

struct ScoreFactor {
  Factor factor = Factor::kOnTimeRatio;
  int32_t weight = 0;
  std::vector<ScoreBin> bins;  // Ascending up_to; the last one kBinUnbounded.
  int32_t missing_points = 0;  // When there is nothing to measure (no payments, no financials).
  template <class F>
  void Fields(F&& f) {
    f("factor", factor), f("weight", weight), f("bins", bins), f("missing_points", missing_points);
  }
  bool operator==(const ScoreFactor&) const = default;
};

struct GradeBand {
  std::string grade;
  int32_t score_min = 0;
  int32_t review_interval_days = 365;  // The next review after a review at this grade.
  bool prepayment_only = false;        // Proposes no credit:款到发货.
  // Proposal rules; each is skipped when its input is missing.
  int64_t limit_cap_minor = 0;         // In the account's currency.
  int32_t purchases_multiple_pct = 0;  // k: 200 = 2 x average monthly purchases. 0: rule off.
  int32_t equity_bp = 0;               // p: 1000 = 10% of equity. 0: rule off.
  template <class F>
  void Fields(F&& f) {
    f("grade", grade), f("score_min", score_min), f("review_interval_days", review_interval_days),
        f("prepayment_only", prepayment_only), f("limit_cap_minor", limit_cap_minor);
    f("purchases_multiple_pct", purchases_multiple_pct), f("equity_bp", equity_bp);
  }
  bool operator==(const GradeBand&) const = default;
};

struct Scorecard {
  std::string name = "default";
  std::vector<ScoreFactor> factors;
  std::vector<GradeBand> grades;     // Best first, score_min strictly descending, the last 0.
  int64_t rounding_minor = 100'000;  // Proposals are rounded down to a multiple of this.
  template <class F>
  void Fields(F&& f) {
    f("name", name), f("factors", factors), f("grades", grades),
        f("rounding_minor", rounding_minor);
  }
  bool operator==(const Scorecard&) const = default;
};

// Bounds that keep the arithmetic exact and the explanation short.
inline constexpr size_t kScoreFactorsMax = 32;
inline constexpr size_t kScoreBinsMax = 16;
inline constexpr size_t kGradesMax = 16;
inline constexpr int32_t kFactorWeightMax = 1000;
inline constexpr int32_t kReviewIntervalDaysMax = 3650;

// The scorecard that ships with the product (docs/assessment.md explains every number).
Scorecard DefaultScorecard();
Status ValidateScorecard(const Scorecard& scorecard);

struct FactorScore {
  Factor factor = Factor::kOnTimeRatio;
  std::optional<int64_t> value;  // Absent: nothing to measure; missing_points apply.
  int32_t points = 0, weight = 0;
  int32_t bin = -1;  // Index of the bin the value fell in; -1 when missing.
};

struct ScoreResult {
  int32_t score = 0;  // 0..100.
  std::string grade;
  uint32_t grade_index = 0;
  std::vector<FactorScore> factors;
};

struct AssessmentInputs {
  BehaviourMetrics metrics;
  const Financials* financials = nullptr;  // The newest period, if any.
};
ScoreResult Score(const Scorecard& scorecard, const AssessmentInputs& inputs);

struct Proposal {
  bool prepayment_only = false;
  int64_t limit_minor = 0;
  // Which rule set the limit: "cap", "purchases", "equity", "prepayment_only".
  std::string basis;
};
// `equity_minor` is the newest equity already in the account's currency, when known.
Proposal ProposeLimit(const Scorecard& scorecard, uint32_t grade_index,
                      const BehaviourMetrics& metrics, std::optional<int64_t> equity_minor);

}  // namespace creditline
