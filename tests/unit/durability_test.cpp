// Durability of the engine with the SQLite journal: group commit, recovery, verification,
// corruption, journal failure and the data-directory lock.
//
// Every test runs the real engine, journaler and SQLite store in a temporary directory. What it
// proves: a reply is released only once its record can be read back; a restart recovers exactly
// the state (hash) the engine had, from a snapshot plus the journal after it; a changed, missing
// or unchained record in the middle stops recovery (or verification) naming its sequence number;
// a bad snapshot is passed over for an older one or the journal; a failed append stops the
// engine taking work and fails the replies that were waiting; one server per data directory.
#include <sqlite3.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/snapshot.hpp"
#include "gtest/gtest.h"
#include "http/api.hpp"
#include "service/data_dir.hpp"
#include "service/engine.hpp"
#include "service/recovery.hpp"
#include "service/tokens.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace creditline::service {
namespace {

struct Outcome {
  std::optional<Result<CommandResult>> result;
  bool durable = false;
  uint64_t tip_at_reply = 0;  // The journal's last record when the reply was released.
};

class DurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/creditline-durability-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = JournalPath(dir_);
    auto store = store::OpenSqliteStore(path_, true);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    auto reader = store_->OpenReader();
    ASSERT_TRUE(reader.ok());
    probe_ = std::move(*reader);
  }
  void TearDown() override {
    engine_.reset();
    probe_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Recovers from the store and starts an engine on it.
  store::JournalTip StartEngine(SnapshotSchedule snapshots = {0, 0, true},
                                std::unique_ptr<store::JournalWriter> writer = nullptr) {
    auto reader = store_->OpenReader();
    EXPECT_TRUE(reader.ok());
    State state;
    Result<RecoveryReport> report = Recover(**reader, &state, nullptr);
    EXPECT_TRUE(report.ok()) << report.error().message;
    Durability durability;
    if (writer == nullptr) writer = store_->OpenWriter().value();
    durability.writer = std::move(writer);
    durability.tip = report->tip;
    durability.feed_reader = std::move(*reader);
    durability.snapshots = snapshots;
    engine_ = std::make_unique<Engine>(*BusinessCalendar::ForZone("UTC"), std::move(state),
                                       std::move(durability));
    engine_->Start();
    return report->tip;
  }

  // Runs a command through the engine and waits for its reply.
  Outcome Run(Command command, std::string key = "") {
    std::mutex mutex;
    std::condition_variable done;
    Outcome outcome;
    bool replied = false;
    bool taken = engine_->Submit([&, command = std::move(command),
                                  key = std::move(key)](EngineContext& context) -> Continuation {
      Envelope envelope{key, "test", context.stamp.time, context.stamp.today};
      outcome.result = context.state.Execute(envelope, command, context.events);
      return [&](bool durable) {
        std::lock_guard lock(mutex);
        outcome.durable = durable;
        outcome.tip_at_reply = probe_->Tip()->seq;
        replied = true;
        done.notify_one();
      };
    });
    if (!taken) return outcome;
    std::unique_lock lock(mutex);
    done.wait(lock, [&] { return replied; });
    return outcome;
  }

  uint64_t LiveHash() {
    std::mutex mutex;
    std::condition_variable done;
    std::optional<uint64_t> hash;
    EXPECT_TRUE(engine_->Submit([&](EngineContext& context) -> Continuation {
      uint64_t value = context.state.StateHash();
      return [&, value](bool) {
        std::lock_guard lock(mutex);
        hash = value;
        done.notify_one();
      };
    }));
    std::unique_lock lock(mutex);
    done.wait(lock, [&] { return hash.has_value(); });
    return *hash;
  }

  // A small portfolio with orders, invoices and payments: `rounds` x 6 events.
  void Drive(int rounds, int offset = 0) {
    for (int i = offset; i < offset + rounds; ++i) {
      std::string id = "C" + std::to_string(i);
      OpenAccount open{AccountRef{id, ""}, Currency::Of("CNY"), 100'000};
      ASSERT_TRUE(Run(CreateCustomer{id, "Customer", "", "", {}, open}, "c" + id).result->ok());
      ReserveOrder order;
      order.order_id = "O" + id;
      order.account = AccountRef{id, ""};
      order.amount = Money{60'000, Currency::Of("CNY")};
      Outcome placed = Run(order, "o" + id);
      ASSERT_TRUE(placed.result->ok());
      EXPECT_TRUE(placed.durable);
      // The reply came only after the record could be read back from the journal.
      EXPECT_GE(placed.tip_at_reply, (*placed.result)->seq);
      order.order_id = "P" + id;  // Over the limit: held.
      ASSERT_TRUE(Run(order, "p" + id).result->ok());
      CreateInvoice invoice;
      invoice.invoice_id = "I" + id;
      invoice.account = AccountRef{id, ""};
      invoice.order_id = "O" + id;
      invoice.amount = Money{50'000, Currency::Of("CNY")};
      invoice.issued_on = Date{20'000};
      ASSERT_TRUE(Run(invoice, "i" + id).result->ok());
      RecordPayment payment;
      payment.payment_id = "Y" + id;
      payment.account = AccountRef{id, ""};
      payment.amount = Money{20'000, Currency::Of("CNY")};
      payment.received_on = Date{20'001};
      ASSERT_TRUE(Run(payment, "y" + id).result->ok());
      ASSERT_TRUE(Run(CancelOrder{"P" + id, "test"}, "x" + id).result->ok());
    }
  }

  void Sql(const std::string& statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    EXPECT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &message), SQLITE_OK)
        << (message ? message : "");
    sqlite3_free(message);
    sqlite3_close(db);
  }

  Result<RecoveryReport> RecoverFresh(State* state) {
    auto reader = store_->OpenReader();
    EXPECT_TRUE(reader.ok());
    return Recover(**reader, state, nullptr);
  }

  std::string dir_, path_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::JournalReader> probe_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(DurabilityTest, RestartRecoversTheSameStateFromSnapshotAndJournal) {
  StartEngine({/*every_events=*/40, 0, true});
  Drive(20);
  uint64_t hash = LiveHash();
  engine_->Stop();
  EXPECT_GE(engine_->stats().snapshots_taken, 2u);
  State recovered;
  Result<RecoveryReport> report = RecoverFresh(&recovered);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->tip.seq, 120u);
  EXPECT_EQ(report->snapshot_seq, 120u);  // The closing snapshot.
  EXPECT_EQ(report->replayed, 0u);
  EXPECT_TRUE(report->warnings.empty());
  EXPECT_EQ(recovered.StateHash(), hash);

  // Without the snapshots, replaying the journal alone gives the same state.
  Sql("DELETE FROM snapshots; DELETE FROM snapshot_chunks;");
  State replayed;
  report = RecoverFresh(&replayed);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->snapshot_seq, 0u);
  EXPECT_EQ(report->replayed, 120u);
  EXPECT_EQ(replayed.StateHash(), hash);
}

TEST_F(DurabilityTest, ContinuesAfterRestartAndVerifyChecksEverySnapshot) {
  StartEngine({30, 0, false});
  Drive(10);
  engine_.reset();  // No closing snapshot: the journal runs past the last one.
  store::JournalTip tip = StartEngine({30, 0, true});
  EXPECT_EQ(tip.seq, 60u);
  Drive(10, 10);  // Ids continue; a retried key is answered from the recovered state.
  Outcome retried = Run(CancelOrder{"PC3", "test"}, "xC3");
  ASSERT_TRUE(retried.result->ok());
  EXPECT_TRUE((*retried.result)->replayed);
  uint64_t hash = LiveHash();
  engine_->Stop();

  auto reader = store_->OpenReader();
  Result<VerifyReport> verified = Verify(**reader, StateOptions{}, nullptr);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->records, 120u);
  EXPECT_EQ(verified->snapshots_checked, 3u);  // The newest three are kept.
  EXPECT_EQ(verified->state_hash, hash);
}

TEST_F(DurabilityTest, CorruptedRecordStopsRecoveryNamingIt) {
  StartEngine({0, 0, false});
  Drive(10);
  engine_.reset();
  // The last byte of record 37's body changes.
  Sql("UPDATE journal SET body = CAST(substr(body, 1, length(body) - 1) || 'x' AS BLOB) "
      "WHERE seq = 37");
  State state;
  Result<RecoveryReport> report = RecoverFresh(&state);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kCorruptRecord);
  EXPECT_NE(report.error().message.find("journal record 37 is corrupted"), std::string::npos)
      << report.error().message;
}

TEST_F(DurabilityTest, MissingOrUnchainedRecordStopsRecoveryNamingIt) {
  StartEngine({0, 0, false});
  Drive(10);
  engine_.reset();
  Sql("DELETE FROM journal WHERE seq = 21");
  State state;
  Result<RecoveryReport> report = RecoverFresh(&state);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("journal record 21 is missing"), std::string::npos)
      << report.error().message;
  // A record put back with a hash that does not chain is refused too.
  Sql("INSERT INTO journal SELECT 21, time_ms, type, prev_hash + 1, hash, body FROM journal WHERE "
      "seq = 22");
  report = RecoverFresh(&state);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("journal record 21 does not follow"), std::string::npos)
      << report.error().message;
}

