// The PostgreSQL store beyond the contract that store_test.cpp runs against every store: a
// stale writer cannot append a record that exists (fencing; the writer lease is tested in
// standby_test.cpp), schemas are created, versioned and
// kept apart by search_path, messages never show the password, a scan of a large journal streams
// instead of loading it, and a backup is a SQLite journal that the SQLite store reads. Also
// prints the append rate in batches of 256 and 4096 records. Runs in a throwaway cluster
// (postgres_cluster.hpp).
#include "store/postgres/postgres_store.hpp"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/codec.hpp"
#include "gtest/gtest.h"
#include "postgres_cluster.hpp"
#include "service/audit.hpp"
#include "store/chain.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store_records.hpp"

// AddressSanitizer replaces malloc, so mallinfo2 (glibc's own arenas) would see almost nothing;
// its allocator keeps the count instead.
#if defined(__SANITIZE_ADDRESS__)
#define CREDITLINE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CREDITLINE_ASAN 1
#endif
#endif
#ifdef CREDITLINE_ASAN
#include <sanitizer/allocator_interface.h>
#endif

namespace creditline::store {
namespace {

using test_support::PostgresCluster;

[[maybe_unused]] ::testing::Environment* const kPostgresEnvironment =
    ::testing::AddGlobalTestEnvironment(new test_support::PostgresClusterEnvironment);

// Heap in use by this process, in bytes (small blocks plus mmapped large ones).
size_t HeapBytes() {
#ifdef CREDITLINE_ASAN
  return __sanitizer_get_current_allocated_bytes();
#else
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
#endif
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> url = PostgresCluster::Shared().NewDatabase();
    ASSERT_TRUE(url.ok()) << url.error().message;
    url_ = *url;
    Result<std::unique_ptr<Store>> store = OpenPostgresStore(url_, true);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
  }

  std::unique_ptr<JournalWriter> Writer(Store& store) {
    auto writer = store.OpenWriter();
    EXPECT_TRUE(writer.ok()) << writer.error().message;
    return writer.ok() ? std::move(*writer) : nullptr;
  }
  std::unique_ptr<JournalReader> Reader(Store& store) {
    auto reader = store.OpenReader();
    EXPECT_TRUE(reader.ok()) << reader.error().message;
    return reader.ok() ? std::move(*reader) : nullptr;
  }

  std::string url_;
  std::unique_ptr<Store> store_;
};

TEST_F(PostgresStoreTest, AStaleWriterCannotAppendARecordThatExists) {
  auto active = Writer(*store_);
  ChainSealer sealer({0, 0});
  ASSERT_TRUE(active->Append(Records(sealer, 5)).ok());
  active.reset();  // Its lease ends with it.
  // A second process that took the lease but believes the journal ends one record earlier:
  // the journal's primary key is the last fence.
  Result<std::unique_ptr<Store>> other = OpenPostgresStore(url_, true);
  ASSERT_TRUE(other.ok()) << other.error().message;
  auto stale = Writer(**other);
  auto reader = Reader(*store_);
  ChainSealer behind({4, ReadAll(*reader)[3].hash});
  Status refused = stale->Append(Records(behind, 3));  // 5, 6, 7: 5 exists.
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kStorageError);
  EXPECT_NE(refused.error().message.find("cannot append to the journal"), std::string::npos);
  EXPECT_NE(refused.error().message.find("duplicate key"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(reader->Tip()->seq, 5u);  // Nothing of the refused append went in.
}

TEST_F(PostgresStoreTest, ANewerSchemaIsRefusedAndMissingTablesNeedCreate) {
  ASSERT_TRUE(PostgresCluster::Exec(url_,
                                    "UPDATE creditline_meta SET value = '99' WHERE key = "
                                    "'schema_version'")
                  .ok());
  for (bool create : {false, true}) {
    Result<std::unique_ptr<Store>> store = OpenPostgresStore(url_, create);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::kStorageError);
    EXPECT_NE(store.error().message.find("schema version 99, newer than this program's 3; use a "
                                         "newer creditline"),
              std::string::npos)
        << store.error().message;
  }
  Result<std::string> empty = PostgresCluster::Shared().NewDatabase();
  ASSERT_TRUE(empty.ok());
  Result<std::unique_ptr<Store>> store = OpenPostgresStore(*empty, false);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("has no Creditline journal"), std::string::npos);
  // Opening again with create finds the tables made the first time.
  ASSERT_TRUE(OpenPostgresStore(*empty, true).ok());
  ASSERT_TRUE(OpenPostgresStore(*empty, true).ok());
  ASSERT_TRUE(OpenPostgresStore(*empty, false).ok());
}

