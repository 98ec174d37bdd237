// Two servers on one PostgreSQL store, in process: the writer lease admits one writer, a writer
// whose session ended can never append again, a standby engine follows the active one to the
// same state hash and refuses commands, and takes over when the active one goes away, with the
// journal continuing unbroken. And the SQL projection for BI tools: its tables equal the state's
// views after every batch, closed items leave them, a second projector waits for the lease, and
// a restarted projector rewrites the tables without losing or doubling a decision.
// Runs in a throwaway cluster (postgres_cluster.hpp).
#include "service/standby.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "postgres_cluster.hpp"
#include "service/engine.hpp"
#include "service/projector.hpp"
#include "service/recovery.hpp"
#include "store/chain.hpp"
#include "store/postgres/postgres_store.hpp"

namespace creditline::service {
namespace {

using test_support::PostgresCluster;
using Rows = std::vector<std::vector<std::string>>;

[[maybe_unused]] ::testing::Environment* const kPostgresEnvironment =
    ::testing::AddGlobalTestEnvironment(new test_support::PostgresClusterEnvironment);

constexpr auto kTakeoverTimeout = std::chrono::seconds(15);

// The rows of a query, as text.
Rows Query(const std::string& url, const std::string& sql) {
  PGconn* connection = PQconnectdb(url.c_str());
  Rows rows;
  PGresult* result = PQexec(connection, sql.c_str());
  EXPECT_EQ(PQresultStatus(result), PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(connection);
  for (int row = 0; row < PQntuples(result); ++row) {
    rows.emplace_back();
    for (int column = 0; column < PQnfields(result); ++column) {
      rows.back().push_back(PQgetvalue(result, row, column));
    }
  }
  PQclear(result);
  PQfinish(connection);
  return rows;
}

Money Cny(int64_t minor) { return Money{minor, *Currency::Parse("CNY")}; }

OpenAccount Account(const std::string& id, int64_t limit_minor) {
  OpenAccount account;
  account.account = {id, ""};
  account.currency = *Currency::Parse("CNY");
  account.limit_minor = limit_minor;
  return account;
}

class StandbyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> url = PostgresCluster::Shared().NewDatabase();
    ASSERT_TRUE(url.ok()) << url.error().message;
    url_ = *url;
    store_ = Open();
  }

  std::unique_ptr<store::Store> Open() {
    Result<std::unique_ptr<store::Store>> store = store::OpenPostgresStore(url_, true);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(*store) : nullptr;
  }

  // An engine on `store`: active when the writer lease is free, else a standby.
  std::unique_ptr<Engine> StartEngine(store::Store& store, store::JournalTip* tip) {
    auto reader = store.OpenReader();
    EXPECT_TRUE(reader.ok());
    State state;
    Result<RecoveryReport> report = Recover(**reader, &state, nullptr);
    EXPECT_TRUE(report.ok()) << report.error().message;
    Durability durability;
    Result<std::unique_ptr<store::JournalWriter>> writer = store.OpenWriter();
    if (writer.ok()) {
      durability.writer = std::move(*writer);
    } else {
      EXPECT_EQ(writer.error().code, ErrorCode::kWriterLeaseHeld);
      durability.standby = true;
    }
    durability.tip = *tip = report->tip;
    durability.feed_reader = std::move(*reader);
    durability.snapshots = {0, 0, false};
    auto engine = std::make_unique<Engine>(*BusinessCalendar::ForZone("UTC"), std::move(state),
                                           std::move(durability));
    engine->Start();
    return engine;
  }