TEST_F(DurabilityTest, CorruptionBeforeTheSnapshotIsFoundByVerify) {
  StartEngine({25, 0, false});
  Drive(10);
  engine_.reset();
  // Corruption before the newest snapshot: recovery starts after it and does not read it, but
  // verify replays everything.
  Sql("UPDATE journal SET hash = hash + 1 WHERE seq = 3");
  State state;
  ASSERT_TRUE(RecoverFresh(&state).ok());
  auto reader = store_->OpenReader();
  Result<VerifyReport> verified = Verify(**reader, StateOptions{}, nullptr);
  ASSERT_FALSE(verified.ok());
  EXPECT_NE(verified.error().message.find("journal record 3 is corrupted"), std::string::npos)
      << verified.error().message;
}

TEST_F(DurabilityTest, BadSnapshotIsPassedOverForAnOlderOneWithAWarning) {
  StartEngine({20, 0, true});
  Drive(10);
  uint64_t hash = LiveHash();
  engine_->Stop();
  auto snapshots = *probe_->Snapshots();
  ASSERT_GE(snapshots.size(), 2u);
  Sql("UPDATE snapshot_chunks SET data = CAST('garbage' AS BLOB) WHERE seq = " +
      std::to_string(snapshots[0].seq));
  State state;
  Result<RecoveryReport> report = RecoverFresh(&state);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->snapshot_seq, snapshots[1].seq);
  ASSERT_EQ(report->warnings.size(), 1u);
  EXPECT_NE(
      report->warnings[0].find("snapshot at journal record " + std::to_string(snapshots[0].seq)),
      std::string::npos);
  EXPECT_EQ(state.StateHash(), hash);
  // Verify, though, reports the bad snapshot.
  auto reader = store_->OpenReader();
  EXPECT_FALSE(Verify(**reader, StateOptions{}, nullptr).ok());
}

