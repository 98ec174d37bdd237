#include "store/sqlite/sqlite_store.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "core/codec.hpp"

namespace creditline::store {
namespace {

// The schema this program writes. A newer file is refused; older versions would be migrated
// here, in order, by version.
constexpr int kSchemaVersion = 1;
// The background checkpoint copies the WAL into the main file this often, keeping the WAL
// small without making any commit wait for it.
constexpr int kCheckpointIntervalMs = 200;
// How long a connection waits on another connection's lock before giving up: the only writers
// are the journal writer, its checkpointer and `creditline backup`, all short.
constexpr int kBusyTimeoutMs = 10'000;
// Pages copied per backup step, between progress reports.
constexpr int kBackupPagesPerStep = 4096;
// An append inserts its records this many to a statement: one statement per record spent
// more time starting, stepping and resetting the statement than storing the row. 32 rows of 6
// parameters stay well under SQLite's smallest limit on parameters (999).
constexpr size_t kAppendRowsPerStatement = 32;
// The writer's page cache (negative: KiB, as SQLite's cache_size takes it). A large commit's
// pages then stay in memory until the commit writes them to the WAL, instead of spilling to it
// midway (SQLite's default is 2 MiB).
constexpr int kWriterCacheKib = 64 << 10;

constexpr const char* kSchema = R"sql(
CREATE TABLE meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL);
CREATE TABLE journal(
  seq INTEGER PRIMARY KEY,     -- 1, 2, 3, ... without gaps
  time_ms INTEGER NOT NULL,    -- event time, ms since 1970 UTC
  type INTEGER NOT NULL,       -- event type tag (docs/events.md)
  prev_hash INTEGER NOT NULL,  -- hash of record seq - 1 (0 for record 1)
  hash INTEGER NOT NULL,       -- chain hash over seq, prev_hash and body
  body BLOB NOT NULL);         -- the encoded event
CREATE TABLE snapshots(
  seq INTEGER PRIMARY KEY,     -- the state after this journal record
  taken_at_ms INTEGER NOT NULL,
  state_hash INTEGER NOT NULL,
  chain_hash INTEGER NOT NULL, -- hash of journal record seq
  bytes INTEGER NOT NULL,
  checksum INTEGER NOT NULL,
  complete INTEGER NOT NULL);
CREATE TABLE snapshot_chunks(
  seq INTEGER NOT NULL,
  chunk INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (seq, chunk));
)sql";

// The journal's head anchor: the last record's seq and hash, rewritten in the same transaction
// as every append, so that records deleted from the end of the journal (which leaves an intact
// but shorter chain) are found by comparing the anchor with the last record. A store written
// before the anchor existed gets it on the writer's first open, from its last record then.
constexpr const char* kHeadSchema = R"sql(
CREATE TABLE IF NOT EXISTS journal_head(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,        -- the last journal record's seq (0: empty)
  hash INTEGER NOT NULL);      -- and its chain hash
INSERT OR IGNORE INTO journal_head(id, seq, hash)
  SELECT 1, coalesce(max(seq), 0), coalesce((SELECT hash FROM journal ORDER BY seq DESC LIMIT 1), 0)
  FROM journal;
)sql";

int64_t ToSql(uint64_t value) { return static_cast<int64_t>(value); }
uint64_t FromSql(int64_t value) { return static_cast<uint64_t>(value); }

Error StorageError(sqlite3* db, const std::string& what) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return MakeError(ErrorCode::kStorageError, what + ": " + detail);
}

// One prepared statement; finalized on destruction.
class Statement {
 public:
  Statement() = default;
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(std::exchange(other.stmt_, {})) {}
  Statement& operator=(Statement&& other) noexcept {
    std::swap(db_, other.db_);
    std::swap(stmt_, other.stmt_);
    return *this;
  }
  ~Statement() { sqlite3_finalize(stmt_); }