  // Runs a command through the engine; returns its result once durable.
  static Result<CommandResult> Run(Engine& engine, Command command, const std::string& key) {
    auto promise = std::make_shared<std::promise<Result<CommandResult>>>();
    std::future<Result<CommandResult>> future = promise->get_future();
    bool taken = engine.Submit([=](EngineContext& context) -> Continuation {
      if (context.standby) {
        promise->set_value(MakeError(ErrorCode::kStandby, "standby"));
        return nullptr;
      }
      Envelope envelope{key, "test", context.stamp.time, context.stamp.today};
      auto result = std::make_shared<Result<CommandResult>>(
          context.state.Execute(envelope, command, context.events));
      return [promise, result](bool durable) {
        promise->set_value(
            durable ? *result
                    : Result<CommandResult>(MakeError(ErrorCode::kWritesStopped, "not durable")));
      };
    });
    if (!taken) return MakeError(ErrorCode::kOverloaded, "not taken");
    return future.get();
  }

  static uint64_t HashOf(Engine& engine) {
    auto promise = std::make_shared<std::promise<uint64_t>>();
    std::future<uint64_t> future = promise->get_future();
    EXPECT_TRUE(engine.Submit([promise](EngineContext& context) -> Continuation {
      promise->set_value(context.state.StateHash());
      return nullptr;
    }));
    return future.get();
  }

