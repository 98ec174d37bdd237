// Tests for core/snapshot: a decoded snapshot is the same state (hash, queries, and the events
// and replies of every later command), and truncated or corrupted snapshots are refused or give
// a state that works, never a crash. Also prints encode and decode speed for a large portfolio.
#include "core/snapshot.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/codec.hpp"
#include "core/ids.hpp"

namespace creditline {
namespace {

constexpr TimeMs kHourMs = 3'600'000;
constexpr size_t kAllHolds = SIZE_MAX;
constexpr size_t kAllCustomers = SIZE_MAX;

Currency Cny() { return Currency::Of("CNY"); }
Currency Usd() { return Currency::Of("USD"); }
Currency Jpy() { return Currency::Of("JPY"); }
Money CnyMinor(int64_t minor) { return Money{minor, Cny()}; }
Money UsdMinor(int64_t minor) { return Money{minor, Usd()}; }
AccountRef Acct(const std::string& customer_id, const std::string& segment = "") {
  return AccountRef{customer_id, segment};
}

// The codec bytes of anything with Fields(), for exact comparisons.
template <class T>
std::string Bytes(const T& value) {
  StringSink sink;
  Write(sink, value);
  return std::move(sink.bytes());
}

// Sends commands to a state with a clock that moves forward, each under a fresh key unless
// told otherwise. A copy continues with the same clock and keys (on another state if given).
class Driver {
 public:
  explicit Driver(State* state) : state_(state) {}
  Driver(const Driver& other, State* state) : Driver(other) { state_ = state; }

  Envelope Next(bool keyed = true) {
    now_ += 1'000;
    return Envelope{keyed ? "key-" + std::to_string(++keys_) : "", "alice", now_, today_};
  }
  void AdvanceDays(int32_t days) {
    today_ = AddDays(today_, days);
    now_ = std::max(now_, int64_t{today_.days} * kMsPerDay + 2 * kHourMs);
  }
  Date today() const { return today_; }
  TimeMs now() const { return now_; }
  std::string LastKey(int back = 0) const { return "key-" + std::to_string(keys_ - back); }

  // The command must succeed.
  CommandResult Run(const Command& command, bool keyed = true) {
    Result<CommandResult> result = state_->Execute(Next(keyed), command);
    EXPECT_TRUE(result.ok()) << CommandName(command) << ": " << result.error().message;
    return result.ok() ? *result : CommandResult{};
  }