  static Result<Statement> Prepare(sqlite3* db, const char* sql) {
    Statement statement;
    statement.db_ = db;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement.stmt_, nullptr) !=
        SQLITE_OK) {
      return StorageError(db, std::string("cannot prepare ") + sql);
    }
    return statement;
  }

  void Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void BindBlob(int index, std::string_view bytes) {
    sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_STATIC);
  }
  // SQLITE_ROW or SQLITE_DONE, or an error.
  Result<int> Step(const char* what) {
    int code = sqlite3_step(stmt_);
    if (code == SQLITE_ROW || code == SQLITE_DONE) return code;
    sqlite3_reset(stmt_);
    return StorageError(db_, what);
  }
  // Steps a statement that returns no rows, then resets it.
  Status Run(const char* what) {
    CL_ASSIGN_OR_RETURN(int code, Step(what));
    (void)code;
    sqlite3_reset(stmt_);
    return Status::Ok();
  }
  void Reset() { sqlite3_reset(stmt_); }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string_view Blob(int column) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    return std::string_view(static_cast<const char*>(data),
                            static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text != nullptr ? reinterpret_cast<const char*>(text) : "";
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// One connection; closed on destruction (after its statements, which are declared later in
// the owning classes and so destroyed first).
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { sqlite3_close_v2(db_); }

  Status Open(const std::string& path, int flags) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      return StorageError(db_, "cannot open " + path);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    return Status::Ok();
  }
  Status Exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message != nullptr ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      return MakeError(ErrorCode::kStorageError, "SQLite: " + text + " (in: " + sql + ")");
    }
    return Status::Ok();
  }
  Result<Statement> Prepare(const char* sql) { return Statement::Prepare(db_, sql); }
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// Runs `pragma` and checks that it reports `expected` (journal_mode answers with the mode).
Status PragmaExpect(Connection& connection, const char* pragma, const char* expected) {
  CL_ASSIGN_OR_RETURN(Statement statement, connection.Prepare(pragma));
  CL_ASSIGN_OR_RETURN(int code, statement.Step(pragma));
  if (code != SQLITE_ROW || statement.Text(0) != expected) {
    return MakeError(ErrorCode::kStorageError,
                     std::string(pragma) + " did not take effect (wanted " + expected + ")");
  }
  return Status::Ok();
}

