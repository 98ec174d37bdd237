// Alerts and portfolio aggregates in the core: each alert rule fires once and only once per
// crossing, survives a snapshot, and the running aggregates and reports equal the sums of the
// underlying items on a generated portfolio.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "core/snapshot.hpp"
#include "core/state.hpp"
#include "report/report.hpp"

namespace creditline {
namespace {

const Currency kCny = Currency::Of("CNY");
constexpr TimeMs kStart = 1'800'000'000'000;

class MonitorTest : public ::testing::Test {
 protected:
  Envelope Next() {
    now_ += 1000;
    return Envelope{"key-" + std::to_string(++keys_), "manager", now_, DateOf(now_, 0)};
  }
  CommandResult Run(const Command& command) {
    Result<CommandResult> result = state_.Execute(Next(), command);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? *result : CommandResult{};
  }
  ErrorCode Fail(const Command& command) {
    Result<CommandResult> result = state_.Execute(Next(), command);
    EXPECT_FALSE(result.ok());
    return result.ok() ? ErrorCode::kInternal : result.error().code;
  }
  void Customer(const std::string& id, int64_t limit, const std::string& grade = "A") {
    OpenAccount account{AccountRef{id, ""}, kCny, limit};
    account.grade = grade;
    Run(CreateCustomer{id, "Customer " + id, "steel", "east", {}, account});
  }
  void Reserve(const std::string& order, const std::string& customer, int64_t amount) {
    Run(ReserveOrder{order, AccountRef{customer, ""}, Money{amount, kCny}});
  }
  size_t Count(AlertRule rule) const {
    AlertFilter filter;
    filter.rule = rule;
    return state_.Alerts(filter, 1'000'000).size();
  }
  void Monitor() { Run(RunMonitor{}); }
  Date Today() const { return DateOf(now_, 0); }

