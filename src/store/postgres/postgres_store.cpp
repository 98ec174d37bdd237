#include "store/postgres/postgres_store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <utility>

#include "core/codec.hpp"
#include "store/postgres/bi_projection.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace creditline::store {
namespace {

using pg::kBoolOid;
using pg::kByteaOid;
using pg::kInt4Oid;
using pg::kInt8Oid;
using pg::Params;
using pg::PgResult;

// The schema by version: kMigrations[v - 1] takes a database from version v - 1 to v. New
// versions go at the end; a released one never changes.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE creditline_meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL);
CREATE TABLE creditline_journal(
  seq BIGINT PRIMARY KEY,     -- 1, 2, 3, ... without gaps; a duplicate is refused
  time_ms BIGINT NOT NULL,    -- event time, ms since 1970 UTC
  type INTEGER NOT NULL,      -- event type tag (docs/events.md)
  prev_hash BIGINT NOT NULL,  -- hash of record seq - 1 (0 for record 1)
  hash BIGINT NOT NULL,       -- chain hash over seq, prev_hash and body
  body BYTEA NOT NULL);       -- the encoded event
CREATE TABLE creditline_snapshots(
  seq BIGINT PRIMARY KEY,     -- the state after this journal record
  taken_at_ms BIGINT NOT NULL,
  state_hash BIGINT NOT NULL,
  chain_hash BIGINT NOT NULL, -- hash of journal record seq
  bytes BIGINT NOT NULL,
  checksum BIGINT NOT NULL,
  complete BOOLEAN NOT NULL);
CREATE TABLE creditline_snapshot_chunks(
  seq BIGINT NOT NULL,
  chunk INTEGER NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (seq, chunk));
)sql",
    // Version 2: the SQL projection for BI tools (bi_projection.cpp, docs/operations.md).
    R"sql(
CREATE TABLE creditline_bi_status(
  singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
  projected_seq BIGINT NOT NULL,     -- the last journal record the tables reflect
  business_date DATE NOT NULL,       -- today in the business time zone: days past due count to it
  updated_at TIMESTAMPTZ NOT NULL);
CREATE TABLE creditline_bi_customers(
  customer_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  industry TEXT NOT NULL,
  region TEXT NOT NULL,
  tags TEXT NOT NULL);
CREATE TABLE creditline_bi_accounts(
  account_key TEXT PRIMARY KEY,      -- customer_id, or customer_id/segment
  customer_id TEXT NOT NULL,
  segment TEXT NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  grade TEXT NOT NULL,
  policy TEXT NOT NULL,
  group_id TEXT NOT NULL,
  payment_terms_days INTEGER NOT NULL,
  review_on DATE,
  limit_minor BIGINT NOT NULL,
  temporary_limits_minor BIGINT NOT NULL,
  collateral_minor BIGINT NOT NULL,
  effective_limit_minor BIGINT NOT NULL,
  orders_open_minor BIGINT NOT NULL,
  receivables_open_minor BIGINT NOT NULL,
  unapplied_credit_minor BIGINT NOT NULL,
  exposure_minor BIGINT NOT NULL,
  available_minor BIGINT NOT NULL,
  utilization_pct NUMERIC(9, 2) NOT NULL,
  overdue_minor BIGINT NOT NULL,
  written_off_minor BIGINT NOT NULL,
  open_orders INTEGER NOT NULL,
  held_orders INTEGER NOT NULL,
  open_invoices INTEGER NOT NULL,
  as_of DATE NOT NULL);
CREATE INDEX creditline_bi_accounts_customer ON creditline_bi_accounts(customer_id);
CREATE TABLE creditline_bi_open_orders(
  order_id TEXT PRIMARY KEY,
  account_key TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  status TEXT NOT NULL,              -- open or held
  currency TEXT NOT NULL,
  amount_minor BIGINT NOT NULL,
  reserved_minor BIGINT NOT NULL,
  invoiced_minor BIGINT NOT NULL,
  placed_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ,
  decision TEXT NOT NULL,
  released_by TEXT NOT NULL);