class SqliteWriter final : public JournalWriter {
 public:
  explicit SqliteWriter(std::string path) : path_(std::move(path)) {}
  ~SqliteWriter() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (checkpointer_.joinable()) checkpointer_.join();
  }

  Status Open() {
    CL_RETURN_IF_ERROR(connection_.Open(path_, SQLITE_OPEN_READWRITE));
    CL_RETURN_IF_ERROR(PragmaExpect(connection_, "PRAGMA journal_mode=WAL", "wal"));
    CL_RETURN_IF_ERROR(connection_.Exec("PRAGMA synchronous=FULL"));
    CL_RETURN_IF_ERROR(connection_.Exec("PRAGMA wal_autocheckpoint=0"));
    CL_RETURN_IF_ERROR(connection_.Exec("PRAGMA cache_size=" + std::to_string(-kWriterCacheKib)));
    CL_RETURN_IF_ERROR(connection_.Exec(std::string("BEGIN IMMEDIATE;") + kHeadSchema + "COMMIT;"));
    CL_ASSIGN_OR_RETURN(begin_, connection_.Prepare("BEGIN IMMEDIATE"));
    CL_ASSIGN_OR_RETURN(commit_, connection_.Prepare("COMMIT"));
    CL_ASSIGN_OR_RETURN(insert_, connection_.Prepare(InsertSql(1).c_str()));
    CL_ASSIGN_OR_RETURN(insert_many_,
                        connection_.Prepare(InsertSql(kAppendRowsPerStatement).c_str()));
    CL_ASSIGN_OR_RETURN(head_, connection_.Prepare("UPDATE journal_head SET seq = ?, hash = ? "
                                                   "WHERE id = 1"));
    CL_ASSIGN_OR_RETURN(chunk_, connection_.Prepare("INSERT INTO snapshot_chunks(seq, chunk, "
                                                    "data) VALUES (?, ?, ?)"));
    CL_RETURN_IF_ERROR(checkpoint_connection_.Open(path_, SQLITE_OPEN_READWRITE));
    checkpointer_ = std::thread([this] { CheckpointLoop(); });
    return Status::Ok();
  }

  Status Append(std::span<const JournalRecord> records) override {
    return InTransaction("journal append", [&]() -> Status {
      size_t next = 0;
      for (; records.size() - next >= kAppendRowsPerStatement; next += kAppendRowsPerStatement) {
        for (size_t row = 0; row < kAppendRowsPerStatement; ++row) {
          BindRecord(insert_many_, static_cast<int>(row), records[next + row]);
        }
        CL_RETURN_IF_ERROR(insert_many_.Run("cannot append to the journal"));
      }
      for (; next < records.size(); ++next) {
        BindRecord(insert_, 0, records[next]);
        CL_RETURN_IF_ERROR(insert_.Run("cannot append to the journal"));
      }
      if (records.empty()) return Status::Ok();
      head_.Bind(1, ToSql(records.back().seq));
      head_.Bind(2, ToSql(records.back().hash));
      return head_.Run("cannot move the journal's head anchor");
    });
  }

  Status BeginSnapshot(const SnapshotInfo& info) override {
    return InTransaction("snapshot start", [&]() -> Status {
      std::string seq = std::to_string(info.seq);
      CL_RETURN_IF_ERROR(connection_.Exec("DELETE FROM snapshot_chunks WHERE seq = " + seq));
      CL_RETURN_IF_ERROR(connection_.Exec("DELETE FROM snapshots WHERE seq = " + seq));
      return connection_.Exec(
          "INSERT INTO snapshots(seq, taken_at_ms, state_hash, chain_hash, bytes, checksum, "
          "complete) VALUES (" +
          seq + ", " + std::to_string(info.taken_at) + ", " +
          std::to_string(ToSql(info.state_hash)) + ", " + std::to_string(ToSql(info.chain_hash)) +
          ", " + std::to_string(info.bytes) + ", " + std::to_string(ToSql(info.checksum)) + ", 0)");
    });
  }

  Status AppendSnapshotChunk(uint64_t seq, uint32_t index, std::string_view data) override {
    chunk_.Bind(1, ToSql(seq));
    chunk_.Bind(2, index);
    chunk_.BindBlob(3, data);
    return chunk_.Run("cannot write a snapshot chunk");
  }

  Status CompleteSnapshot(uint64_t seq, size_t keep) override {
    return InTransaction("snapshot completion", [&]() -> Status {
      CL_RETURN_IF_ERROR(
          connection_.Exec("UPDATE snapshots SET complete = 1 WHERE seq = " + std::to_string(seq)));
      std::string stale =
          "SELECT seq FROM snapshots WHERE complete = 0 OR seq NOT IN (SELECT seq FROM snapshots "
          "WHERE complete = 1 ORDER BY seq DESC LIMIT " +
          std::to_string(keep) + ")";
      CL_RETURN_IF_ERROR(
          connection_.Exec("DELETE FROM snapshot_chunks WHERE seq IN (" + stale + ")"));
      return connection_.Exec("DELETE FROM snapshots WHERE seq IN (" + stale + ")");
    });
  }

 private:
  static constexpr int kColumnsPerRecord = 6;

  // "INSERT INTO journal(...) VALUES (?, ...), ..." for `rows` records.
  static std::string InsertSql(size_t rows) {
    std::string sql = "INSERT INTO journal(seq, time_ms, type, prev_hash, hash, body) VALUES ";
    for (size_t row = 0; row < rows; ++row) sql += row == 0 ? "(?,?,?,?,?,?)" : ",(?,?,?,?,?,?)";
    return sql;
  }

  // Binds `record` as row `row` (from 0) of an insert statement. The body is bound without a
  // copy: the statement runs before the record goes away.
  static void BindRecord(Statement& insert, int row, const JournalRecord& record) {
    int first = row * kColumnsPerRecord;
    insert.Bind(first + 1, ToSql(record.seq));
    insert.Bind(first + 2, record.time);
    insert.Bind(first + 3, record.type);
    insert.Bind(first + 4, ToSql(record.prev_hash));
    insert.Bind(first + 5, ToSql(record.hash));
    insert.BindBlob(first + 6, record.body);
  }

  template <class Body>
  Status InTransaction(const char* what, Body body) {
    CL_RETURN_IF_ERROR(begin_.Run(what));
    Status status = body();
    if (status.ok()) status = commit_.Run(what);
    // A failed statement or commit leaves nothing behind: roll back whatever is still open.
    if (!status.ok() && !sqlite3_get_autocommit(connection_.get())) {
      (void)connection_.Exec("ROLLBACK");
    }
    return status;
  }

  void CheckpointLoop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::milliseconds(kCheckpointIntervalMs));
      if (stopping_) break;
      lock.unlock();
      // PASSIVE never waits for the writer or readers; what it cannot copy now, it copies later.
      sqlite3_wal_checkpoint_v2(checkpoint_connection_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                nullptr, nullptr);
      lock.lock();
    }
  }

  std::string path_;
  Connection connection_;
  Statement begin_, commit_, insert_, insert_many_, head_, chunk_;
  Connection checkpoint_connection_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread checkpointer_;
};