 private:
  State* state_;
  TimeMs now_ = int64_t{DateFromCivil(2026, 3, 2).days} * kMsPerDay + 2 * kHourMs;
  Date today_ = DateFromCivil(2026, 3, 2);
  int keys_ = 0;
};

Policy StrictPolicy() {
  Policy policy;
  policy.name = "strict";
  policy.tolerance_bp = 500;
  policy.warning_bp = 7'000;
  policy.max_order_value = CnyMinor(5'000'000);
  policy.max_days_past_due = 20;
  policy.day_quota = CnyMinor(9'000'000);
  policy.month_quota = CnyMinor(90'000'000);
  policy.limit_action = RuleAction::kHold;
  policy.max_order_value_action = RuleAction::kReject;
  return policy;
}

void BuildReferenceData(Driver& d) {
  d.Run(SetPolicy{StrictPolicy()});
  Policy lenient;
  lenient.name = "lenient";
  lenient.limit_action = RuleAction::kWarn;
  d.Run(SetPolicy{lenient});
  Date earlier = AddDays(d.today(), -30);
  d.Run(SetFxRate{Usd(), Cny(), 72'000'000'000, earlier});
  d.Run(SetFxRate{Usd(), Cny(), 71'500'000'000, AddDays(d.today(), -5)});
  d.Run(SetFxRate{Jpy(), Cny(), 480'000'000, earlier});
  d.Run(SetFxRate{Cny(), Usd(), 1'400'000'000, AddDays(d.today(), -2)});
  d.Run(CreateGroup{"G1", "Steel group", CnyMinor(30'000'000)});
  d.Run(CreateGroup{"G2", "Export group", UsdMinor(5'000'000)});
}

OpenAccount AccountFor(const AccountRef& ref, Currency currency, int64_t limit_minor,
                       const std::string& policy, const std::string& group_id) {
  OpenAccount open;
  open.account = ref;
  open.currency = currency;
  open.limit_minor = limit_minor;
  open.grade = "B";
  open.policy = policy;
  open.group_id = group_id;
  return open;
}

void BuildCustomers(Driver& d, int count) {
  for (int i = 0; i < count; ++i) {
    std::string id = "C" + std::to_string(100 + i);
    CreateCustomer customer{id, "客户 " + std::to_string(i), "steel", "华东", {}, std::nullopt};
    if (i % 2 == 0) customer.tags = {"重点客户", "export"};
    std::string policy = i % 3 == 0 ? "strict" : i % 3 == 1 ? "lenient" : "standard";
    customer.account =
        AccountFor(Acct(id), Cny(), 2'000'000 + 100'000 * i, policy, i % 4 == 0 ? "G1" : "");
    if (i % 5 == 0) customer.account->review_on = AddDays(d.today(), 10);
    d.Run(customer);
    if (i % 3 == 0) d.Run(AccountFor(Acct(id, "EU"), Usd(), 300'000, "standard", "G2"));
  }
}

void BuildLimits(Driver& d) {
  Date today = d.today();
  d.Run(AddTemporaryLimit{Acct("C100"), "T1", CnyMinor(500'000), today, AddDays(today, 20), "q2"});
  d.Run(AddTemporaryLimit{Acct("C100"), "T2", CnyMinor(100'000), today, AddDays(today, 5), ""});
  d.Run(AddTemporaryLimit{Acct("C101"), "T3", CnyMinor(900'000), today, AddDays(today, 2), ""});
  d.Run(RemoveTemporaryLimit{Acct("C100"), "T2"});
  d.Run(AddCollateral{Acct("C101"), "K1", "guarantee", CnyMinor(700'000), AddDays(today, 90)});
  d.Run(AddCollateral{Acct("C102"), "K2", "deposit", CnyMinor(300'000), AddDays(today, 9), false});
  d.Run(SetStatus{Acct("C105"), AccountStatus::kOnHold, "late payer"});
  d.Run(LeaveGroup{Acct("C104"), "G1"});
  d.Run(JoinGroup{Acct("C101"), "G1"});
}

std::string OrderId(int i) { return "ORD-" + std::to_string(1000 + i); }

// Orders of every kind: approved, warned, held, rejected, expiring, in a foreign currency.
void BuildOrders(Driver& d, int customers) {
  for (int i = 0; i < 4 * customers; ++i) {
    std::string customer = "C" + std::to_string(100 + i % customers);
    int64_t amount = 150'000 + 97'000 * (i % 11);
    Money money = i % 7 == 3 ? UsdMinor(amount / 7) : CnyMinor(amount);
    TimeMs expires_at = i % 5 == 0 ? d.now() + (1 + i % 4) * 24 * kHourMs : 0;
    d.Run(ReserveOrder{OrderId(i), Acct(customer), money, expires_at}, i % 6 != 0);
  }
  d.Run(ReserveOrder{"EU-1", Acct("C100", "EU"), UsdMinor(120'000), 0});
  d.Run(ReserveOrder{"BIG-1", Acct("C100"), CnyMinor(9'000'000), 0});
}

// Walks the hold queue: releases the first, rejects the second.
void WorkHolds(Driver& d, const State& state) {
  std::vector<OrderView> holds = state.Holds(2);
  ASSERT_EQ(holds.size(), 2u) << "the reference state needs held orders";
  d.Run(ReleaseHold{holds[0].order_id, "known customer"});
  d.Run(RejectHold{holds[1].order_id, "too risky"});
}

void BuildLedger(Driver& d, const State& state) {
  int cancelled = 0, invoiced = 0;
  for (int i = 0; i < 40; ++i) {
    Result<OrderView> order = state.ViewOrder(OrderId(i));
    if (!order.ok() || order->status != OrderStatus::kOpen) continue;
    if (i % 4 == 1) {
      d.Run(CancelOrder{OrderId(i), "customer changed plans"});
      ++cancelled;
    } else if (i % 4 == 2) {
      Money part{order->requested.minor / 2, order->requested.currency};
      d.Run(CreateInvoice{"INV-" + std::to_string(i), order->account, OrderId(i), part, d.today(),
                          kNoDate, i % 8 == 2});
      ++invoiced;
    } else if (i % 4 == 3) {
      Money more{order->requested.minor + 10'000, order->requested.currency};
      d.Run(ChangeOrder{OrderId(i), more});
    }
  }
  ASSERT_GT(cancelled, 3);
  ASSERT_GT(invoiced, 3);
  d.Run(CreateInvoice{"INV-S1", Acct("C103"), "", CnyMinor(400'000), d.today(), kNoDate, false});
  d.Run(CreateInvoice{"INV-S2", Acct("C103"), "", CnyMinor(650'000), AddDays(d.today(), -40),
                      AddDays(d.today(), -10), false});
}

void BuildPayments(Driver& d) {
  d.Run(RecordPayment{"PAY-1", Acct("C103"), "", CnyMinor(300'000), d.today()});
  d.Run(IssueCreditNote{"CN-1", Acct("C103"), "INV-S1", CnyMinor(50'000), d.today(), "damaged"});
  d.Run(WriteOff{"WO-1", "INV-S1", CnyMinor(20'000), "partial bad debt"});
  // Overpays: the rest stays as unapplied credit.
  d.Run(RecordPayment{"PAY-2", Acct("C107"), "", CnyMinor(1'234'567), d.today()});
}

// A state with every kind of content, including free slab slots and idempotency records.
void BuildRichState(Driver& d, const State& state) {
  BuildReferenceData(d);
  BuildCustomers(d, 12);
  BuildLimits(d);
  BuildOrders(d, 12);
  WorkHolds(d, state);
  d.AdvanceDays(3);
  BuildLedger(d, state);
  d.AdvanceDays(1);
  BuildPayments(d);
  d.Run(ExpireReservations{});
}

std::string Describe(const AccountView& v) {
  std::ostringstream out;
  out << AccountKey(v.ref) << " " << v.customer_name << " " << v.currency.index() << " "
      << NameOf(v.status) << " " << v.grade << " " << v.policy << " " << v.group_id << " "
      << v.payment_terms_days << " " << v.review_on.days << " " << v.limit_minor << " "
      << v.temporary_limits_minor << " " << v.collateral_minor << " " << v.effective_limit_minor
      << " " << v.orders_open_minor << " " << v.receivables_open_minor << " "
      << v.unapplied_credit_minor << " " << v.exposure_minor << " " << v.available_minor << " "
      << v.utilization_bp << " " << v.overdue_minor << " " << v.oldest_days_past_due << " "
      << v.written_off_minor << " " << v.open_orders << " " << v.held_orders << " "
      << v.open_invoices;
  return out.str();
}

std::string Describe(const OrderView& o) {
  std::ostringstream out;
  out << o.order_id << " " << AccountKey(o.account) << " " << static_cast<int>(o.status) << " "
      << o.amount_minor << " " << o.reserved_minor << " " << o.invoiced_minor << " "
      << o.requested.minor << " " << o.placed_at << " " << o.expires_at << " " << o.released_by
      << " " << o.release_reason << " " << HashOf(o.decision);
  return out.str();
}

std::string Describe(const InvoiceView& i) {
  std::ostringstream out;
  out << i.invoice_id << " " << i.order_id << " " << AccountKey(i.account) << " " << i.amount_minor
      << " " << i.open_minor << " " << i.issued_on.days << " " << i.due_on.days << " "
      << i.days_past_due;
  return out.str();
}

std::string DescribeCustomer(const State& state, const Customer& customer, Date today) {
  std::string text = Bytes(customer.tags) + customer.name + "\n";
  std::vector<AccountView> views = state.ViewCustomerAccounts(customer.customer_id, today).value();
  for (const AccountView& view : views) {
    text += Describe(view) + "\n";
    std::vector<OrderView> orders = state.OpenOrders(view.ref).value();
    std::vector<InvoiceView> invoices = state.OpenInvoices(view.ref, today).value();
    for (const OrderView& order : orders) text += "  " + Describe(order) + "\n";
    for (const InvoiceView& invoice : invoices) text += "  " + Describe(invoice) + "\n";
  }
  return text;
}

// Every query's answer over the whole state, as one comparable text.
std::string DescribeState(const State& state, Date today) {
  std::string text = std::to_string(state.last_seq()) + " " + std::to_string(state.StateHash());
  for (const Customer* customer : state.ListCustomers({}, "", kAllCustomers)) {
    text += DescribeCustomer(state, *customer, today);
  }
  for (const OrderView& order : state.Holds(kAllHolds)) text += "hold " + Describe(order) + "\n";
  for (const char* group_id : {"G1", "G2"}) {
    Result<GroupView> group = state.ViewGroup(group_id);
    if (!group.ok()) continue;
    text += group->name + " " + std::to_string(group->exposure_minor);
    for (const AccountRef& member : group->members) text += " " + AccountKey(member);
    text += "\n";
  }
  text += Bytes(state.policies()) + std::to_string(state.NextExpiry().value_or(-1));
  text += " " + std::to_string(state.open_order_count()) + " " +
          std::to_string(state.open_invoice_count()) + " " + std::to_string(state.hold_count()) +
          " " + std::to_string(state.idempotency_record_count());
  return text;
}

State Decoded(const std::string& bytes, StateOptions options = {}) {
  State state(options);
  Status status = DecodeSnapshot(bytes, &state);
  EXPECT_TRUE(status.ok()) << status.error().message;
  return state;
}

struct Outcomes {
  int succeeded = 0, replayed = 0, failed = 0;
};

// One command sent to both states; their replies and events must be byte-identical.
void RunOnBoth(State& a, State& b, const Envelope& envelope, const Command& command,
               Outcomes* outcomes) {
  std::vector<Event> events_a, events_b;
  Result<CommandResult> result_a = a.Execute(envelope, command, &events_a);
  Result<CommandResult> result_b = b.Execute(envelope, command, &events_b);
  ASSERT_EQ(result_a.ok(), result_b.ok()) << CommandName(command);
  if (!result_a.ok()) {
    ASSERT_EQ(result_a.error(), result_b.error()) << CommandName(command);
    ++outcomes->failed;
    return;
  }
  ++(result_a->replayed ? outcomes->replayed : outcomes->succeeded);
  EXPECT_EQ(Bytes(*result_a), Bytes(*result_b)) << CommandName(command);
  ASSERT_EQ(events_a.size(), events_b.size()) << CommandName(command);
  for (size_t i = 0; i < events_a.size(); ++i) {
    EXPECT_EQ(EncodeEvent(events_a[i]), EncodeEvent(events_b[i])) << CommandName(command);
  }
}

// Later commands that reach everything a snapshot holds: reused free slots, lists, the hold
// queue, expiry, quotas, FX, groups and the idempotency records (replays and conflicts).
std::vector<Command> FurtherCommands(const State& state) {
  std::vector<Command> commands;
  for (int i = 0; i < 30; ++i) {
    std::string customer = "C" + std::to_string(100 + i % 12);
    commands.push_back(ReserveOrder{"NEW-" + std::to_string(i), Acct(customer),
                                    CnyMinor(200'000 + 150'000 * (i % 9)), 0});
  }
  for (const OrderView& hold : state.Holds(kAllHolds)) {
    commands.push_back(ReleaseHold{hold.order_id, "checked"});
  }
  for (int i = 0; i < 48; ++i) {
    commands.push_back(
        i % 3 == 0 ? Command{CancelOrder{OrderId(i), ""}}
        : i % 3 == 1
            ? Command{ChangeOrder{OrderId(i), CnyMinor(90'000)}}
            : Command{CreateInvoice{"INV-N" + std::to_string(i),
                                    Acct("C" + std::to_string(100 + i % 12)), OrderId(i),
                                    CnyMinor(120'000), DateFromCivil(2026, 3, 6), kNoDate, false}});
  }
  for (int i = 0; i < 12; ++i) {
    commands.push_back(RecordPayment{"PAY-N" + std::to_string(i),
                                     Acct("C" + std::to_string(100 + i)), "", CnyMinor(333'333),
                                     DateFromCivil(2026, 3, 6)});
  }
  commands.push_back(SetFxRate{Usd(), Cny(), 70'000'000'000, DateFromCivil(2026, 3, 6)});
  commands.push_back(ReserveOrder{"EU-2", Acct("C103", "EU"), CnyMinor(500'000), 0});
  commands.push_back(LeaveGroup{Acct("C100"), "G1"});
  commands.push_back(WriteOff{"WO-2", "INV-S2", std::nullopt, "gone"});
  commands.push_back(ExpireReservations{});
  return commands;
}

void ExpectSameFuture(State& original, State& restored, Driver clock) {
  // Retries of keys recorded before the snapshot: the same body replays, another conflicts.
  // (The last command before the snapshot was an expiry sweep.)
  Outcomes outcomes;
  std::vector<std::string> keys = {clock.LastKey(0), clock.LastKey(2), clock.LastKey(5)};
  Envelope late = clock.Next();
  for (const std::string& key : keys) {
    late.idempotency_key = key;
    RunOnBoth(original, restored, late, ExpireReservations{}, &outcomes);
    RunOnBoth(original, restored, late, CancelOrder{"ORD-1001", "retry"}, &outcomes);
  }
  std::vector<Command> commands = FurtherCommands(original);
  for (size_t i = 0; i < commands.size(); ++i) {
    RunOnBoth(original, restored, clock.Next(i % 5 != 0), commands[i], &outcomes);
    if (::testing::Test::HasFatalFailure()) return;
  }
  clock.AdvanceDays(3);
  RunOnBoth(original, restored, clock.Next(), ExpireReservations{}, &outcomes);
  EXPECT_EQ(outcomes.replayed, 1);  // Only the last key was an expiry sweep.
  EXPECT_GT(outcomes.succeeded, 3 * outcomes.failed) << outcomes.failed << " failed";
  EXPECT_EQ(original.StateHash(), restored.StateHash());
  EXPECT_EQ(DescribeState(original, clock.today()), DescribeState(restored, clock.today()));
  EXPECT_EQ(EncodeSnapshot(original), EncodeSnapshot(restored));
}

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BuildRichState(driver_, state_);
    ASSERT_FALSE(HasFailure());
    bytes_ = EncodeSnapshot(state_);
  }

  State state_;
  Driver driver_{&state_};
  std::string bytes_;
};

TEST(SnapshotEmptyTest, EmptyStateRoundTrips) {
  State empty;
  std::string bytes = EncodeSnapshot(empty);
  State restored = Decoded(bytes);
  EXPECT_EQ(restored.StateHash(), empty.StateHash());
  EXPECT_EQ(EncodeSnapshot(restored), bytes);
  EXPECT_EQ(restored.last_seq(), 0u);
  ASSERT_NE(restored.FindPolicy("standard"), nullptr);
  // Works as a fresh state: the default policy and the idempotency table are usable.
  Driver a(&empty), b(&restored);
  EXPECT_EQ(Bytes(a.Run(CreateCustomer{"C1", "One", "", "", {}, std::nullopt})),
            Bytes(b.Run(CreateCustomer{"C1", "One", "", "", {}, std::nullopt})));
  EXPECT_EQ(restored.StateHash(), empty.StateHash());
}

TEST_F(SnapshotTest, RichStateHasEveryKindOfContent) {
  EXPECT_GT(state_.hold_count(), 0u);
  EXPECT_GT(state_.open_invoice_count(), 3u);
  EXPECT_TRUE(state_.NextExpiry().has_value());
  EXPECT_GT(state_.idempotency_record_count(), 20u);
  AccountView c103 = state_.ViewAccount(Acct("C103"), driver_.today()).value();
  EXPECT_GT(c103.overdue_minor, 0);
  EXPECT_GT(c103.written_off_minor, 0);
  EXPECT_GT(state_.ViewAccount(Acct("C107"), driver_.today())->unapplied_credit_minor, 0);
  EXPECT_GT(state_.ViewAccount(Acct("C101"), driver_.today())->collateral_minor, 0);
}

TEST_F(SnapshotTest, RoundTripGivesTheSameStateAndAnswers) {
  State restored = Decoded(bytes_);
  EXPECT_EQ(restored.StateHash(), state_.StateHash());
  EXPECT_EQ(restored.last_seq(), state_.last_seq());
  EXPECT_EQ(DescribeState(restored, driver_.today()), DescribeState(state_, driver_.today()));
  // Byte-identical again: slab slots, free lists and list links survive as they were.
  EXPECT_EQ(EncodeSnapshot(restored), bytes_);
}

TEST_F(SnapshotTest, RestoredStateAnswersEveryLaterCommandTheSame) {
  State restored = Decoded(bytes_);
  ExpectSameFuture(state_, restored, driver_);
}

TEST_F(SnapshotTest, DecodingKeepsTheTargetsOptions) {
  // A short retention: keys from before the snapshot are forgotten by the restored copy when
  // the original (with the default retention) still remembers them.
  State restored = Decoded(bytes_, StateOptions{.idempotency_retention_ms = 1'000});
  Envelope retry{driver_.LastKey(), "alice", driver_.now() + 10'000, driver_.today()};
  Result<CommandResult> original = state_.Execute(retry, ExpireReservations{});
  Result<CommandResult> forgotten = restored.Execute(retry, ExpireReservations{});
  ASSERT_TRUE(original.ok() && forgotten.ok());
  EXPECT_TRUE(original->replayed);
  EXPECT_FALSE(forgotten->replayed);
}

TEST_F(SnapshotTest, ErrorsLeaveTheTargetUnchanged) {
  State target;
  Driver(&target).Run(CreateCustomer{"X1", "Kept", "", "", {}, std::nullopt});
  uint64_t hash = target.StateHash();
  Status status = DecodeSnapshot(bytes_.substr(0, bytes_.size() / 2), &target);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kCorruptRecord);
  EXPECT_EQ(target.StateHash(), hash);
}

TEST_F(SnapshotTest, VersionAndTrailingBytesAreChecked) {
  State target;
  std::string other_version = bytes_;
  other_version[0] = static_cast<char>(kSnapshotCodecVersion + 1);
  Status status = DecodeSnapshot(other_version, &target);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("version"), std::string::npos);
  status = DecodeSnapshot(bytes_ + "x", &target);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("trailing"), std::string::npos);
  EXPECT_FALSE(DecodeSnapshot("", &target).ok());
  EXPECT_FALSE(DecodeSnapshot(EncodeEvent(Event{}), &target).ok());
}

TEST_F(SnapshotTest, TruncationAtEveryByteIsRefused) {
  for (size_t size = 0; size < bytes_.size(); ++size) {
    State target;
    Status status = DecodeSnapshot(std::string_view(bytes_).substr(0, size), &target);
    ASSERT_FALSE(status.ok()) << "a snapshot cut to " << size << " bytes was accepted";
    ASSERT_EQ(status.error().code, ErrorCode::kCorruptRecord) << status.error().message;
    ASSERT_EQ(target.last_seq(), 0u);
  }
}

CreateCustomer NewCustomer(const std::string& id) {
  return CreateCustomer{id, "Customer " + id, "", "", {}, std::nullopt};
}

// After the clock stepped back, a key can be in the log twice; the index must point at the
// newest record (whose key string outlives the older one's), as State::Apply leaves it.
TEST(SnapshotIdempotencyTest, AKeyInTheLogTwiceMapsToItsNewestRecord) {
  StateOptions options{.idempotency_retention_ms = 10'000};
  State original(options);
  Date today = DateFromCivil(2026, 3, 2);
  auto at = [&](const std::string& key, TimeMs seconds) {
    return Envelope{key, "alice", int64_t{today.days} * kMsPerDay + seconds * 1'000, today};
  };
  ASSERT_TRUE(original.Execute(at("y", 1'000), NewCustomer("C1")).ok());
  ASSERT_TRUE(original.Execute(at("k", 100), NewCustomer("C2")).ok());    // Stepped back.
  ASSERT_TRUE(original.Execute(at("k", 1'005), NewCustomer("C3")).ok());  // k expired: new.
  ASSERT_EQ(original.idempotency_record_count(), 3u);
  State restored = Decoded(EncodeSnapshot(original), options);
  Outcomes outcomes;
  RunOnBoth(original, restored, at("k", 1'006), NewCustomer("C3"), &outcomes);  // Replayed.
  RunOnBoth(original, restored, at("z", 1'012), NewCustomer("C4"), &outcomes);  // Sweeps y, k.
  RunOnBoth(original, restored, at("k", 1'013), NewCustomer("C3"), &outcomes);  // Replayed.
  RunOnBoth(original, restored, at("w", 1'030), NewCustomer("C5"), &outcomes);  // Sweeps all.
  RunOnBoth(original, restored, at("k", 1'031), NewCustomer("C3"), &outcomes);  // Duplicate id.
  EXPECT_EQ(outcomes.replayed, 2);
  EXPECT_EQ(outcomes.failed, 1);
  EXPECT_EQ(original.StateHash(), restored.StateHash());
  EXPECT_EQ(EncodeSnapshot(original), EncodeSnapshot(restored));
}

// A big count must be refused before anything is allocated for it.
TEST_F(SnapshotTest, HugeCountsAreRefused) {
  // The policy count follows the version byte and last_seq.
  std::string huge = bytes_;
  for (size_t i = 9; i < 13; ++i) huge[i] = '\xff';
  State target;
  Status status = DecodeSnapshot(huge, &target);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("policies"), std::string::npos) << status.error().message;
}

// Finds the bytes of `id` as the codec writes a string; the u32 that follows an order id is its
// account slot (see Order::Fields).
size_t OffsetAfter(const std::string& bytes, const std::string& id) {
  std::string encoded = Bytes(id);
  size_t at = bytes.find(encoded);
  EXPECT_NE(at, std::string::npos) << id;
  return at == std::string::npos ? 0 : at + encoded.size();
}

TEST_F(SnapshotTest, CrossReferencesAreChecked) {
  struct Case {
    size_t skip;       // Bytes after the order id's encoding.
    size_t size;       // Bytes of the value written there.
    uint64_t value;    // Written little-endian.
    std::string says;  // In the error message.
  };
  // An order is written as id, account (u32), status (u8), amount (i64), reserved (i64), ...
  std::vector<OrderView> orders = state_.OpenOrders(Acct("C100")).value();
  auto open = std::find_if(orders.begin(), orders.end(),
                           [](const OrderView& o) { return o.status == OrderStatus::kOpen; });
  ASSERT_NE(open, orders.end());
  for (const Case& c : {Case{0, 4, 9'999, "account slot"}, Case{0, 4, 1, "broken order list"},
                        Case{13, 8, 1, "reservation"}}) {
    std::string corrupt = bytes_;
    size_t at = OffsetAfter(corrupt, open->order_id) + c.skip;
    for (size_t i = 0; i < c.size; ++i) corrupt[at + i] = static_cast<char>(c.value >> (8 * i));
    State target;
    Status status = DecodeSnapshot(corrupt, &target);
    ASSERT_FALSE(status.ok()) << c.says;
    EXPECT_EQ(status.error().code, ErrorCode::kCorruptRecord);
    EXPECT_NE(status.error().message.find(c.says), std::string::npos) << status.error().message;
  }
}

// An accepted (possibly corrupted) state must snapshot and restore again.
void ExpectRoundTrip(const State& state) {
  State copy;
  Status status = DecodeSnapshot(EncodeSnapshot(state), &copy);
  ASSERT_TRUE(status.ok()) << "an accepted state did not round-trip: " << status.error().message;
  ASSERT_EQ(copy.StateHash(), state.StateHash());
}

// Drives an accepted (possibly corrupted) state through every query and many commands:
// nothing may crash.
void ExerciseState(State& state, Driver& driver) {
  (void)DescribeState(state, driver.today());
  std::vector<Command> commands = FurtherCommands(state);
  for (const Customer* customer : state.ListCustomers({}, "", kAllCustomers)) {
    for (uint32_t i = 0; i < 2; ++i) {
      commands.push_back(RecordPayment{"P" + std::to_string(commands.size()),
                                       Acct(customer->customer_id), "", CnyMinor(5'000'000),
                                       driver.today()});
    }
  }
  driver.AdvanceDays(30);
  commands.push_back(ExpireReservations{});
  for (const Command& command : commands) (void)state.Execute(driver.Next(), command);
  (void)DescribeState(state, driver.today());
}

// A single-byte flip at each position; a state from one in kExercisedEvery positions is also
// driven through queries and commands, as is every state from the random damages. A soak:
// CREDITLINE_SNAPSHOT_TRIALS=100000 CREDITLINE_SNAPSHOT_SEED=7 ./snapshot_test
constexpr size_t kExercisedEvery = 8;
constexpr uint64_t kRandomTrialsDefault = 600;
constexpr uint64_t kRandomSeedDefault = 20'261'122;

uint64_t EnvironmentNumber(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text == nullptr || *text == '\0' ? fallback : std::strtoull(text, nullptr, 10);
}

TEST_F(SnapshotTest, CorruptedBytesAreRefusedOrGiveAWorkingState) {
  std::mt19937_64 random(EnvironmentNumber("CREDITLINE_SNAPSHOT_SEED", kRandomSeedDefault));
  uint64_t trials = EnvironmentNumber("CREDITLINE_SNAPSHOT_TRIALS", kRandomTrialsDefault);
  size_t refused = 0, accepted = 0;
  // Every accepted state round-trips; a share of them (all of the random ones) also runs
  // queries and commands, which keeps the test to a few seconds.
  auto attempt = [&](const std::string& corrupt, bool exercise) {
    State target;
    Status status = DecodeSnapshot(corrupt, &target);
    if (!status.ok()) {
      ASSERT_EQ(status.error().code, ErrorCode::kCorruptRecord);
      ++refused;
      return;
    }
    ++accepted;
    ExpectRoundTrip(target);
    if (!exercise) return;
    Driver driver(driver_, &target);
    ExerciseState(target, driver);
  };
  // Every byte once, with a mask that varies by position; then random multi-byte damage.
  for (size_t at = 0; at < bytes_.size() && !HasFatalFailure(); ++at) {
    std::string corrupt = bytes_;
    corrupt[at] = static_cast<char>(corrupt[at] ^ (at % 3 == 0 ? 0xFF : 1 << (at % 8)));
    attempt(corrupt, at % kExercisedEvery == 0);
  }
  for (uint64_t trial = 0; trial < trials && !HasFatalFailure(); ++trial) {
    std::string corrupt = bytes_;
    for (int flips = 1 + static_cast<int>(random() % 4); flips > 0; --flips) {
      corrupt[random() % corrupt.size()] = static_cast<char>(random());
    }
    attempt(corrupt, true);
  }
  std::printf("snapshot corruption: %zu bytes, %zu refused, %zu accepted (each round-tripped)\n",
              bytes_.size(), refused, accepted);
  EXPECT_GT(refused, 0u);
  EXPECT_GT(accepted, 0u);
}

// ------------------------------------------------------------------------------------------
// Speed: a portfolio of 100k accounts and 300k open orders (and their idempotency records).

constexpr int kSpeedCustomers = 100'000;
constexpr int kSpeedOrdersPerCustomer = 3;
constexpr int kSpeedRuns = 3;

void BuildLargeState(State& state) {
  Driver d(&state);
  for (int i = 0; i < kSpeedCustomers; ++i) {
    std::string id = "CUST" + std::to_string(100'000 + i);
    CreateCustomer customer{id, "Customer " + std::to_string(i), "retail", "east", {}, {}};
    customer.account = AccountFor(Acct(id), Cny(), 1'000'000'000, "standard", "");
    d.Run(customer);
  }
  for (int n = 0; n < kSpeedOrdersPerCustomer; ++n) {
    for (int i = 0; i < kSpeedCustomers; ++i) {
      std::string id = "CUST" + std::to_string(100'000 + i);
      TimeMs expires_at = i % 10 == 0 ? d.now() + 7 * 24 * kHourMs : 0;
      d.Run(ReserveOrder{"SO" + std::to_string(i * 10 + n), Acct(id),
                         CnyMinor(10'000 + i % 1'000 * 100), expires_at});
    }
  }
}

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

TEST(SnapshotSpeedTest, EncodeAndDecodeALargePortfolio) {
  State state;
  BuildLargeState(state);
  ASSERT_EQ(state.open_order_count(), size_t{kSpeedCustomers} * kSpeedOrdersPerCustomer);
  std::string bytes = EncodeSnapshot(state);
  // The best of a few runs; freeing the results is left out of the times.
  double encode_ms = 1e18, decode_ms = 1e18;
  for (int run = 0; run < kSpeedRuns; ++run) {
    auto start = std::chrono::steady_clock::now();
    std::string encoded = EncodeSnapshot(state);
    encode_ms = std::min(encode_ms, MsSince(start));
    State decoded;
    start = std::chrono::steady_clock::now();
    Status status = DecodeSnapshot(bytes, &decoded);
    decode_ms = std::min(decode_ms, MsSince(start));
    ASSERT_TRUE(status.ok());
  }
  State restored = Decoded(bytes);
  EXPECT_EQ(restored.StateHash(), state.StateHash());
  double megabytes = static_cast<double>(bytes.size()) / 1e6;
  std::printf(
      "snapshot speed: %zu accounts, %zu open orders, %zu idempotency records: %.1f MB "
      "(%.1f MB reserved); encode %.1f ms (%.0f MB/s), decode %.1f ms (%.0f MB/s)\n",
      state.account_count(), state.open_order_count(), state.idempotency_record_count(), megabytes,
      static_cast<double>(bytes.capacity()) / 1e6, encode_ms, megabytes / encode_ms * 1e3,
      decode_ms, megabytes / decode_ms * 1e3);
}

}  // namespace
}  // namespace creditline
