// The store contract (store/store.hpp), run against every store: SQLite, and PostgreSQL in a
// throwaway cluster (postgres_cluster.hpp; PostgreSQL's own tests are in postgres_store_test.cpp).
//
// Appends are durable and read back in order with their chain; a duplicate sequence number is
// refused and changes nothing; snapshots are written in chunks, count only once completed,
// are pruned to the newest `keep`, and a wrong checksum or a missing chunk is refused. A backup
// taken while a writer appends is a consistent copy that a store opens and reads.
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "core/codec.hpp"
#include "gtest/gtest.h"
#include "postgres_cluster.hpp"
#include "store/chain.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store_records.hpp"

namespace creditline::store {
namespace {

struct StoreFactory {
  std::string name;
  // Opens a fresh, empty store under `dir`.
  std::function<Result<std::unique_ptr<Store>>(const std::string& dir)> open;
  // Opens a backup file written by Store::Backup.
  std::function<Result<std::unique_ptr<Store>>(const std::string& file)> open_backup;
};

void PrintTo(const StoreFactory& factory, std::ostream* out) { *out << factory.name; }

[[maybe_unused]] ::testing::Environment* const kPostgresEnvironment =
    ::testing::AddGlobalTestEnvironment(new test_support::PostgresClusterEnvironment);

Result<std::unique_ptr<Store>> OpenNewPostgresStore(const std::string&) {
  CL_ASSIGN_OR_RETURN(std::string url, test_support::PostgresCluster::Shared().NewDatabase());
  return OpenPostgresStore(url, true);
}

std::vector<StoreFactory> Factories() {
  // Both stores' backups are SQLite journal files.
  auto open_backup = [](const std::string& file) { return OpenSqliteStore(file, false); };
  return {StoreFactory{
              "sqlite",
              [](const std::string& dir) { return OpenSqliteStore(dir + "/journal.db", true); },
              open_backup},
          StoreFactory{"postgres", OpenNewPostgresStore, open_backup}};
}

class StoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/creditline-store-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    Result<std::unique_ptr<Store>> store = GetParam().open(dir_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    auto writer = store_->OpenWriter();
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    writer_ = std::move(*writer);
    auto reader = store_->OpenReader();
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    reader_ = std::move(*reader);
  }
  void TearDown() override {
    reader_.reset();
    writer_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<JournalWriter> writer_;
  std::unique_ptr<JournalReader> reader_;
};

TEST_P(StoreContract, EmptyJournalHasTipZeroAndNoSnapshots) {
  Result<JournalTip> tip = reader_->Tip();
  ASSERT_TRUE(tip.ok());
  EXPECT_EQ(tip->seq, 0u);
  EXPECT_EQ(tip->hash, 0u);
  EXPECT_TRUE(ReadAll(*reader_).empty());
  EXPECT_TRUE(reader_->Snapshots()->empty());
}

TEST_P(StoreContract, AppendedRecordsReadBackInOrderAndCheckOut) {
  ChainSealer sealer({0, 0});
  std::vector<JournalRecord> first = Records(sealer, 3), second = Records(sealer, 1000);
  ASSERT_TRUE(writer_->Append(first).ok());
  ASSERT_TRUE(writer_->Append(second).ok());
  std::vector<JournalRecord> read = ReadAll(*reader_);
  ASSERT_EQ(read.size(), 1003u);
  ChainChecker checker({0, 0});
  for (size_t i = 0; i < read.size(); ++i) {
    const JournalRecord& expected = i < 3 ? first[i] : second[i - 3];
    EXPECT_EQ(read[i].seq, expected.seq);
    EXPECT_EQ(read[i].time, expected.time);
    EXPECT_EQ(read[i].type, expected.type);
    EXPECT_EQ(read[i].prev_hash, expected.prev_hash);
    EXPECT_EQ(read[i].hash, expected.hash);
    EXPECT_EQ(read[i].body, expected.body);
    Result<Event> event = checker.CheckAndDecode(read[i]);
    ASSERT_TRUE(event.ok()) << event.error().message;
  }
  EXPECT_EQ(reader_->Tip()->seq, 1003u);
  EXPECT_EQ(reader_->Tip()->hash, sealer.tip().hash);
  // A range read starts after `after` and stops at `through`.
  std::vector<JournalRecord> middle;
  ASSERT_TRUE(reader_
                  ->Scan(10, 12,
                         [&](JournalRecord& r) -> Status {
                           middle.push_back(r);
                           return Status::Ok();
                         })
                  .ok());
  ASSERT_EQ(middle.size(), 2u);
  EXPECT_EQ(middle[0].seq, 11u);
  EXPECT_EQ(middle[1].seq, 12u);
}

TEST_P(StoreContract, DuplicateSequenceNumberIsRefusedAndChangesNothing) {
  ChainSealer sealer({0, 0});
  ASSERT_TRUE(writer_->Append(Records(sealer, 5)).ok());
  ChainSealer again({3, ReadAll(*reader_)[2].hash});
  std::vector<JournalRecord> clash = Records(again, 4);  // 4..7: 4 and 5 exist.
  Status status = writer_->Append(clash);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kStorageError);
  // The whole append was rolled back: not even 6 and 7 went in.
  EXPECT_EQ(reader_->Tip()->seq, 5u);
  // Likewise when the clash is in a statement of many rows (the SQLite store inserts 32
  // records to a statement), with more statements and single rows after it.
  ChainSealer many({3, ReadAll(*reader_)[2].hash});
  ASSERT_FALSE(writer_->Append(Records(many, 75)).ok());  // 4..78: 4 and 5 exist.
  EXPECT_EQ(reader_->Tip()->seq, 5u);
  // And the writer still works.
  ASSERT_TRUE(writer_->Append(Records(sealer, 1)).ok());
  EXPECT_EQ(reader_->Tip()->seq, 6u);
  ASSERT_TRUE(writer_->Append(Records(sealer, 75)).ok());
  EXPECT_EQ(reader_->Tip()->seq, 81u);
  EXPECT_EQ(ReadAll(*reader_).size(), 81u);
}

TEST_P(StoreContract, TheHeadAnchorFollowsEveryAppendAndNotARefusedOne) {
  auto head = [&] {
    Result<std::optional<JournalHead>> read = store_->ReadHead();
    EXPECT_TRUE(read.ok()) << read.error().message;
    EXPECT_TRUE(read.ok() && read->has_value());
    return read.ok() && read->has_value() ? **read : JournalHead{{99, 99}, {99, 99}};
  };
  EXPECT_EQ(head().anchor.seq, 0u);
  EXPECT_EQ(head().tip.seq, 0u);
  ChainSealer sealer({0, 0});
  ASSERT_TRUE(writer_->Append(Records(sealer, 3)).ok());
  ASSERT_TRUE(writer_->Append(Records(sealer, 500)).ok());
  JournalHead after = head();
  EXPECT_EQ(after.anchor.seq, 503u);
  EXPECT_EQ(after.anchor.hash, sealer.tip().hash);
  EXPECT_EQ(after.tip.seq, 503u);
  EXPECT_EQ(after.tip.hash, sealer.tip().hash);
  ChainSealer again({500, ReadAll(*reader_)[499].hash});
  ASSERT_FALSE(writer_->Append(Records(again, 5)).ok());  // 501..505: 501 to 503 exist.
  EXPECT_EQ(head().anchor.seq, 503u);
  EXPECT_EQ(head().anchor.hash, sealer.tip().hash);
}

TEST_P(StoreContract, VisitorErrorStopsTheScan) {
  ChainSealer sealer({0, 0});
  ASSERT_TRUE(writer_->Append(Records(sealer, 10)).ok());
  int visited = 0;
  Status status = reader_->Scan(0, UINT64_MAX, [&](JournalRecord&) -> Status {
    if (++visited == 4) return MakeError(ErrorCode::kCorruptRecord, "stop here");
    return Status::Ok();
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "stop here");
  EXPECT_EQ(visited, 4);
  EXPECT_EQ(ReadAll(*reader_).size(), 10u);  // The reader is usable afterwards.
}

TEST_P(StoreContract, SnapshotsRoundTripInChunksAndArePruned) {
  std::string big(1'000'003, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + i / 7);
  WriteSnapshot(*writer_, 10, "small", 100, 2);
  WriteSnapshot(*writer_, 20, big, 65'536, 2);
  // An incomplete snapshot does not count.
  WriteSnapshot(*writer_, 25, "half", 100, 2, false);
  std::vector<SnapshotInfo> listed = *reader_->Snapshots();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].seq, 20u);  // Newest first.
  EXPECT_EQ(listed[0].state_hash, 140u);
  EXPECT_EQ(listed[0].chain_hash, 220u);
  EXPECT_EQ(listed[0].taken_at, 1020);
  Result<std::string> read = reader_->ReadSnapshot(listed[0]);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(*read, big);
  EXPECT_EQ(*reader_->ReadSnapshot(listed[1]), "small");
  // A third completed snapshot prunes the oldest and the incomplete one.
  WriteSnapshot(*writer_, 30, "third", 2, 2);
  listed = *reader_->Snapshots();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].seq, 30u);
  EXPECT_EQ(listed[1].seq, 20u);
  EXPECT_EQ(*reader_->ReadSnapshot(listed[0]), "third");
}