CREATE INDEX creditline_bi_open_orders_account ON creditline_bi_open_orders(account_key);
CREATE TABLE creditline_bi_invoice_items(
  invoice_id TEXT PRIMARY KEY,
  account_key TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  order_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount_minor BIGINT NOT NULL,
  open_minor BIGINT NOT NULL,
  issued_on DATE NOT NULL,
  due_on DATE NOT NULL);
CREATE INDEX creditline_bi_invoice_items_account ON creditline_bi_invoice_items(account_key);
CREATE VIEW creditline_bi_open_invoices AS
  SELECT i.*, GREATEST(0, s.business_date - i.due_on) AS days_past_due,
         CASE WHEN s.business_date <= i.due_on THEN 'current'
              WHEN s.business_date - i.due_on <= 30 THEN '1-30'
              WHEN s.business_date - i.due_on <= 60 THEN '31-60'
              WHEN s.business_date - i.due_on <= 90 THEN '61-90'
              ELSE 'over 90' END AS aging_bucket
  FROM creditline_bi_invoice_items i CROSS JOIN creditline_bi_status s;
CREATE TABLE creditline_bi_decisions(
  seq BIGINT PRIMARY KEY,            -- the journal record of the decision
  decided_at TIMESTAMPTZ NOT NULL,
  kind TEXT NOT NULL,                -- order, order_change, release, rejection
  order_id TEXT NOT NULL,
  account_key TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  reasons TEXT NOT NULL,             -- reason codes, comma-separated
  currency TEXT NOT NULL,
  amount_minor BIGINT NOT NULL,
  available_after_minor BIGINT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL);             -- a release's or rejection's reason
CREATE INDEX creditline_bi_decisions_customer ON creditline_bi_decisions(customer_id, decided_at);
CREATE INDEX creditline_bi_decisions_order ON creditline_bi_decisions(order_id);
)sql",
    // Version 3: the journal's head anchor (store.hpp JournalHead). A statement trigger moves it
    // in the transaction of every append (one COPY), so no append can leave it behind; a
    // journal from version 2 gets it from its last record now.
    R"sql(
CREATE TABLE creditline_journal_head(
  singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
  seq BIGINT NOT NULL,        -- the last journal record's seq (0: empty)
  hash BIGINT NOT NULL);      -- and its chain hash
INSERT INTO creditline_journal_head(seq, hash)
  SELECT coalesce(max(seq), 0),
         coalesce((SELECT hash FROM creditline_journal ORDER BY seq DESC LIMIT 1), 0)
  FROM creditline_journal;
CREATE FUNCTION creditline_move_journal_head() RETURNS trigger LANGUAGE plpgsql
  SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE creditline_journal_head SET seq = last.seq, hash = last.hash
    FROM (SELECT seq, hash FROM appended ORDER BY seq DESC LIMIT 1) last;
  RETURN NULL;
END $$;
CREATE TRIGGER creditline_journal_head_moves AFTER INSERT ON creditline_journal
  REFERENCING NEW TABLE AS appended FOR EACH STATEMENT
  EXECUTE FUNCTION creditline_move_journal_head();
)sql",
};
// The schema this program writes. A newer database is refused.
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));
// Serializes schema creation and migration between processes that open the same database at
// once (a pg_advisory_xact_lock key: "Credit" in ASCII).
constexpr int64_t kSchemaLockKey = 0x437265646974;
// The writer lease ("ClLs"): held by the writer's own connection, so it ends when that
// connection does, and an append only ever goes through that connection: a writer that lost
// its lease cannot append again.
constexpr int32_t kWriterLeaseKey = 0x436C4C73;
// Journal rows per FETCH while scanning: about half a megabyte per round trip, and all the
// memory a scan of any length holds.
constexpr int kScanRowsPerFetch = 4'096;
// Snapshot chunks (up to 4 MiB each) per FETCH: one, so a read holds a single chunk besides the
// snapshot it assembles.
constexpr int kSnapshotChunksPerFetch = 1;
// Records per SQLite transaction while a backup writes its file: enough that its fsyncs do not
// dominate, few enough for frequent progress reports.
constexpr size_t kBackupRecordsPerAppend = 16'384;

