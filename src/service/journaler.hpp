// The journaler: the thread that makes the engine's work durable before anyone hears of it.
//
// The engine hands over each batch's events together with the batch's continuations (the
// replies); Submit() seals the events into hash-chained records on the way in. The journaler
// takes everything waiting, appends it in one transaction (group commit: one fsync for all of
// it) and only then runs the continuations and publishes the events to the change feed. While it
// commits, the engine applies the next batches, so commits grow under load and shrink to one batch
// when idle.
//
// A failed append is final: the journaler fails that batch's and every later continuation
// (durable = false), stops taking work and reports failed(); the engine then refuses every new
// task. Nothing is retried as if it had not happened: a restart recovers from the journal.
//
// Snapshots are written here too, a chunk at a time between commits, once the record they
// follow is committed. Submit() and ReserveSnapshot() use the chain sealer and are called by the
// engine thread (or after it stopped); the other methods from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/events.hpp"
#include "store/chain.hpp"
#include "store/store.hpp"

namespace creditline::service {

class EventFeed;

// Replies are held back until their batch is durable; `durable` is false when it never will be.
using Continuation = std::function<void(bool durable)>;

// Events waiting for their commit; past this the engine waits (and its queue fills, so clients
// get a quick 503) rather than let memory grow.
inline constexpr size_t kJournalPendingEventsMax = 262'144;
// One commit takes at most this many records, bounding the time until its first reply.
inline constexpr size_t kJournalCommitRecordsMax = 32'768;
// While nothing is committed for this long, the writer checks that it could still append
// (store::JournalWriter::KeepAlive), so a server that lost a shared store's writer lease stops
// taking writes within about this time even when idle.
inline constexpr int64_t kJournalKeepAliveMs = 1'000;
// Snapshots are written in chunks of this size, one short transaction each.
inline constexpr size_t kSnapshotChunkBytes = 4 << 20;

struct SnapshotJob {
  store::SnapshotInfo info;  // chain_hash, bytes and checksum are filled in by the journaler.
  std::string bytes;
};

struct JournalerStats {
  uint64_t commits = 0, records = 0, largest_commit = 0;
  uint64_t snapshots = 0, last_snapshot_seq = 0;
};

class Journaler {
 public:
  // `tip` is the journal's last record; `keep_snapshots` complete snapshots are kept.
  Journaler(std::unique_ptr<store::JournalWriter> writer, store::JournalTip tip, EventFeed& feed,
            size_t keep_snapshots);
  ~Journaler();
  Journaler(const Journaler&) = delete;
  Journaler& operator=(const Journaler&) = delete;

  void Start();
  // Commits everything submitted, finishes a snapshot in progress, then stops the thread.
  void Stop();

  // Seals the events into records on the caller's thread (the engine's), so that encoding
  // overlaps the journaler's commit. Blocks while more than kJournalPendingEventsMax events
  // await their commit.
  void Submit(std::vector<Event>&& events, std::vector<Continuation>&& continuations);

  // A snapshot of the state after record `seq` (the last event submitted) is being taken:
  // remembers that record's chain hash once sealed. False while another snapshot is still in
  // progress (or the journal failed); then nothing was reserved.
  bool ReserveSnapshot(uint64_t seq);
  // The reserved snapshot's bytes: written once record `seq` is committed.
  void SubmitSnapshot(SnapshotJob&& job);
  // The reserved snapshot could not be taken.
  void AbandonSnapshot();
  bool snapshot_busy() const;
  // Waits until no snapshot is in progress (or the journal has failed).
  void WaitForSnapshotSlot();

  bool failed() const;
  std::optional<Error> failure() const;
  JournalerStats stats() const;

 private:
  struct Batch {
    std::vector<Event> events;
    std::vector<store::JournalRecord> records;  // The events sealed, by Submit().
    std::vector<Continuation> continuations;
  };
  struct SnapshotInProgress {
    SnapshotJob job;
    uint32_t next_chunk = 0;
    size_t written = 0;
  };

  void Loop();
  // Takes queued batches up to the commit size; REQUIRES mutex_ held.
  std::vector<Batch> TakeBatches();
  // True when the queued snapshot can be written; REQUIRES mutex_ held.
  bool SnapshotReady() const;
  void Commit(std::vector<Batch>& batches);
  void Fail(const Error& error, std::vector<Batch>& batches);
  // Unless the writer reached the store within kJournalKeepAliveMs, checks that it still can;
  // a writer that can no longer append fails the journal.
  void KeepAlive();
  // Writes the next chunk of the snapshot in progress, starting it first if need be.
  void WriteSnapshotChunk();

  std::unique_ptr<store::JournalWriter> writer_;
  store::ChainSealer sealer_;  // Used by Submit() and ReserveSnapshot(): the engine thread.
  EventFeed& feed_;
  size_t keep_snapshots_;
  std::vector<store::JournalRecord> records_;  // Reused between commits.
  // The last append or keep-alive check. Used by the journaler's thread only.
  std::chrono::steady_clock::time_point last_contact_ = std::chrono::steady_clock::now();

  mutable std::mutex mutex_;
  std::condition_variable wake_, room_;
  std::deque<Batch> queue_;
  size_t pending_events_ = 0;
  std::optional<SnapshotJob> queued_snapshot_;   // Waits for its record's chain hash.
  std::optional<SnapshotInProgress> snapshot_;   // Owned by the thread once taken.
  bool snapshot_busy_ = false;                   // From ReserveSnapshot to the last chunk.
  uint64_t snapshot_seq_ = 0;                    // The reserved snapshot's record...
  std::optional<uint64_t> snapshot_chain_hash_;  // ...and its hash.
  store::JournalTip committed_;                  // The last committed record.
  bool stopping_ = false;
  std::optional<Error> failure_;
  JournalerStats stats_;
  std::thread thread_;
};

}  // namespace creditline::service
