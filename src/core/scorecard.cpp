#include "core/scorecard.hpp"

#include <algorithm>
#include <array>

#include "core/ids.hpp"

namespace creditline {
namespace {

using int128 = __int128;

constexpr std::array<std::string_view, EnumLimit(Factor{})> kFactorNames = {
    "on_time_ratio",     "average_days_late",   "dso",
    "max_days_past_due", "average_utilization", "peak_utilization",
    "tenure_months",     "volume_trend",        "holds",
    "write_offs",        "current_ratio",       "equity_ratio",
    "net_margin",        "external_score"};

constexpr size_t kScorecardNameBytesMax = 64;
constexpr size_t kGradeBytesMax = 16;  // As for an account's grade.
constexpr size_t kPeriodBytesMax = 16;

ScoreFactor MakeFactor(Factor factor, int32_t weight, std::vector<ScoreBin> bins,
                       int32_t missing_points = 50) {
  return ScoreFactor{factor, weight, std::move(bins), missing_points};
}

Error Invalid(std::string message, const char* field) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), field);
}

Status ValidateFactor(const ScoreFactor& factor) {
  if (static_cast<uint8_t>(factor.factor) >= EnumLimit(Factor{})) {
    return Invalid("unknown scorecard factor", "factors");
  }
  std::string name(NameOf(factor.factor));
  if (factor.weight < 0 || factor.weight > kFactorWeightMax) {
    return Invalid("the weight of " + name + " must be 0..1000", "factors");
  }
  if (factor.bins.empty() || factor.bins.size() > kScoreBinsMax) {
    return Invalid(name + " needs 1..16 bins", "factors");
  }
  for (size_t i = 0; i < factor.bins.size(); ++i) {
    const ScoreBin& bin = factor.bins[i];
    if (bin.points < 0 || bin.points > 100) {
      return Invalid("the points of " + name + " must be 0..100", "factors");
    }
    if (i > 0 && bin.up_to <= factor.bins[i - 1].up_to) {
      return Invalid("the bins of " + name + " must ascend", "factors");
    }
  }
  if (factor.bins.back().up_to != kBinUnbounded) {
    return Invalid("the last bin of " + name + " must have no upper bound", "factors");
  }
  if (factor.missing_points < 0 || factor.missing_points > 100) {
    return Invalid("missing_points of " + name + " must be 0..100", "factors");
  }
  return Status::Ok();
}

Status ValidateGradeBand(const GradeBand& band) {
  if (band.grade.empty() || band.grade.size() > kGradeBytesMax) {
    return Invalid("a grade needs 1..16 characters", "grades");
  }
  CL_RETURN_IF_ERROR(ValidateText(band.grade, "grades", true));
  if (band.score_min < 0 || band.score_min > 100) {
    return Invalid("score_min of " + band.grade + " must be 0..100", "grades");
  }
  if (band.review_interval_days < 1 || band.review_interval_days > kReviewIntervalDaysMax) {
    return Invalid("review_interval_days of " + band.grade + " must be 1..3650", "grades");
  }
  if (band.limit_cap_minor < 0 || band.limit_cap_minor > kAmountMinorMax) {
    return Invalid("limit_cap_minor of " + band.grade + " is out of range", "grades");
  }
  if (band.purchases_multiple_pct < 0 || band.purchases_multiple_pct > 10'000 ||
      band.equity_bp < 0 || band.equity_bp > 10'000) {
    return Invalid("purchases_multiple_pct and equity_bp of " + band.grade + " must be 0..10000",
                   "grades");
  }
  return Status::Ok();
}

int64_t SafeRatio(int128 numerator, int128 denominator) {
  constexpr int128 kRatioMax = 10'000'000;  // 1000x, far past any bin.
  if (denominator <= 0) return numerator > 0 ? static_cast<int64_t>(kRatioMax) : 0;
  return static_cast<int64_t>(std::clamp<int128>(numerator / denominator, -kRatioMax, kRatioMax));
}