constexpr const char* kCopyJournalSql =
    "COPY creditline_journal(seq, time_ms, type, prev_hash, hash, body) FROM STDIN "
    "(FORMAT binary)";

int64_t ToSql(uint64_t value) { return static_cast<int64_t>(value); }
uint64_t FromSql(int64_t value) { return static_cast<uint64_t>(value); }
// A seq bound for SQL text: seqs above INT64_MAX cannot exist.
std::string SeqLiteral(uint64_t seq) { return std::to_string(std::min<uint64_t>(seq, INT64_MAX)); }

// --- reading, shared by the reader and the backup ----------------------------------------------

Result<JournalTip> ReadTip(pg::Connection& connection) {
  const char* what = "cannot read the journal's last record";
  CL_ASSIGN_OR_RETURN(
      PgResult rows,
      connection.Query("SELECT seq, hash FROM creditline_journal ORDER BY seq DESC LIMIT 1",
                       Params(), what));
  CL_RETURN_IF_ERROR(pg::ExpectColumns(rows.get(), {kInt8Oid, kInt8Oid}, what));
  if (PQntuples(rows.get()) == 0) return JournalTip{};
  return JournalTip{FromSql(pg::Int64At(rows.get(), 0, 0)), FromSql(pg::Int64At(rows.get(), 0, 1))};
}

// The anchor and the last record in one statement, so that an append cannot come between them;
// nothing when the anchor's row is gone.
Result<std::optional<JournalHead>> ReadJournalHead(pg::Connection& connection) {
  const char* what = "cannot read the journal's head anchor";
  CL_ASSIGN_OR_RETURN(
      PgResult rows,
      connection.Query("SELECT h.seq, h.hash, coalesce(j.seq, 0::bigint), coalesce(j.hash, "
                       "0::bigint) FROM creditline_journal_head h LEFT JOIN (SELECT seq, hash FROM "
                       "creditline_journal ORDER BY seq DESC LIMIT 1) j ON true",
                       Params(), what));
  CL_RETURN_IF_ERROR(pg::ExpectColumns(rows.get(), {kInt8Oid, kInt8Oid, kInt8Oid, kInt8Oid}, what));
  if (PQntuples(rows.get()) != 1) return std::optional<JournalHead>();
  auto at = [&](int column) { return FromSql(pg::Int64At(rows.get(), 0, column)); };
  return std::optional<JournalHead>(
      JournalHead{JournalTip{at(0), at(1)}, JournalTip{at(2), at(3)}});
}

void ReadRecord(const PGresult* rows, int row, JournalRecord* record) {
  record->seq = FromSql(pg::Int64At(rows, row, 0));
  record->time = pg::Int64At(rows, row, 1);
  record->type = static_cast<uint16_t>(pg::Int32At(rows, row, 2));
  record->prev_hash = FromSql(pg::Int64At(rows, row, 3));
  record->hash = FromSql(pg::Int64At(rows, row, 4));
  record->body.assign(pg::BytesAt(rows, row, 5));
}