TEST_F(PostgresStoreTest, DescriptionsAndErrorsNeverShowThePassword) {
  std::string port = std::to_string(PostgresCluster::Shared().port());
  std::string database = url_.substr(url_.rfind('/') + 1);
  std::string with_password = "postgres://postgres:s3cret@127.0.0.1:" + port + "/" + database;
  Result<std::unique_ptr<Store>> store = OpenPostgresStore(with_password, false);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ((*store)->Describe(), "postgresql://127.0.0.1:" + port + "/" + database);

  // Port 1 on loopback: nothing listens there.
  store = OpenPostgresStore("postgresql://postgres:s3cret@127.0.0.1:1/creditline", true);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kStorageError);
  EXPECT_NE(store.error().message.find("cannot connect to postgresql://127.0.0.1:1/creditline"),
            std::string::npos)
      << store.error().message;
  EXPECT_EQ(store.error().message.find("s3cret"), std::string::npos);
  store = OpenPostgresStore("postgresql://postgres:s3cret@127.0.0.1/x?no_such_option=1", true);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().message.find("s3cret"), std::string::npos) << store.error().message;
}

TEST_F(PostgresStoreTest, TheSearchPathPicksTheSchemaSoJournalsStayApart) {
  ASSERT_TRUE(PostgresCluster::Exec(url_, "CREATE SCHEMA east; CREATE SCHEMA west").ok());
  auto open = [&](const std::string& schema) {
    return OpenPostgresStore(url_ + "?options=-csearch_path%3D" + schema, true);
  };
  Result<std::unique_ptr<Store>> east = open("east"), west = open("west");
  ASSERT_TRUE(east.ok() && west.ok());
  ChainSealer sealer({0, 0});
  ASSERT_TRUE(Writer(**east)->Append(Records(sealer, 3)).ok());
  // Each schema has a writer lease of its own.
  auto east_writer = Writer(**east), west_writer = Writer(**west);
  EXPECT_NE(east_writer, nullptr);
  EXPECT_NE(west_writer, nullptr);
  EXPECT_EQ(Reader(**east)->Tip()->seq, 3u);
  EXPECT_EQ(Reader(**west)->Tip()->seq, 0u);
  EXPECT_EQ(Reader(*store_)->Tip()->seq, 0u);  // The default schema, public.

  Result<std::unique_ptr<Store>> nowhere = open("no_such_schema");
  ASSERT_FALSE(nowhere.ok());
  EXPECT_NE(nowhere.error().message.find("search_path names no existing schema"), std::string::npos)
      << nowhere.error().message;
}