  // A small portfolio: customers, approved and held orders, an invoice, a payment.
  static void RunPortfolio(Engine& engine, const std::string& prefix) {
    for (int i = 0; i < 5; ++i) {
      std::string id = prefix + std::to_string(i);
      ASSERT_TRUE(
          Run(engine,
              CreateCustomer{id, "Customer " + id, "steel", "east", {}, Account(id, 100'000)},
              "c-" + id)
              .ok());
      ASSERT_TRUE(Run(engine, ReserveOrder{"O" + id, {id, ""}, Cny(60'000)}, "o-" + id).ok());
      // The second order passes the limit and is held.
      ASSERT_TRUE(Run(engine, ReserveOrder{"H" + id, {id, ""}, Cny(60'000)}, "h-" + id).ok());
    }
  }

  std::string url_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(StandbyTest, TheWriterLeaseAdmitsOneWriterAtATime) {
  auto first = store_->OpenWriter();
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto other = Open();
  auto second = other->OpenWriter();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kWriterLeaseHeld);
  EXPECT_NE(second.error().message.find("holds the writer lease"), std::string::npos)
      << second.error().message;
  EXPECT_NE(second.error().message.find("backend pid"), std::string::npos);
  first->reset();  // Its session ends, and the lease with it.
  EXPECT_TRUE(other->OpenWriter().ok());
}

TEST_F(StandbyTest, AWriterWhoseSessionEndedCanNeverAppendAgain) {
  auto deposed = store_->OpenWriter().value();
  store::ChainSealer sealer({0, 0});
  auto record = [&](uint64_t seq) {
    Event event;
    event.seq = seq;
    event.body = SetFxRate{};
    return sealer.Seal(event);
  };
  std::vector<store::JournalRecord> first = {record(1)};
  ASSERT_TRUE(deposed->Append(first).ok());
  // As a network failure or an operator would: the server ends the writer's session.
  ASSERT_TRUE(PostgresCluster::Exec(url_,
                                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE "
                                    "locktype = 'advisory' AND objsubid = 2 AND granted")
                  .ok());
  auto other = Open();
  Result<std::unique_ptr<store::JournalWriter>> successor = other->OpenWriter();
  for (int i = 0; i < 100 && !successor.ok(); ++i) {  // The backend exits asynchronously.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    successor = other->OpenWriter();
  }
  ASSERT_TRUE(successor.ok()) << successor.error().message;
  EXPECT_FALSE(deposed->KeepAlive().ok());
  store::ChainSealer twin = sealer;
  std::vector<store::JournalRecord> second = {record(2)};
  EXPECT_FALSE(deposed->Append(second).ok());
  auto reader = store_->OpenReader().value();
  EXPECT_EQ(reader->Tip()->seq, 1u);
  sealer = twin;
  ASSERT_TRUE((*successor)->Append(second).ok());
  EXPECT_EQ(reader->Tip()->seq, 2u);
}

TEST_F(StandbyTest, TheStandbyFollowsRefusesCommandsAndTakesOver) {
  store::JournalTip tip;
  std::unique_ptr<Engine> active = StartEngine(*store_, &tip);
  ASSERT_FALSE(active->standby());
  RunPortfolio(*active, "A");

  auto other = Open();
  store::JournalTip standby_tip;
  std::unique_ptr<Engine> standby = StartEngine(*other, &standby_tip);
  ASSERT_TRUE(standby->standby());
  std::vector<std::string> log;
  std::mutex log_mutex;
  Standby follower(*other, other->OpenReader().value(), *standby, standby_tip,
                   [&](const std::string& line) {
                     std::lock_guard lock(log_mutex);
                     log.push_back(line);
                   });
  follower.Start();
  RunPortfolio(*active, "B");  // Written after the standby started: it must follow.
  uint64_t active_seq = active->last_seq();
  auto deadline = std::chrono::steady_clock::now() + kTakeoverTimeout;
  while (standby->last_seq() < active_seq && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(standby->last_seq(), active_seq);
  EXPECT_EQ(HashOf(*standby), HashOf(*active));
  Result<CommandResult> refused =
      Run(*standby, CreateCustomer{"X", "X", "", "", {}, Account("X", 1)}, "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kStandby);
  EXPECT_FALSE(follower.promoted());

  uint64_t hash = HashOf(*active);
  active.reset();  // Stops, and its writer's session ends: the lease is free.
  deadline = std::chrono::steady_clock::now() + kTakeoverTimeout;
  while (standby->standby() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(standby->standby()) << "no takeover within the timeout";
  EXPECT_TRUE(follower.promoted());
  EXPECT_EQ(HashOf(*standby), hash);
  Result<CommandResult> accepted =
      Run(*standby, ReserveOrder{"N1", {"A0", ""}, Cny(10'000)}, "after-takeover");
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  EXPECT_EQ(accepted->seq, active_seq + 1);
  follower.Stop();
  standby.reset();
  {
    std::lock_guard lock(log_mutex);
    ASSERT_FALSE(log.empty());
    EXPECT_NE(log.back().find("took over as the active server"), std::string::npos) << log.back();
  }
  auto reader = store_->OpenReader().value();
  Result<VerifyReport> verified = Verify(*reader, StateOptions{}, nullptr);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->records, active_seq + 1);
}

class ProjectionTest : public StandbyTest {
 protected:
  // Every account row of the projection against the engine's view of it.
  void ExpectAccountsMatch(Engine& engine) {
    Rows rows = Query(url_,
                      "SELECT account_key, exposure_minor, available_minor, orders_open_minor, "
                      "receivables_open_minor, held_orders FROM creditline_bi_accounts ORDER BY 1");
    auto promise = std::make_shared<std::promise<Rows>>();
    std::future<Rows> future = promise->get_future();
    ASSERT_TRUE(engine.Submit([promise](EngineContext& context) -> Continuation {
      Rows expected;
      for (const Customer* customer : context.state.ListCustomers({}, "", 1000)) {
        Result<std::vector<AccountView>> accounts =
            context.state.ViewCustomerAccounts(customer->customer_id, context.stamp.today);
        for (const AccountView& a : *accounts) {
          expected.push_back(
              {AccountKey(a.ref), std::to_string(a.exposure_minor),
               std::to_string(a.available_minor), std::to_string(a.orders_open_minor),
               std::to_string(a.receivables_open_minor), std::to_string(a.held_orders)});
        }
      }
      promise->set_value(expected);
      return nullptr;
    }));
    EXPECT_EQ(rows, future.get());
  }

  static std::string Count(const std::string& url, const std::string& table) {
    return Query(url, "SELECT count(*) FROM " + table)[0][0];
  }
};

TEST_F(ProjectionTest, TablesFollowEveryBatchAndSurviveARestartOfTheProjector) {
  store::JournalTip tip;
  std::unique_ptr<Engine> engine = StartEngine(*store_, &tip);
  RunPortfolio(*engine, "C");
  auto calendar = *BusinessCalendar::ForZone("UTC");
  auto quiet = [](const std::string&) {};
  {
    Projector projector(*store_, calendar, quiet);
    ASSERT_TRUE(projector.SyncOnce(SystemNowMs()).ok());
    EXPECT_TRUE(projector.holds_lease());
    EXPECT_EQ(projector.projected_seq(), engine->last_seq());
    ExpectAccountsMatch(*engine);
    EXPECT_EQ(Count(url_, "creditline_bi_customers"), "5");
    EXPECT_EQ(Count(url_, "creditline_bi_open_orders"), "10");
    EXPECT_EQ(Query(url_, "SELECT count(*) FROM creditline_bi_open_orders WHERE status = 'held'"),
              Rows{{"5"}});
    EXPECT_EQ(Count(url_, "creditline_bi_decisions"), "10");

    // A second projector (another server) waits for the lease and writes nothing.
    auto other_store = Open();
    Projector waiting(*other_store, calendar, quiet);
    ASSERT_TRUE(waiting.SyncOnce(SystemNowMs()).ok());
    EXPECT_FALSE(waiting.holds_lease());

    // Release one hold, reject another, invoice an order in full, pay part of it, cancel one.
    Date today = calendar.Today(SystemNowMs());
    ASSERT_TRUE(Run(*engine, ReleaseHold{"HC0", "known customer"}, "r0").ok());
    ASSERT_TRUE(Run(*engine, RejectHold{"HC1", "too much"}, "r1").ok());
    ASSERT_TRUE(Run(*engine,
                    CreateInvoice{"I1",
                                  {"C2", ""},
                                  "OC2",
                                  Cny(60'000),
                                  AddDays(today, -40),
                                  AddDays(today, -10),
                                  true},
                    "i1")
                    .ok());
    ASSERT_TRUE(Run(*engine, RecordPayment{"P1", {"C2", ""}, "I1", Cny(20'000), today}, "p1").ok());
    ASSERT_TRUE(Run(*engine, CancelOrder{"OC3", "customer cancelled"}, "x3").ok());
    ASSERT_TRUE(projector.SyncOnce(SystemNowMs()).ok());
    EXPECT_EQ(projector.projected_seq(), engine->last_seq());
    ExpectAccountsMatch(*engine);
    EXPECT_EQ(Count(url_, "creditline_bi_open_orders"), "7");  // OC2 invoiced, HC1, OC3 gone.
    EXPECT_EQ(Query(url_,
                    "SELECT invoice_id, customer_id, open_minor, days_past_due, aging_bucket "
                    "FROM creditline_bi_open_invoices"),
              (Rows{{"I1", "C2", "40000", "10", "1-30"}}));
    EXPECT_EQ(Query(url_,
                    "SELECT kind, order_id, customer_id, outcome, reason FROM "
                    "creditline_bi_decisions WHERE kind <> 'order' ORDER BY seq"),
              (Rows{{"release", "HC0", "C0", "released", "known customer"},
                    {"rejection", "HC1", "C1", "rejected", "too much"}}));
    EXPECT_EQ(Query(url_, "SELECT projected_seq FROM creditline_bi_status"),
              Rows{{std::to_string(engine->last_seq())}});
  }
  // Written while no projector runs; a new one rewrites everything and adds the decisions.
  ASSERT_TRUE(Run(*engine, ReserveOrder{"LATE", {"C4", ""}, Cny(1'000)}, "late").ok());
  Projector restarted(*store_, calendar, quiet);
  ASSERT_TRUE(restarted.SyncOnce(SystemNowMs()).ok());
  ExpectAccountsMatch(*engine);
  EXPECT_EQ(Count(url_, "creditline_bi_decisions"), "13");
  EXPECT_EQ(Query(url_, "SELECT count(DISTINCT seq) FROM creditline_bi_decisions"), Rows{{"13"}});
  EXPECT_EQ(Count(url_, "creditline_bi_open_orders"), "8");
}

}  // namespace
}  // namespace creditline::service