// Visits the records with after < seq <= through in seq order. REQUIRES: a transaction is open.
Status StreamJournal(pg::Connection& connection, uint64_t after, uint64_t through,
                     const JournalReader::Visitor& visit) {
  const char* what = "cannot read the journal";
  std::string select =
      "SELECT seq, time_ms, type, prev_hash, hash, body FROM creditline_journal WHERE seq > " +
      SeqLiteral(after) + " AND seq <= " + SeqLiteral(through) + " ORDER BY seq";
  JournalRecord record;
  return connection.Stream(
      select, kScanRowsPerFetch,
      [&](const PGresult* rows, int row) -> Status {
        if (row == 0) {
          CL_RETURN_IF_ERROR(pg::ExpectColumns(
              rows, {kInt8Oid, kInt8Oid, kInt4Oid, kInt8Oid, kInt8Oid, kByteaOid}, what));
        }
        ReadRecord(rows, row, &record);
        return visit(record);
      },
      what);
}

Result<std::vector<SnapshotInfo>> ListSnapshots(pg::Connection& connection) {
  const char* what = "cannot list snapshots";
  CL_ASSIGN_OR_RETURN(PgResult rows, connection.Query("SELECT seq, taken_at_ms, state_hash, "
                                                      "chain_hash, bytes, checksum FROM "
                                                      "creditline_snapshots WHERE complete ORDER "
                                                      "BY seq DESC",
                                                      Params(), what));
  CL_RETURN_IF_ERROR(pg::ExpectColumns(
      rows.get(), {kInt8Oid, kInt8Oid, kInt8Oid, kInt8Oid, kInt8Oid, kInt8Oid}, what));
  std::vector<SnapshotInfo> infos;
  for (int row = 0; row < PQntuples(rows.get()); ++row) {
    auto at = [&](int column) { return pg::Int64At(rows.get(), row, column); };
    infos.push_back(SnapshotInfo{FromSql(at(0)), at(1), FromSql(at(2)), FromSql(at(3)),
                                 FromSql(at(4)), FromSql(at(5))});
  }
  return infos;
}

using ChunkVisitor = std::function<Status(uint32_t index, std::string_view data)>;

// Visits a snapshot's chunks in order. REQUIRES: a transaction is open.
Status StreamSnapshotChunks(pg::Connection& connection, uint64_t seq, const ChunkVisitor& visit) {
  const char* what = "cannot read a snapshot";
  std::string select =
      "SELECT chunk, data FROM creditline_snapshot_chunks WHERE seq = " + SeqLiteral(seq) +
      " ORDER BY chunk";
  return connection.Stream(
      select, kSnapshotChunksPerFetch,
      [&](const PGresult* rows, int row) -> Status {
        CL_RETURN_IF_ERROR(pg::ExpectColumns(rows, {kInt4Oid, kByteaOid}, what));
        return visit(static_cast<uint32_t>(pg::Int32At(rows, row, 0)), pg::BytesAt(rows, row, 1));
      },
      what);
}

// --- writer and reader -------------------------------------------------------------------------

class PostgresWriter final : public JournalWriter {
 public:
  explicit PostgresWriter(pg::Connection connection) : connection_(std::move(connection)) {}

  // One COPY is one transaction: all of the records commit, or none.
  Status Append(std::span<const JournalRecord> records) override {
    if (records.empty()) return Status::Ok();
    copy_.Start();
    for (const JournalRecord& record : records) {
      copy_.Row(6);
      copy_.Int64(ToSql(record.seq));
      copy_.Int64(record.time);
      copy_.Int32(record.type);
      copy_.Int64(ToSql(record.prev_hash));
      copy_.Int64(ToSql(record.hash));
      copy_.Bytes(record.body);
    }
    copy_.Finish();
    return connection_.Copy(kCopyJournalSql, copy_.bytes(), "cannot append to the journal");
  }