// The head anchor (schema version 3) finds records deleted from the end and an end replaced,
// which leave an intact chain; a journal from version 2 gets its anchor when a writer migrates it.
TEST_F(PostgresStoreTest, TheHeadAnchorFindsRecordsCutOffTheEndAndIsAddedByTheMigration) {
  auto writer = Writer(*store_);
  ChainSealer sealer({0, 0});
  ASSERT_TRUE(writer->Append(Records(sealer, 10)).ok());
  writer.reset();
  auto check = [&](Store& store) -> std::string {
    Result<bool> anchored = service::CheckJournalHead(store);
    if (!anchored.ok()) return anchored.error().message;
    return *anchored ? "anchored" : "no anchor";
  };
  EXPECT_EQ(check(*store_), "anchored");

  // Version 2 had no anchor: take the database back to it, then let a writing open migrate it.
  ASSERT_TRUE(PostgresCluster::Exec(url_,
                                    "DROP TABLE creditline_journal_head; DROP FUNCTION "
                                    "creditline_move_journal_head() CASCADE; UPDATE "
                                    "creditline_meta SET value = '2' WHERE key = 'schema_version'")
                  .ok());
  Result<std::unique_ptr<Store>> old = OpenPostgresStore(url_, false);
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.error().message.find("older than this program's 3"), std::string::npos)
      << old.error().message;
  Result<std::unique_ptr<Store>> migrated = OpenPostgresStore(url_, true);
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(check(**migrated), "anchored");
  // The trigger moves the migrated anchor with the next append.
  writer = Writer(**migrated);
  ASSERT_TRUE(writer->Append(Records(sealer, 2)).ok());
  writer.reset();
  Result<std::optional<JournalHead>> head = (*migrated)->ReadHead();
  ASSERT_TRUE(head.ok() && head->has_value());
  EXPECT_EQ((*head)->anchor.seq, 12u);
  EXPECT_EQ((*head)->anchor.hash, sealer.tip().hash);

  // Cut two records off the end: the chain left is intact, the anchor shows the cut.
  ASSERT_TRUE(PostgresCluster::Exec(url_, "DELETE FROM creditline_journal WHERE seq > 10").ok());
  EXPECT_EQ(check(*store_),
            "the journal ends at record 10 but its head anchor says 12: records 11 to 12 were "
            "deleted from the end");
  // Replace the end with other records: the anchor's hash no longer matches.
  ASSERT_TRUE(PostgresCluster::Exec(url_,
                                    "ALTER TABLE creditline_journal DISABLE TRIGGER "
                                    "creditline_journal_head_moves; INSERT INTO "
                                    "creditline_journal SELECT seq + 2, time_ms, type, "
                                    "prev_hash, hash + 1, body FROM creditline_journal "
                                    "WHERE seq IN (9, 10)")
                  .ok());
  EXPECT_EQ(check(*store_),
            "the journal ends at record 12 but that record is not the one the head anchor names: "
            "the end of the journal was replaced");
  // Without the anchor's row, the store has no anchor (audit verify refuses that).
  ASSERT_TRUE(PostgresCluster::Exec(url_, "DELETE FROM creditline_journal_head").ok());
  EXPECT_EQ(check(*store_), "no anchor");
}