class SqliteReader final : public JournalReader {
 public:
  explicit SqliteReader(std::string path) : path_(std::move(path)) {}

  Status Open() {
    CL_RETURN_IF_ERROR(connection_.Open(path_, SQLITE_OPEN_READWRITE));
    CL_RETURN_IF_ERROR(connection_.Exec("PRAGMA query_only=1"));
    CL_ASSIGN_OR_RETURN(
        tip_, connection_.Prepare("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1"));
    CL_ASSIGN_OR_RETURN(scan_,
                        connection_.Prepare("SELECT seq, time_ms, type, prev_hash, hash, body FROM "
                                            "journal WHERE seq > ? AND seq <= ? ORDER BY seq"));
    CL_ASSIGN_OR_RETURN(
        snapshots_, connection_.Prepare("SELECT seq, taken_at_ms, state_hash, chain_hash, bytes, "
                                        "checksum FROM snapshots WHERE complete = 1 ORDER BY seq "
                                        "DESC"));
    CL_ASSIGN_OR_RETURN(chunks_, connection_.Prepare("SELECT chunk, data FROM snapshot_chunks "
                                                     "WHERE seq = ? ORDER BY chunk"));
    return Status::Ok();
  }

  Result<JournalTip> Tip() override {
    JournalTip tip;
    CL_ASSIGN_OR_RETURN(int code, tip_.Step("cannot read the journal's last record"));
    if (code == SQLITE_ROW) tip = JournalTip{FromSql(tip_.Int(0)), FromSql(tip_.Int(1))};
    tip_.Reset();
    return tip;
  }

  Status Scan(uint64_t after, uint64_t through, const Visitor& visit) override {
    scan_.Bind(1, ToSql(after));
    scan_.Bind(2, ToSql(std::min<uint64_t>(through, INT64_MAX)));
    JournalRecord record;
    while (true) {
      Result<int> code = scan_.Step("cannot read the journal");
      if (!code.ok() || *code == SQLITE_DONE) {
        scan_.Reset();
        return code.ok() ? Status::Ok() : Status(code.error());
      }
      record.seq = FromSql(scan_.Int(0));
      record.time = scan_.Int(1);
      record.type = static_cast<uint16_t>(scan_.Int(2));
      record.prev_hash = FromSql(scan_.Int(3));
      record.hash = FromSql(scan_.Int(4));
      record.body.assign(scan_.Blob(5));
      Status visited = visit(record);
      if (!visited.ok()) {
        scan_.Reset();
        return visited;
      }
    }
  }