  // The statements of one Run() string form one transaction.
  Status BeginSnapshot(const SnapshotInfo& info) override {
    std::string seq = SeqLiteral(info.seq);
    return connection_.Run(
        "DELETE FROM creditline_snapshot_chunks WHERE seq = " + seq +
            "; DELETE FROM creditline_snapshots WHERE seq = " + seq +
            "; INSERT INTO creditline_snapshots(seq, taken_at_ms, state_hash, chain_hash, bytes, "
            "checksum, complete) VALUES (" +
            seq + ", " + std::to_string(info.taken_at) + ", " +
            std::to_string(ToSql(info.state_hash)) + ", " + std::to_string(ToSql(info.chain_hash)) +
            ", " + std::to_string(ToSql(info.bytes)) + ", " + std::to_string(ToSql(info.checksum)) +
            ", false)",
        "cannot start a snapshot");
  }

  Status AppendSnapshotChunk(uint64_t seq, uint32_t index, std::string_view data) override {
    Params params;
    params.Int64(ToSql(seq)).Int32(static_cast<int32_t>(index)).Bytes(data);
    return connection_.Run(
        "INSERT INTO creditline_snapshot_chunks(seq, chunk, data) VALUES ($1, $2, $3)", params,
        "cannot write a snapshot chunk");
  }

  Status KeepAlive() override {
    return connection_.Run("SELECT 1", "the journal writer lost its database connection");
  }

  Status CompleteSnapshot(uint64_t seq, size_t keep) override {
    std::string stale =
        "SELECT seq FROM creditline_snapshots WHERE NOT complete OR seq NOT IN (SELECT seq FROM "
        "creditline_snapshots WHERE complete ORDER BY seq DESC LIMIT " +
        std::to_string(keep) + ")";
    return connection_.Run(
        "UPDATE creditline_snapshots SET complete = true WHERE seq = " + SeqLiteral(seq) +
            "; DELETE FROM creditline_snapshot_chunks WHERE seq IN (" + stale +
            "); DELETE FROM creditline_snapshots WHERE seq IN (" + stale + ")",
        "cannot complete a snapshot");
  }

 private:
  pg::Connection connection_;
  pg::CopyBuffer copy_;  // Reused by every append.
};

class PostgresReader final : public JournalReader {
 public:
  explicit PostgresReader(pg::Connection connection) : connection_(std::move(connection)) {}

  Result<JournalTip> Tip() override { return ReadTip(connection_); }

  Status Scan(uint64_t after, uint64_t through, const Visitor& visit) override {
    return connection_.Transaction(
        "BEGIN READ ONLY", [&] { return StreamJournal(connection_, after, through, visit); });
  }

  Result<std::vector<SnapshotInfo>> Snapshots() override { return ListSnapshots(connection_); }

  Result<std::string> ReadSnapshot(const SnapshotInfo& info) override {
    std::string at = "snapshot at journal record " + std::to_string(info.seq);
    std::string bytes;
    bytes.reserve(info.bytes);
    CL_RETURN_IF_ERROR(connection_.Transaction("BEGIN READ ONLY", [&] {
      uint32_t expected = 0;
      return StreamSnapshotChunks(
          connection_, info.seq, [&](uint32_t index, std::string_view data) -> Status {
            if (index != expected++ || bytes.size() + data.size() > info.bytes) {
              return MakeError(ErrorCode::kCorruptRecord, at + " has a missing or extra chunk");
            }
            bytes.append(data);
            return Status::Ok();
          });
    }));
    HashSink sink;
    sink.Bytes(bytes.data(), bytes.size());
    if (bytes.size() != info.bytes || sink.Digest() != info.checksum) {
      return MakeError(ErrorCode::kCorruptRecord, at + " is corrupted (size or checksum mismatch)");
    }
    return bytes;
  }

 private:
  pg::Connection connection_;
};

// --- backup into a SQLite journal file ---------------------------------------------------------

