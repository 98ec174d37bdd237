// Tests for the customer statement and activity feed (report/statement.hpp) on a generated
// account history: a seeded random year of limit changes, temporary limits, collateral, status
// changes, orders (approved, held, released, rejected, changed, cancelled, expired), invoices,
// payments, credit notes and write-offs on the customer under test and on a second customer.
// The statement must agree with itself (totals equal the sums of their items), with the history
// index (Account::history) and with the current state (the last limit, the last exposure).
#include "report/statement.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/snapshot.hpp"
#include "service/engine.hpp"
#include "store/chain.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace creditline::report {
namespace {

constexpr TimeMs kHourMs = 3'600'000;

Money Cny(int64_t minor) { return Money{minor, Currency::Of("CNY")}; }
AccountRef Acct(const std::string& customer_id) { return AccountRef{customer_id, ""}; }
Date Day(const char* text) { return *ParseDate(text); }

const Table& Section(const Report& report, const std::string& name) {
  const Table* table = report.Find(name);
  EXPECT_NE(table, nullptr) << name;
  static const Table kEmpty;
  return table == nullptr ? kEmpty : *table;
}

size_t Column(const Table& table, const std::string& name) {
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (table.columns[i] == name) return i;
  }
  ADD_FAILURE() << table.name << " has no column " << name;
  return 0;
}

int64_t Int(const Table& table, size_t row, const std::string& column) {
  return std::get<int64_t>(table.rows.at(row).at(Column(table, column)));
}
std::string Text(const Table& table, size_t row, const std::string& column) {
  return std::get<std::string>(table.rows.at(row).at(Column(table, column)));
}

class StatementTest : public ::testing::Test {
 protected:
  void Run(const Command& command) {
    now_ += 1000;
    Envelope envelope{"k" + std::to_string(++keys_), actor_, now_, today_};
    (void)state_.Execute(envelope, command, &events_);  // Refused commands emit nothing.
  }

  void NextDay(int days) {
    today_ = AddDays(today_, days);
    now_ = std::max(now_, int64_t{today_.days} * kMsPerDay + 2 * kHourMs);
  }

  void Open(const std::string& customer_id, int64_t limit_minor) {
    OpenAccount open;
    open.account = Acct(customer_id);
    open.currency = Currency::Of("CNY");
    open.limit_minor = limit_minor;
    open.grade = "B";
    Run(CreateCustomer{customer_id, "Customer " + customer_id, "steel", "east", {}, open});
  }