TEST_P(StoreContract, SnapshotWithWrongChecksumOrSizeIsRefused) {
  SnapshotInfo info = WriteSnapshot(*writer_, 5, "snapshot bytes", 4, 3);
  SnapshotInfo wrong = info;
  wrong.checksum ^= 1;
  Result<std::string> read = reader_->ReadSnapshot(wrong);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kCorruptRecord);
  EXPECT_NE(read.error().message.find("snapshot at journal record 5"), std::string::npos);
  wrong = info;
  wrong.bytes -= 1;
  EXPECT_FALSE(reader_->ReadSnapshot(wrong).ok());
}

TEST_P(StoreContract, BackupWhileAppendingIsAConsistentCopy) {
  ChainSealer sealer({0, 0});
  ASSERT_TRUE(writer_->Append(Records(sealer, 2000)).ok());
  WriteSnapshot(*writer_, 2000, std::string(300'000, 'x'), 65'536, 3);
  std::atomic<bool> stop = false;
  std::thread appender([&] {
    while (!stop) ASSERT_TRUE(writer_->Append(Records(sealer, 50)).ok());
  });
  std::string file = dir_ + "/backup.db";
  uint64_t progress_calls = 0;
  Status backed_up = store_->Backup(file, [&](uint64_t done, uint64_t total) {
    ++progress_calls;
    EXPECT_LE(done, total);
  });
  stop = true;
  appender.join();
  ASSERT_TRUE(backed_up.ok()) << backed_up.error().message;
  EXPECT_GT(progress_calls, 0u);
  // Refuses to overwrite.
  EXPECT_FALSE(store_->Backup(file, nullptr).ok());

  Result<std::unique_ptr<Store>> copy = GetParam().open_backup(file);
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  auto reader = (*copy)->OpenReader();
  ASSERT_TRUE(reader.ok());
  std::vector<JournalRecord> records = ReadAll(**reader);
  ASSERT_GE(records.size(), 2000u);
  ChainChecker checker({0, 0});
  for (const JournalRecord& record : records) ASSERT_TRUE(checker.Check(record).ok());
  EXPECT_EQ((*reader)->Tip()->seq, records.size());
  std::vector<SnapshotInfo> snapshots = *(*reader)->Snapshots();
  ASSERT_EQ(snapshots.size(), 1u);
  EXPECT_EQ(*(*reader)->ReadSnapshot(snapshots[0]), std::string(300'000, 'x'));
  // The copy takes appends of its own.
  auto writer = (*copy)->OpenWriter();
  ASSERT_TRUE(writer.ok());
  ChainSealer next(checker.tip());
  EXPECT_TRUE((*writer)->Append(Records(next, 1)).ok());
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContract, ::testing::ValuesIn(Factories()),
                         [](const auto& info) { return info.param.name; });

// --- SQLite specifics ----------------------------------------------------------------------------

TEST(SqliteStore, MissingFileWithoutCreateIsAnError) {
  Result<std::unique_ptr<Store>> store = OpenSqliteStore("/tmp/creditline-no-such-dir/x.db", false);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kStorageError);
}

TEST(SqliteStore, RefusesAFileThatIsNotAJournalAndANewerSchema) {
  char pattern[] = "/tmp/creditline-store-test-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string dir = pattern;
  std::string other = dir + "/other.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(other.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(other, false);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("not a Creditline journal"), std::string::npos);

  std::string newer = dir + "/journal.db";
  ASSERT_TRUE(OpenSqliteStore(newer, true).ok());
  ASSERT_EQ(sqlite3_open(newer.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  store = OpenSqliteStore(newer, false);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("schema version 99"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(SqliteStore, JournalIsInWalModeWithFullSync) {
  char pattern[] = "/tmp/creditline-store-test-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string path = std::string(pattern) + "/journal.db";
  auto store = OpenSqliteStore(path, true);
  ASSERT_TRUE(store.ok());
  auto writer = (*store)->OpenWriter();
  ASSERT_TRUE(writer.ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &statement, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)), "wal");
  sqlite3_finalize(statement);
  sqlite3_close(db);
  std::filesystem::remove_all(pattern);
}

}  // namespace
}  // namespace creditline::store