Status CopyJournal(pg::Connection& connection, const JournalTip& tip, JournalWriter& target,
                   const Progress& progress) {
  std::vector<JournalRecord> batch;
  batch.reserve(kBackupRecordsPerAppend);
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::Ok();
    CL_RETURN_IF_ERROR(target.Append(batch));
    if (progress) progress(batch.back().seq, tip.seq);
    batch.clear();
    return Status::Ok();
  };
  CL_RETURN_IF_ERROR(StreamJournal(connection, 0, tip.seq, [&](JournalRecord& record) -> Status {
    batch.push_back(std::move(record));
    return batch.size() < kBackupRecordsPerAppend ? Status::Ok() : flush();
  }));
  CL_RETURN_IF_ERROR(flush());
  if (progress && tip.seq == 0) progress(0, 0);  // Even an empty journal reports once.
  return Status::Ok();
}

Status CopySnapshots(pg::Connection& connection, JournalWriter& target) {
  CL_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> infos, ListSnapshots(connection));
  std::reverse(infos.begin(), infos.end());  // Oldest first, so pruning keeps them all.
  for (const SnapshotInfo& info : infos) {
    CL_RETURN_IF_ERROR(target.BeginSnapshot(info));
    CL_RETURN_IF_ERROR(StreamSnapshotChunks(
        connection, info.seq, [&](uint32_t index, std::string_view data) -> Status {
          return target.AppendSnapshotChunk(info.seq, index, data);
        }));
    CL_RETURN_IF_ERROR(target.CompleteSnapshot(info.seq, infos.size()));
  }
  return Status::Ok();
}

// REQUIRES: a transaction is open; everything copied is what it sees.
Status CopyInto(pg::Connection& connection, const std::string& to_path, const Progress& progress) {
  CL_ASSIGN_OR_RETURN(JournalTip tip, ReadTip(connection));
  CL_ASSIGN_OR_RETURN(std::unique_ptr<Store> target, OpenSqliteStore(to_path, true));
  CL_ASSIGN_OR_RETURN(std::unique_ptr<JournalWriter> writer, target->OpenWriter());
  CL_RETURN_IF_ERROR(CopyJournal(connection, tip, *writer, progress));
  return CopySnapshots(connection, *writer);
}

class PostgresStore final : public Store {
 public:
  PostgresStore(std::string url, std::string description)
      : url_(std::move(url)), description_(std::move(description)) {}

  std::string Describe() const override { return description_; }

  bool shared() const override { return true; }

  Result<std::unique_ptr<JournalWriter>> OpenWriter() override {
    CL_ASSIGN_OR_RETURN(pg::Connection connection, pg::Connection::Open(url_));
    CL_RETURN_IF_ERROR(pg::TakeLease(connection, kWriterLeaseKey, "the writer lease"));
    // An append that returned OK must survive a crash of the server, whatever the database's
    // or role's default; a stronger setting (remote_apply, ...) is left as it is.
    CL_RETURN_IF_ERROR(
        connection.Run("SELECT set_config('synchronous_commit', 'on', false) WHERE "
                       "current_setting('synchronous_commit') = 'off'",
                       "cannot configure the journal writer"));
    return std::unique_ptr<JournalWriter>(std::make_unique<PostgresWriter>(std::move(connection)));
  }

  Result<std::unique_ptr<JournalReader>> OpenReader() override {
    CL_ASSIGN_OR_RETURN(pg::Connection connection, pg::Connection::Open(url_));
    return std::unique_ptr<JournalReader>(std::make_unique<PostgresReader>(std::move(connection)));
  }

  Result<std::unique_ptr<ProjectionWriter>> OpenProjectionWriter() override {
    return OpenPostgresProjection(url_);
  }

  Result<std::optional<JournalHead>> ReadHead() override {
    CL_ASSIGN_OR_RETURN(pg::Connection connection, pg::Connection::Open(url_));
    return ReadJournalHead(connection);
  }

