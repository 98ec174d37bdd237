// The store: where the journal (every event, in order) and the snapshots of the credit state
// are kept durably. This header is the contract every store implements (SQLite in sqlite/, the
// embedded default); the service layer depends on it alone.
//
// The journal is a gapless sequence of records numbered 1, 2, 3, ... Each record carries the
// encoded event, its checksum and the checksum of the record before it (a hash chain, see
// chain.hpp), so a changed, missing or reordered record is found by reading the chain. A
// snapshot is the encoded state after some record `seq`, stored in chunks, with the state hash
// and the chain hash of record `seq` that tie it to the journal.
//
// A Store hands out connections: one JournalWriter (used by one thread at a time) and any number
// of JournalReaders (each used by one thread at a time). Readers see committed data only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "store/projection.hpp"

namespace creditline::store {

struct JournalRecord {
  uint64_t seq = 0;
  TimeMs time = 0;         // The event's time, for tools that read the journal directly.
  uint16_t type = 0;       // The event's type tag (EventBody alternative index).
  uint64_t prev_hash = 0;  // The hash of record seq - 1; 0 for record 1.
  uint64_t hash = 0;       // ChainHash(seq, prev_hash, body).
  std::string body;        // EncodeEvent() bytes.
};

// The last record: seq 0 and hash 0 for an empty journal.
struct JournalTip {
  uint64_t seq = 0;
  uint64_t hash = 0;
};

// The journal's head anchor beside its last record. The anchor (the last record's seq and chain
// hash) is moved in the same transaction as every append, so that records deleted from the end
// of the journal, which leave an intact but shorter chain, are found by comparing the two.
struct JournalHead {
  JournalTip anchor;  // What the anchor says.
  JournalTip tip;     // The last record, read in the same statement (so a running server's
                      // appends cannot come between the two reads).
};

struct SnapshotInfo {
  uint64_t seq = 0;         // The state after this record.
  TimeMs taken_at = 0;      // Event time of the engine batch that took it.
  uint64_t state_hash = 0;  // State::StateHash() of the snapshotted state.
  uint64_t chain_hash = 0;  // The hash of journal record `seq`.
  uint64_t bytes = 0;       // Encoded size.
  uint64_t checksum = 0;    // HashSink digest of the encoded bytes.
};

// Appends to the journal and writes snapshots. One thread at a time.
class JournalWriter {
 public:
  virtual ~JournalWriter() = default;
  // Appends the records in one transaction; when it returns OK they are durable (fsynced).
  // REQUIRES: records continue the journal without gaps. A duplicate seq is refused.
  virtual Status Append(std::span<const JournalRecord> records) = 0;
  // Snapshots are written in chunks, each its own short transaction, so that a large snapshot
  // never holds up journal appends for long. A snapshot counts only once completed.
  virtual Status BeginSnapshot(const SnapshotInfo& info) = 0;
  virtual Status AppendSnapshotChunk(uint64_t seq, uint32_t index, std::string_view data) = 0;
  // Marks the snapshot complete and deletes all but the newest `keep` complete snapshots and
  // any incomplete ones.
  virtual Status CompleteSnapshot(uint64_t seq, size_t keep) = 0;
  // Checks, while no append is due, that the writer could still append. A shared store's
  // writer learns here that it lost its connection to the database, and with it the writer
  // lease, even when nothing is written. An error is final, as for Append.
  virtual Status KeepAlive() { return Status::Ok(); }
};

// Reads committed records and snapshots. One thread at a time.
class JournalReader {
 public:
  virtual ~JournalReader() = default;
  virtual Result<JournalTip> Tip() = 0;
  // Calls `visit` for each record with after < seq <= through, in seq order, as stored (gaps
  // and bad checksums are the caller's to find). Stops at the first error `visit` returns.
  using Visitor = std::function<Status(JournalRecord& record)>;
  virtual Status Scan(uint64_t after, uint64_t through, const Visitor& visit) = 0;
  // Complete snapshots, newest first.
  virtual Result<std::vector<SnapshotInfo>> Snapshots() = 0;
  // The snapshot's bytes; refuses a wrong size or checksum with kCorruptRecord.
  virtual Result<std::string> ReadSnapshot(const SnapshotInfo& info) = 0;
};

// Progress of long operations: done out of total (in the operation's own units).
using Progress = std::function<void(uint64_t done, uint64_t total)>;

class Store {
 public:
  virtual ~Store() = default;
  // "sqlite:/path/to/journal.db", for messages.
  virtual std::string Describe() const = 0;
  // The one writer. A store that several servers share (PostgreSQL) grants it under a writer
  // lease held for the writer's whole life; while another process's writer is open this fails
  // with kWriterLeaseHeld, and a writer whose lease ended can never append again. The SQLite
  // store leaves exclusion to the data directory's lock (service/data_dir.hpp).
  virtual Result<std::unique_ptr<JournalWriter>> OpenWriter() = 0;
  // True when OpenWriter() grants a lease that other processes can wait for.
  virtual bool shared() const { return false; }
  // The writer of the SQL projection for BI tools (projection.hpp), under a lease of its own
  // (kWriterLeaseHeld while another server's is open). Only a shared store has one.
  virtual Result<std::unique_ptr<ProjectionWriter>> OpenProjectionWriter() {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the SQL projection for BI tools needs the PostgreSQL store (--store)");
  }
  virtual Result<std::unique_ptr<JournalReader>> OpenReader() = 0;
  // The head anchor and the last record; nothing when the store has no anchor (no writer of a
  // version that keeps one has opened it yet, or the anchor was removed).
  virtual Result<std::optional<JournalHead>> ReadHead() = 0;
  // A consistent copy of everything, taken while the store is in use, into a new file.
  virtual Status Backup(const std::string& to_path, const Progress& progress) = 0;
};

}  // namespace creditline::store