  Result<std::vector<SnapshotInfo>> Snapshots() override {
    std::vector<SnapshotInfo> infos;
    while (true) {
      CL_ASSIGN_OR_RETURN(int code, snapshots_.Step("cannot list snapshots"));
      if (code == SQLITE_DONE) break;
      infos.push_back(SnapshotInfo{FromSql(snapshots_.Int(0)), snapshots_.Int(1),
                                   FromSql(snapshots_.Int(2)), FromSql(snapshots_.Int(3)),
                                   FromSql(snapshots_.Int(4)), FromSql(snapshots_.Int(5))});
    }
    snapshots_.Reset();
    return infos;
  }

  Result<std::string> ReadSnapshot(const SnapshotInfo& info) override {
    std::string bytes;
    bytes.reserve(info.bytes);
    chunks_.Bind(1, ToSql(info.seq));
    Status status = ReadChunks(info, &bytes);
    chunks_.Reset();
    CL_RETURN_IF_ERROR(status);
    HashSink sink;
    sink.Bytes(bytes.data(), bytes.size());
    if (bytes.size() != info.bytes || sink.Digest() != info.checksum) {
      return MakeError(ErrorCode::kCorruptRecord, "snapshot at journal record " +
                                                      std::to_string(info.seq) +
                                                      " is corrupted (size or checksum mismatch)");
    }
    return bytes;
  }

 private:
  Status ReadChunks(const SnapshotInfo& info, std::string* bytes) {
    for (int64_t expected = 0;; ++expected) {
      CL_ASSIGN_OR_RETURN(int code, chunks_.Step("cannot read a snapshot"));
      if (code == SQLITE_DONE) return Status::Ok();
      if (chunks_.Int(0) != expected || bytes->size() + chunks_.Blob(1).size() > info.bytes) {
        return MakeError(ErrorCode::kCorruptRecord, "snapshot at journal record " +
                                                        std::to_string(info.seq) +
                                                        " has a missing or extra chunk");
      }
      bytes->append(chunks_.Blob(1));
    }
  }

  std::string path_;
  Connection connection_;
  Statement tip_, scan_, snapshots_, chunks_;
};

// The anchor and the last record of the journal at `path`, read in one statement.
Result<std::optional<JournalHead>> ReadJournalHead(const std::string& path) {
  Connection connection;
  // Read-write like the journal readers: a WAL database needs its shared-memory file.
  CL_RETURN_IF_ERROR(connection.Open(path, SQLITE_OPEN_READWRITE));
  CL_RETURN_IF_ERROR(connection.Exec("PRAGMA query_only=1"));
  // A store no writer of this version has opened yet has no anchor table.
  Result<Statement> head = connection.Prepare(
      "SELECT h.seq, h.hash, coalesce(j.seq, 0), coalesce(j.hash, 0) FROM journal_head h LEFT JOIN "
      "(SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1) j WHERE h.id = 1");
  if (!head.ok()) return std::optional<JournalHead>();
  CL_ASSIGN_OR_RETURN(int code, head->Step("cannot read the journal's head anchor"));
  if (code != SQLITE_ROW) return std::optional<JournalHead>();
  return std::optional<JournalHead>(
      JournalHead{JournalTip{FromSql(head->Int(0)), FromSql(head->Int(1))},
                  JournalTip{FromSql(head->Int(2)), FromSql(head->Int(3))}});
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::string path) : path_(std::move(path)) {}

  std::string Describe() const override { return "sqlite:" + path_; }

  Result<std::unique_ptr<JournalWriter>> OpenWriter() override {
    auto writer = std::make_unique<SqliteWriter>(path_);
    CL_RETURN_IF_ERROR(writer->Open());
    return std::unique_ptr<JournalWriter>(std::move(writer));
  }

  Result<std::unique_ptr<JournalReader>> OpenReader() override {
    auto reader = std::make_unique<SqliteReader>(path_);
    CL_RETURN_IF_ERROR(reader->Open());
    return std::unique_ptr<JournalReader>(std::move(reader));
  }

  Result<std::optional<JournalHead>> ReadHead() override { return ReadJournalHead(path_); }

  Status Backup(const std::string& to_path, const Progress& progress) override;

 private:
  std::string path_;
};