  Status Backup(const std::string& to_path, const Progress& progress) override {
    struct stat existing;
    if (::stat(to_path.c_str(), &existing) == 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       to_path + " already exists; not overwriting it");
    }
    CL_ASSIGN_OR_RETURN(pg::Connection connection, pg::Connection::Open(url_));
    // One snapshot of the database for the whole copy: the backup is the state of one moment,
    // however much the server appends meanwhile.
    Status copied = connection.Transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                                           [&] { return CopyInto(connection, to_path, progress); });
    if (!copied.ok()) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::remove((to_path + suffix).c_str());
    }
    return copied;
  }

 private:
  std::string url_;
  std::string description_;
};

// --- schema ------------------------------------------------------------------------------------

Result<int> ReadSchemaVersion(pg::Connection& connection, const std::string& where) {
  CL_ASSIGN_OR_RETURN(
      PgResult rows,
      connection.Query("SELECT value FROM creditline_meta WHERE key = 'schema_version'", Params(),
                       "cannot read the schema version"));
  int version = 0;
  std::string_view text = PQntuples(rows.get()) == 1 ? pg::BytesAt(rows.get(), 0, 0) : "";
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return MakeError(
        ErrorCode::kStorageError,
        where + " is not a Creditline journal (creditline_meta has no schema_version)");
  }
  return version;
}

Status Migrate(pg::Connection& connection, int from) {
  if (from == kSchemaVersion) return Status::Ok();
  const char* what = "cannot create or migrate the schema";
  for (int version = from + 1; version <= kSchemaVersion; ++version) {
    CL_RETURN_IF_ERROR(connection.Run(kMigrations[version - 1], what));
  }
  std::string values = "('schema_version', '" + std::to_string(kSchemaVersion) + "')";
  if (from == 0) {
    values += ", ('event_codec_version', '" + std::to_string(kEventCodecVersion) + "')";
  }
  return connection.Run("INSERT INTO creditline_meta(key, value) VALUES " + values +
                            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                        what);
}

// Creates or migrates the tables. Creation needs `create`; so does a migration, which only a
// writing open (`creditline serve`) should do. REQUIRES: a transaction is open.
Status PrepareSchema(pg::Connection& connection, const std::string& where, bool create) {
  CL_RETURN_IF_ERROR(connection.Run(
      "SELECT pg_advisory_xact_lock(" + std::to_string(kSchemaLockKey) + ")", "cannot lock"));
  CL_ASSIGN_OR_RETURN(PgResult found, connection.Query("SELECT current_schema() IS NOT NULL, "
                                                       "to_regclass('creditline_meta') IS NOT NULL",
                                                       Params(), "cannot read the schema"));
  if (!pg::BoolAt(found.get(), 0, 0)) {
    return MakeError(ErrorCode::kStorageError,
                     where + ": the search_path names no existing schema to keep the tables in");
  }
  bool exists = pg::BoolAt(found.get(), 0, 1);
  if (!exists && !create) {
    return MakeError(ErrorCode::kStorageError,
                     where +
                         " has no Creditline journal (no creditline_meta table in the "
                         "current schema); creditline serve --store URL creates one");
  }
  int version = 0;
  if (exists) {
    CL_ASSIGN_OR_RETURN(version, ReadSchemaVersion(connection, where));
  }
  if (version > kSchemaVersion || (version < kSchemaVersion && exists && !create)) {
    return MakeError(ErrorCode::kStorageError,
                     where + " has schema version " + std::to_string(version) + ", " +
                         (version > kSchemaVersion ? "newer" : "older") + " than this program's " +
                         std::to_string(kSchemaVersion) +
                         (version > kSchemaVersion ? "; use a newer creditline"
                                                   : "; creditline serve migrates it"));
  }
  return Migrate(connection, version);
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, bool create) {
  CL_ASSIGN_OR_RETURN(pg::Connection connection, pg::Connection::Open(url));
  std::string where = connection.Describe();
  CL_RETURN_IF_ERROR(
      connection.Transaction("BEGIN", [&] { return PrepareSchema(connection, where, create); }));
  return std::unique_ptr<Store>(std::make_unique<PostgresStore>(url, where));
}

}  // namespace creditline::store