std::optional<int64_t> FactorValue(Factor factor, const AssessmentInputs& in) {
  const BehaviourMetrics& m = in.metrics;
  const Financials* f = in.financials;
  switch (factor) {
    case Factor::kOnTimeRatio:
      return m.on_time_bp;
    case Factor::kAverageDaysLate:
      return m.average_days_late;
    case Factor::kDso:
      return m.dso_days;
    case Factor::kMaxDaysPastDue:
      return m.max_days_past_due;
    case Factor::kAverageUtilization:
      return m.average_utilization_bp;
    case Factor::kPeakUtilization:
      return m.peak_utilization_bp;
    case Factor::kTenureMonths:
      return m.tenure_months;
    case Factor::kVolumeTrend:
      return m.volume_trend_bp;
    case Factor::kHolds:
      return m.holds;
    case Factor::kWriteOffs:
      return m.write_offs;
    case Factor::kExternalScore:
      if (f == nullptr || !f->external_score) return std::nullopt;
      return *f->external_score;
    default:
      break;
  }
  if (f == nullptr) return std::nullopt;
  switch (factor) {
    case Factor::kCurrentRatio:
      return SafeRatio(int128{f->current_assets_minor} * 10'000, f->current_liabilities_minor);
    case Factor::kEquityRatio:
      if (f->total_assets_minor <= 0) return std::nullopt;
      return SafeRatio(int128{f->equity_minor} * 10'000, f->total_assets_minor);
    case Factor::kNetMargin:
      if (f->revenue_minor <= 0) return std::nullopt;
      return SafeRatio(int128{f->net_profit_minor} * 10'000, f->revenue_minor);
    default:
      return std::nullopt;
  }
}

}  // namespace

std::string_view NameOf(Factor factor) { return kFactorNames.at(static_cast<size_t>(factor)); }

Result<Factor> ParseFactor(std::string_view text) {
  for (size_t i = 0; i < kFactorNames.size(); ++i) {
    if (kFactorNames[i] == text) return static_cast<Factor>(i);
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "unknown factor '" + std::string(text.substr(0, 40)) + "'", "factor");
}

Status ValidateFinancials(const Financials& f) {
  CL_RETURN_IF_ERROR(ValidateId(f.period, "period", kPeriodBytesMax));
  if (!f.currency.valid()) {
    return MakeError(ErrorCode::kUnknownCurrency, "a currency is required", "currency");
  }
  for (int64_t amount : {f.revenue_minor, f.net_profit_minor, f.equity_minor}) {
    if (amount < -kAmountMinorMax || amount > kAmountMinorMax) {
      return MakeError(ErrorCode::kInvalidAmount, "an amount is out of range (|x| <= 10^15)");
    }
  }
  for (int64_t amount :
       {f.total_assets_minor, f.current_assets_minor, f.current_liabilities_minor}) {
    if (amount < 0 || amount > kAmountMinorMax) {
      return MakeError(ErrorCode::kInvalidAmount, "assets and liabilities must be 0..10^15");
    }
  }
  if (f.revenue_minor < 0) {
    return MakeError(ErrorCode::kInvalidAmount, "revenue cannot be negative", "revenue_minor");
  }
  if (f.external_score && (*f.external_score < 0 || *f.external_score > 100)) {
    return Invalid("external_score must be 0..100", "external_score");
  }
  if (f.external_rating.size() > kGradeBytesMax) {
    return Invalid("external_rating is longer than 16 characters", "external_rating");
  }
  return ValidateText(f.external_rating, "external_rating", false);
}

Scorecard DefaultScorecard() {
  constexpr int64_t kU = kBinUnbounded;
  Scorecard s;
  s.factors = {
      MakeFactor(Factor::kOnTimeRatio, 20, {{7000, 0}, {8500, 40}, {9500, 70}, {kU, 100}}),
      MakeFactor(Factor::kAverageDaysLate, 10, {{0, 100}, {5, 80}, {15, 50}, {30, 20}, {kU, 0}}),
      MakeFactor(Factor::kDso, 10, {{45, 100}, {60, 80}, {90, 50}, {120, 20}, {kU, 0}}),
      MakeFactor(Factor::kMaxDaysPastDue, 15, {{0, 100}, {15, 70}, {30, 40}, {60, 15}, {kU, 0}}),
      MakeFactor(Factor::kAverageUtilization, 5, {{5000, 100}, {8000, 70}, {10000, 40}, {kU, 10}}),
      MakeFactor(Factor::kPeakUtilization, 5, {{8000, 100}, {10000, 60}, {kU, 20}}),
      MakeFactor(Factor::kTenureMonths, 5, {{6, 30}, {24, 60}, {60, 80}, {kU, 100}}),
      MakeFactor(Factor::kVolumeTrend, 5, {{5000, 20}, {8000, 50}, {15000, 100}, {kU, 80}}),
      MakeFactor(Factor::kHolds, 5, {{0, 100}, {2, 70}, {5, 40}, {kU, 10}}),
      MakeFactor(Factor::kWriteOffs, 5, {{0, 100}, {kU, 0}}),
      MakeFactor(Factor::kCurrentRatio, 5, {{8000, 10}, {12000, 40}, {20000, 80}, {kU, 100}}),
      MakeFactor(Factor::kEquityRatio, 5, {{1000, 10}, {3000, 50}, {5000, 80}, {kU, 100}}),
      MakeFactor(Factor::kNetMargin, 2, {{0, 0}, {300, 40}, {1000, 80}, {kU, 100}}),
      MakeFactor(Factor::kExternalScore, 3, {{30, 0}, {50, 40}, {70, 70}, {kU, 100}}),
  };
  s.grades = {
      {"AAA", 90, 365, false, 500'000'000, 300, 2000},
      {"AA", 80, 365, false, 300'000'000, 250, 1500},
      {"A", 70, 180, false, 200'000'000, 200, 1200},
      {"BBB", 60, 180, false, 100'000'000, 150, 1000},
      {"BB", 50, 90, false, 50'000'000, 100, 700},
      {"B", 40, 90, false, 20'000'000, 75, 500},
      {"C", 25, 30, false, 5'000'000, 50, 200},
      {"D", 0, 30, true, 0, 0, 0},
  };
  return s;
}

Status ValidateScorecard(const Scorecard& s) {
  if (s.name.empty() || s.name.size() > kScorecardNameBytesMax) {
    return Invalid("name needs 1..64 characters", "name");
  }
  CL_RETURN_IF_ERROR(ValidateText(s.name, "name", true));
  if (s.factors.empty() || s.factors.size() > kScoreFactorsMax) {
    return Invalid("a scorecard needs 1..32 factors", "factors");
  }
  int64_t weights = 0;
  for (const ScoreFactor& factor : s.factors) {
    CL_RETURN_IF_ERROR(ValidateFactor(factor));
    weights += factor.weight;
  }
  if (weights <= 0) return Invalid("the factor weights must not all be zero", "factors");
  if (s.grades.empty() || s.grades.size() > kGradesMax) {
    return Invalid("a scorecard needs 1..16 grades", "grades");
  }
  for (size_t i = 0; i < s.grades.size(); ++i) {
    CL_RETURN_IF_ERROR(ValidateGradeBand(s.grades[i]));
    for (size_t j = 0; j < i; ++j) {
      if (s.grades[j].grade == s.grades[i].grade) {
        return Invalid("grade " + s.grades[i].grade + " appears twice", "grades");
      }
    }
    if (i > 0 && s.grades[i].score_min >= s.grades[i - 1].score_min) {
      return Invalid("grades must be listed best first with descending score_min", "grades");
    }
  }
  if (s.grades.back().score_min != 0) {
    return Invalid("the last grade must have score_min 0", "grades");
  }
  if (s.rounding_minor < 1 || s.rounding_minor > kAmountMinorMax) {
    return Invalid("rounding_minor must be 1..10^15", "rounding_minor");
  }
  return Status::Ok();
}

ScoreResult Score(const Scorecard& scorecard, const AssessmentInputs& inputs) {
  ScoreResult result;
  result.factors.reserve(scorecard.factors.size());
  int64_t weighted = 0, weights = 0;
  for (const ScoreFactor& factor : scorecard.factors) {
    FactorScore scored{factor.factor, FactorValue(factor.factor, inputs), factor.missing_points,
                       factor.weight, -1};
    if (scored.value) {
      size_t bin = 0;
      while (bin + 1 < factor.bins.size() && *scored.value > factor.bins[bin].up_to) ++bin;
      scored.bin = static_cast<int32_t>(bin);
      scored.points = factor.bins[bin].points;
    }
    weighted += int64_t{scored.points} * factor.weight;
    weights += factor.weight;
    result.factors.push_back(scored);
  }
  // Rounded half up; weights > 0 by validation.
  result.score = static_cast<int32_t>((2 * weighted + weights) / (2 * weights));
  while (result.grade_index + 1 < scorecard.grades.size() &&
         result.score < scorecard.grades[result.grade_index].score_min) {
    ++result.grade_index;
  }
  result.grade = scorecard.grades[result.grade_index].grade;
  return result;
}

Proposal ProposeLimit(const Scorecard& scorecard, uint32_t grade_index,
                      const BehaviourMetrics& metrics, std::optional<int64_t> equity_minor) {
  const GradeBand& band = scorecard.grades.at(grade_index);
  if (band.prepayment_only) return Proposal{true, 0, "prepayment_only"};
  Proposal proposal{false, band.limit_cap_minor, "cap"};
  auto consider = [&](int128 candidate, const char* basis) {
    int64_t bounded = static_cast<int64_t>(std::clamp<int128>(candidate, 0, kAmountMinorMax));
    if (bounded < proposal.limit_minor) proposal.limit_minor = bounded, proposal.basis = basis;
  };
  if (band.purchases_multiple_pct > 0 && metrics.has_purchases) {
    consider(int128{metrics.average_monthly_purchases_minor} * band.purchases_multiple_pct / 100,
             "purchases");
  }
  if (band.equity_bp > 0 && equity_minor) {
    consider(int128{*equity_minor} * band.equity_bp / 10'000, "equity");
  }
  proposal.limit_minor -= proposal.limit_minor % scorecard.rounding_minor;
  return proposal;
}

}  // namespace creditline
