// Tests for core::State: every check rule, every lifecycle step, idempotency, error paths and
// replay. Every test ends by replaying its emitted events (through the codec) into a fresh State
// and comparing the state hash, so each scenario also proves that replay is exact.
#include "core/state.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/codec.hpp"
#include "core/ids.hpp"

namespace creditline {
namespace {

Currency CnyCurrency() { return Currency::Of("CNY"); }
Money Cny(int64_t minor) { return Money{minor, CnyCurrency()}; }
Money Usd(int64_t minor) { return Money{minor, Currency::Of("USD")}; }

Date Day(std::string_view text) {
  Result<Date> date = ParseDate(text);
  EXPECT_TRUE(date.ok()) << text;
  return date.ok() ? *date : kNoDate;
}

AccountRef Acct(std::string customer_id = "C1", std::string segment = "") {
  return AccountRef{std::move(customer_id), std::move(segment)};
}

constexpr int64_t kLimit = 1'000'000;  // CNY 10,000.00: the default test account's limit.
constexpr TimeMs kHourMs = 3'600'000;

// The outcome a rule's action leads to when it is the only rule that fires.
Outcome OutcomeOf(RuleAction action) {
  switch (action) {
    case RuleAction::kOff:
      return Outcome::kApproved;
    case RuleAction::kWarn:
      return Outcome::kApprovedWithWarning;
    case RuleAction::kHold:
      return Outcome::kHeld;
    case RuleAction::kReject:
      return Outcome::kRejected;
  }
  return Outcome::kRejected;
}

// The figures of a decision must always agree with each other.
void ExpectConsistentFigures(const Decision& d) {
  EXPECT_EQ(d.exposure_before_minor,
            d.orders_open_minor + d.receivables_open_minor - d.unapplied_credit_minor);
  EXPECT_EQ(d.available_before_minor, d.effective_limit_minor - d.exposure_before_minor);
  EXPECT_EQ(d.available_after_minor, d.available_before_minor - d.amount_minor);
  int64_t exposure_after = d.exposure_before_minor + d.amount_minor;
  if (exposure_after > 0 && d.effective_limit_minor > 0) {
    __int128 utilization_bp = __int128{exposure_after} * 10'000 / d.effective_limit_minor;
    EXPECT_EQ(d.utilization_after_bp,
              static_cast<int32_t>(std::min<__int128>(utilization_bp, 999'999)));
  }
  EXPECT_EQ(d.outcome, OutcomeFor(d.reasons));
  for (const Reason& reason : d.reasons) EXPECT_FALSE(ExplainReason(d, reason).empty());
}

class StateTest : public ::testing::Test {
 protected:
  void TearDown() override { ExpectReplayGivesTheSameState(); }

  // Starts over with other options (before any command ran).
  void UseOptions(StateOptions options) {
    ASSERT_TRUE(events_.empty());
    options_ = options;
    state_ = State(options);
  }

  // A fresh envelope one second after the previous one, with a unique idempotency key.
  Envelope Next() {
    now_ += 1000;
    return Envelope{"key-" + std::to_string(++keys_), "alice", now_, today_};
  }

  void SetToday(Date today) {
    today_ = today;
    now_ = std::max(now_, int64_t{today.days} * kMsPerDay + 2 * kHourMs);
  }

  CommandResult Run(const Command& command) { return RunWith(Next(), command); }

  CommandResult RunWith(const Envelope& envelope, const Command& command) {
    size_t before = events_.size();
    Result<CommandResult> result = state_.Execute(envelope, command, &events_);
    if (!result.ok()) {
      ADD_FAILURE() << CommandName(command) << " failed: " << NameOf(result.error().code) << ": "
                    << result.error().message;
      return CommandResult{};
    }
    EXPECT_FALSE(result->replayed);
    EXPECT_EQ(events_.size(), before + 1);
    EXPECT_EQ(result->seq, state_.last_seq());
    return *result;
  }

  // The command must fail with `code` and change nothing.
  Error ExpectError(const Command& command, ErrorCode code) {
    return ExpectErrorWith(Next(), command, code);
  }

  Error ExpectErrorWith(const Envelope& envelope, const Command& command, ErrorCode code) {
    uint64_t hash = state_.StateHash();
    uint64_t seq = state_.last_seq();
    size_t count = events_.size();
    Result<CommandResult> result = state_.Execute(envelope, command, &events_);
    EXPECT_FALSE(result.ok()) << CommandName(command) << " succeeded, expected " << NameOf(code);
    if (result.ok()) return Error{};
    EXPECT_EQ(result.error().code, code)
        << CommandName(command) << ": got " << NameOf(result.error().code) << ": "
        << result.error().message;
    EXPECT_EQ(state_.StateHash(), hash);
    EXPECT_EQ(state_.last_seq(), seq);
    EXPECT_EQ(events_.size(), count);
    return result.error();
  }

  void AddCustomer(const std::string& customer_id) {
    Run(CreateCustomer{customer_id, "Acme 钢铁有限公司", "steel", "east", {"key-account"}});
  }

  static OpenAccount NewAccount(const AccountRef& ref, int64_t limit_minor,
                                const std::string& policy = "standard") {
    OpenAccount command;
    command.account = ref;
    command.currency = CnyCurrency();
    command.limit_minor = limit_minor;
    command.payment_terms_days = 30;
    command.grade = "B";
    command.policy = policy;
    return command;
  }

  // Opens a CNY account, creating its customer when needed.
  void Open(int64_t limit_minor = kLimit, const std::string& policy = "standard",
            const AccountRef& ref = Acct()) {
    if (state_.FindCustomer(ref.customer_id) == nullptr) AddCustomer(ref.customer_id);
    Run(NewAccount(ref, limit_minor, policy));
  }

  void UsePolicy(const Policy& policy, const AccountRef& ref = Acct()) {
    Run(SetPolicy{policy});
    UpdateAccount update;
    update.account = ref;
    update.policy = policy.name;
    Run(update);
  }

  void SetAccountStatus(AccountStatus status, const AccountRef& ref = Acct()) {
    Run(SetStatus{ref, status, "credit committee"});
  }

  Decision Reserve(const std::string& order_id, int64_t minor, TimeMs expires_at = 0,
                   const AccountRef& ref = Acct()) {
    CommandResult result = Run(ReserveOrder{order_id, ref, Cny(minor), expires_at});
    EXPECT_TRUE(result.decision.has_value());
    Decision decision = result.decision.value_or(Decision{});
    ExpectConsistentFigures(decision);
    return decision;
  }

  Decision Change(const std::string& order_id, int64_t minor) {
    CommandResult result = Run(ChangeOrder{order_id, Cny(minor)});
    EXPECT_TRUE(result.decision.has_value());
    return result.decision.value_or(Decision{});
  }

  CreateInvoice NewInvoice(const std::string& invoice_id, int64_t minor,
                           const AccountRef& ref = Acct()) {
    CreateInvoice command;
    command.invoice_id = invoice_id;
    command.account = ref;
    command.amount = Cny(minor);
    command.issued_on = today_;
    return command;
  }

  void Invoice(const std::string& invoice_id, int64_t minor, Date due_on) {
    CreateInvoice command = NewInvoice(invoice_id, minor);
    command.issued_on = std::min(today_, due_on);
    command.due_on = due_on;
    Run(command);
  }

  void Pay(const std::string& payment_id, int64_t minor, const std::string& invoice_id = "") {
    Run(RecordPayment{payment_id, Acct(), invoice_id, Cny(minor), today_});
  }

  OrderView Order(const std::string& order_id) {
    Result<OrderView> view = state_.ViewOrder(order_id);
    EXPECT_TRUE(view.ok()) << order_id;
    return view.ok() ? *view : OrderView{};
  }

  bool OrderIsOpen(const std::string& order_id) { return state_.ViewOrder(order_id).ok(); }

  AccountView View(const AccountRef& ref = Acct()) {
    Result<AccountView> view = state_.ViewAccount(ref, today_);
    EXPECT_TRUE(view.ok());
    return view.ok() ? *view : AccountView{};
  }

  int64_t OpenAmount(const std::string& invoice_id, const AccountRef& ref = Acct()) {
    Result<std::vector<InvoiceView>> invoices = state_.OpenInvoices(ref, today_);
    EXPECT_TRUE(invoices.ok());
    for (const InvoiceView& invoice : *invoices) {
      if (invoice.invoice_id == invoice_id) return invoice.open_minor;
    }
    return 0;  // Settled invoices are no longer open.
  }

  // Asserts the account's running totals, the view's derived figures and the open items.
  void ExpectTotals(const std::string& step, int64_t orders_minor, int64_t receivables_minor,
                    int64_t unapplied_minor = 0, const AccountRef& ref = Acct()) {
    SCOPED_TRACE(step);
    AccountView view = View(ref);
    EXPECT_EQ(view.orders_open_minor, orders_minor);
    EXPECT_EQ(view.receivables_open_minor, receivables_minor);
    EXPECT_EQ(view.unapplied_credit_minor, unapplied_minor);
    EXPECT_EQ(view.exposure_minor, orders_minor + receivables_minor - unapplied_minor);
    EXPECT_EQ(view.available_minor, view.effective_limit_minor - view.exposure_minor);
    State::ItemSums sums = state_.SumOpenItems(ref);
    EXPECT_EQ(sums.orders_minor, orders_minor);
    EXPECT_EQ(sums.receivables_minor, receivables_minor);
  }

  void ExpectReplayGivesTheSameState() {
    State replayed(options_);
    for (const Event& event : events_) {
      Result<Event> decoded = DecodeEvent(EncodeEvent(event));
      ASSERT_TRUE(decoded.ok()) << decoded.error().message;
      ASSERT_TRUE(*decoded == event) << "event " << event.seq << " changed in the codec";
      replayed.Apply(*decoded);
    }
    EXPECT_EQ(replayed.last_seq(), state_.last_seq());
    EXPECT_EQ(replayed.StateHash(), state_.StateHash()) << "after " << events_.size() << " events";
  }

  StateOptions options_;
  State state_;
  std::vector<Event> events_;
  Date today_ = Day("2026-03-10");
  TimeMs now_ = int64_t{20522} * kMsPerDay + 2 * kHourMs;
  int keys_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Check rules: each fires alone, with its default action and with every configured action.

struct RuleCase {
  ReasonCode code;
  RuleAction Policy::*action;
  RuleAction default_action;
};

const RuleCase kRuleCases[] = {
    {ReasonCode::kAccountBlocked, &Policy::blocked_action, RuleAction::kReject},
    {ReasonCode::kAccountOnHold, &Policy::on_hold_action, RuleAction::kHold},
    {ReasonCode::kPrepaymentOnly, &Policy::prepayment_action, RuleAction::kReject},
    {ReasonCode::kReviewExpired, &Policy::review_expired_action, RuleAction::kWarn},
    {ReasonCode::kMaxOrderValue, &Policy::max_order_value_action, RuleAction::kHold},
    {ReasonCode::kDaysPastDue, &Policy::overdue_action, RuleAction::kHold},
    {ReasonCode::kOverdueAmount, &Policy::overdue_action, RuleAction::kHold},
    {ReasonCode::kDayQuota, &Policy::quota_action, RuleAction::kHold},
    {ReasonCode::kMonthQuota, &Policy::quota_action, RuleAction::kHold},
    {ReasonCode::kWithinTolerance, &Policy::warning_action, RuleAction::kWarn},
    {ReasonCode::kCreditLimitExceeded, &Policy::limit_action, RuleAction::kHold},
    {ReasonCode::kGroupLimitExceeded, &Policy::group_limit_action, RuleAction::kHold},
    {ReasonCode::kUtilizationWarning, &Policy::warning_action, RuleAction::kWarn},
};

class RuleTest
    : public StateTest,
      public ::testing::WithParamInterface<std::tuple<RuleCase, std::optional<RuleAction>>> {
 protected:
  // Sets the rule's threshold in `policy`, builds the state in which only this rule fires and
  // returns the amount of the order that makes it fire.
  int64_t Arrange(ReasonCode code, Policy policy) {
    constexpr int64_t kOrder = 10'000;
    switch (code) {
      case ReasonCode::kMaxOrderValue:
        policy.max_order_value = Cny(50'000);
        break;
      case ReasonCode::kDaysPastDue:
        policy.max_days_past_due = 10;
        break;
      case ReasonCode::kOverdueAmount:
        policy.max_overdue_amount = Cny(1'000);
        break;
      case ReasonCode::kDayQuota:
        policy.day_quota = Cny(50'000);
        break;
      case ReasonCode::kMonthQuota:
        policy.month_quota = Cny(50'000);
        break;
      case ReasonCode::kWithinTolerance:
        policy.tolerance_bp = 1'000;
        break;
      default:
        break;
    }
    Run(SetPolicy{policy});
    Open(kLimit, policy.name);
    switch (code) {
      case ReasonCode::kAccountBlocked:
        SetAccountStatus(AccountStatus::kBlocked);
        return kOrder;
      case ReasonCode::kAccountOnHold:
        SetAccountStatus(AccountStatus::kOnHold);
        return kOrder;
      case ReasonCode::kPrepaymentOnly:
        SetAccountStatus(AccountStatus::kPrepaymentOnly);
        return kOrder;
      case ReasonCode::kReviewExpired: {
        UpdateAccount update;
        update.account = Acct();
        update.review_on = AddDays(today_, -1);
        Run(update);
        return kOrder;
      }
      case ReasonCode::kMaxOrderValue:
        return 60'000;
      case ReasonCode::kDaysPastDue:
        Invoice("INV-OLD", 10'000, AddDays(today_, -20));
        return kOrder;
      case ReasonCode::kOverdueAmount:
        Invoice("INV-LATE", 5'000, AddDays(today_, -1));
        return kOrder;
      case ReasonCode::kDayQuota:
        EXPECT_EQ(Reserve("SO-EARLIER", 30'000).outcome, Outcome::kApproved);
        return 30'000;
      case ReasonCode::kMonthQuota: {
        Date today = today_;
        SetToday(AddDays(today, -29));  // The first day of the 30-day window.
        EXPECT_EQ(Reserve("SO-EARLIER", 30'000).outcome, Outcome::kApproved);
        SetToday(today);
        return 30'000;
      }
      case ReasonCode::kWithinTolerance:
        return kLimit + 50'000;
      case ReasonCode::kCreditLimitExceeded:
        return kLimit + 200'000;
      case ReasonCode::kGroupLimitExceeded:
        Run(CreateGroup{"G1", "Acme group", Cny(50'000)});
        Run(JoinGroup{Acct(), "G1"});
        return 60'000;
      case ReasonCode::kUtilizationWarning:
        return kLimit * 85 / 100;
    }
    return kOrder;
  }
};

TEST_P(RuleTest, FiresAloneWithTheConfiguredAction) {
  const auto& [rule, configured] = GetParam();
  EXPECT_EQ(Policy{}.*rule.action, rule.default_action) << "the documented default changed";
  Policy policy;
  policy.name = "p";
  if (configured) policy.*rule.action = *configured;
  RuleAction expected = configured.value_or(rule.default_action);

  int64_t amount = Arrange(rule.code, policy);
  uint64_t holds_before = state_.hold_count();
  int64_t orders_before = View().orders_open_minor;
  Decision decision = Reserve("SO-CHECK", amount);

  if (expected == RuleAction::kOff) {
    EXPECT_TRUE(decision.reasons.empty()) << NameOf(decision.reasons[0].code);
  } else {
    ASSERT_EQ(decision.reasons.size(), 1u);
    EXPECT_EQ(decision.reasons[0].code, rule.code);
    EXPECT_EQ(decision.reasons[0].action, expected);
  }
  EXPECT_EQ(decision.outcome, OutcomeOf(expected));
  EXPECT_EQ(decision.amount_minor, amount);
  EXPECT_EQ(decision.limit_minor, kLimit);

  // The outcome decides what the order does to the account.
  switch (decision.outcome) {
    case Outcome::kApproved:
    case Outcome::kApprovedWithWarning:
      EXPECT_EQ(Order("SO-CHECK").reserved_minor, amount);
      EXPECT_EQ(View().orders_open_minor, orders_before + amount);
      break;
    case Outcome::kHeld:
      EXPECT_EQ(Order("SO-CHECK").status, OrderStatus::kHeld);
      EXPECT_EQ(Order("SO-CHECK").reserved_minor, 0);
      EXPECT_EQ(state_.hold_count(), holds_before + 1);
      EXPECT_EQ(View().orders_open_minor, orders_before);
      break;
    case Outcome::kRejected:
      EXPECT_FALSE(OrderIsOpen("SO-CHECK"));
      EXPECT_EQ(View().orders_open_minor, orders_before);
      break;
  }
}

std::string RuleTestName(
    const ::testing::TestParamInfo<std::tuple<RuleCase, std::optional<RuleAction>>>& info) {
  const auto& [rule, action] = info.param;
  return std::string(NameOf(rule.code)) + "_" +
         (action ? std::string(NameOf(*action)) : std::string("default"));
}

INSTANTIATE_TEST_SUITE_P(AllRulesAllActions, RuleTest,
                         ::testing::Combine(::testing::ValuesIn(kRuleCases),
                                            ::testing::Values(std::nullopt,
                                                              std::optional(RuleAction::kOff),
                                                              std::optional(RuleAction::kWarn),
                                                              std::optional(RuleAction::kHold),
                                                              std::optional(RuleAction::kReject))),
                         RuleTestName);

TEST_F(StateTest, DecisionBreakdownShowsEveryFigure) {
  Open(kLimit);
  AddTemporaryLimit temporary{
      Acct(), "TL-1", Cny(200'000), AddDays(today_, -1), AddDays(today_, 30), "season"};
  Run(temporary);
  AddTemporaryLimit expired{
      Acct(), "TL-OLD", Cny(50'000), AddDays(today_, -60), AddDays(today_, -1), "last season"};
  Run(expired);
  AddTemporaryLimit future{Acct(), "TL-NEXT", Cny(70'000), AddDays(today_, 1), AddDays(today_, 9),
                           "next"};
  Run(future);
  Run(AddCollateral{Acct(), "COL-1", "guarantee", Cny(300'000), AddDays(today_, 365), true});
  Run(AddCollateral{Acct(), "COL-2", "deposit", Cny(100'000), AddDays(today_, 365), false});
  Run(AddCollateral{Acct(), "COL-3", "mortgage", Cny(40'000), AddDays(today_, -1), true});
  EXPECT_EQ(Reserve("SO-1", 400'000).outcome, Outcome::kApproved);
  Invoice("INV-A", 100'000, AddDays(today_, 10));
  Invoice("INV-B", 300'000, AddDays(today_, 20));
  Pay("PAY-1", 150'000, "INV-A");  // Settles A; 50,000 stays as unapplied credit.
  ExpectTotals("before the check", 400'000, 300'000, 50'000);

  Decision d = Reserve("SO-2", 500'000);
  EXPECT_EQ(d.outcome, Outcome::kApproved);
  EXPECT_TRUE(d.reasons.empty());
  EXPECT_EQ(d.currency, CnyCurrency());
  EXPECT_EQ(d.amount_minor, 500'000);
  EXPECT_EQ(d.limit_minor, kLimit);
  EXPECT_EQ(d.effective_limit_minor, kLimit + 200'000 + 300'000);
  EXPECT_EQ(d.orders_open_minor, 400'000);
  EXPECT_EQ(d.receivables_open_minor, 300'000);
  EXPECT_EQ(d.unapplied_credit_minor, 50'000);
  EXPECT_EQ(d.exposure_before_minor, 650'000);
  EXPECT_EQ(d.available_before_minor, 850'000);
  EXPECT_EQ(d.available_after_minor, 350'000);
  EXPECT_EQ(d.utilization_after_bp, 7'666);  // 1,150,000 / 1,500,000, rounded down.
  EXPECT_EQ(d.overdue_minor, 0);
  EXPECT_EQ(d.days_past_due, 0);
  EXPECT_FALSE(d.in_group);

  AccountView view = View();
  EXPECT_EQ(view.temporary_limits_minor, 200'000);
  EXPECT_EQ(view.collateral_minor, 300'000);
  EXPECT_EQ(view.effective_limit_minor, 1'500'000);
  EXPECT_EQ(view.utilization_bp, 7'666);
  EXPECT_EQ(Order("SO-2").decision, d);
}

TEST_F(StateTest, DecisionBreakdownForAGroupAndForOverdueItems) {
  Run(CreateGroup{"G1", "Acme group", Cny(3'000'000)});
  Open(kLimit, "standard", Acct("C1"));
  Open(kLimit, "standard", Acct("C2"));
  Run(JoinGroup{Acct("C1"), "G1"});
  Run(JoinGroup{Acct("C2"), "G1"});
  Reserve("SO-C2", 700'000, 0, Acct("C2"));
  Invoice("INV-1", 100'000, AddDays(today_, -12));
  Invoice("INV-2", 50'000, AddDays(today_, -3));
  Invoice("INV-3", 70'000, today_);  // Due today: not overdue yet.

  Decision d = Reserve("SO-C1", 200'000, 0, Acct("C1"));
  EXPECT_TRUE(d.in_group);
  EXPECT_EQ(d.group_limit_minor, 3'000'000);
  EXPECT_EQ(d.group_exposure_before_minor, 700'000 + 220'000);
  EXPECT_EQ(d.group_available_after_minor, 3'000'000 - 920'000 - 200'000);
  EXPECT_EQ(d.overdue_minor, 150'000);
  EXPECT_EQ(d.days_past_due, 12);
  EXPECT_EQ(d.receivables_open_minor, 220'000);
  AccountView view = View(Acct("C1"));
  EXPECT_EQ(view.overdue_minor, 150'000);
  EXPECT_EQ(view.oldest_days_past_due, 12);
}

TEST_F(StateTest, SeveralRulesFireInCheckOrderAndTheWorstActionWins) {
  Policy policy;
  policy.name = "strict";
  policy.max_order_value = Cny(100'000);
  policy.day_quota = Cny(100'000);
  Run(SetPolicy{policy});
  Open(kLimit, "strict");
  UpdateAccount update;
  update.account = Acct();
  update.review_on = AddDays(today_, -1);
  Run(update);
  SetAccountStatus(AccountStatus::kBlocked);
  Decision d = Reserve("SO-1", kLimit + 1);
  std::vector<ReasonCode> codes;
  for (const Reason& reason : d.reasons) codes.push_back(reason.code);
  EXPECT_EQ(codes, (std::vector<ReasonCode>{ReasonCode::kAccountBlocked, ReasonCode::kReviewExpired,
                                            ReasonCode::kMaxOrderValue, ReasonCode::kDayQuota,
                                            ReasonCode::kCreditLimitExceeded}));
  EXPECT_EQ(d.outcome, Outcome::kRejected);
}

TEST_F(StateTest, RuleBoundaries) {
  Policy policy;
  policy.name = "edges";
  policy.tolerance_bp = 1'000;
  Run(SetPolicy{policy});
  Open(kLimit, "edges");
  // Utilization warning from exactly 80%.
  EXPECT_EQ(Reserve("SO-1", kLimit * 80 / 100 - 1).outcome, Outcome::kApproved);
  Run(CancelOrder{"SO-1", ""});
  EXPECT_EQ(Reserve("SO-2", kLimit * 80 / 100).outcome, Outcome::kApprovedWithWarning);
  Run(CancelOrder{"SO-2", ""});
  // Exactly at the limit is within it; exactly at limit + tolerance is within tolerance.
  Decision at_limit = Reserve("SO-3", kLimit);
  ASSERT_EQ(at_limit.reasons.size(), 1u);
  EXPECT_EQ(at_limit.reasons[0].code, ReasonCode::kUtilizationWarning);
  Run(CancelOrder{"SO-3", ""});
  Decision at_tolerance = Reserve("SO-4", kLimit + kLimit / 10);
  ASSERT_EQ(at_tolerance.reasons.size(), 1u);
  EXPECT_EQ(at_tolerance.reasons[0].code, ReasonCode::kWithinTolerance);
  Run(CancelOrder{"SO-4", ""});
  Decision past_tolerance = Reserve("SO-5", kLimit + kLimit / 10 + 1);
  ASSERT_EQ(past_tolerance.reasons.size(), 1u);
  EXPECT_EQ(past_tolerance.reasons[0].code, ReasonCode::kCreditLimitExceeded);
  EXPECT_EQ(past_tolerance.outcome, Outcome::kHeld);
}

TEST_F(StateTest, ReviewDateTodayIsNotExpired) {
  Open(kLimit);
  UpdateAccount update;
  update.account = Acct();
  update.review_on = today_;
  Run(update);
  EXPECT_TRUE(Reserve("SO-1", 10'000).reasons.empty());
  update.review_on = kNoDate;  // Clearing the review date is allowed.
  Run(update);
  EXPECT_EQ(View().review_on, kNoDate);
}

TEST_F(StateTest, MonthQuotaWindowIsThirtyBusinessDays) {
  Policy policy;
  policy.name = "quota";
  policy.month_quota = Cny(50'000);
  Run(SetPolicy{policy});
  Open(kLimit, "quota");
  Date today = today_;
  SetToday(AddDays(today, -30));  // One day before the window.
  EXPECT_EQ(Reserve("SO-OLD", 40'000).outcome, Outcome::kApproved);
  SetToday(today);
  EXPECT_EQ(Reserve("SO-NEW", 40'000).outcome, Outcome::kApproved);
  Decision over = Reserve("SO-MORE", 10'001);
  ASSERT_EQ(over.reasons.size(), 1u);
  EXPECT_EQ(over.reasons[0].code, ReasonCode::kMonthQuota);
}

TEST_F(StateTest, PrepaymentOnlyPassesWhilePrepaidCreditCoversTheExposure) {
  Open(kLimit);
  SetAccountStatus(AccountStatus::kPrepaymentOnly);
  Pay("PAY-1", 100'000);  // Prepayment: unapplied credit.
  ExpectTotals("prepaid", 0, 0, 100'000);
  Decision covered = Reserve("SO-1", 100'000);
  EXPECT_EQ(covered.outcome, Outcome::kApproved);
  EXPECT_TRUE(covered.reasons.empty());
  Decision uncovered = Reserve("SO-2", 1);
  ASSERT_EQ(uncovered.reasons.size(), 1u);
  EXPECT_EQ(uncovered.reasons[0].code, ReasonCode::kPrepaymentOnly);
  EXPECT_EQ(uncovered.outcome, Outcome::kRejected);
  ExpectTotals("after the refused order", 100'000, 0, 100'000);
}

TEST_F(StateTest, PolicyAmountsInAnotherCurrencyAreConverted) {
  Run(SetFxRate{Currency::Of("USD"), CnyCurrency(), 70'000'000'000, AddDays(today_, -1)});
  Policy policy;
  policy.name = "usd-cap";
  policy.max_order_value = Usd(10'000);  // USD 100.00 = CNY 700.00.
  Run(SetPolicy{policy});
  Open(kLimit, "usd-cap");
  EXPECT_TRUE(Reserve("SO-1", 70'000).reasons.empty());
  Decision over = Reserve("SO-2", 70'001);
  ASSERT_EQ(over.reasons.size(), 1u);
  EXPECT_EQ(over.reasons[0].code, ReasonCode::kMaxOrderValue);
}

TEST_F(StateTest, CheckIsAHypotheticalOrderThatChangesNothing) {
  Open(kLimit);
  uint64_t hash = state_.StateHash();
  Result<Decision> check = state_.Check(Acct(), Cny(kLimit + 1), today_);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->outcome, Outcome::kHeld);
  EXPECT_EQ(check->available_after_minor, -1);
  EXPECT_EQ(state_.StateHash(), hash);
  Result<Decision> invalid = state_.Check(Acct(), Cny(0), today_);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().code, ErrorCode::kInvalidAmount);
}

// ---------------------------------------------------------------------------------------------
// Lifecycle: every step with the account's totals and open items after it.

TEST_F(StateTest, ReserveApprovedReservesTheAmount) {
  Open(kLimit);
  ExpectTotals("opened", 0, 0);
  Decision d = Reserve("SO-1", 300'000);
  EXPECT_EQ(d.outcome, Outcome::kApproved);
  ExpectTotals("reserved", 300'000, 0);
  OrderView order = Order("SO-1");
  EXPECT_EQ(order.status, OrderStatus::kOpen);
  EXPECT_EQ(order.amount_minor, 300'000);
  EXPECT_EQ(order.reserved_minor, 300'000);
  EXPECT_EQ(order.requested, Cny(300'000));
  EXPECT_EQ(order.placed_at, now_);
  EXPECT_EQ(View().open_orders, 1u);
  EXPECT_EQ(state_.open_order_count(), 1u);
}

TEST_F(StateTest, ReserveInAnotherCurrencyIsConvertedAtTodaysRate) {
  Open(kLimit);
  Run(SetFxRate{Currency::Of("USD"), CnyCurrency(), 71'234'000'000, AddDays(today_, -5)});
  CommandResult result = Run(ReserveOrder{"SO-USD", Acct(), Usd(10'000), 0});
  ASSERT_TRUE(result.decision.has_value());
  EXPECT_EQ(result.decision->amount_minor, 71'234);
  EXPECT_EQ(Order("SO-USD").requested, Usd(10'000));
  ExpectTotals("reserved in USD", 71'234, 0);
}

TEST_F(StateTest, ChangeUpIsCheckedAgain) {
  Open(kLimit);
  Reserve("SO-1", 300'000);
  Decision up = Change("SO-1", 500'000);
  EXPECT_EQ(up.outcome, Outcome::kApproved);
  EXPECT_EQ(up.amount_minor, 200'000);  // Only the increase is checked.
  ExpectTotals("changed up", 500'000, 0);
  EXPECT_EQ(Order("SO-1").amount_minor, 500'000);

  // An increase past the limit cannot wait in the hold queue: it is refused, nothing moves.
  Decision refused = Change("SO-1", 1'200'000);
  EXPECT_EQ(refused.outcome, Outcome::kRejected);
  ASSERT_EQ(refused.reasons.size(), 1u);
  EXPECT_EQ(refused.reasons[0].code, ReasonCode::kCreditLimitExceeded);
  EXPECT_FALSE(std::get<OrderChanged>(events_.back().body).applied);
  ExpectTotals("refused increase", 500'000, 0);
  EXPECT_EQ(Order("SO-1").amount_minor, 500'000);
  EXPECT_EQ(state_.hold_count(), 0u);

  Decision warned = Change("SO-1", 850'000);
  EXPECT_EQ(warned.outcome, Outcome::kApprovedWithWarning);
  ExpectTotals("increase with a warning", 850'000, 0);
}

TEST_F(StateTest, ChangeDownReleasesWithoutRules) {
  Open(kLimit);
  Reserve("SO-1", 500'000);
  SetAccountStatus(AccountStatus::kBlocked);  // A decrease is never refused.
  Decision down = Change("SO-1", 200'000);
  EXPECT_EQ(down.outcome, Outcome::kApproved);
  EXPECT_TRUE(down.reasons.empty());
  EXPECT_EQ(down.amount_minor, -300'000);
  EXPECT_EQ(down.available_before_minor, kLimit - 500'000);
  EXPECT_EQ(down.available_after_minor, kLimit - 200'000);
  ExpectTotals("changed down", 200'000, 0);
  EXPECT_EQ(Order("SO-1").reserved_minor, 200'000);
}

TEST_F(StateTest, HeldOrderChangeWaitsForTheRelease) {
  Open(100'000);
  EXPECT_EQ(Reserve("SO-1", 150'000).outcome, Outcome::kHeld);
  ExpectTotals("held", 0, 0);
  EXPECT_EQ(View().held_orders, 1u);
  Decision changed = Change("SO-1", 120'000);
  EXPECT_EQ(changed.outcome, Outcome::kHeld);
  EXPECT_EQ(changed.amount_minor, -30'000);
  EXPECT_EQ(Order("SO-1").amount_minor, 120'000);
  EXPECT_EQ(Order("SO-1").reserved_minor, 0);
  ExpectTotals("held order changed", 0, 0);
  Decision up = Change("SO-1", 400'000);  // Not checked now: the release reviews the whole.
  EXPECT_EQ(up.outcome, Outcome::kHeld);
  ExpectTotals("held order increased", 0, 0);
}

TEST_F(StateTest, ReleaseReservesPastTheLimitAndRecordsWhoAndWhy) {
  Open(100'000);
  Reserve("SO-1", 150'000);
  std::vector<OrderView> holds = state_.Holds(10);
  ASSERT_EQ(holds.size(), 1u);
  EXPECT_EQ(holds[0].order_id, "SO-1");
  Envelope manager = Next();
  manager.actor = "credit.manager";
  RunWith(manager, ReleaseHold{"SO-1", "customer paid by wire today"});
  ExpectTotals("released", 150'000, 0);
  OrderView order = Order("SO-1");
  EXPECT_EQ(order.status, OrderStatus::kOpen);
  EXPECT_EQ(order.reserved_minor, 150'000);
  EXPECT_EQ(order.released_by, "credit.manager");
  EXPECT_EQ(order.release_reason, "customer paid by wire today");
  EXPECT_EQ(state_.hold_count(), 0u);
  EXPECT_TRUE(state_.Holds(10).empty());
  AccountView view = View();
  EXPECT_EQ(view.available_minor, -50'000);
  EXPECT_EQ(view.held_orders, 0u);
  EXPECT_EQ(view.open_orders, 1u);
}

TEST_F(StateTest, RejectDropsAHeldOrder) {
  Open(100'000);
  Reserve("SO-1", 150'000);
  Reserve("SO-2", 160'000);
  EXPECT_EQ(state_.hold_count(), 2u);
  Run(RejectHold{"SO-1", "no guarantee"});
  EXPECT_FALSE(OrderIsOpen("SO-1"));
  std::vector<OrderView> holds = state_.Holds(10);
  ASSERT_EQ(holds.size(), 1u);
  EXPECT_EQ(holds[0].order_id, "SO-2");
  ExpectTotals("rejected", 0, 0);
  EXPECT_EQ(View().held_orders, 1u);
}

TEST_F(StateTest, HoldQueueIsOldestFirstAndLimited) {
  Open(10'000);
  for (int i = 1; i <= 5; ++i) Reserve("SO-" + std::to_string(i), 20'000);
  std::vector<OrderView> holds = state_.Holds(3);
  ASSERT_EQ(holds.size(), 3u);
  EXPECT_EQ(holds[0].order_id, "SO-1");
  EXPECT_EQ(holds[2].order_id, "SO-3");
  Run(ReleaseHold{"SO-2", "ok"});
  holds = state_.Holds(10);
  ASSERT_EQ(holds.size(), 4u);
  EXPECT_EQ(holds[1].order_id, "SO-3");
}

TEST_F(StateTest, CancelReleasesTheReservation) {
  Open(kLimit);
  Reserve("SO-1", 300'000);
  Reserve("SO-2", 200'000);
  Run(CancelOrder{"SO-1", "customer changed their mind"});
  EXPECT_EQ(std::get<OrderCancelled>(events_.back().body).released_minor, 300'000);
  ExpectTotals("cancelled", 200'000, 0);
  EXPECT_FALSE(OrderIsOpen("SO-1"));
  EXPECT_EQ(View().open_orders, 1u);
  // The id is free again once the order is closed.
  Reserve("SO-1", 100'000);
  ExpectTotals("reused id", 300'000, 0);
}

TEST_F(StateTest, CancelAHeldOrderReleasesNothing) {
  Open(100'000);
  Reserve("SO-1", 150'000);
  Run(CancelOrder{"SO-1", ""});
  EXPECT_EQ(std::get<OrderCancelled>(events_.back().body).released_minor, 0);
  EXPECT_EQ(state_.hold_count(), 0u);
  EXPECT_EQ(View().held_orders, 0u);
  ExpectTotals("cancelled held", 0, 0);
}

TEST_F(StateTest, ExpireReleasesDueReservationsOnly) {
  Open(200'000);
  TimeMs start = now_;
  Reserve("SO-SOON", 50'000, start + 10'000);
  Reserve("SO-LATER", 60'000, start + 1'000'000);
  Reserve("SO-NEVER", 70'000);
  Reserve("SO-HELD", 500'000, start + 10'000);
  EXPECT_EQ(state_.hold_count(), 1u);
  ExpectTotals("reserved", 180'000, 0);

  Run(ExpireReservations{});  // Nothing is due yet.
  EXPECT_TRUE(std::get<ReservationsExpired>(events_.back().body).order_ids.empty());
  ExpectTotals("nothing due", 180'000, 0);

  now_ = start + 10'000 - 1000;  // Next() adds one second: exactly at expires_at.
  Run(ExpireReservations{});
  std::vector<std::string> expired = std::get<ReservationsExpired>(events_.back().body).order_ids;
  std::sort(expired.begin(), expired.end());
  EXPECT_EQ(expired, (std::vector<std::string>{"SO-HELD", "SO-SOON"}));
  ExpectTotals("expired", 130'000, 0);
  EXPECT_FALSE(OrderIsOpen("SO-SOON"));
  EXPECT_TRUE(OrderIsOpen("SO-LATER"));
  EXPECT_EQ(state_.hold_count(), 0u);
}

TEST_F(StateTest, InvoiceFromOrderPartlyThenClosingTheOrder) {
  Open(kLimit);
  Reserve("SO-1", 500'000);
  CreateInvoice first = NewInvoice("INV-1", 200'000);
  first.order_id = "SO-1";
  Run(first);
  ExpectTotals("partly invoiced", 300'000, 200'000);
  OrderView order = Order("SO-1");
  EXPECT_EQ(order.invoiced_minor, 200'000);
  EXPECT_EQ(order.reserved_minor, 300'000);

  CreateInvoice last = NewInvoice("INV-2", 100'000);
  last.order_id = "SO-1";
  last.close_order = true;  // The rest of the order will not ship.
  Run(last);
  const auto& created = std::get<InvoiceCreated>(events_.back().body);
  EXPECT_EQ(created.reservation_consumed_minor, 100'000);
  EXPECT_EQ(created.reservation_released_minor, 200'000);
  ExpectTotals("closed", 0, 300'000);
  EXPECT_FALSE(OrderIsOpen("SO-1"));
  EXPECT_EQ(View().open_invoices, 2u);
}

TEST_F(StateTest, InvoiceForTheWholeOrderClosesIt) {
  Open(kLimit);
  Reserve("SO-1", 400'000);
  CreateInvoice invoice = NewInvoice("INV-1", 400'000);
  invoice.order_id = "SO-1";
  Run(invoice);
  ExpectTotals("fully invoiced", 0, 400'000);
  EXPECT_FALSE(OrderIsOpen("SO-1"));
  EXPECT_EQ(View().open_orders, 0u);

  // An invoice above the reservation consumes all of it and receives the full amount.
  Reserve("SO-2", 100'000);
  CreateInvoice bigger = NewInvoice("INV-2", 150'000);
  bigger.order_id = "SO-2";
  Run(bigger);
  EXPECT_EQ(std::get<InvoiceCreated>(events_.back().body).reservation_consumed_minor, 100'000);
  ExpectTotals("invoiced above the order", 0, 550'000);
  EXPECT_FALSE(OrderIsOpen("SO-2"));
}

TEST_F(StateTest, ChangeAfterPartialInvoiceKeepsTheReservationExact) {
  Open(kLimit);
  Reserve("SO-1", 500'000);
  CreateInvoice invoice = NewInvoice("INV-1", 200'000);
  invoice.order_id = "SO-1";
  Run(invoice);
  Change("SO-1", 350'000);
  EXPECT_EQ(Order("SO-1").reserved_minor, 150'000);  // 350,000 ordered - 200,000 invoiced.
  ExpectTotals("decreased", 150'000, 200'000);
  Change("SO-1", 600'000);
  EXPECT_EQ(Order("SO-1").reserved_minor, 400'000);
  ExpectTotals("increased", 400'000, 200'000);
  ExpectError(ChangeOrder{"SO-1", Cny(199'999)}, ErrorCode::kInvalidAmount);
}

TEST_F(StateTest, StandaloneInvoiceIsDueAfterThePaymentTerms) {
  Open(kLimit);
  UpdateAccount update;
  update.account = Acct();
  update.payment_terms_days = 45;
  Run(update);
  CreateInvoice invoice = NewInvoice("INV-1", 120'000);
  invoice.issued_on = Day("2026-03-01");
  Run(invoice);
  EXPECT_EQ(std::get<InvoiceCreated>(events_.back().body).due_on, Day("2026-04-15"));
  ExpectTotals("invoiced", 0, 120'000);
  Result<std::vector<InvoiceView>> invoices = state_.OpenInvoices(Acct(), today_);
  ASSERT_TRUE(invoices.ok());
  ASSERT_EQ(invoices->size(), 1u);
  EXPECT_EQ((*invoices)[0].due_on, Day("2026-04-15"));
  EXPECT_EQ((*invoices)[0].issued_on, Day("2026-03-01"));
  EXPECT_EQ((*invoices)[0].days_past_due, 0);
  EXPECT_EQ((*invoices)[0].order_id, "");

  SetToday(Day("2026-04-20"));
  invoices = state_.OpenInvoices(Acct(), today_);
  ASSERT_TRUE(invoices.ok());
  EXPECT_EQ((*invoices)[0].days_past_due, 5);
  AccountView view = View();
  EXPECT_EQ(view.overdue_minor, 120'000);
  EXPECT_EQ(view.oldest_days_past_due, 5);
}

TEST_F(StateTest, PaymentsSettleNamedInvoicesOrTheOldestDueFirst) {
  Open(kLimit);
  Invoice("INV-C", 300'000, AddDays(today_, 20));  // Created first, due last.
  Invoice("INV-A", 100'000, AddDays(today_, -9));
  Invoice("INV-B", 200'000, AddDays(today_, -5));
  ExpectTotals("three invoices", 0, 600'000);

  Pay("PAY-1", 150'000);  // Oldest due first: all of A, then half of B.
  const auto& first = std::get<PaymentRecorded>(events_.back().body);
  ASSERT_EQ(first.allocations.size(), 2u);
  EXPECT_EQ(first.allocations[0], (Allocation{"INV-A", 100'000}));
  EXPECT_EQ(first.allocations[1], (Allocation{"INV-B", 50'000}));
  EXPECT_EQ(OpenAmount("INV-A"), 0);
  EXPECT_EQ(OpenAmount("INV-B"), 150'000);
  ExpectTotals("oldest first", 0, 450'000);

  Pay("PAY-2", 100'000, "INV-C");  // Named: C, although B is older.
  EXPECT_EQ(OpenAmount("INV-B"), 150'000);
  EXPECT_EQ(OpenAmount("INV-C"), 200'000);
  ExpectTotals("named", 0, 350'000);

  Pay("PAY-3", 500'000);  // Overpayment: the rest is unapplied credit.
  EXPECT_EQ(std::get<PaymentRecorded>(events_.back().body).unapplied_minor, 150'000);
  ExpectTotals("overpaid", 0, 0, 150'000);
  EXPECT_EQ(View().open_invoices, 0u);
  EXPECT_EQ(View().available_minor, kLimit + 150'000);

  Run(NewInvoice("INV-D", 100'000));  // Settled at once by the credit.
  EXPECT_EQ(std::get<InvoiceCreated>(events_.back().body).credit_applied_minor, 100'000);
  ExpectTotals("credit applied in full", 0, 0, 50'000);
  EXPECT_EQ(View().open_invoices, 0u);

  Run(NewInvoice("INV-E", 80'000));
  ExpectTotals("credit applied in part", 0, 30'000, 0);
  EXPECT_EQ(OpenAmount("INV-E"), 30'000);
}

TEST_F(StateTest, NamedPaymentAboveTheInvoiceKeepsTheRestAsCredit) {
  Open(kLimit);
  Invoice("INV-A", 100'000, AddDays(today_, 5));
  Invoice("INV-B", 100'000, AddDays(today_, 6));
  Pay("PAY-1", 130'000, "INV-B");
  EXPECT_EQ(OpenAmount("INV-A"), 100'000);
  EXPECT_EQ(OpenAmount("INV-B"), 0);
  ExpectTotals("named overpayment", 0, 100'000, 30'000);
}

TEST_F(StateTest, PaymentInAnotherCurrencyIsConvertedOnTheReceiptDate) {
  Open(kLimit);
  Run(SetFxRate{Currency::Of("USD"), CnyCurrency(), 70'000'000'000, AddDays(today_, -10)});
  Run(SetFxRate{Currency::Of("USD"), CnyCurrency(), 72'000'000'000, today_});
  Invoice("INV-1", 200'000, AddDays(today_, 10));
  Run(RecordPayment{"PAY-1", Acct(), "", Usd(10'000), AddDays(today_, -1)});
  EXPECT_EQ(std::get<PaymentRecorded>(events_.back().body).amount_minor, 70'000);
  ExpectTotals("paid in USD", 0, 130'000);
}

TEST_F(StateTest, CreditNoteReducesTheInvoiceLikeAPayment) {
  Open(kLimit);
  Invoice("INV-1", 100'000, AddDays(today_, 30));
  Run(IssueCreditNote{"CN-1", Acct(), "INV-1", Cny(40'000), today_, "damaged goods"});
  EXPECT_EQ(OpenAmount("INV-1"), 60'000);
  ExpectTotals("credit note", 0, 60'000);
  Run(IssueCreditNote{"CN-2", Acct(), "INV-1", Cny(100'000), today_, "price correction"});
  EXPECT_EQ(std::get<CreditNoteIssued>(events_.back().body).unapplied_minor, 40'000);
  ExpectTotals("credit note above the invoice", 0, 0, 40'000);
}

TEST_F(StateTest, WriteOffPartThenTheRest) {
  Open(kLimit);
  Invoice("INV-1", 100'000, AddDays(today_, -200));
  Run(WriteOff{"WO-1", "INV-1", Cny(30'000), "insolvency: first dividend"});
  EXPECT_EQ(OpenAmount("INV-1"), 70'000);
  EXPECT_EQ(View().written_off_minor, 30'000);
  ExpectTotals("partly written off", 0, 70'000);
  Run(WriteOff{"WO-2", "INV-1", std::nullopt, "insolvency closed"});
  EXPECT_EQ(std::get<WrittenOff>(events_.back().body).amount_minor, 70'000);
  EXPECT_EQ(View().written_off_minor, 100'000);
  EXPECT_EQ(View().open_invoices, 0u);
  ExpectTotals("written off", 0, 0);
  ExpectError(WriteOff{"WO-3", "INV-1", std::nullopt, ""}, ErrorCode::kInvoiceNotFound);
}

TEST_F(StateTest, GroupExposureFollowsItsMembers) {
  Run(CreateGroup{"G1", "Acme group", Cny(2'000'000)});
  Open(kLimit, "standard", Acct("C1"));
  AddCustomer("C2");
  OpenAccount joined = NewAccount(Acct("C2"), kLimit);
  joined.group_id = "G1";
  Run(joined);
  Reserve("SO-1", 300'000, 0, Acct("C1"));
  Reserve("SO-2", 200'000, 0, Acct("C2"));
  EXPECT_EQ(state_.ViewGroup("G1")->exposure_minor, 200'000);
  Run(JoinGroup{Acct("C1"), "G1"});
  Result<GroupView> group = state_.ViewGroup("G1");
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(group->exposure_minor, 500'000);
  EXPECT_EQ(group->available_minor, 1'500'000);
  EXPECT_EQ(group->members.size(), 2u);
  EXPECT_EQ(View(Acct("C1")).group_id, "G1");

  CreateInvoice invoice = NewInvoice("INV-1", 300'000, Acct("C1"));
  invoice.order_id = "SO-1";
  Run(invoice);
  Run(RecordPayment{"PAY-1", Acct("C1"), "", Cny(350'000), today_});
  ExpectTotals("C1 overpaid", 0, 0, 50'000, Acct("C1"));
  EXPECT_EQ(state_.ViewGroup("G1")->exposure_minor, 200'000 - 50'000);

  Run(SetGroupLimit{"G1", Cny(100'000), "cut"});
  Decision d = Reserve("SO-3", 10'000, 0, Acct("C2"));
  ASSERT_EQ(d.reasons.size(), 1u);
  EXPECT_EQ(d.reasons[0].code, ReasonCode::kGroupLimitExceeded);

  Run(LeaveGroup{Acct("C2")});
  EXPECT_EQ(state_.ViewGroup("G1")->exposure_minor, -50'000);
  EXPECT_EQ(state_.ViewGroup("G1")->members.size(), 1u);
  EXPECT_EQ(View(Acct("C2")).group_id, "");
}

TEST_F(StateTest, TemporaryLimitsAndCollateralComeAndGo) {
  Open(kLimit);
  Run(AddTemporaryLimit{Acct(), "TL-1", Cny(500'000), today_, today_, "one day"});
  EXPECT_EQ(View().effective_limit_minor, 1'500'000);
  Run(AddCollateral{Acct(), "COL-1", "letter_of_credit", Cny(250'000), today_, true});
  EXPECT_EQ(View().effective_limit_minor, 1'750'000);
  Run(RemoveTemporaryLimit{Acct(), "TL-1"});
  Run(RemoveCollateral{Acct(), "COL-1"});
  EXPECT_EQ(View().effective_limit_minor, kLimit);
  Run(SetLimit{Acct(), Cny(2'000'000), "annual review"});
  EXPECT_EQ(View().limit_minor, 2'000'000);
  ExpectError(RemoveTemporaryLimit{Acct(), "TL-1"}, ErrorCode::kTemporaryLimitNotFound);
  ExpectError(RemoveCollateral{Acct(), "COL-1"}, ErrorCode::kCollateralNotFound);
}

TEST_F(StateTest, CustomerAndAccountUpdates) {
  Open(kLimit, "standard", Acct("C1", "EU"));
  Run(UpdateCustomer{"C1", std::string("Acme Europe GmbH"), std::nullopt, std::string("west"),
                     std::vector<std::string>{"export"}});
  const Customer* customer = state_.FindCustomer("C1");
  ASSERT_NE(customer, nullptr);
  EXPECT_EQ(customer->name, "Acme Europe GmbH");
  EXPECT_EQ(customer->industry, "steel");
  EXPECT_EQ(customer->region, "west");
  EXPECT_EQ(customer->tags, std::vector<std::string>{"export"});
  AccountView view = View(Acct("C1", "EU"));
  EXPECT_EQ(view.customer_name, "Acme Europe GmbH");
  EXPECT_EQ(view.ref, Acct("C1", "EU"));
  ExpectError(ReserveOrder{"SO-1", Acct("C1"), Cny(1), 0}, ErrorCode::kAccountNotFound);
}

// ---------------------------------------------------------------------------------------------
// Idempotency.

TEST_F(StateTest, SameKeyAndSameCommandReplaysTheFirstResult) {
  Open(kLimit);
  Envelope first = Next();
  first.idempotency_key = "erp:SO-1";
  ReserveOrder command{"SO-1", Acct(), Cny(900'000), 0};
  CommandResult original = RunWith(first, command);
  uint64_t hash = state_.StateHash();
  size_t events = events_.size();

  Envelope retry = Next();
  retry.idempotency_key = "erp:SO-1";
  retry.actor = "erp-retry-worker";
  Result<CommandResult> replay = state_.Execute(retry, command, &events_);
  ASSERT_TRUE(replay.ok()) << replay.error().message;
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->seq, original.seq);
  ASSERT_TRUE(replay->decision.has_value());
  EXPECT_EQ(*replay->decision, *original.decision);
  EXPECT_EQ(replay->decision->outcome, Outcome::kApprovedWithWarning);
  EXPECT_EQ(events_.size(), events);
  EXPECT_EQ(state_.StateHash(), hash);
  ExpectTotals("after the retry", 900'000, 0);
}

TEST_F(StateTest, SameKeyAndAnotherCommandIsAConflict) {
  Open(kLimit);
  Envelope first = Next();
  first.idempotency_key = "erp:SO-1";
  RunWith(first, ReserveOrder{"SO-1", Acct(), Cny(100'000), 0});
  Envelope other = Next();
  other.idempotency_key = "erp:SO-1";
  Error error = ExpectErrorWith(other, ReserveOrder{"SO-1", Acct(), Cny(100'001), 0},
                                ErrorCode::kIdempotencyConflict);
  EXPECT_EQ(error.field, "idempotency_key");
  ExpectTotals("after the conflict", 100'000, 0);
}

TEST_F(StateTest, AFailedCommandDoesNotUseUpItsKey) {
  Open(kLimit);
  Envelope envelope = Next();
  envelope.idempotency_key = "erp:SO-1";
  ExpectErrorWith(envelope, ReserveOrder{"SO-1", Acct("C9"), Cny(100), 0},
                  ErrorCode::kCustomerNotFound);
  RunWith(envelope, ReserveOrder{"SO-1", Acct(), Cny(100), 0});
  ExpectTotals("after the corrected retry", 100, 0);
}

TEST_F(StateTest, KeyIsForgottenAfterTheRetention) {
  StateOptions options;
  options.idempotency_retention_ms = 60'000;
  UseOptions(options);
  Open(kLimit);
  Envelope first = Next();
  first.idempotency_key = "erp:batch-1";
  CommandResult original = RunWith(first, ReserveOrder{"SO-1", Acct(), Cny(100), 0});

  Envelope at_retention = first;
  at_retention.time = first.time + 60'000;  // Still remembered at exactly the retention.
  ExpectErrorWith(at_retention, ReserveOrder{"SO-2", Acct(), Cny(200), 0},
                  ErrorCode::kIdempotencyConflict);

  Envelope after = first;
  after.time = first.time + 60'001;  // No other traffic in between.
  now_ = after.time;
  CommandResult reused = RunWith(after, ReserveOrder{"SO-2", Acct(), Cny(200), 0});
  EXPECT_GT(reused.seq, original.seq);
  ExpectTotals("key reused", 300, 0);

  // The new use is remembered in turn.
  Envelope retry = after;
  retry.time += 1000;
  Result<CommandResult> replay =
      state_.Execute(retry, ReserveOrder{"SO-2", Acct(), Cny(200), 0}, &events_);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->seq, reused.seq);
}

TEST_F(StateTest, ExpiredKeysAreDroppedAsTrafficMovesOn) {
  StateOptions options;
  options.idempotency_retention_ms = 60'000;
  UseOptions(options);
  Open(kLimit);
  size_t remembered = state_.idempotency_record_count();
  EXPECT_EQ(remembered, 2u);  // The customer and the account.
  now_ += 120'000;
  Reserve("SO-1", 100);  // Forgets both older keys.
  EXPECT_EQ(state_.idempotency_record_count(), 1u);
  Envelope old = Next();
  old.idempotency_key = events_.front().idempotency_key;  // The customer's key, now free.
  RunWith(old, CreateCustomer{"C2", "Beta", "", "", {}});
}

TEST_F(StateTest, ReplayedStateRemembersTheSameKeys) {
  Open(kLimit);
  Envelope first = Next();
  first.idempotency_key = "erp:SO-1";
  ReserveOrder command{"SO-1", Acct(), Cny(100), 0};
  RunWith(first, command);
  State replayed(options_);
  for (const Event& event : events_) replayed.Apply(event);
  Envelope retry = Next();
  retry.idempotency_key = "erp:SO-1";
  Result<CommandResult> replay = replayed.Execute(retry, command);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  Result<CommandResult> conflict =
      replayed.Execute(retry, ReserveOrder{"SO-1", Acct(), Cny(101), 0});
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, ErrorCode::kIdempotencyConflict);
}

TEST_F(StateTest, AnEmptyKeyIsNotDeduplicated) {
  Open(kLimit);
  Envelope envelope = Next();
  envelope.idempotency_key.clear();
  RunWith(envelope, RecordPayment{"PAY-1", Acct(), "", Cny(100), today_});
  envelope.time += 1000;
  RunWith(envelope, RecordPayment{"PAY-1", Acct(), "", Cny(100), today_});
  ExpectTotals("paid twice", 0, 0, 200);
}

// ---------------------------------------------------------------------------------------------
// Error paths: the specific code, and nothing changes (checked in ExpectError).

TEST_F(StateTest, UnknownCustomerAccountOrderInvoiceGroupOrPolicy) {
  Open(kLimit);
  ExpectError(OpenAccount(NewAccount(Acct("C9"), kLimit)), ErrorCode::kCustomerNotFound);
  ExpectError(ReserveOrder{"SO-1", Acct("C9"), Cny(100), 0}, ErrorCode::kCustomerNotFound);
  ExpectError(ReserveOrder{"SO-1", Acct("C1", "EU"), Cny(100), 0}, ErrorCode::kAccountNotFound);
  ExpectError(UpdateCustomer{"C9", std::string("x"), {}, {}, {}}, ErrorCode::kCustomerNotFound);
  ExpectError(SetLimit{Acct("C9"), Cny(1), ""}, ErrorCode::kCustomerNotFound);
  ExpectError(ChangeOrder{"SO-9", Cny(100)}, ErrorCode::kOrderNotFound);
  ExpectError(CancelOrder{"SO-9", ""}, ErrorCode::kOrderNotFound);
  ExpectError(ReleaseHold{"SO-9", "ok"}, ErrorCode::kOrderNotFound);
  ExpectError(RejectHold{"SO-9", "no"}, ErrorCode::kOrderNotFound);
  ExpectError(RecordPayment{"PAY-1", Acct(), "INV-9", Cny(100), today_},
              ErrorCode::kInvoiceNotFound);
  ExpectError(WriteOff{"WO-1", "INV-9", std::nullopt, ""}, ErrorCode::kInvoiceNotFound);
  ExpectError(JoinGroup{Acct(), "G9"}, ErrorCode::kGroupNotFound);
  ExpectError(SetGroupLimit{"G9", Cny(1), ""}, ErrorCode::kGroupNotFound);
  ExpectError(OpenAccount(NewAccount(Acct("C1", "EU"), kLimit, "missing")),
              ErrorCode::kPolicyNotFound);
  UpdateAccount update;
  update.account = Acct();
  update.policy = "missing";
  ExpectError(update, ErrorCode::kPolicyNotFound);
  EXPECT_FALSE(state_.ViewAccount(Acct("C9"), today_).ok());
  EXPECT_EQ(state_.ViewGroup("G9").error().code, ErrorCode::kGroupNotFound);
}

TEST_F(StateTest, DuplicateIds) {
  Open(kLimit);
  Run(CreateGroup{"G1", "", Cny(1)});
  Reserve("SO-1", 100);
  Run(NewInvoice("INV-1", 100));
  Run(AddTemporaryLimit{Acct(), "TL-1", Cny(1), today_, today_, ""});
  Run(AddCollateral{Acct(), "COL-1", "deposit", Cny(1), today_, true});
  ExpectError(CreateCustomer{"C1", "again", "", "", {}}, ErrorCode::kDuplicateId);
  ExpectError(OpenAccount(NewAccount(Acct(), kLimit)), ErrorCode::kDuplicateId);
  ExpectError(ReserveOrder{"SO-1", Acct(), Cny(100), 0}, ErrorCode::kDuplicateId);
  ExpectError(NewInvoice("INV-1", 100), ErrorCode::kDuplicateId);
  ExpectError(CreateGroup{"G1", "", Cny(1)}, ErrorCode::kDuplicateId);
  ExpectError(AddTemporaryLimit{Acct(), "TL-1", Cny(1), today_, today_, ""},
              ErrorCode::kDuplicateId);
  ExpectError(AddCollateral{Acct(), "COL-1", "deposit", Cny(1), today_, true},
              ErrorCode::kDuplicateId);
}

TEST_F(StateTest, CurrencyMismatches) {
  Open(kLimit);
  Run(CreateGroup{"G-USD", "", Usd(1'000'000)});
  Reserve("SO-1", 100);
  Run(NewInvoice("INV-1", 100));
  ExpectError(SetLimit{Acct(), Usd(1), ""}, ErrorCode::kCurrencyMismatch);
  ExpectError(AddTemporaryLimit{Acct(), "TL-1", Usd(1), today_, today_, ""},
              ErrorCode::kCurrencyMismatch);
  ExpectError(AddCollateral{Acct(), "COL-1", "deposit", Usd(1), today_, true},
              ErrorCode::kCurrencyMismatch);
  ExpectError(ChangeOrder{"SO-1", Usd(100)}, ErrorCode::kCurrencyMismatch);
  ExpectError(WriteOff{"WO-1", "INV-1", Usd(100), ""}, ErrorCode::kCurrencyMismatch);
  ExpectError(JoinGroup{Acct(), "G-USD"}, ErrorCode::kCurrencyMismatch);
  OpenAccount in_usd_group = NewAccount(Acct("C1", "EU"), kLimit);
  in_usd_group.group_id = "G-USD";
  ExpectError(in_usd_group, ErrorCode::kCurrencyMismatch);
  ExpectError(SetGroupLimit{"G-USD", Cny(1), ""}, ErrorCode::kCurrencyMismatch);
}

TEST_F(StateTest, MissingFxRate) {
  Open(kLimit);
  ExpectError(ReserveOrder{"SO-1", Acct(), Usd(100), 0}, ErrorCode::kFxRateNotFound);
  CreateInvoice invoice = NewInvoice("INV-1", 100);
  invoice.amount = Usd(100);
  ExpectError(invoice, ErrorCode::kFxRateNotFound);
  ExpectError(RecordPayment{"PAY-1", Acct(), "", Usd(100), today_}, ErrorCode::kFxRateNotFound);
  // A rate that takes effect tomorrow does not help today.
  Run(SetFxRate{Currency::Of("USD"), CnyCurrency(), 70'000'000'000, AddDays(today_, 1)});
  ExpectError(ReserveOrder{"SO-1", Acct(), Usd(100), 0}, ErrorCode::kFxRateNotFound);
  Policy policy;
  policy.name = "usd-cap";
  policy.max_order_value = Usd(100);
  UsePolicy(policy);
  ExpectError(ReserveOrder{"SO-1", Acct(), Cny(100), 0}, ErrorCode::kFxRateNotFound);
}

TEST_F(StateTest, InvalidAmounts) {
  Open(kLimit);
  for (int64_t minor : {int64_t{0}, int64_t{-1}, kAmountMinorMax + 1, INT64_MIN, INT64_MAX}) {
    SCOPED_TRACE(minor);
    ExpectError(ReserveOrder{"SO-1", Acct(), Cny(minor), 0}, ErrorCode::kInvalidAmount);
    ExpectError(NewInvoice("INV-1", minor), ErrorCode::kInvalidAmount);
    ExpectError(RecordPayment{"PAY-1", Acct(), "", Cny(minor), today_}, ErrorCode::kInvalidAmount);
    ExpectError(IssueCreditNote{"CN-1", Acct(), "", Cny(minor), today_, ""},
                ErrorCode::kInvalidAmount);
    ExpectError(AddTemporaryLimit{Acct(), "TL-1", Cny(minor), today_, today_, ""},
                ErrorCode::kInvalidAmount);
  }
  for (int64_t minor : {int64_t{-1}, kAmountMinorMax + 1}) {
    ExpectError(SetLimit{Acct(), Cny(minor), ""}, ErrorCode::kInvalidAmount);
    ExpectError(CreateGroup{"G1", "", Cny(minor)}, ErrorCode::kInvalidAmount);
    ExpectError(OpenAccount(NewAccount(Acct("C1", "EU"), minor)), ErrorCode::kInvalidAmount);
  }
  Run(SetLimit{Acct(), Cny(0), "closed"});  // Zero is a valid limit.
  Run(SetLimit{Acct(), Cny(kAmountMinorMax), "largest"});
  EXPECT_EQ(Reserve("SO-MAX", kAmountMinorMax).outcome, Outcome::kApprovedWithWarning);
  ExpectError(ReserveOrder{"SO-1", Acct(), Money{100, Currency()}, 0}, ErrorCode::kUnknownCurrency);
  Reserve("SO-2", 100);
  ExpectError(ChangeOrder{"SO-2", Cny(0)}, ErrorCode::kInvalidAmount);
  ExpectError(ChangeOrder{"SO-2", Cny(-5)}, ErrorCode::kInvalidAmount);
  Run(NewInvoice("INV-1", 500));
  ExpectError(WriteOff{"WO-1", "INV-1", Cny(501), ""}, ErrorCode::kInvalidAmount);
  ExpectError(WriteOff{"WO-1", "INV-1", Cny(0), ""}, ErrorCode::kInvalidAmount);
}

TEST_F(StateTest, ConversionToZeroIsRefused) {
  Open(kLimit);
  Run(SetFxRate{Currency::Of("USD"), CnyCurrency(), 1'000'000'000, AddDays(today_, -1)});
  // USD 0.01 at 0.1 is CNY 0.001: nothing to reserve.
  ExpectError(ReserveOrder{"SO-1", Acct(), Usd(1), 0}, ErrorCode::kInvalidAmount);
}

TEST_F(StateTest, InvalidIds) {
  Open(kLimit);
  const std::string longest(kIdBytesMax, 'a');
  const std::string too_long(kIdBytesMax + 1, 'a');
  for (const std::string& id : {std::string("SO/1"), std::string("SO 1"), too_long,
                                std::string("SO\n1"), std::string("订单1"), std::string("a#b")}) {
    SCOPED_TRACE(id);
    ExpectError(ReserveOrder{id, Acct(), Cny(100), 0}, ErrorCode::kInvalidId);
    ExpectError(CreateCustomer{id, "name", "", "", {}}, ErrorCode::kInvalidId);
    ExpectError(NewInvoice(id, 100), ErrorCode::kInvalidId);
    ExpectError(RecordPayment{id, Acct(), "", Cny(100), today_}, ErrorCode::kInvalidId);
    ExpectError(CreateGroup{id, "", Cny(1)}, ErrorCode::kInvalidId);
    ExpectError(OpenAccount(NewAccount(Acct("C1", id), kLimit)), ErrorCode::kInvalidId);
    if (id != too_long) {  // A 65-byte key is fine: keys may be longer than ids.
      Envelope envelope = Next();
      envelope.idempotency_key = id;
      ExpectErrorWith(envelope, ReserveOrder{"SO-1", Acct(), Cny(100), 0}, ErrorCode::kInvalidId);
    }
  }
  ExpectError(ReserveOrder{"", Acct(), Cny(100), 0}, ErrorCode::kMissingField);
  ExpectError(CreateCustomer{"", "name", "", "", {}}, ErrorCode::kMissingField);
  Reserve(longest, 100);
  AddCustomer(longest);
  EXPECT_EQ(Order(longest).reserved_minor, 100);
}

TEST_F(StateTest, IdempotencyKeysMayBeLongerThanIds) {
  Open(kLimit);
  Envelope envelope = Next();
  envelope.idempotency_key = std::string(kIdempotencyKeyBytesMax + 1, 'k');
  ExpectErrorWith(envelope, ReserveOrder{"SO-1", Acct(), Cny(100), 0}, ErrorCode::kInvalidId);
  envelope.idempotency_key = std::string(kIdempotencyKeyBytesMax, 'k');
  RunWith(envelope, ReserveOrder{"SO-1", Acct(), Cny(100), 0});
  EXPECT_TRUE(state_.Execute(envelope, ReserveOrder{"SO-1", Acct(), Cny(100), 0})->replayed);
}

TEST_F(StateTest, AnIdWithASlashCannotReachASegmentAccount) {
  // "C1/EU" is the key of customer C1's EU account; as a customer id it must be refused, not
  // read as that account.
  Open(kLimit, "standard", Acct("C1", "EU"));
  ExpectError(ReserveOrder{"SO-1", Acct("C1/EU"), Cny(100), 0}, ErrorCode::kInvalidId);
  ExpectError(SetLimit{Acct("C1/EU"), Cny(100), ""}, ErrorCode::kInvalidId);
  ExpectError(NewInvoice("INV-1", 100, Acct("C1/EU")), ErrorCode::kInvalidId);
  ExpectError(SetStatus{Acct("C1/EU"), AccountStatus::kBlocked, ""}, ErrorCode::kInvalidId);
  ExpectError(RecordPayment{"PAY-1", Acct("C1/EU"), "", Cny(100), today_}, ErrorCode::kInvalidId);
  EXPECT_FALSE(state_.ViewAccount(Acct("C1/EU"), today_).ok());
}

TEST_F(StateTest, InvalidText) {
  Open(kLimit);
  for (const std::string& name :
       {std::string("\xff"), std::string("Acme \xc0\xaf"), std::string("\xed\xa0\x80"),
        std::string("\xe4\xb8"), std::string("line\nbreak"), std::string("nul\0x", 5),
        std::string("\x7f"), std::string("\xf4\x90\x80\x80"), std::string(501, 'a')}) {
    SCOPED_TRACE(name);
    ExpectError(CreateCustomer{"C2", name, "", "", {}}, ErrorCode::kInvalidArgument);
    ExpectError(UpdateCustomer{"C1", name, {}, {}, {}}, ErrorCode::kInvalidArgument);
    ExpectError(SetStatus{Acct(), AccountStatus::kBlocked, name}, ErrorCode::kInvalidArgument);
    Envelope envelope = Next();
    envelope.actor = name;
    ExpectErrorWith(envelope, ReserveOrder{"SO-1", Acct(), Cny(100), 0},
                    ErrorCode::kInvalidArgument);
  }
  ExpectError(CreateCustomer{"C2", "", "", "", {}}, ErrorCode::kMissingField);
  ExpectError(CreateCustomer{"C2", "ok", "", "", {"good", ""}}, ErrorCode::kMissingField);
  ExpectError(CreateCustomer{"C2", "ok", "", "", std::vector<std::string>(33, "t")},
              ErrorCode::kInvalidArgument);
  Run(CreateCustomer{"C2", "北京信用管理有限公司 😀", "", "", {}});
  Run(CreateCustomer{"C3", std::string(500, 'a'), "", "", {}});
}

TEST_F(StateTest, InvalidDates) {
  Open(kLimit);
  CreateInvoice backwards = NewInvoice("INV-1", 100);
  backwards.due_on = AddDays(backwards.issued_on, -1);
  ExpectError(backwards, ErrorCode::kInvalidDate);
  CreateInvoice no_issue_date = NewInvoice("INV-1", 100);
  no_issue_date.issued_on = kNoDate;
  ExpectError(no_issue_date, ErrorCode::kInvalidDate);
  CreateInvoice far_future = NewInvoice("INV-1", 100);
  far_future.due_on = AddDays(DateFromCivil(kYearMax, 12, 31), 1);
  ExpectError(far_future, ErrorCode::kInvalidDate);
  CreateInvoice same_day = NewInvoice("INV-1", 100);
  same_day.due_on = same_day.issued_on;
  Run(same_day);
  ExpectError(AddTemporaryLimit{Acct(), "TL-1", Cny(1), today_, AddDays(today_, -1), ""},
              ErrorCode::kInvalidDate);
  ExpectError(RecordPayment{"PAY-1", Acct(), "", Cny(1), kNoDate}, ErrorCode::kInvalidDate);
  ExpectError(ReserveOrder{"SO-1", Acct(), Cny(1), -1}, ErrorCode::kInvalidDate);
  ExpectError(SetFxRate{Currency::Of("USD"), CnyCurrency(), 1, kNoDate}, ErrorCode::kInvalidDate);
  Envelope no_today = Next();
  no_today.today = kNoDate;
  ExpectErrorWith(no_today, ReserveOrder{"SO-1", Acct(), Cny(1), 0}, ErrorCode::kInvalidDate);
}

TEST_F(StateTest, InvalidStates) {
  Open(100'000);
  Reserve("SO-OPEN", 10'000);
  Reserve("SO-HELD", 500'000);
  ExpectError(ReleaseHold{"SO-OPEN", "ok"}, ErrorCode::kInvalidState);
  ExpectError(RejectHold{"SO-OPEN", "no"}, ErrorCode::kInvalidState);
  ExpectError(ReleaseHold{"SO-HELD", ""}, ErrorCode::kMissingField);
  CreateInvoice from_held = NewInvoice("INV-1", 100);
  from_held.order_id = "SO-HELD";
  ExpectError(from_held, ErrorCode::kInvalidState);
  CreateInvoice close_nothing = NewInvoice("INV-1", 100);
  close_nothing.close_order = true;
  ExpectError(close_nothing, ErrorCode::kInvalidArgument);
  ExpectError(LeaveGroup{Acct()}, ErrorCode::kInvalidState);
  Run(CreateGroup{"G1", "", Cny(1)});
  Run(CreateGroup{"G2", "", Cny(1)});
  Run(JoinGroup{Acct(), "G1"});
  ExpectError(JoinGroup{Acct(), "G2"}, ErrorCode::kInvalidState);

  Open(kLimit, "standard", Acct("C2"));
  Reserve("SO-C2", 100, 0, Acct("C2"));
  Run(NewInvoice("INV-C2", 100, Acct("C2")));
  CreateInvoice other_account = NewInvoice("INV-2", 100);
  other_account.order_id = "SO-C2";
  ExpectError(other_account, ErrorCode::kInvalidState);
  ExpectError(RecordPayment{"PAY-1", Acct(), "INV-C2", Cny(100), today_}, ErrorCode::kInvalidState);
  ExpectError(IssueCreditNote{"CN-1", Acct(), "INV-C2", Cny(100), today_, ""},
              ErrorCode::kInvalidState);
}

TEST_F(StateTest, InvalidSettings) {
  Open(kLimit);
  OpenAccount terms = NewAccount(Acct("C1", "EU"), kLimit);
  terms.payment_terms_days = -1;
  ExpectError(terms, ErrorCode::kInvalidArgument);
  terms.payment_terms_days = 3651;
  ExpectError(terms, ErrorCode::kInvalidArgument);
  OpenAccount grade = NewAccount(Acct("C1", "EU"), kLimit);
  grade.grade = std::string(17, 'A');
  ExpectError(grade, ErrorCode::kInvalidArgument);
  OpenAccount no_currency = NewAccount(Acct("C1", "EU"), kLimit);
  no_currency.currency = Currency();
  ExpectError(no_currency, ErrorCode::kUnknownCurrency);

  Policy policy;
  policy.name = "bad";
  policy.tolerance_bp = -1;
  ExpectError(SetPolicy{policy}, ErrorCode::kInvalidArgument);
  policy.tolerance_bp = kPolicyBasisPointsMax + 1;
  ExpectError(SetPolicy{policy}, ErrorCode::kInvalidArgument);
  policy = Policy{};
  policy.name = "bad name";
  ExpectError(SetPolicy{policy}, ErrorCode::kInvalidId);
  policy = Policy{};
  policy.max_days_past_due = -1;
  ExpectError(SetPolicy{policy}, ErrorCode::kInvalidArgument);
  policy = Policy{};
  policy.day_quota = Cny(-1);
  ExpectError(SetPolicy{policy}, ErrorCode::kInvalidAmount);
  policy = Policy{};
  policy.blocked_action = static_cast<RuleAction>(EnumLimit(RuleAction{}));
  ExpectError(SetPolicy{policy}, ErrorCode::kInvalidArgument);

  ExpectError(SetStatus{Acct(), static_cast<AccountStatus>(EnumLimit(AccountStatus{})), ""},
              ErrorCode::kInvalidArgument);
  OpenAccount bad_status = NewAccount(Acct("C1", "EU"), kLimit);
  bad_status.status = static_cast<AccountStatus>(9);
  ExpectError(bad_status, ErrorCode::kInvalidArgument);

  ExpectError(SetFxRate{CnyCurrency(), CnyCurrency(), 1, today_}, ErrorCode::kInvalidArgument);
  ExpectError(SetFxRate{Currency::Of("USD"), CnyCurrency(), 0, today_},
              ErrorCode::kInvalidArgument);
  ExpectError(SetFxRate{Currency::Of("USD"), CnyCurrency(), kFxRateScaledMax + 1, today_},
              ErrorCode::kInvalidArgument);
  ExpectError(SetFxRate{Currency(), CnyCurrency(), 1, today_}, ErrorCode::kUnknownCurrency);
}

TEST_F(StateTest, PerAccountListsAreBounded) {
  Open(kLimit);
  for (int i = 0; i < 32; ++i) {
    std::string id = std::to_string(i);
    Run(AddTemporaryLimit{Acct(), "TL-" + id, Cny(1), today_, today_, ""});
    Run(AddCollateral{Acct(), "COL-" + id, "deposit", Cny(1), today_, true});
  }
  ExpectError(AddTemporaryLimit{Acct(), "TL-32", Cny(1), today_, today_, ""},
              ErrorCode::kInvalidState);
  ExpectError(AddCollateral{Acct(), "COL-32", "deposit", Cny(1), today_, true},
              ErrorCode::kInvalidState);
  EXPECT_EQ(View().effective_limit_minor, kLimit + 64);
}

// ---------------------------------------------------------------------------------------------
// Replay (every test also replays in TearDown).

TEST_F(StateTest, ReplayGivesTheSameStateAndTheSameViews) {
  Run(CreateGroup{"G1", "Acme group", Cny(5'000'000)});
  Open(kLimit);
  Run(JoinGroup{Acct(), "G1"});
  Run(SetFxRate{Currency::Of("USD"), CnyCurrency(), 71'234'000'000, AddDays(today_, -1)});
  Reserve("SO-1", 300'000, now_ + 100'000);
  Run(ReserveOrder{"SO-2", Acct(), Usd(20'000), 0});
  Reserve("SO-3", 2'000'000);
  Run(ReleaseHold{"SO-3", "ok"});
  CreateInvoice invoice = NewInvoice("INV-1", 250'000);
  invoice.order_id = "SO-1";
  Run(invoice);
  Pay("PAY-1", 100'000);
  Run(WriteOff{"WO-1", "INV-1", Cny(10'000), ""});
  Run(ChangeOrder{"SO-2", Usd(10'000)});

  State replayed(options_);
  for (const Event& event : events_) replayed.Apply(event);
  EXPECT_EQ(replayed.StateHash(), state_.StateHash());
  Result<AccountView> live = state_.ViewAccount(Acct(), today_);
  Result<AccountView> again = replayed.ViewAccount(Acct(), today_);
  ASSERT_TRUE(live.ok() && again.ok());
  EXPECT_EQ(again->exposure_minor, live->exposure_minor);
  EXPECT_EQ(again->written_off_minor, live->written_off_minor);
  EXPECT_EQ(replayed.ViewGroup("G1")->exposure_minor, state_.ViewGroup("G1")->exposure_minor);
  EXPECT_EQ(replayed.ViewOrder("SO-3")->released_by, "alice");
  EXPECT_EQ(replayed.SumOpenItems(Acct()).orders_minor, state_.SumOpenItems(Acct()).orders_minor);
}

TEST_F(StateTest, StateHashSeesEveryChange) {
  Open(kLimit);
  uint64_t before = state_.StateHash();
  Reserve("SO-1", 100);
  uint64_t reserved = state_.StateHash();
  EXPECT_NE(reserved, before);
  Change("SO-1", 100);  // The amount is the same, but the sequence moved on.
  EXPECT_NE(state_.StateHash(), reserved);
  uint64_t hash = state_.StateHash();
  EXPECT_EQ(state_.StateHash(), hash);  // Queries change nothing.
  (void)state_.ViewAccount(Acct(), today_);
  (void)state_.Holds(10);
  EXPECT_EQ(state_.StateHash(), hash);
}

}  // namespace
}  // namespace creditline
