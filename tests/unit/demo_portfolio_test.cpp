// The demo portfolio of `creditline serve --demo`: deterministic, replayable, and alive (late
// payers, open holds, orders over their limits).
#include "service/demo_portfolio.hpp"

#include <gtest/gtest.h>

#include "core/codec.hpp"
#include "core/state.hpp"

namespace creditline::service {
namespace {

constexpr Date kToday{20'779};  // 2026-11-22.

TEST(DemoPortfolioTest, IsTheSameForTheSameDayAndSeed) {
  Result<DemoPortfolio> first = GenerateDemoPortfolio(kToday, kDemoSeed);
  Result<DemoPortfolio> second = GenerateDemoPortfolio(kToday, kDemoSeed);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(first->events.size(), second->events.size());
  for (size_t i = 0; i < first->events.size(); ++i) {
    ASSERT_EQ(EncodeEvent(first->events[i]), EncodeEvent(second->events[i])) << i;
  }
  Result<DemoPortfolio> other = GenerateDemoPortfolio(kToday, kDemoSeed + 1);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->events.size(), first->events.size());
}

TEST(DemoPortfolioTest, IsAYearOfLivingHistoryThatReplays) {
  Result<DemoPortfolio> demo = GenerateDemoPortfolio(kToday, kDemoSeed);
  ASSERT_TRUE(demo.ok()) << demo.error().message;
  EXPECT_EQ(demo->customers, kDemoCustomers);
  EXPECT_GT(demo->orders, 10'000);
  EXPECT_GT(demo->invoices, 5'000);
  EXPECT_GT(demo->payments, 5'000);
  EXPECT_GE(demo->open_holds, 5);
  // Event times run forward through the year, ending before today, with gapless seqs.
  const std::vector<Event>& events = demo->events;
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().today, Date{kToday.days - kDemoHistoryDays});
  EXPECT_LT(events.back().today, kToday);
  for (size_t i = 1; i < events.size(); ++i) {
    ASSERT_EQ(events[i].seq, events[i - 1].seq + 1);
    ASSERT_GE(events[i].time, events[i - 1].time) << i;
  }
  // Replaying the events (what recovery does with the journal) rebuilds the state.
  State replayed;
  for (const Event& event : events) replayed.Apply(event);
  EXPECT_EQ(replayed.Holds(10'000).size(), static_cast<size_t>(demo->open_holds));
  int overdue = 0, over_limit = 0;
  for (int i = 0; i < kDemoCustomers; ++i) {
    Result<AccountView> view =
        replayed.ViewAccount(AccountRef{"C" + std::to_string(10'001 + i), ""}, kToday);
    ASSERT_TRUE(view.ok());
    overdue += view->overdue_minor > 0;
    over_limit += view->utilization_bp > 10'000;
  }
  EXPECT_GT(overdue, kDemoCustomers / 10) << "some customers must pay late";
  EXPECT_LT(overdue, kDemoCustomers * 3 / 4) << "most customers pay";
  EXPECT_GT(over_limit, 0) << "released holds take some accounts past their limits";
}

TEST(DemoPortfolioTest, GivesTheConsoleRequestsAlertsAndAYearOfTrend) {
  Result<DemoPortfolio> demo = GenerateDemoPortfolio(kToday, kDemoSeed);
  ASSERT_TRUE(demo.ok()) << demo.error().message;
  State replayed;
  for (const Event& event : demo->events) replayed.Apply(event);
  // Pending limit requests from sales, for a credit manager to decide; older ones decided.
  LimitRequestFilter pending;
  pending.status = LimitRequestStatus::kPending;
  size_t next = 0;
  std::vector<const LimitRequest*> open = replayed.ListLimitRequests(pending, 0, 1'000, &next);
  EXPECT_GE(open.size(), 3u);
  for (const LimitRequest* request : open) EXPECT_EQ(request->requested_by, "user:sales");
  LimitRequestFilter approved;
  approved.status = LimitRequestStatus::kApproved;
  EXPECT_GT(replayed.ListLimitRequests(approved, 0, 1'000, &next).size(), 10u);
  // Alerts: the last week's unacknowledged, older ones acknowledged by a credit manager.
  AlertFilter unacknowledged;
  unacknowledged.acknowledged = false;
  std::vector<Alert> waiting = replayed.Alerts(unacknowledged, 100'000);
  EXPECT_GT(waiting.size(), 10u);
  for (const Alert& alert : waiting) EXPECT_GE(alert.day.days, kToday.days - 14);
  AlertFilter acknowledged;
  acknowledged.acknowledged = true;
  EXPECT_GT(replayed.Alerts(acknowledged, 100'000).size(), 100u);
  // A trend point for every day of the history.
  const std::vector<TrendPoint>& trend = replayed.monitor().trend;
  ASSERT_FALSE(trend.empty());
  EXPECT_EQ(trend.front().day, Date{kToday.days - kDemoHistoryDays});
  EXPECT_EQ(trend.back().day, Date{kToday.days - 1});
}

}  // namespace
}  // namespace creditline::service