  // One random step on `customer_id`.
  void Step(const std::string& customer_id, std::mt19937& random) {
    AccountRef ref = Acct(customer_id);
    std::string n = std::to_string(++ids_);
    auto amount = [&](int64_t low, int64_t high) {
      return std::uniform_int_distribution<int64_t>(low, high)(random);
    };
    actor_ = random() % 3 == 0 ? "manager" : "erp";
    switch (random() % 16) {
      case 0:
        Run(SetLimit{ref, Cny(amount(100'000, 3'000'000)), "reason " + n});
        break;
      case 1:
        Run(AddTemporaryLimit{ref, "T" + n, Cny(amount(10'000, 500'000)), today_,
                              AddDays(today_, static_cast<int32_t>(amount(1, 40))), "season " + n});
        break;
      case 2:
        Run(AddCollateral{ref, "G" + n, "guarantee", Cny(amount(10'000, 500'000)),
                          AddDays(today_, static_cast<int32_t>(amount(1, 90))), random() % 2 == 0});
        break;
      case 3: {
        static const AccountStatus kStatuses[] = {AccountStatus::kActive, AccountStatus::kOnHold,
                                                  AccountStatus::kActive};
        Run(SetStatus{ref, kStatuses[random() % 3], "status " + n});
        break;
      }
      case 4:
      case 5:
      case 6:
        orders_[customer_id].push_back("O" + n);
        Run(ReserveOrder{"O" + n, ref, Cny(amount(1'000, 400'000)),
                         random() % 4 == 0 ? now_ + 3 * kHourMs : 0});
        break;
      case 7:
        if (!orders_[customer_id].empty()) {
          const std::vector<std::string>& orders = orders_[customer_id];
          if (random() % 2 == 0) {
            Run(ReleaseHold{orders[random() % orders.size()], "known customer " + n});
          } else {
            Run(RejectHold{orders[random() % orders.size()], "too risky " + n});
          }
          Run(ChangeOrder{orders[random() % orders.size()], Cny(amount(1'000, 300'000))});
        }
        break;
      case 8:
        if (!orders_[customer_id].empty()) {
          Run(CancelOrder{orders_[customer_id][random() % orders_[customer_id].size()], "gone"});
        }
        break;
      case 9:
      case 10: {
        std::string order;
        if (!orders_[customer_id].empty() && random() % 2 == 0) {
          order = orders_[customer_id][random() % orders_[customer_id].size()];
        }
        Run(CreateInvoice{"I" + n, ref, order, Cny(amount(1'000, 300'000)), today_,
                          AddDays(today_, static_cast<int32_t>(amount(5, 45))), random() % 2 == 0});
        invoices_[customer_id].push_back("I" + n);
        break;
      }
      case 11:
      case 12:
        Run(RecordPayment{"P" + n, ref, "", Cny(amount(1'000, 150'000)), today_});
        break;
      case 13:
        if (!invoices_[customer_id].empty()) {
          std::string invoice = invoices_[customer_id].back();  // The newest: likely open.
          Run(IssueCreditNote{"CN" + n, ref, invoice, Cny(amount(100, 20'000)), today_, "damaged"});
        }
        break;
      case 14:
        if (!invoices_[customer_id].empty()) {
          std::string invoice = invoices_[customer_id].back();
          Run(WriteOff{"W" + n, invoice, std::nullopt, "insolvent " + n});
        }
        break;
      case 15:
        Run(ExpireReservations{});
        break;
    }
  }

  // A year on C1 and C2, interleaved, a day or two at a time.
  void GenerateYear() {
    today_ = Day("2025-01-02");
    now_ = int64_t{today_.days} * kMsPerDay + 2 * kHourMs;
    Open("C1", 1'000'000);
    Open("C2", 2'000'000);
    std::mt19937 random(20261123);
    while (today_ < Day("2025-12-31")) {
      for (int i = 0; i < 3; ++i) {
        Step("C1", random);
        Step("C2", random);
      }
      NextDay(static_cast<int>(random() % 3));
    }
    ASSERT_GT(events_.size(), 600u);
  }

  const Account& AccountOf(const std::string& customer_id) const {
    const Customer* customer = state_.FindCustomer(customer_id);
    return state_.accounts()[customer->accounts.front()];
  }

  // The events the history index lists for the account, as the server reads them.
  std::vector<Event> IndexedEvents(const std::string& customer_id) const {
    std::vector<Event> out;
    for (uint64_t seq : AccountOf(customer_id).history) out.push_back(events_.at(seq - 1));
    return out;
  }

  Report Statement(Date from, Date to) {
    Result<Report> report =
        BuildStatement(state_, StatementOptions{Acct("C1"), from, to, today_}, IndexedEvents("C1"));
    EXPECT_TRUE(report.ok()) << (report.ok() ? "" : report.error().message);
    return report.ok() ? *report : Report{};
  }

  State state_;
  std::vector<Event> events_;
  Date today_;
  TimeMs now_ = 0;
  uint64_t keys_ = 0, ids_ = 0;
  std::string actor_ = "erp";
  std::map<std::string, std::vector<std::string>> orders_, invoices_;
};

TEST_F(StatementTest, TotalsEqualTheSumsOfTheirItems) {
  GenerateYear();
  Report report = Statement(Day("2025-01-02"), today_);
  const Table& summary = Section(report, "summary");
  ASSERT_EQ(summary.rows.size(), 1u);
  EXPECT_EQ(Int(summary, 0, "reconciled"), 1);

  std::map<std::string, int64_t> settled;  // By kind: allocated plus unapplied.
  std::map<std::string, std::set<int64_t>> documents;
  const Table& settlements = Section(report, "settlements");
  for (size_t row = 0; row < settlements.rows.size(); ++row) {
    std::string kind = Text(settlements, row, "kind");
    settled[kind] +=
        Int(settlements, row, "allocated_minor") + Int(settlements, row, "unapplied_minor");
    documents[kind].insert(Int(settlements, row, "seq"));
  }
  EXPECT_GT(documents["payment"].size(), 10u);
  EXPECT_GT(documents["write_off"].size(), 0u);
  EXPECT_EQ(Int(summary, 0, "paid_minor"), settled["payment"]);
  EXPECT_EQ(Int(summary, 0, "credited_minor"), settled["credit_note"]);
  EXPECT_EQ(Int(summary, 0, "written_off_minor"), settled["write_off"]);
  EXPECT_EQ(Int(summary, 0, "written_off_minor"), AccountOf("C1").written_off_minor);

  const Table& invoices = Section(report, "invoices");
  int64_t invoiced = 0;
  for (size_t row = 0; row < invoices.rows.size(); ++row) {
    invoiced += Int(invoices, row, "amount_minor");
  }
  EXPECT_GT(invoices.rows.size(), 10u);
  EXPECT_EQ(Int(summary, 0, "invoiced_minor"), invoiced);

  // Open items now: the state's, with their sums equal to the account's totals.
  Result<AccountView> view = state_.ViewAccount(Acct("C1"), today_);
  ASSERT_TRUE(view.ok());
  const Table& open_invoices = Section(report, "open_invoices");
  int64_t open = 0;
  for (size_t row = 0; row < open_invoices.rows.size(); ++row) {
    open += Int(open_invoices, row, "open_minor");
  }
  EXPECT_EQ(open, view->receivables_open_minor);
  const Table& open_orders = Section(report, "open_orders");
  int64_t reserved = 0;
  for (size_t row = 0; row < open_orders.rows.size(); ++row) {
    reserved += Int(open_orders, row, "reserved_minor");
  }
  EXPECT_EQ(reserved, view->orders_open_minor);

  // Every decision kind the generator makes shows up with its actor.
  std::set<std::string> kinds;
  const Table& decisions = Section(report, "decisions");
  for (size_t row = 0; row < decisions.rows.size(); ++row) {
    kinds.insert(Text(decisions, row, "kind"));
    EXPECT_FALSE(Text(decisions, row, "actor").empty());
  }
  for (const char* kind : {"order", "hold_release", "hold_reject", "order_cancel"}) {
    EXPECT_TRUE(kinds.contains(kind)) << kind;
  }
}

TEST_F(StatementTest, LimitHistoryChainsToTheCurrentLimit) {
  GenerateYear();
  Report report = Statement(Day("2025-01-02"), today_);
  const Table& limits = Section(report, "limit_history");
  Result<AccountView> view = state_.ViewAccount(Acct("C1"), today_);
  ASSERT_TRUE(view.ok());
  // Per field, each entry's before is the previous entry's after.
  std::map<std::string, Cell> last;
  std::map<std::string, int> count;
  for (size_t row = 0; row < limits.rows.size(); ++row) {
    std::string field = Text(limits, row, "field");
    const std::vector<Cell>& cells = limits.rows[row];
    if (last.contains(field)) {
      EXPECT_EQ(cells[Column(limits, "before")], last[field]) << field << " at row " << row;
    }
    last[field] = cells[Column(limits, "after")];
    ++count[field];
    EXPECT_GT(Int(limits, row, "seq"), 0);
  }
  EXPECT_GT(count["limit_minor"], 10);
  EXPECT_GT(count["status"], 3);
  EXPECT_GT(count["temporary_limits_minor"], 3);
  EXPECT_GT(count["collateral_minor"], 3);
  // The first limit entry is the opening (0 -> the opening limit), the last is the limit now.
  size_t first = 0;
  while (Text(limits, first, "field") != "limit_minor") ++first;
  EXPECT_EQ(Int(limits, first, "before"), 0);
  EXPECT_EQ(Int(limits, first, "after"), 1'000'000);
  EXPECT_EQ(Text(limits, first, "reason"), "account opened");
  EXPECT_EQ(std::get<int64_t>(last["limit_minor"]), view->limit_minor);
  EXPECT_EQ(std::get<int64_t>(last["temporary_limits_minor"]), [&] {
    int64_t sum = 0;
    for (const TemporaryLimit& t : AccountOf("C1").temporary_limits) {
      sum += t.amount_minor;
    }
    return sum;
  }());
  EXPECT_EQ(std::get<std::string>(last["status"]), std::string(NameOf(view->status)));
  // A manual change carries its actor and reason.
  bool found = false;
  for (size_t row = 0; row < limits.rows.size(); ++row) {
    if (Text(limits, row, "event") == "limit_set") {
      found = true;
      EXPECT_EQ(Text(limits, row, "reason").rfind("reason ", 0), 0u);
      EXPECT_FALSE(Text(limits, row, "actor").empty());
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(StatementTest, ExposureSeriesEndsAtTheCurrentFigures) {
  GenerateYear();
  Report report = Statement(AddDays(today_, -364), today_);
  const Table& series = Section(report, "exposure");
  ASSERT_EQ(series.rows.size(), 365u);
  Result<AccountView> view = state_.ViewAccount(Acct("C1"), today_);
  ASSERT_TRUE(view.ok());
  size_t last = series.rows.size() - 1;
  EXPECT_EQ(Text(series, last, "day"), FormatDate(today_));
  EXPECT_EQ(Int(series, last, "exposure_minor"), view->exposure_minor);
  EXPECT_EQ(Int(series, last, "orders_open_minor"), view->orders_open_minor);
  EXPECT_EQ(Int(series, last, "receivables_open_minor"), view->receivables_open_minor);
  EXPECT_EQ(Int(series, last, "overdue_minor"), view->overdue_minor);
  EXPECT_EQ(Int(series, last, "limit_minor"), view->limit_minor);
  EXPECT_EQ(Int(series, last, "effective_limit_minor"), view->effective_limit_minor);
  EXPECT_NE(view->exposure_minor, 0);
  // Each point is the parts' sum, and the summary's closing figures are the last point.
  for (size_t row = 0; row < series.rows.size(); ++row) {
    EXPECT_EQ(Int(series, row, "exposure_minor"), Int(series, row, "orders_open_minor") +
                                                      Int(series, row, "receivables_open_minor") -
                                                      Int(series, row, "unapplied_credit_minor"));
  }
  const Table& summary = Section(report, "summary");
  EXPECT_EQ(Int(summary, 0, "closing_exposure_minor"), view->exposure_minor);
  EXPECT_EQ(Int(summary, 0, "closing_overdue_minor"), view->overdue_minor);
}

TEST_F(StatementTest, AWindowOpensWithTheFiguresOfTheDayBefore) {
  GenerateYear();
  Report year = Statement(Day("2025-01-02"), today_);
  Report window = Statement(Day("2025-06-01"), Day("2025-08-31"));
  const Table& series = Section(year, "exposure");
  size_t may_31 = static_cast<size_t>(DaysBetween(Day("2025-01-02"), Day("2025-05-31")));
  size_t aug_31 = static_cast<size_t>(DaysBetween(Day("2025-01-02"), Day("2025-08-31")));
  const Table& summary = Section(window, "summary");
  EXPECT_EQ(Int(summary, 0, "opening_exposure_minor"), Int(series, may_31, "exposure_minor"));
  EXPECT_EQ(Int(summary, 0, "opening_limit_minor"), Int(series, may_31, "limit_minor"));
  EXPECT_EQ(Int(summary, 0, "closing_exposure_minor"), Int(series, aug_31, "exposure_minor"));
  EXPECT_EQ(Section(window, "exposure").rows.size(), 92u);
  // Only the window's events are listed.
  const Table& limits = Section(window, "limit_history");
  ASSERT_GT(limits.rows.size(), 0u);
  for (size_t row = 0; row < limits.rows.size(); ++row) {
    std::string day = Text(limits, row, "day");
    EXPECT_GE(day, "2025-06-01");
    EXPECT_LE(day, "2025-08-31");
  }
}

TEST_F(StatementTest, HistoryIndexListsEveryEventOfTheAccountAndSurvivesASnapshot) {
  GenerateYear();
  // Every event naming C1's account is in C1's index (an expiry event may be in both
  // customers' indexes: it expires orders of both).
  const std::vector<uint64_t>& history = AccountOf("C1").history;
  std::set<uint64_t> indexed(history.begin(), history.end());
  ASSERT_EQ(indexed.size(), history.size());
  size_t c1_events = 0;
  for (const Event& event : events_) {
    bool c1 = false;
    if (const auto* e = std::get_if<SetLimit>(&event.body)) c1 = e->account == Acct("C1");
    if (const auto* e = std::get_if<OrderDecided>(&event.body)) c1 = e->order.account == Acct("C1");
    if (const auto* e = std::get_if<PaymentRecorded>(&event.body)) {
      c1 = e->payment.account == Acct("C1");
    }
    if (const auto* e = std::get_if<WrittenOff>(&event.body)) c1 = e->account == Acct("C1");
    if (c1) {
      ++c1_events;
      EXPECT_TRUE(indexed.contains(event.seq)) << event.seq << " " << EventName(event.body);
    }
  }
  EXPECT_GT(c1_events, 100u);
  for (uint64_t seq : AccountOf("C2").history) {
    if (indexed.contains(seq)) {
      EXPECT_TRUE(std::holds_alternative<ReservationsExpired>(events_.at(seq - 1).body)) << seq;
    }
  }

  // The index is part of the state: it survives a snapshot and counts in the state hash.
  State decoded;
  ASSERT_TRUE(DecodeSnapshot(EncodeSnapshot(state_), &decoded).ok());
  EXPECT_EQ(decoded.StateHash(), state_.StateHash());
  const Customer* customer = decoded.FindCustomer("C1");
  EXPECT_EQ(decoded.accounts()[customer->accounts.front()].history, history);
}

TEST_F(StatementTest, ActivityFeedPagesAndShowsBeforeAndAfter) {
  GenerateYear();
  std::vector<Event> events = IndexedEvents("C1");
  Result<std::vector<HistoryEntry>> all = CustomerHistory(state_, "C1", events, 0, 1'000'000);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), events.size());
  // Paging by seq gives the same entries.
  std::vector<HistoryEntry> paged;
  uint64_t after = 0;
  while (true) {
    Result<std::vector<HistoryEntry>> page = CustomerHistory(state_, "C1", events, after, 37);
    ASSERT_TRUE(page.ok());
    if (page->empty()) break;
    EXPECT_LE(page->size(), 37u);
    for (HistoryEntry& entry : *page) paged.push_back(std::move(entry));
    after = paged.back().seq;
  }
  ASSERT_EQ(paged.size(), all->size());
  int64_t limit = 0, exposure = 0;
  for (size_t i = 0; i < paged.size(); ++i) {
    EXPECT_EQ(paged[i].seq, (*all)[i].seq);
    for (const FieldChange& change : paged[i].changes) {
      if (change.field == "limit_minor") {
        EXPECT_EQ(std::get<int64_t>(change.before), limit);
        limit = std::get<int64_t>(change.after);
      }
      if (change.field == "exposure_minor") {
        EXPECT_EQ(std::get<int64_t>(change.before), exposure);
        exposure = std::get<int64_t>(change.after);
      }
    }
  }
  Result<AccountView> view = state_.ViewAccount(Acct("C1"), today_);
  EXPECT_EQ(limit, view->limit_minor);
  EXPECT_EQ(exposure, view->exposure_minor);
}

TEST_F(StatementTest, RefusesWhatItCannotAnswer) {
  GenerateYear();
  Result<Report> unknown =
      BuildStatement(state_, StatementOptions{Acct("C404"), today_, today_, today_}, {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kCustomerNotFound);
  // Without the account's first events (a server without a journal that dropped them).
  std::vector<Event> events = IndexedEvents("C1");
  events.erase(events.begin());
  Result<Report> partial =
      BuildStatement(state_, StatementOptions{Acct("C1"), today_, today_, today_}, events);
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.error().code, ErrorCode::kHistoryUnavailable);
  EXPECT_EQ(CustomerHistory(state_, "C404", {}, 0, 10).error().code, ErrorCode::kCustomerNotFound);
}

// The server reads an account's events by their seqs: from memory when recent, from the journal
// when older (runs of nearby seqs in one scan), and refuses without a journal.
TEST_F(StatementTest, EventFeedReadsAHistoryFromTheJournal) {
  GenerateYear();
  std::string path = testing::TempDir() + "/statement-feed-test.db";
  std::filesystem::remove(path);
  Result<std::unique_ptr<store::Store>> store = store::OpenSqliteStore(path, true);
  ASSERT_TRUE(store.ok()) << store.error().message;
  Result<std::unique_ptr<store::JournalWriter>> writer = (*store)->OpenWriter();
  ASSERT_TRUE(writer.ok());
  store::ChainSealer sealer(store::JournalTip{});
  std::vector<store::JournalRecord> records;
  for (const Event& event : events_) records.push_back(sealer.Seal(event));
  ASSERT_TRUE((*writer)->Append(records).ok());
  Result<std::unique_ptr<store::JournalReader>> reader = (*store)->OpenReader();
  ASSERT_TRUE(reader.ok());
  // The feed starts after the journal's last record, as at a server's start; then the last
  // 50 events arrive in memory.
  uint64_t split = events_.size() - 50;
  service::EventFeed feed(std::move(*reader), split);
  feed.Append(std::vector<Event>(events_.begin() + static_cast<long>(split), events_.end()));

  const std::vector<uint64_t>& history = AccountOf("C1").history;
  Result<std::vector<Event>> read = feed.Get(history);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->size(), history.size());
  for (size_t i = 0; i < history.size(); ++i) EXPECT_EQ((*read)[i], events_.at(history[i] - 1));
  // Far-apart seqs, and seqs not yet committed, which are left out.
  Result<std::vector<Event>> sparse = feed.Get({1, 2, 400, events_.size(), events_.size() + 5});
  ASSERT_TRUE(sparse.ok());
  ASSERT_EQ(sparse->size(), 4u);
  EXPECT_EQ((*sparse)[2].seq, 400u);

  service::EventFeed memory_only;
  memory_only.Append(std::vector<Event>(events_.end() - 10, events_.end()));
  Result<std::vector<Event>> refused = memory_only.Get({1, events_.size()});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kHistoryUnavailable);
  EXPECT_EQ(memory_only.Get({events_.size()})->size(), 1u);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace creditline::report