Status CopyPages(Connection& source, Connection& target, const Progress& progress) {
  sqlite3_backup* backup = sqlite3_backup_init(target.get(), "main", source.get(), "main");
  if (backup == nullptr) return StorageError(target.get(), "cannot start the backup");
  int code = SQLITE_OK;
  while (code == SQLITE_OK || code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    code = sqlite3_backup_step(backup, kBackupPagesPerStep);
    int total = sqlite3_backup_pagecount(backup);
    if (progress) progress(static_cast<uint64_t>(total - sqlite3_backup_remaining(backup)), total);
  }
  sqlite3_backup_finish(backup);
  if (code != SQLITE_DONE) return StorageError(target.get(), "the backup failed");
  return Status::Ok();
}

Status SqliteStore::Backup(const std::string& to_path, const Progress& progress) {
  struct stat existing;
  if (::stat(to_path.c_str(), &existing) == 0) {
    return MakeError(ErrorCode::kInvalidArgument, to_path + " already exists; not overwriting it");
  }
  Connection source;
  CL_RETURN_IF_ERROR(source.Open(path_, SQLITE_OPEN_READWRITE));
  // One read transaction for the whole copy: the backup is the state of one moment, however
  // much the server appends meanwhile (WAL readers do not block the writer, nor it them).
  CL_RETURN_IF_ERROR(source.Exec("BEGIN; SELECT count(*) FROM meta;"));
  Connection target;
  CL_RETURN_IF_ERROR(target.Open(to_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  Status copied = CopyPages(source, target, progress);
  (void)source.Exec("COMMIT");
  if (copied.ok()) copied = PragmaExpect(target, "PRAGMA journal_mode=WAL", "wal");
  if (!copied.ok()) std::remove(to_path.c_str());
  return copied;
}

Status CreateSchema(Connection& connection) {
  CL_RETURN_IF_ERROR(PragmaExpect(connection, "PRAGMA journal_mode=WAL", "wal"));
  return connection.Exec(
      std::string("BEGIN;") + kSchema + "INSERT INTO meta VALUES ('schema_version', '" +
      std::to_string(kSchemaVersion) + "');" + "INSERT INTO meta VALUES ('event_codec_version', '" +
      std::to_string(kEventCodecVersion) + "');COMMIT;");
}

Status CheckSchema(Connection& connection, const std::string& path) {
  Error not_journal = MakeError(ErrorCode::kStorageError, path + " is not a Creditline journal");
  Result<Statement> version =
      connection.Prepare("SELECT value FROM meta WHERE key = 'schema_version'");
  if (!version.ok()) return not_journal;
  Result<int> code = version->Step("read schema version");
  if (!code.ok() || *code != SQLITE_ROW) return not_journal;
  int found = std::atoi(version->Text(0).c_str());
  if (found > kSchemaVersion) {
    return MakeError(ErrorCode::kStorageError,
                     path + " has schema version " + std::to_string(found) +
                         ", newer than this program's " + std::to_string(kSchemaVersion) +
                         "; use a newer creditline");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, bool create) {
  struct stat existing;
  bool exists = ::stat(path.c_str(), &existing) == 0;
  if (!exists && !create) {
    return MakeError(ErrorCode::kStorageError, path + " does not exist");
  }
  Connection connection;
  CL_RETURN_IF_ERROR(
      connection.Open(path, SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE)));
  if (!exists) CL_RETURN_IF_ERROR(CreateSchema(connection));
  CL_RETURN_IF_ERROR(CheckSchema(connection, path));
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(path));
}

}  // namespace creditline::store