// A writer whose appends fail from the n-th on, as a full or failing disk makes them.
class FailingWriter : public store::JournalWriter {
 public:
  FailingWriter(std::unique_ptr<store::JournalWriter> real, int fail_from)
      : real_(std::move(real)), fail_from_(fail_from) {}
  Status Append(std::span<const store::JournalRecord> records) override {
    if (++appends_ >= fail_from_) {
      return MakeError(ErrorCode::kStorageError, "disk I/O error (injected)");
    }
    return real_->Append(records);
  }
  Status BeginSnapshot(const store::SnapshotInfo& info) override {
    return real_->BeginSnapshot(info);
  }
  Status AppendSnapshotChunk(uint64_t seq, uint32_t index, std::string_view data) override {
    return real_->AppendSnapshotChunk(seq, index, data);
  }
  Status CompleteSnapshot(uint64_t seq, size_t keep) override {
    return real_->CompleteSnapshot(seq, keep);
  }

 private:
  std::unique_ptr<store::JournalWriter> real_;
  int fail_from_, appends_ = 0;
};

TEST_F(DurabilityTest, FailedAppendStopsTheEngineAndFailsWaitingReplies) {
  StartEngine({0, 0, true}, std::make_unique<FailingWriter>(store_->OpenWriter().value(), 4));
  OpenAccount open{AccountRef{"C1", ""}, Currency::Of("CNY"), 100'000};
  for (int i = 0; i < 3; ++i) {
    Outcome ok = Run(CreateCustomer{"C" + std::to_string(i + 1), "x", "", "", {}, std::nullopt});
    ASSERT_TRUE(ok.result->ok());
    EXPECT_TRUE(ok.durable);
  }
  EXPECT_FALSE(engine_->failure().has_value());
  Outcome failed = Run(open);
  ASSERT_TRUE(failed.result.has_value());
  EXPECT_TRUE(failed.result->ok());  // Applied in memory...
  EXPECT_FALSE(failed.durable);      // ...but never acknowledged.
  ASSERT_TRUE(engine_->failure().has_value());
  EXPECT_NE(engine_->failure()->message.find("injected"), std::string::npos);
  // No more work is taken, not even reads.
  Outcome refused = Run(CreateCustomer{"C9", "x", "", "", {}, std::nullopt});
  EXPECT_FALSE(refused.result.has_value());
  engine_->Stop();  // Stops cleanly, with no closing snapshot of the lost state.
  EXPECT_EQ(engine_->stats().snapshots_taken, 0u);
  // A restart has exactly the three acknowledged commands.
  State state;
  Result<RecoveryReport> report = RecoverFresh(&state);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->tip.seq, 3u);
  EXPECT_EQ(state.customer_count(), 3u);
  EXPECT_EQ(state.account_count(), 0u);
}