  State state_;
  TimeMs now_ = kStart;
  int keys_ = 0;
};

TEST_F(MonitorTest, UtilizationAlertsFireOncePerCrossing) {
  Customer("C1", 100'000);
  Reserve("O1", "C1", 70'000);
  EXPECT_EQ(Count(AlertRule::kUtilizationWarning), 0u);
  Reserve("O2", "C1", 15'000);  // 85 %: crosses the 80 % warning.
  EXPECT_EQ(Count(AlertRule::kUtilizationWarning), 1u);
  Reserve("O3", "C1", 1'000);  // Still above: no new alert.
  EXPECT_EQ(Count(AlertRule::kUtilizationWarning), 1u);
  EXPECT_EQ(Count(AlertRule::kUtilizationExceeded), 0u);
  Reserve("O4", "C1", 20'000);  // Over the limit: held, so an alert for the hold only.
  EXPECT_EQ(Count(AlertRule::kHoldCreated), 1u);
  EXPECT_EQ(Count(AlertRule::kUtilizationExceeded), 0u);
  Run(ReleaseHold{"O4", "guaranteed by the parent"});  // 106 %.
  EXPECT_EQ(Count(AlertRule::kUtilizationExceeded), 1u);
  Reserve("O5", "C1", 1'000);  // Still over: nothing new.
  EXPECT_EQ(Count(AlertRule::kUtilizationExceeded), 1u);
  EXPECT_EQ(Count(AlertRule::kUtilizationWarning), 1u);
  // Falling back below the warning re-arms both; rising again fires both once more.
  Run(CancelOrder{"O4", ""});
  Run(CancelOrder{"O1", ""});   // 17 %.
  Reserve("O6", "C1", 70'000);  // 87 %.
  EXPECT_EQ(Count(AlertRule::kUtilizationWarning), 2u);
  Run(SetLimit{AccountRef{"C1", ""}, Money{80'000, kCny}, "cut"});  // 108 %.
  EXPECT_EQ(Count(AlertRule::kUtilizationExceeded), 2u);
  std::vector<Alert> alerts = state_.Alerts({}, 100);
  for (size_t i = 1; i < alerts.size(); ++i) EXPECT_GT(alerts[i].alert_id, alerts[i - 1].alert_id);
  EXPECT_EQ(alerts.back().customer_id, "C1");
  // O5 waits in the hold queue: 86,000 / 80,000 in basis points.
  EXPECT_EQ(alerts.back().value, 10'750);
}

TEST_F(MonitorTest, GradeDowngradeFiresOnlyForAWorseKnownGrade) {
  Customer("C1", 100'000, "A");
  UpdateAccount update{AccountRef{"C1", ""}};
  update.grade = "BBB";
  Run(update);
  EXPECT_EQ(Count(AlertRule::kGradeDowngrade), 1u);
  EXPECT_EQ(state_.Alerts({}, 10).back().detail, "A -> BBB");
  update.grade = "AA";  // An upgrade.
  Run(update);
  update.grade = "AA";  // No change.
  Run(update);
  update.grade = "special";  // Outside the order.
  Run(update);
  EXPECT_EQ(Count(AlertRule::kGradeDowngrade), 1u);
  UpdateCustomer via{"C1"};
  UpdateAccount worse{AccountRef{"C1", ""}};
  worse.grade = "D";
  via.account = worse;
  update.grade = "AA";
  Run(update);
  Run(via);
  EXPECT_EQ(Count(AlertRule::kGradeDowngrade), 2u);
}

TEST_F(MonitorTest, TimeBasedRulesFireOnceEach) {
  Customer("C1", 1'000'000);
  Date today = Today();
  Run(CreateInvoice{"I-OLD", AccountRef{"C1", ""}, "", Money{5'000, kCny}, AddDays(today, -40),
                    AddDays(today, -35)});
  Run(CreateInvoice{"I-LATE", AccountRef{"C1", ""}, "", Money{3'000, kCny}, AddDays(today, -10),
                    AddDays(today, -1)});
  Run(CreateInvoice{"I-NEW", AccountRef{"C1", ""}, "", Money{2'000, kCny}, today,
                    AddDays(today, 30)});
  Run(AddTemporaryLimit{AccountRef{"C1", ""}, "T1", Money{10'000, kCny}, today, AddDays(today, 10),
                        "season"});
  Run(AddTemporaryLimit{AccountRef{"C1", ""}, "T2", Money{10'000, kCny}, today, AddDays(today, 40),
                        "later"});
  Run(AddCollateral{AccountRef{"C1", ""}, "G1", "guarantee", Money{50'000, kCny},
                    AddDays(today, 3)});
  UpdateAccount review{AccountRef{"C1", ""}};
  review.review_on = today;
  Run(review);
  EXPECT_TRUE(state_.MonitorDue(now_, Today()));
  Monitor();
  EXPECT_EQ(Count(AlertRule::kInvoiceOverdue), 2u);  // I-OLD and I-LATE.
  EXPECT_EQ(Count(AlertRule::kOverdueDays), 1u);     // I-OLD, 35 days > 30.
  EXPECT_EQ(Count(AlertRule::kTemporaryLimitExpiring), 1u);
  EXPECT_EQ(Count(AlertRule::kCollateralExpiring), 1u);
  EXPECT_EQ(Count(AlertRule::kReviewDue), 1u);
  EXPECT_FALSE(state_.MonitorDue(now_, Today()));
  size_t total = state_.Alerts({}, 1000).size();
  Monitor();  // Run anyway: nothing new.
  EXPECT_EQ(state_.Alerts({}, 1000).size(), total);
  // 31 days on, I-LATE is overdue past 30 days, I-NEW fell due and T2 enters its notice period.
  now_ += 31 * kMsPerDay;
  EXPECT_TRUE(state_.MonitorDue(now_ + 1000, DateOf(now_ + 1000, 0)));
  Monitor();
  EXPECT_EQ(Count(AlertRule::kOverdueDays), 2u);
  EXPECT_EQ(Count(AlertRule::kInvoiceOverdue), 3u);  // I-NEW fell due meanwhile.
  EXPECT_EQ(Count(AlertRule::kTemporaryLimitExpiring), 2u);
  EXPECT_EQ(Count(AlertRule::kReviewDue), 1u);
  // A new review date is a new review due.
  review.review_on = AddDays(Today(), 0);
  Run(review);
  now_ += kMsPerDay;
  Monitor();
  EXPECT_EQ(Count(AlertRule::kReviewDue), 2u);
  EXPECT_EQ(state_.monitor().trend.size(), 3u);  // One point per day the monitor ran.
}

TEST_F(MonitorTest, HoldSlaFiresOncePerHold) {
  Customer("C1", 1'000);
  Reserve("O1", "C1", 5'000);  // Over the limit: held.
  Monitor();
  EXPECT_EQ(Count(AlertRule::kHoldSla), 0u);
  now_ += 241 * 60'000;
  EXPECT_TRUE(state_.MonitorDue(now_, Today()));
  Monitor();
  EXPECT_EQ(Count(AlertRule::kHoldSla), 1u);
  EXPECT_EQ(state_.Alerts({}, 100).back().subject_id, "O1");
  now_ += 60'000;
  EXPECT_FALSE(state_.MonitorDue(now_, Today()));
  Monitor();
  EXPECT_EQ(Count(AlertRule::kHoldSla), 1u);
}

TEST_F(MonitorTest, AcknowledgeAndRules) {
  Customer("C1", 1'000);
  Reserve("O1", "C1", 5'000);
  uint64_t id = state_.Alerts({}, 10).back().alert_id;
  Run(AcknowledgeAlert{id});
  EXPECT_EQ(static_cast<const State&>(state_).FindAlert(id)->acknowledged_by, "manager");
  EXPECT_EQ(Fail(AcknowledgeAlert{id}), ErrorCode::kInvalidState);
  EXPECT_EQ(Fail(AcknowledgeAlert{id + 100}), ErrorCode::kAlertNotFound);
  AlertFilter open;
  open.acknowledged = false;
  EXPECT_TRUE(state_.Alerts(open, 10).empty());
  AlertRules rules;
  rules.overdue_days = -1;
  EXPECT_EQ(Fail(SetAlertRules{rules}), ErrorCode::kInvalidArgument);
  rules.overdue_days = 10;
  rules.hold_sla_minutes = 0;
  EXPECT_EQ(Fail(SetAlertRules{rules}), ErrorCode::kInvalidArgument);
  rules.hold_sla_minutes = 5;
  Run(SetAlertRules{rules});
  EXPECT_EQ(state_.monitor().rules.overdue_days, 10);
}

// Sums recomputed from the items, for comparison with the running totals.
struct Sums {
  int64_t accounts = 0, limit = 0, exposure = 0, receivables = 0, orders = 0;
  __int128 squared = 0;
  int64_t positive = 0;
  std::array<int64_t, kUtilizationBandCount> bands{};
  std::map<std::string, int64_t> exposure_by_grade;
  std::array<int64_t, report::kAgingBucketCount> aging{};
};

Sums SumItems(const State& state, Date today) {
  Sums sums;
  for (const Account& a : state.accounts()) {
    int64_t limit = state.EffectiveLimitOn(a, today);
    ++sums.accounts;
    sums.limit += limit;
    sums.exposure += a.ExposureMinor();
    sums.orders += a.orders_open_minor;
    int64_t positive = std::max<int64_t>(a.ExposureMinor(), 0);
    sums.positive += positive;
    sums.squared += __int128{positive} * positive;
    ++sums.bands[UtilizationBand(a.ExposureMinor(), limit)];
    sums.exposure_by_grade[a.grade] += a.ExposureMinor();
    State::ItemSums items = state.SumOpenItems(a.ref);
    sums.receivables += items.receivables_minor;
  }
  for (const Invoice& i : state.invoice_slots()) {
    if (i.invoice_id.empty()) continue;
    sums.aging[report::AgingBucket(DaysBetween(i.due_on, today))] += i.open_minor;
  }
  return sums;
}

int64_t IntCell(const report::Table& table, size_t row, const std::string& column) {
  size_t index =
      std::find(table.columns.begin(), table.columns.end(), column) - table.columns.begin();
  return std::get<int64_t>(table.rows.at(row).at(index));
}

TEST_F(MonitorTest, ReportTotalsEqualTheSumsOfTheItems) {
  std::mt19937_64 rng(7);
  const char* grades[] = {"AAA", "A", "BBB", "B", "C"};
  constexpr int kCustomers = 300;
  for (int c = 0; c < kCustomers; ++c) {
    Customer("C" + std::to_string(c), 10'000 + static_cast<int64_t>(rng() % 1'000'000),
             grades[rng() % 5]);
  }
  int orders = 0, invoices = 0;
  for (int step = 0; step < 6'000; ++step) {
    std::string customer = "C" + std::to_string(rng() % kCustomers);
    AccountRef ref{customer, ""};
    int64_t amount = 1 + static_cast<int64_t>(rng() % 50'000);
    switch (rng() % 6) {
      case 0:
      case 1:
        (void)state_.Execute(
            Next(), ReserveOrder{"O" + std::to_string(orders++), ref, Money{amount, kCny}});
        break;
      case 2:
      case 3: {
        Date issued = AddDays(Today(), -static_cast<int32_t>(rng() % 150));
        (void)state_.Execute(Next(), CreateInvoice{"I" + std::to_string(invoices++), ref, "",
                                                   Money{amount, kCny}, issued});
        break;
      }
      case 4:
        (void)state_.Execute(Next(), RecordPayment{"P" + std::to_string(step), ref, "",
                                                   Money{amount, kCny}, Today()});
        break;
      default:
        (void)state_.Execute(Next(), CancelOrder{"O" + std::to_string(rng() % (orders + 1)), ""});
    }
  }
  Date today = Today();
  // Running totals were refreshed on each event's day, which is today throughout.
  Sums sums = SumItems(state_, today);
  const PortfolioTotals& t = state_.aggregates().totals()[kCny.index()];
  EXPECT_EQ(t.accounts, sums.accounts);
  EXPECT_EQ(t.limit_minor, sums.limit);
  EXPECT_EQ(t.exposure_minor, sums.exposure);
  EXPECT_EQ(t.orders_minor, sums.orders);
  EXPECT_EQ(t.receivables_minor, sums.receivables);
  EXPECT_EQ(t.positive_exposure_minor, sums.positive);
  EXPECT_TRUE(t.exposure_squared == sums.squared);
  EXPECT_EQ(t.bands, sums.bands);
  EXPECT_GT(sums.exposure, 0);

  report::ReportOptions options;
  options.today = today;
  report::Report portfolio = report::Portfolio(state_, options);
  const report::Table& totals = *portfolio.Find("totals");
  EXPECT_EQ(IntCell(totals, 0, "exposure_minor"), sums.exposure);
  EXPECT_EQ(IntCell(totals, 0, "limit_minor"), sums.limit);
  const report::Table& by_grade = *portfolio.Find("by_grade");
  int64_t grade_total = 0;
  for (size_t r = 0; r < by_grade.rows.size(); ++r) {
    std::string grade = std::get<std::string>(by_grade.rows[r][0]);
    EXPECT_EQ(IntCell(by_grade, r, "exposure_minor"), sums.exposure_by_grade[grade]) << grade;
    grade_total += IntCell(by_grade, r, "accounts");
  }
  EXPECT_EQ(grade_total, kCustomers);

  report::Report aging = report::Aging(state_, options);
  const report::Table& aging_totals = *aging.Find("totals");
  int64_t aging_sum = 0;
  for (size_t b = 0; b < report::kAgingBucketCount; ++b) {
    EXPECT_EQ(IntCell(aging_totals, 0, report::kAgingColumns[b]), sums.aging[b]) << b;
    aging_sum += sums.aging[b];
  }
  EXPECT_EQ(IntCell(aging_totals, 0, "total_minor"), aging_sum);
  EXPECT_EQ(aging_sum, sums.receivables);
  EXPECT_GT(sums.aging[4], 0);  // Something is over 90 days.
  // Per-customer rows add up to the totals too.
  options.limit = kCustomers;
  report::Report aging_detail = report::Aging(state_, options);
  const report::Table& per_customer = *aging_detail.Find("customers");
  int64_t per_customer_sum = 0;
  for (size_t r = 0; r < per_customer.rows.size(); ++r) {
    per_customer_sum += IntCell(per_customer, r, "total_minor");
  }
  EXPECT_EQ(per_customer_sum, aging_sum);

  report::Report concentration = report::Concentration(state_, options);
  const report::Table& summary = *concentration.Find("summary");
  double hhi = std::get<double>(summary.rows[0][5]);
  double expected = 0;
  for (const Account& a : state_.accounts()) {
    double share = 100.0 * std::max<int64_t>(a.ExposureMinor(), 0) / sums.positive;
    expected += share * share;
  }
  EXPECT_NEAR(hhi, expected, 0.01);
  EXPECT_EQ(concentration.Find("top")->rows.size(), report::kConcentrationTop);

  // The rebuilt aggregates (as after a snapshot) equal the running ones.
  State restored;
  ASSERT_TRUE(DecodeSnapshot(EncodeSnapshot(state_), &restored).ok());
  EXPECT_EQ(restored.StateHash(), state_.StateHash());
  const PortfolioTotals& r = restored.aggregates().totals()[kCny.index()];
  EXPECT_EQ(r.exposure_minor, t.exposure_minor);
  EXPECT_EQ(r.limit_minor, t.limit_minor);
  EXPECT_EQ(r.bands, t.bands);
  EXPECT_EQ(restored.aggregates().due(kCny), state_.aggregates().due(kCny));
  EXPECT_EQ(restored.monitor(), state_.monitor());
}

// The overdue list pages by keyset from the due-date index: most days past due first, then in
// arrival order; walking the pages lists every overdue invoice once, even when invoices are
// paid or added between pages, and a bad cursor is refused.
TEST_F(MonitorTest, OverdueListPagesByKeysetInAStableOrder) {
  Customer("C1", 1'000'000'000);
  Customer("C2", 1'000'000'000);
  int64_t day0 = Today().days;
  for (int i = 0; i < 40; ++i) {
    std::string customer = i % 2 == 0 ? "C1" : "C2";
    Date issued = Date{static_cast<int32_t>(day0 - 40 - (i * 7) % 23)};
    Run(CreateInvoice{"I" + std::to_string(i), AccountRef{customer, ""}, "", Money{1'000 + i, kCny},
                      issued, AddDays(issued, 30)});
  }
  Run(CreateInvoice{"NOT-DUE", AccountRef{"C1", ""}, "", Money{5, kCny}, Today()});
  report::ReportOptions options;
  options.today = Today();
  options.limit = 1'000;
  report::Report all = report::Overdue(state_, options);
  const report::Table& everything = *all.Find("invoices");
  ASSERT_EQ(everything.rows.size(), 40u);
  EXPECT_EQ(IntCell(*all.Find("summary"), 0, "overdue_invoices"), 40);
  EXPECT_TRUE(std::get<std::string>(all.Find("summary")->rows[0][2]).empty());
  for (size_t i = 1; i < everything.rows.size(); ++i) {
    EXPECT_GE(IntCell(everything, i - 1, "days_past_due"), IntCell(everything, i, "days_past_due"));
  }

  // Pages of 7, paying an invoice already listed and adding an older one midway.
  std::vector<std::string> walked;
  options.limit = 7;
  options.after.clear();
  for (int page = 0; page < 20; ++page) {
    Result<report::Report> built = report::Build(state_, "overdue", options);
    ASSERT_TRUE(built.ok());
    const report::Table& rows = *built->Find("invoices");
    for (const auto& row : rows.rows) walked.push_back(std::get<std::string>(row[0]));
    std::string next = std::get<std::string>(built->Find("summary")->rows[0][2]);
    if (page == 1) {
      const auto& first = everything.rows.front();
      Run(RecordPayment{"P1", AccountRef{std::get<std::string>(first[1]), ""},
                        std::get<std::string>(first[0]), Money{std::get<int64_t>(first[5]), kCny},
                        Today()});
      Run(CreateInvoice{"OLDEST", AccountRef{"C2", ""}, "", Money{9, kCny},
                        AddDays(Today(), -300)});
    }
    if (next.empty()) break;
    options.after = next;
  }
  // Every invoice still open that was overdue from the start is listed exactly once, in the
  // order of the full list; OLDEST sorts before the cursor and is not revisited.
  std::vector<std::string> expected;
  for (const auto& row : everything.rows) expected.push_back(std::get<std::string>(row[0]));
  EXPECT_EQ(walked, expected);

  options.after = "2026-13-01.5";
  EXPECT_EQ(report::Build(state_, "overdue", options).error().code, ErrorCode::kInvalidArgument);
  options.after = "2026-01-01.x";
  EXPECT_FALSE(report::Build(state_, "overdue", options).ok());
  options.after = "2026-01-01";
  EXPECT_FALSE(report::Build(state_, "overdue", options).ok());
  options.after = "2026-01-01.99999999999999999999";
  EXPECT_FALSE(report::Build(state_, "overdue", options).ok());

  // The index survives a snapshot: the decoded state pages the same way.
  State restored;
  ASSERT_TRUE(DecodeSnapshot(EncodeSnapshot(state_), &restored).ok());
  options.after.clear();
  options.limit = 1'000;
  report::Report mine = report::Overdue(state_, options);
  report::Report theirs = report::Overdue(restored, options);
  EXPECT_EQ(mine.Find("invoices")->rows, theirs.Find("invoices")->rows);
  EXPECT_EQ(IntCell(*theirs.Find("summary"), 0, "overdue_invoices"), 40);
}

TEST_F(MonitorTest, AlertsSurviveASnapshotAndStayOncePerCrossing) {
  Customer("C1", 100'000);
  Reserve("O1", "C1", 85'000);
  Date today = Today();
  Run(CreateInvoice{"I1", AccountRef{"C1", ""}, "", Money{100, kCny}, AddDays(today, -5),
                    AddDays(today, -1)});
  Monitor();
  State restored;
  ASSERT_TRUE(DecodeSnapshot(EncodeSnapshot(state_), &restored).ok());
  EXPECT_EQ(restored.StateHash(), state_.StateHash());
  EXPECT_EQ(restored.Alerts({}, 100), state_.Alerts({}, 100));
  // Both go on the same way: no second warning, no second overdue alert.
  Envelope env = Next();
  Command more = ReserveOrder{"O2", AccountRef{"C1", ""}, Money{1'000, kCny}};
  ASSERT_TRUE(state_.Execute(env, more).ok());
  ASSERT_TRUE(restored.Execute(env, more).ok());
  env = Next();
  ASSERT_TRUE(state_.Execute(env, RunMonitor{}).ok());
  ASSERT_TRUE(restored.Execute(env, RunMonitor{}).ok());
  EXPECT_EQ(restored.StateHash(), state_.StateHash());
  EXPECT_EQ(Count(AlertRule::kUtilizationWarning), 1u);
  EXPECT_EQ(Count(AlertRule::kInvoiceOverdue), 1u);
}

}  // namespace
}  // namespace creditline
