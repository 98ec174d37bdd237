// Tests for credit assessment: scorecard arithmetic and explanations, grades and proposals,
// behaviour metrics kept by Apply, reviews over a generated portfolio of 10,000 customers,
// limit change requests (approval tiers, four eyes) and the recovery plan lifecycle. Every test
// that runs commands ends by replaying its events through the codec and round-tripping a
// snapshot, comparing state hashes.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/codec.hpp"
#include "core/review.hpp"
#include "core/snapshot.hpp"
#include "core/state.hpp"

namespace creditline {
namespace {

Currency Cny() { return Currency::Of("CNY"); }
Money CnyMinor(int64_t minor) { return Money{minor, Cny()}; }
AccountRef Acct(std::string customer_id) { return AccountRef{std::move(customer_id), ""}; }
const Date kStart = DateFromCivil(2026, 1, 2);

// ---- Scorecard arithmetic, explanations, grades and proposals (pure functions).

Scorecard TwoFactorCard() {
  Scorecard card;
  card.factors = {
      ScoreFactor{Factor::kOnTimeRatio, 3, {{5000, 0}, {9000, 50}, {kBinUnbounded, 100}}, 20},
      ScoreFactor{Factor::kMaxDaysPastDue, 1, {{0, 100}, {30, 40}, {kBinUnbounded, 0}}, 0}};
  card.grades = {{"A", 80, 180, false, 1'000'000, 200, 1000},
                 {"B", 40, 90, false, 500'000, 100, 500},
                 {"D", 0, 30, true, 0, 0, 0}};
  card.rounding_minor = 1'000;
  return card;
}

TEST(ScorecardTest, WeightedPointsRoundHalfUpAndExplainEachFactor) {
  Scorecard card = TwoFactorCard();
  ASSERT_TRUE(ValidateScorecard(card).ok());
  BehaviourMetrics metrics;
  metrics.on_time_bp = 9000;       // Second bin (<= 9000): 50 points, weight 3.
  metrics.max_days_past_due = 12;  // Second bin: 40 points, weight 1.
  ScoreResult result = Score(card, AssessmentInputs{metrics, nullptr});
  // (3 x 50 + 1 x 40) / 4 = 47.5, rounded half up.
  EXPECT_EQ(result.score, 48);
  EXPECT_EQ(result.grade, "B");
  EXPECT_EQ(result.grade_index, 1u);
  ASSERT_EQ(result.factors.size(), 2u);
  EXPECT_EQ(result.factors[0].factor, Factor::kOnTimeRatio);
  EXPECT_EQ(result.factors[0].value, 9000);
  EXPECT_EQ(result.factors[0].bin, 1);
  EXPECT_EQ(result.factors[0].points, 50);
  EXPECT_EQ(result.factors[0].weight, 3);
  EXPECT_EQ(result.factors[1].bin, 1);
  EXPECT_EQ(result.factors[1].points, 40);

  metrics.on_time_bp = 9001;  // Third bin.
  metrics.max_days_past_due = 0;
  result = Score(card, AssessmentInputs{metrics, nullptr});
  EXPECT_EQ(result.score, 100);
  EXPECT_EQ(result.grade, "A");
}

TEST(ScorecardTest, MissingValuesScoreTheirMissingPoints) {
  Scorecard card = TwoFactorCard();
  BehaviourMetrics metrics;  // No payments yet: on-time ratio is missing.
  metrics.max_days_past_due = 31;
  ScoreResult result = Score(card, AssessmentInputs{metrics, nullptr});
  EXPECT_FALSE(result.factors[0].value.has_value());
  EXPECT_EQ(result.factors[0].bin, -1);
  EXPECT_EQ(result.factors[0].points, 20);
  EXPECT_EQ(result.factors[1].points, 0);
  EXPECT_EQ(result.score, 15);  // (3 x 20 + 0) / 4 = 15.
  EXPECT_EQ(result.grade, "D");
}

TEST(ScorecardTest, FinancialRatiosFeedTheirFactors) {
  Scorecard card = DefaultScorecard();
  Financials f{"2025",     Cny(),     10'000'000, 500'000, 4'000'000,
               10'000'000, 3'000'000, 2'000'000,  "BBB",   65};
  ScoreResult result = Score(card, AssessmentInputs{BehaviourMetrics{}, &f});
  std::map<Factor, FactorScore> by_factor;
  for (const FactorScore& factor : result.factors) by_factor[factor.factor] = factor;
  EXPECT_EQ(by_factor[Factor::kCurrentRatio].value, 15'000);  // 3.0M / 2.0M.
  EXPECT_EQ(by_factor[Factor::kCurrentRatio].points, 80);
  EXPECT_EQ(by_factor[Factor::kEquityRatio].value, 4'000);
  EXPECT_EQ(by_factor[Factor::kEquityRatio].points, 80);
  EXPECT_EQ(by_factor[Factor::kNetMargin].value, 500);
  EXPECT_EQ(by_factor[Factor::kNetMargin].points, 80);
  EXPECT_EQ(by_factor[Factor::kExternalScore].value, 65);
  EXPECT_EQ(by_factor[Factor::kExternalScore].points, 70);
}

TEST(ScorecardTest, DefaultScorecardIsValidAndWeighsOneHundred) {
  Scorecard card = DefaultScorecard();
  ASSERT_TRUE(ValidateScorecard(card).ok());
  int32_t weights = 0;
  for (const ScoreFactor& factor : card.factors) weights += factor.weight;
  EXPECT_EQ(weights, 100);
  ASSERT_EQ(card.grades.size(), 8u);
  EXPECT_EQ(card.grades.front().grade, "AAA");
  EXPECT_TRUE(card.grades.back().prepayment_only);
  EXPECT_TRUE(ValidateAssessmentPolicy(DefaultAssessmentPolicy()).ok());
}

TEST(ScorecardTest, InvalidScorecardsAreRefused) {
  auto expect_invalid = [](Scorecard card, const char* why) {
    EXPECT_FALSE(ValidateScorecard(card).ok()) << why;
  };
  Scorecard card = TwoFactorCard();
  card.factors[0].bins[1].up_to = 5000;
  expect_invalid(card, "bins not ascending");
  card = TwoFactorCard();
  card.factors[0].bins.back().up_to = 100'000;
  expect_invalid(card, "last bin bounded");
  card = TwoFactorCard();
  card.factors[0].bins[0].points = 101;
  expect_invalid(card, "points over 100");
  card = TwoFactorCard();
  card.factors[0].weight = 0, card.factors[1].weight = 0;
  expect_invalid(card, "all weights zero");
  card = TwoFactorCard();
  card.grades[1].score_min = 80;
  expect_invalid(card, "grades not descending");
  card = TwoFactorCard();
  card.grades.back().score_min = 5;
  expect_invalid(card, "last grade above zero");
  card = TwoFactorCard();
  card.grades[1].grade = "A";
  expect_invalid(card, "grade twice");
  card = TwoFactorCard();
  card.factors.clear();
  expect_invalid(card, "no factors");
  card = TwoFactorCard();
  card.rounding_minor = 0;
  expect_invalid(card, "rounding zero");
}

TEST(ProposalTest, SmallestOfCapPurchasesAndEquityRoundedDown) {
  Scorecard card = TwoFactorCard();
  BehaviourMetrics metrics;
  metrics.has_purchases = true;
  metrics.average_monthly_purchases_minor = 300'555;  // x 2 = 601,110.
  Proposal p = ProposeLimit(card, 0, metrics, std::nullopt);
  EXPECT_EQ(p.limit_minor, 601'000);
  EXPECT_EQ(p.basis, "purchases");
  p = ProposeLimit(card, 0, metrics, 5'000'000);  // 10% of equity = 500,000.
  EXPECT_EQ(p.limit_minor, 500'000);
  EXPECT_EQ(p.basis, "equity");
  metrics.average_monthly_purchases_minor = 10'000'000;
  p = ProposeLimit(card, 0, metrics, 50'000'000);
  EXPECT_EQ(p.limit_minor, 1'000'000);
  EXPECT_EQ(p.basis, "cap");
  metrics.has_purchases = false;  // No purchase history: that rule is skipped.
  p = ProposeLimit(card, 1, metrics, std::nullopt);
  EXPECT_EQ(p.limit_minor, 500'000);
  p = ProposeLimit(card, 1, metrics, -1'000);  // Negative equity proposes nothing.
  EXPECT_EQ(p.limit_minor, 0);
  p = ProposeLimit(card, 2, metrics, 50'000'000);
  EXPECT_TRUE(p.prepayment_only);
  EXPECT_EQ(p.limit_minor, 0);
}

AccountAssessment AssessmentWith(int32_t score, uint32_t grade_index, int64_t limit,
                                 int64_t proposed, bool prepayment = false) {
  AccountAssessment a;
  a.ref = Acct("C1");
  a.limit_minor = limit;
  a.score.score = score;
  a.score.grade_index = grade_index;
  a.proposal = Proposal{prepayment, proposed, "cap"};
  return a;
}

TEST(ReviewDecisionTest, RaisesByStepLowersSuspendsOrRequests) {
  Scorecard card = DefaultScorecard();
  ReviewPolicy policy;  // Raise at A or better by at most 20%; threshold 5%.
  Date today = kStart;
  ReviewOutcome out =
      DecideReview(AssessmentWith(95, 0, 1'000'000, 5'000'000), card, policy, today);
  EXPECT_EQ(out.result, ReviewResult::kRaised);
  EXPECT_EQ(out.limit_after_minor, 1'200'000);
  EXPECT_EQ(out.next_review_on, AddDays(today, 365));
  out = DecideReview(AssessmentWith(65, 3, 1'000'000, 5'000'000), card, policy, today);
  EXPECT_EQ(out.result, ReviewResult::kUnchanged) << "BBB is below the raise grade";
  out = DecideReview(AssessmentWith(65, 3, 1'000'000, 1'040'000), card, policy, today);
  EXPECT_EQ(out.result, ReviewResult::kUnchanged) << "within the 5% threshold";
  out = DecideReview(AssessmentWith(45, 5, 1'000'000, 400'000), card, policy, today);
  EXPECT_EQ(out.result, ReviewResult::kLowered);
  EXPECT_EQ(out.limit_after_minor, 400'000);
  out = DecideReview(AssessmentWith(10, 7, 1'000'000, 0, true), card, policy, today);
  EXPECT_EQ(out.result, ReviewResult::kSuspended);
  EXPECT_EQ(out.limit_after_minor, 1'000'000);
  policy.lower = ReviewMode::kRequest;
  out = DecideReview(AssessmentWith(45, 5, 1'000'000, 400'000), card, policy, today);
  EXPECT_EQ(out.result, ReviewResult::kRequested);
  EXPECT_EQ(out.limit_after_minor, 1'000'000);
  policy.lower = ReviewMode::kOff;
  out = DecideReview(AssessmentWith(45, 5, 1'000'000, 400'000), card, policy, today);
  EXPECT_EQ(out.result, ReviewResult::kUnchanged);
}

// ---- The state: commands, behaviour, reviews, requests, plans.

class AssessmentTest : public ::testing::Test {
 protected:
  void TearDown() override {
    State replayed;
    for (const Event& event : events_) {
      Result<Event> decoded = DecodeEvent(EncodeEvent(event));
      ASSERT_TRUE(decoded.ok()) << decoded.error().message;
      replayed.Apply(*decoded);
    }
    EXPECT_EQ(replayed.StateHash(), state_.StateHash());
    State restored;
    Status status = DecodeSnapshot(EncodeSnapshot(state_), &restored);
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(restored.StateHash(), state_.StateHash());
  }

  void SetDay(int32_t day) {
    today_ = AddDays(kStart, day);
    now_ = std::max(now_, int64_t{today_.days} * kMsPerDay + 3'600'000);
  }
  Envelope As(std::string actor) {
    now_ += 1;
    return Envelope{"", std::move(actor), now_, today_};
  }
  Result<CommandResult> Try(const Command& command, std::string actor = "token:analyst") {
    return state_.Execute(As(std::move(actor)), command, &events_);
  }
  CommandResult Run(const Command& command, std::string actor = "token:analyst") {
    Result<CommandResult> result = Try(command, std::move(actor));
    EXPECT_TRUE(result.ok()) << CommandName(command) << ": " << result.error().message;
    return result.ok() ? *result : CommandResult{};
  }
  void ExpectError(const Command& command, ErrorCode code, std::string actor = "token:analyst") {
    uint64_t hash = state_.StateHash();
    Result<CommandResult> result = Try(command, std::move(actor));
    ASSERT_FALSE(result.ok()) << CommandName(command) << " succeeded";
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_EQ(state_.StateHash(), hash);
  }
  void AddCustomer(const std::string& id, int64_t limit_minor) {
    OpenAccount open;
    open.account = Acct(id);
    open.currency = Cny();
    open.limit_minor = limit_minor;
    Run(CreateCustomer{id, "Customer " + id, "", "", {}, open});
  }
  void Invoice(const std::string& customer, const std::string& id, int64_t amount) {
    Run(CreateInvoice{id, Acct(customer), "", CnyMinor(amount), today_});
  }
  void Pay(const std::string& customer, const std::string& invoice, int64_t amount) {
    Run(RecordPayment{"P-" + invoice + "-" + std::to_string(now_), Acct(customer), invoice,
                      CnyMinor(amount), today_});
  }
  AccountAssessment Assess(const std::string& customer) {
    Result<AccountAssessment> a = state_.Assess(Acct(customer), today_);
    EXPECT_TRUE(a.ok());
    return a.ok() ? *a : AccountAssessment{};
  }
  std::vector<ReviewRan> ReviewAll(uint32_t accounts_max = 0) {
    std::vector<ReviewRan> runs;
    uint32_t from = 0;
    while (from != kReviewFinished) {
      size_t before = events_.size();
      Run(RunReview{from, accounts_max}, "token:analyst");
      runs.push_back(std::get<ReviewRan>(events_.at(before).body));
      from = runs.back().next_account;
    }
    return runs;
  }

  State state_;
  std::vector<Event> events_;
  Date today_ = kStart;
  TimeMs now_ = 0;
};

TEST_F(AssessmentTest, BehaviourMetricsFollowPaymentsByAmount) {
  SetDay(0);
  AddCustomer("C1", 10'000'000);
  Invoice("C1", "I1", 1'000'000);  // Due day 30.
  Invoice("C1", "I2", 3'000'000);  // Due day 30.
  SetDay(30);
  Pay("C1", "I1", 1'000'000);  // On time.
  SetDay(40);
  Pay("C1", "I2", 3'000'000);      // 10 days late.
  Invoice("C1", "I3", 2'000'000);  // Due day 70, open.
  SetDay(80);
  AccountAssessment a = Assess("C1");
  EXPECT_EQ(a.metrics.on_time_bp, 2'500);      // 1.0M of 4.0M.
  EXPECT_EQ(a.metrics.average_days_late, 7);   // 3.0M x 10 / 4.0M = 7.5, truncated.
  EXPECT_EQ(a.metrics.max_days_past_due, 10);  // The open invoice is 10 days past due too.
  EXPECT_EQ(a.metrics.tenure_months, 2);       // January to March.
  EXPECT_EQ(a.metrics.average_monthly_purchases_minor, 2'000'000);  // 6.0M over 3 months.
  ASSERT_TRUE(a.metrics.dso_days.has_value());
  EXPECT_EQ(*a.metrics.dso_days, 30);  // 2.0M open x 90 / 6.0M sold.
  ASSERT_TRUE(a.metrics.peak_utilization_bp.has_value());
  EXPECT_EQ(*a.metrics.peak_utilization_bp, 4'000);  // 4.0M of 10.0M.
  ASSERT_TRUE(a.metrics.average_utilization_bp.has_value());
  EXPECT_GT(*a.metrics.average_utilization_bp, 0);
  EXPECT_LT(*a.metrics.average_utilization_bp, 4'000);
  // The explanation adds up to the score.
  int64_t weighted = 0, weights = 0;
  for (const FactorScore& f : a.score.factors) weighted += f.points * f.weight, weights += f.weight;
  EXPECT_EQ(a.score.score, (2 * weighted + weights) / (2 * weights));
  EXPECT_EQ(a.score.factors.size(), state_.scorecard().factors.size());
}

TEST_F(AssessmentTest, FinancialsAreValidatedKeptByPeriodAndScored) {
  AddCustomer("C1", 1'000'000);
  Financials f{"2025",     Cny(),     10'000'000, 500'000, 4'000'000,
               10'000'000, 3'000'000, 2'000'000,  "BBB",   65};
  Run(RecordFinancials{"C1", f});
  Financials older = f;
  older.period = "2024";
  older.equity_minor = 1;
  Run(RecordFinancials{"C1", older});
  const Customer* customer = state_.FindCustomer("C1");
  ASSERT_EQ(customer->financials.size(), 2u);
  EXPECT_EQ(customer->financials.back().period, "2025");
  EXPECT_EQ(Assess("C1").financials_period, "2025");
  f.revenue_minor = 1;  // The same period replaces.
  Run(RecordFinancials{"C1", f});
  EXPECT_EQ(state_.FindCustomer("C1")->financials.back().revenue_minor, 1);

  ExpectError(RecordFinancials{"NOPE", f}, ErrorCode::kCustomerNotFound);
  Financials bad = f;
  bad.period = "";
  ExpectError(RecordFinancials{"C1", bad}, ErrorCode::kMissingField);
  bad.period = "2025 Q4";
  ExpectError(RecordFinancials{"C1", bad}, ErrorCode::kInvalidId);
  bad = f;
  bad.total_assets_minor = -1;
  ExpectError(RecordFinancials{"C1", bad}, ErrorCode::kInvalidAmount);
  bad = f;
  bad.external_score = 101;
  ExpectError(RecordFinancials{"C1", bad}, ErrorCode::kInvalidArgument);
  bad = f;
  bad.currency = Currency{};
  ExpectError(RecordFinancials{"C1", bad}, ErrorCode::kUnknownCurrency);
}

TEST_F(AssessmentTest, ConfigurationCommandsValidateAndTakeEffect) {
  Scorecard card = TwoFactorCard();
  Run(SetScorecard{card}, "token:admin");
  EXPECT_EQ(state_.scorecard(), card);
  card.grades.back().score_min = 3;
  ExpectError(SetScorecard{card}, ErrorCode::kInvalidArgument);
  AssessmentPolicy policy = DefaultAssessmentPolicy();
  policy.approval_tiers = {{"credit_manager", 10}};
  Run(SetAssessmentPolicy{policy});
  EXPECT_EQ(state_.assessment_policy(), policy);
  policy.approval_tiers = {{"sales", 10}};
  ExpectError(SetAssessmentPolicy{policy}, ErrorCode::kInvalidArgument);
  policy.approval_tiers = {{"admin", 10}, {"analyst", 5}};
  ExpectError(SetAssessmentPolicy{policy}, ErrorCode::kInvalidArgument);
  policy = DefaultAssessmentPolicy();
  policy.review.raise_step_bp = -1;
  ExpectError(SetAssessmentPolicy{policy}, ErrorCode::kInvalidArgument);
}

// A portfolio of 10,000 customers over six months: good payers pay every invoice on its due
// date, late payers 40 days late, defaulters pay their first invoice 60 days late, have one
// written off and pay nothing more. The review raises, lowers and suspends exactly them.
TEST_F(AssessmentTest, ReviewOfGeneratedPortfolioRaisesLowersAndSuspends) {
  constexpr int kCustomers = 10'000;
  constexpr int64_t kLimit = 5'000'000, kMonthly = 3'000'000;
  enum Kind { kGood, kLate, kDefaulter };
  auto kind_of = [](int i) { return i % 10 < 6 ? kGood : i % 10 < 9 ? kLate : kDefaulter; };
  auto id_of = [](int i) { return "C" + std::to_string(100'000 + i); };
  auto invoice_of = [](int i, int k) { return "I" + std::to_string(i) + "-" + std::to_string(k); };
  SetDay(0);
  for (int i = 0; i < kCustomers; ++i) AddCustomer(id_of(i), kLimit);
  for (int day = 0; day <= 180; day += 10) {
    SetDay(day);
    for (int i = 0; i < kCustomers; ++i) {
      std::string id = id_of(i);
      Kind kind = kind_of(i);
      if (kind == kGood && day >= 30 && day % 30 == 0)
        Pay(id, invoice_of(i, day / 30 - 1), kMonthly);
      if (kind == kLate && day >= 70 && (day - 70) % 30 == 0) {
        Pay(id, invoice_of(i, (day - 70) / 30), kMonthly);
      }
      if (kind == kDefaulter && day == 90) Pay(id, invoice_of(i, 0), kMonthly);
      if (kind == kDefaulter && day == 150) {
        Run(WriteOff{"W" + std::to_string(i), invoice_of(i, 1), std::nullopt, "insolvent"});
      }
      if (day % 30 == 0) Invoice(id, invoice_of(i, day / 30), kMonthly);
    }
  }
  SetDay(185);
  EXPECT_EQ(state_.CountDueForReview(today_), static_cast<size_t>(kCustomers));
  AccountAssessment good = Assess(id_of(0)), late = Assess(id_of(6)), bad = Assess(id_of(9));
  EXPECT_EQ(good.score.grade, "AA") << good.score.score;
  EXPECT_EQ(late.score.grade, "C") << late.score.score;
  EXPECT_EQ(bad.score.grade, "D") << bad.score.score;

  std::vector<ReviewRan> runs = ReviewAll(3'000);
  ASSERT_EQ(runs.size(), 4u);  // 3,000 + 3,000 + 3,000 + 1,000.
  std::map<ReviewResult, int> counts;
  std::map<Kind, std::map<ReviewResult, int>> by_kind;
  for (const ReviewRan& run : runs) {
    for (const ReviewOutcome& outcome : run.outcomes) {
      ++counts[outcome.result];
      ++by_kind[kind_of(std::stoi(outcome.account.customer_id.substr(1)) - 100'000)]
               [outcome.result];
    }
  }
  EXPECT_EQ(counts[ReviewResult::kRaised], 6'000);
  EXPECT_EQ(counts[ReviewResult::kLowered], 3'000);
  EXPECT_EQ(counts[ReviewResult::kSuspended], 1'000);
  EXPECT_EQ(by_kind[kGood][ReviewResult::kRaised], 6'000);
  EXPECT_EQ(by_kind[kLate][ReviewResult::kLowered], 3'000);
  EXPECT_EQ(by_kind[kDefaulter][ReviewResult::kSuspended], 1'000);

  std::vector<AccountView> views = *state_.ViewCustomerAccounts(id_of(0), today_);
  EXPECT_EQ(views[0].limit_minor, 6'000'000);  // +20% step; the proposal was 7.5M.
  EXPECT_EQ(views[0].grade, "AA");
  EXPECT_EQ(views[0].review_on, AddDays(today_, 365));
  views = *state_.ViewCustomerAccounts(id_of(6), today_);
  EXPECT_EQ(views[0].limit_minor, 1'500'000);  // C: 50% of 3.0M monthly purchases.
  EXPECT_EQ(views[0].review_on, AddDays(today_, 30));
  views = *state_.ViewCustomerAccounts(id_of(9), today_);
  EXPECT_EQ(views[0].status, AccountStatus::kPrepaymentOnly);
  EXPECT_EQ(views[0].limit_minor, kLimit);

  // Nothing is due any more: a second review finds no account.
  EXPECT_EQ(state_.CountDueForReview(today_), 0u);
  runs = ReviewAll();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].outcomes.empty());
  // Thirty days on, the C and D accounts are due again; the D accounts stay suspended.
  SetDay(215);
  EXPECT_EQ(state_.CountDueForReview(today_), 4'000u);
}

TEST_F(AssessmentTest, ReviewCanOpenRequestsInsteadAndRefusesBadRuns) {
  AddCustomer("C1", 5'000'000);  // No history: the cap of its grade is proposed.
  AssessmentPolicy policy = DefaultAssessmentPolicy();
  policy.review.lower = ReviewMode::kRequest;
  policy.review.raise = ReviewMode::kRequest;
  Run(SetAssessmentPolicy{policy});
  AccountAssessment a = Assess("C1");
  std::vector<ReviewRan> runs = ReviewAll();
  ASSERT_EQ(runs[0].outcomes.size(), 1u);
  const ReviewOutcome& outcome = runs[0].outcomes[0];
  EXPECT_EQ(outcome.score, a.score.score);
  if (outcome.result == ReviewResult::kRequested) {
    const LimitRequest* request = state_.FindLimitRequest(outcome.request_id);
    ASSERT_NE(request, nullptr);
    EXPECT_EQ(request->requested_by, "system:review");
    EXPECT_EQ(request->amount_minor, outcome.proposed_minor);
    EXPECT_EQ(request->status, LimitRequestStatus::kPending);
  }
  ExpectError(RunReview{0, 10'001}, ErrorCode::kInvalidArgument);
  ExpectError(RunReview{2, 0}, ErrorCode::kInvalidArgument);
}

TEST_F(AssessmentTest, LimitRequestsNeedFourEyesAndTheRightTier) {
  AddCustomer("C1", 1'000'000);
  // Tiers: analyst up to 50M, credit_manager up to 500M, admin above.
  Run(RequestLimitChange{"LR1", Acct("C1"), CnyMinor(60'000'000), kNoDate, "new contract"},
      "token:sales");
  const LimitRequest* request = state_.FindLimitRequest("LR1");
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(request->requested_by, "token:sales");
  EXPECT_EQ(request->limit_before_minor, 1'000'000);
  ExpectError(DecideLimitRequest{"LR1", true, "ok", "analyst"}, ErrorCode::kApprovalTierExceeded,
              "token:analyst");
  ExpectError(DecideLimitRequest{"LR1", true, "ok", "sales"}, ErrorCode::kForbidden,
              "token:other-sales");
  ExpectError(DecideLimitRequest{"LR1", true, "mine", "credit_manager"},
              ErrorCode::kFourEyesViolation, "token:sales");
  ExpectError(DecideLimitRequest{"LR1", true, "", "credit_manager"}, ErrorCode::kMissingField,
              "token:manager");
  Run(DecideLimitRequest{"LR1", true, "financials support it", "credit_manager"}, "token:manager");
  request = state_.FindLimitRequest("LR1");
  EXPECT_EQ(request->status, LimitRequestStatus::kApproved);
  EXPECT_EQ(request->decided_by, "token:manager");
  EXPECT_EQ(request->decision_reason, "financials support it");
  EXPECT_EQ(state_.ViewCustomerAccounts("C1", today_)->front().limit_minor, 60'000'000);
  ExpectError(DecideLimitRequest{"LR1", false, "again", "admin"}, ErrorCode::kInvalidState,
              "token:admin");

  // A temporary increase becomes a temporary limit until its expiry.
  Run(RequestLimitChange{"LR2", Acct("C1"), CnyMinor(2'000'000), AddDays(today_, 30), "season"},
      "token:analyst");
  // The requester may withdraw (reject) their own request, never approve it.
  ExpectError(DecideLimitRequest{"LR2", true, "self", "admin"}, ErrorCode::kFourEyesViolation,
              "token:analyst");
  Run(DecideLimitRequest{"LR2", true, "ok", "analyst"}, "token:analyst-2");
  AccountView view = state_.ViewCustomerAccounts("C1", today_)->front();
  EXPECT_EQ(view.temporary_limits_minor, 2'000'000);
  EXPECT_EQ(view.effective_limit_minor, 62'000'000);

  Run(RequestLimitChange{"LR3", Acct("C1"), CnyMinor(0), kNoDate, "cut"}, "token:sales");
  Run(DecideLimitRequest{"LR3", false, "not now", "analyst"}, "token:analyst");
  EXPECT_EQ(state_.FindLimitRequest("LR3")->status, LimitRequestStatus::kRejected);

  LimitRequestFilter pending{LimitRequestStatus::kPending, ""};
  size_t next = 0;
  EXPECT_TRUE(state_.ListLimitRequests(pending, 0, 10, &next).empty());
  LimitRequestFilter all{std::nullopt, "C1"};
  std::vector<const LimitRequest*> page = state_.ListLimitRequests(all, 0, 2, &next);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0]->request_id, "LR1");
  EXPECT_EQ(next, 2u);
  EXPECT_EQ(state_.ListLimitRequests(all, next, 2, &next).size(), 1u);
  EXPECT_EQ(next, 0u);

  ExpectError(RequestLimitChange{"LR1", Acct("C1"), CnyMinor(1), kNoDate, "dup"},
              ErrorCode::kDuplicateId);
  ExpectError(RequestLimitChange{"review-1-0", Acct("C1"), CnyMinor(1), kNoDate, "x"},
              ErrorCode::kInvalidId);
  ExpectError(RequestLimitChange{"LR9", Acct("NOPE"), CnyMinor(1), kNoDate, "x"},
              ErrorCode::kCustomerNotFound);
  ExpectError(RequestLimitChange{"LR9", Acct("C1"), Money{1, Currency::Of("USD")}, kNoDate, "x"},
              ErrorCode::kCurrencyMismatch);
  ExpectError(RequestLimitChange{"LR9", Acct("C1"), CnyMinor(-1), kNoDate, "x"},
              ErrorCode::kInvalidAmount);
  ExpectError(RequestLimitChange{"LR9", Acct("C1"), CnyMinor(0), AddDays(today_, 3), "x"},
              ErrorCode::kInvalidAmount);
  ExpectError(RequestLimitChange{"LR9", Acct("C1"), CnyMinor(5), AddDays(today_, -1), "x"},
              ErrorCode::kInvalidDate);
  ExpectError(RequestLimitChange{"LR9", Acct("C1"), CnyMinor(5), kNoDate, ""},
              ErrorCode::kMissingField);
  ExpectError(DecideLimitRequest{"LR404", true, "x", "admin"}, ErrorCode::kLimitRequestNotFound);
}

TEST_F(AssessmentTest, OneLimitRequestPendingPerAccount) {
  AddCustomer("C1", 1'000'000);
  AddCustomer("C2", 1'000'000);
  Run(RequestLimitChange{"LR1", Acct("C1"), CnyMinor(2'000'000), kNoDate, "growth"}, "token:sales");
  // A second request for the account, permanent or temporary, by anyone, waits for the first.
  ExpectError(RequestLimitChange{"LR2", Acct("C1"), CnyMinor(3'000'000), kNoDate, "more"},
              ErrorCode::kLimitRequestPending, "token:sales");
  ExpectError(RequestLimitChange{"LR2", Acct("C1"), CnyMinor(500'000), AddDays(today_, 9), "x"},
              ErrorCode::kLimitRequestPending, "token:analyst");
  Result<CommandResult> refused =
      Try(RequestLimitChange{"LR2", Acct("C1"), CnyMinor(3'000'000), kNoDate, "more"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("'LR1'"), std::string::npos) << refused.error().message;
  EXPECT_EQ(refused.error().field, "account");
  EXPECT_EQ(InfoOf(ErrorCode::kLimitRequestPending).http_status, 409);
  // Another account is not affected, and a decided request frees the account.
  Run(RequestLimitChange{"LR3", Acct("C2"), CnyMinor(2'000'000), kNoDate, "growth"}, "token:sales");
  Run(DecideLimitRequest{"LR1", false, "not yet", "analyst"}, "token:analyst");
  Run(RequestLimitChange{"LR2", Acct("C1"), CnyMinor(3'000'000), kNoDate, "more"}, "token:sales");
  Run(DecideLimitRequest{"LR2", true, "fine", "analyst"}, "token:analyst");
  Run(RequestLimitChange{"LR4", Acct("C1"), CnyMinor(100'000), AddDays(today_, 5), "peak"},
      "token:sales");
  EXPECT_EQ(state_.limit_request_count(), 4u);
}

TEST_F(AssessmentTest, ReviewInRequestModeNeverOpensASecondRequest) {
  // Limits far above any proposal: a review in request mode asks to lower each one.
  AddCustomer("C1", 900'000'000'000);
  AddCustomer("C2", 900'000'000'000);
  AssessmentPolicy policy = DefaultAssessmentPolicy();
  policy.review.lower = ReviewMode::kRequest;
  policy.review.raise = ReviewMode::kRequest;
  Run(SetAssessmentPolicy{policy});
  Run(RequestLimitChange{"LR1", Acct("C1"), CnyMinor(5'000'000), kNoDate, "cut"}, "token:sales");

  std::vector<ReviewRan> runs = ReviewAll();
  ASSERT_EQ(runs.size(), 1u);
  ASSERT_EQ(runs[0].outcomes.size(), 2u);
  const ReviewOutcome& c1 = runs[0].outcomes[0];
  EXPECT_EQ(c1.result, ReviewResult::kRequestPending);
  EXPECT_EQ(c1.request_id, "LR1");
  EXPECT_EQ(c1.limit_after_minor, 900'000'000'000);
  // A copy: `runs` is replaced by the next reviews, and c2's request is decided after them.
  const ReviewOutcome c2 = runs[0].outcomes[1];
  ASSERT_EQ(c2.result, ReviewResult::kRequested);
  EXPECT_EQ(state_.limit_request_count(), 2u);  // LR1 and the review's request for C2.

  // The next review, with the review's own request still pending, opens none either.
  SetDay(400);
  runs = ReviewAll();
  ASSERT_EQ(runs[0].outcomes.size(), 2u);
  EXPECT_EQ(runs[0].outcomes[0].result, ReviewResult::kRequestPending);
  EXPECT_EQ(runs[0].outcomes[1].result, ReviewResult::kRequestPending);
  EXPECT_EQ(runs[0].outcomes[1].request_id, c2.request_id);
  EXPECT_EQ(state_.limit_request_count(), 2u);
  EXPECT_EQ(NameOf(ReviewResult::kRequestPending), "request_pending");

  // Once decided, the following review may ask again.
  Run(DecideLimitRequest{c2.request_id, false, "keep it", "analyst"}, "token:analyst");
  SetDay(800);
  runs = ReviewAll();
  EXPECT_EQ(runs[0].outcomes[1].result, ReviewResult::kRequested);
  EXPECT_EQ(state_.limit_request_count(), 3u);
  ExpectError(RequestLimitChange{"LR5", Acct("C2"), CnyMinor(1), kNoDate, "x"},
              ErrorCode::kLimitRequestPending, "token:sales");
}

TEST_F(AssessmentTest, RecoveryPlanLifecycle) {
  SetDay(0);
  AddCustomer("C1", 4'000'000);
  Invoice("C1", "I1", 3'000'000);
  SetDay(60);  // 30 days overdue.
  std::vector<InstallmentTerms> terms = {{AddDays(today_, 10), CnyMinor(1'000'000)},
                                         {AddDays(today_, 20), CnyMinor(1'000'000)},
                                         {AddDays(today_, 30), CnyMinor(1'000'000)}};
  ExpectError(CreateRecoveryPlan{"RP1", Acct("C1"), {{AddDays(today_, 5), CnyMinor(3'000'001)}}},
              ErrorCode::kInvalidAmount);
  ExpectError(CreateRecoveryPlan{"RP1", Acct("C1"), {{AddDays(today_, -1), CnyMinor(1)}}},
              ErrorCode::kInvalidDate);
  ExpectError(CreateRecoveryPlan{"RP1", Acct("C1"), {terms[1], terms[0]}}, ErrorCode::kInvalidDate);
  ExpectError(CreateRecoveryPlan{"RP1", Acct("C1"), {}}, ErrorCode::kInvalidArgument);
  Run(CreateRecoveryPlan{"RP1", Acct("C1"), terms, "agreed with the CFO"}, "token:manager");
  ExpectError(CreateRecoveryPlan{"RP2", Acct("C1"), terms}, ErrorCode::kInvalidState);
  ExpectError(CreateRecoveryPlan{"RP1", Acct("C1"), terms}, ErrorCode::kDuplicateId);

  SetDay(65);
  Pay("C1", "I1", 1'000'000);
  SetDay(70);
  Run(CheckRecoveryPlans{});
  const RecoveryPlan* plan = state_.FindRecoveryPlan("RP1");
  EXPECT_EQ(plan->installments[0].status, InstallmentStatus::kPaid);
  EXPECT_EQ(plan->installments[1].status, InstallmentStatus::kPending);
  SetDay(80);  // The second installment falls due unpaid: missed, the account goes on hold.
  Run(CheckRecoveryPlans{});
  plan = state_.FindRecoveryPlan("RP1");
  EXPECT_EQ(plan->installments[1].status, InstallmentStatus::kMissed);
  EXPECT_EQ(events_.back().body.index(), EventBody(RecoveryPlansChecked{}).index());
  AccountView view = state_.ViewCustomerAccounts("C1", today_)->front();
  EXPECT_EQ(view.status, AccountStatus::kOnHold);
  Run(SetLimit{Acct("C1"), CnyMinor(500'000), "recovery"}, "token:manager");

  SetDay(85);
  Pay("C1", "I1", 2'000'000);
  Run(CheckRecoveryPlans{});
  plan = state_.FindRecoveryPlan("RP1");
  EXPECT_EQ(plan->status, RecoveryPlanStatus::kCompleted);
  EXPECT_EQ(plan->installments[2].status, InstallmentStatus::kPaid);
  view = state_.ViewCustomerAccounts("C1", today_)->front();
  EXPECT_EQ(view.status, AccountStatus::kActive);
  EXPECT_EQ(view.limit_minor, 2'000'000);  // 50% of the 4.0M limit when agreed.
  // With the plan completed another may be agreed.
  Invoice("C1", "I2", 1'000'000);
  AssessmentPolicy policy = DefaultAssessmentPolicy();
  policy.recovery.missed_action = MissedInstallmentAction::kBlock;
  Run(SetAssessmentPolicy{policy});
  Run(CreateRecoveryPlan{"RP2", Acct("C1"), {{AddDays(today_, 1), CnyMinor(1'000'000)}}});
  SetDay(90);
  Run(CheckRecoveryPlans{});
  EXPECT_EQ(state_.ViewCustomerAccounts("C1", today_)->front().status, AccountStatus::kBlocked);
}

}  // namespace
}  // namespace creditline