TEST_F(PostgresStoreTest, ScanStreamsALargeJournalWithoutLoadingIt) {
  constexpr size_t kRecords = 200'000;
  constexpr size_t kBatch = 4'096;    // As the journaler's larger commits.
  constexpr size_t kNameBytes = 200;  // About 50 MB of rows if a scan held them all.
  auto writer = Writer(*store_);
  ChainSealer sealer({0, 0});
  for (size_t done = 0; done < kRecords; done += kBatch) {
    ASSERT_TRUE(
        writer->Append(Records(sealer, std::min(kBatch, kRecords - done), kNameBytes)).ok());
  }
  auto reader = Reader(*store_);
  ChainChecker checker({0, 0});
  size_t baseline = HeapBytes(), peak = baseline, count = 0;
  auto begin = std::chrono::steady_clock::now();
  Status scanned = reader->Scan(0, UINT64_MAX, [&](JournalRecord& record) -> Status {
    if (++count % 1'000 == 0) peak = std::max(peak, HeapBytes());
    return checker.Check(record);
  });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  ASSERT_TRUE(scanned.ok()) << scanned.error().message;
  EXPECT_EQ(count, kRecords);
  EXPECT_EQ(checker.tip().seq, kRecords);
  EXPECT_LT(peak - baseline, size_t{16} << 20) << "the scan held " << (peak - baseline) << " bytes";
  std::printf("scan: %zu records in %.2f s (%.0f records/s), heap grew by at most %.1f MB\n", count,
              seconds, count / seconds, (peak - baseline) / 1e6);
}

TEST_F(PostgresStoreTest, BackupIsASqliteJournalThatTheSqliteStoreReads) {
  auto writer = Writer(*store_);
  ChainSealer sealer({0, 0});
  ASSERT_TRUE(writer->Append(Records(sealer, 40'000)).ok());
  WriteSnapshot(*writer, 20'000, std::string(5'500, 'a'), 1000, 10);
  WriteSnapshot(*writer, 40'000, std::string(2'345, 'b'), 1000, 10);
  char pattern[] = "/tmp/creditline-postgres-backup-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string file = std::string(pattern) + "/journal.db";
  uint64_t last_done = 0, last_total = 0;
  Status backed_up = store_->Backup(file, [&](uint64_t done, uint64_t total) {
    last_done = done;
    last_total = total;
  });
  ASSERT_TRUE(backed_up.ok()) << backed_up.error().message;
  EXPECT_EQ(last_done, 40'000u);
  EXPECT_EQ(last_total, 40'000u);
  // Closed cleanly: the file alone is the whole journal, ready to be DIR/journal.db.
  EXPECT_FALSE(std::filesystem::exists(file + "-wal"));

  Result<std::unique_ptr<Store>> copy = OpenSqliteStore(file, false);
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  auto original_reader = Reader(*store_), copy_reader = Reader(**copy);
  std::vector<JournalRecord> original = ReadAll(*original_reader), copied = ReadAll(*copy_reader);
  ASSERT_EQ(copied.size(), original.size());
  for (size_t i = 0; i < copied.size(); ++i) {
    ASSERT_EQ(copied[i].seq, original[i].seq);
    ASSERT_EQ(copied[i].time, original[i].time);
    ASSERT_EQ(copied[i].type, original[i].type);
    ASSERT_EQ(copied[i].prev_hash, original[i].prev_hash);
    ASSERT_EQ(copied[i].hash, original[i].hash);
    ASSERT_EQ(copied[i].body, original[i].body);
  }
  std::vector<SnapshotInfo> snapshots = *copy_reader->Snapshots();
  ASSERT_EQ(snapshots.size(), 2u);
  EXPECT_EQ(snapshots[0].seq, 40'000u);
  EXPECT_EQ(snapshots[0].state_hash, 40'000u * 7);
  EXPECT_EQ(*copy_reader->ReadSnapshot(snapshots[0]), std::string(2'345, 'b'));
  EXPECT_EQ(*copy_reader->ReadSnapshot(snapshots[1]), std::string(5'500, 'a'));
  // A second backup to the same file is refused and leaves it as it was.
  EXPECT_FALSE(store_->Backup(file, nullptr).ok());
  EXPECT_TRUE(OpenSqliteStore(file, false).ok());
  std::filesystem::remove_all(pattern);
}

// Not a check: the figure for docs and notes, in the test log.
TEST_F(PostgresStoreTest, PrintsTheAppendRateInBatchesOf256And4096) {
  auto writer = Writer(*store_);
  ChainSealer sealer({0, 0});
  for (size_t batch : {size_t{256}, size_t{4'096}}) {
    constexpr size_t kRecords = 200'000;  // A second or two per batch size on this machine.
    std::vector<std::vector<JournalRecord>> batches;
    for (size_t done = 0; done < kRecords; done += batch) batches.push_back(Records(sealer, batch));
    auto begin = std::chrono::steady_clock::now();
    for (const auto& records : batches) ASSERT_TRUE(writer->Append(records).ok());
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    size_t rows = batches.size() * batch;
    std::printf("append: batches of %zu: %.0f rows/s, %.0f commits/s (%zu rows, %.2f s)\n", batch,
                rows / seconds, batches.size() / seconds, rows, seconds);
  }
}

}  // namespace
}  // namespace creditline::store