// The HTTP API's answers once the journal has failed: 503 writes_stopped for commands, reads
// and the health check alike, and nothing more reaches the journal.
TEST_F(DurabilityTest, ApiAnswersWritesStoppedOnceTheJournalFailed) {
  StartEngine({0, 0, true}, std::make_unique<FailingWriter>(store_->OpenWriter().value(), 2));
  Result<NewToken> admin = TokenStore::Initialize(dir_, SystemNowMs());
  ASSERT_TRUE(admin.ok()) << admin.error().message;
  auto tokens = TokenStore::Open(dir_);
  ASSERT_TRUE(tokens.ok());
  http::Api api(*engine_, **tokens);
  auto call = [&](std::string method, std::string target, std::string key, std::string body) {
    std::mutex mutex;
    std::condition_variable done;
    std::optional<http::HttpResponse> response;
    http::HttpRequest request{std::move(method),         std::move(target), std::move(body),
                              "Bearer " + admin->secret, std::move(key),    "application/json"};
    api.Handle(std::move(request), [&](http::HttpResponse r) {
      std::lock_guard lock(mutex);
      response = std::move(r);
      done.notify_one();
    });
    std::unique_lock lock(mutex);
    done.wait(lock, [&] { return response.has_value(); });
    return *response;
  };
  std::string customer = R"({"customer_id":"C1","name":"A","currency":"CNY","limit_minor":100})";
  EXPECT_EQ(call("POST", "/v1/customers", "k1", customer).status, 201u);
  http::HttpResponse failed =
      call("POST", "/v1/customers", "k2", R"({"customer_id":"C2","name":"B","currency":"CNY"})");
  EXPECT_EQ(failed.status, 503u);
  EXPECT_NE(failed.body.find("\"writes_stopped\""), std::string::npos) << failed.body;
  http::HttpResponse read = call("GET", "/v1/customers/C1", "", "");
  EXPECT_EQ(read.status, 503u);
  EXPECT_NE(read.body.find("\"writes_stopped\""), std::string::npos) << read.body;
  http::HttpResponse health = call("GET", "/healthz", "", "");
  EXPECT_EQ(health.status, 503u);
  EXPECT_NE(health.body.find("injected"), std::string::npos) << health.body;
  // Metrics are served without the engine, and say what happened.
  http::HttpResponse metrics = call("GET", "/metrics", "", "");
  EXPECT_EQ(metrics.status, 200u);
  EXPECT_NE(metrics.body.find("creditline_journal_failed 1\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("creditline_journal_records_total 1\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("creditline_journal_commits_total 1\n"), std::string::npos);
  engine_->Stop();
  EXPECT_EQ(probe_->Tip()->seq, 1u);
}

TEST_F(DurabilityTest, ChangeFeedReadsOlderEventsFromTheJournal) {
  StartEngine();
  Drive(3);
  engine_.reset();
  StartEngine();
  Drive(1, 3);
  EventFeed& feed = engine_->feed();
  EXPECT_EQ(feed.first_seq(), 1u);
  Result<std::vector<Event>> page = feed.After(2, 5);  // From the journal.
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->size(), 5u);
  EXPECT_EQ((*page)[0].seq, 3u);
  EXPECT_EQ((*page)[4].seq, 7u);
  page = feed.After(19, 100);  // From memory: this run's events.
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 5u);
  EXPECT_EQ((*page)[0].seq, 20u);
  EXPECT_EQ(page->back().seq, 24u);
  page = feed.After(24, 100);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->empty());
}

TEST(DataDirLock, SecondHolderIsRefusedUntilTheFirstLetsGo) {
  char pattern[] = "/tmp/creditline-lock-test-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  {
    Result<std::unique_ptr<DataDirLock>> first = DataDirLock::Acquire(pattern);
    ASSERT_TRUE(first.ok()) << first.error().message;
    Result<std::unique_ptr<DataDirLock>> second = DataDirLock::Acquire(pattern);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, ErrorCode::kDataDirInUse);
    EXPECT_NE(second.error().message.find("in use by another creditline (pid " +
                                          std::to_string(::getpid()) + ")"),
              std::string::npos)
        << second.error().message;
  }
  EXPECT_TRUE(DataDirLock::Acquire(pattern).ok());
  Result<std::unique_ptr<DataDirLock>> missing = DataDirLock::Acquire("/tmp/no/such/dir");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kStorageError);
  std::filesystem::remove_all(pattern);
}

}  // namespace
}  // namespace creditline::service
