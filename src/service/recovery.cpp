#include "service/recovery.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/snapshot.hpp"
#include "store/chain.hpp"

namespace creditline::service {
namespace {

using Clock = std::chrono::steady_clock;

// Decoded events travel from the reading thread to the applying one in chunks of this many,
// and at most this many chunks wait: enough to keep both threads busy, and few enough (about
// 2 MB of events) that a chunk is still in the processor's cache when the applying thread
// reaches it.
constexpr size_t kReplayChunkEvents = 512;
constexpr size_t kReplayChunksQueuedMax = 8;

double SecondsSince(Clock::time_point begin) {
  return std::chrono::duration<double>(Clock::now() - begin).count();
}

// The reading side of the pipeline: chunks of checked, decoded events, then the end. Applied
// chunks come back to the reading thread, which frees their events and reuses their memory, so
// the applying thread (the bottleneck of replay) spends no time freeing.
class EventPipe {
 public:
  // An empty chunk for the reading thread: an applied one when there is one.
  std::vector<Event> TakeEmpty() {
    std::vector<Event> chunk;
    {
      std::lock_guard lock(mutex_);
      if (!applied_.empty()) {
        chunk = std::move(applied_.back());
        applied_.pop_back();
      }
    }
    chunk.clear();
    chunk.reserve(kReplayChunkEvents);
    return chunk;
  }
  // Hands an applied chunk back. The chunks in circulation stay few: the reading thread makes
  // a new one only when none has come back.
  void GiveBack(std::vector<Event>&& chunk) {
    std::lock_guard lock(mutex_);
    applied_.push_back(std::move(chunk));
  }
  // Blocks while the queue is full. False once the consumer has given up.
  bool Push(std::vector<Event>&& chunk) {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return chunks_.size() < kReplayChunksQueuedMax || cancelled_; });
    if (cancelled_) return false;
    chunks_.push_back(std::move(chunk));
    ready_.notify_one();
    return true;
  }
  void Close(Status status) {
    std::lock_guard lock(mutex_);
    closed_ = true;
    status_ = std::move(status);
    ready_.notify_one();
  }
  void Cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    room_.notify_one();
  }
  // False at the end; then status() says whether reading succeeded.
  bool Pop(std::vector<Event>* chunk) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return !chunks_.empty() || closed_; });
    if (chunks_.empty()) return false;
    *chunk = std::move(chunks_.front());
    chunks_.pop_front();
    room_.notify_one();
    return true;
  }
  Status status() {
    std::lock_guard lock(mutex_);
    return status_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<std::vector<Event>> chunks_;
  std::vector<std::vector<Event>> applied_;
  bool closed_ = false, cancelled_ = false;
  Status status_;
};

void ReadInto(store::JournalReader& reader, store::ChainChecker& checker, uint64_t through,
              EventPipe& pipe) {
  std::vector<Event> chunk = pipe.TakeEmpty();
  Status status =
      reader.Scan(checker.tip().seq, through, [&](store::JournalRecord& record) -> Status {
        CL_ASSIGN_OR_RETURN(Event event, checker.CheckAndDecode(record));
        chunk.push_back(std::move(event));
        if (chunk.size() < kReplayChunkEvents) return Status::Ok();
        if (!pipe.Push(std::move(chunk))) return MakeError(ErrorCode::kInternal, "cancelled");
        chunk = pipe.TakeEmpty();
        return Status::Ok();
      });
  if (status.ok() && !chunk.empty()) pipe.Push(std::move(chunk));
  if (status.ok() && checker.tip().seq != through) {
    status = MakeError(ErrorCode::kCorruptRecord, "journal record " +
                                                      std::to_string(checker.tip().seq + 1) +
                                                      " is missing (the journal ends early)");
  }
  pipe.Close(std::move(status));
}

using AfterApply = std::function<Status(const Event& event)>;

// Applies the records after checker's tip through `through` to *state, checking the chain.
Status Replay(store::JournalReader& reader, store::ChainChecker& checker, uint64_t through,
              State* state, const AfterApply& after_apply, const ReplayProgress& progress) {
  uint64_t total = through - checker.tip().seq, replayed = 0;
  if (total == 0) return Status::Ok();
  state->ReserveForReplay(total);
  EventPipe pipe;
  std::thread reading([&] { ReadInto(reader, checker, through, pipe); });
  Status applied;
  std::vector<Event> chunk;
  while (applied.ok() && pipe.Pop(&chunk)) {
    for (const Event& event : chunk) {
      state->Apply(event);
      if (after_apply) applied = after_apply(event);
      if (!applied.ok()) break;
      if (++replayed % kReplayProgressEvery == 0 && progress) progress(replayed, total);
    }
    pipe.GiveBack(std::move(chunk));
    chunk = std::vector<Event>();
  }
  if (!applied.ok()) pipe.Cancel();
  reading.join();
  CL_RETURN_IF_ERROR(applied);
  return pipe.status();
}

// The hash of journal record `seq`, read from the store (0 when there is no such record).
Result<uint64_t> RecordHash(store::JournalReader& reader, uint64_t seq) {
  uint64_t hash = 0;
  CL_RETURN_IF_ERROR(reader.Scan(seq - 1, seq, [&](store::JournalRecord& record) -> Status {
    hash = record.hash;
    return Status::Ok();
  }));
  return hash;
}

// Decodes a snapshot and checks it against its own hash and the journal.
Status LoadSnapshot(store::JournalReader& reader, const store::SnapshotInfo& info, State* state) {
  std::string at = "snapshot at journal record " + std::to_string(info.seq);
  CL_ASSIGN_OR_RETURN(std::string bytes, reader.ReadSnapshot(info));
  Status decoded = DecodeSnapshot(bytes, state);
  if (!decoded.ok()) {
    return MakeError(ErrorCode::kCorruptRecord, at + ": " + decoded.error().message);
  }
  if (state->last_seq() != info.seq || state->StateHash() != info.state_hash) {
    return MakeError(ErrorCode::kCorruptRecord, at + " does not match its state hash");
  }
  CL_ASSIGN_OR_RETURN(uint64_t chain_hash, RecordHash(reader, info.seq));
  if (chain_hash != info.chain_hash) {
    return MakeError(ErrorCode::kCorruptRecord, at + " does not match the journal's hash chain");
  }
  return Status::Ok();
}

}  // namespace

Result<RecoveryReport> Recover(store::JournalReader& reader, State* state,
                               const ReplayProgress& progress) {
  RecoveryReport report;
  CL_ASSIGN_OR_RETURN(report.tip, reader.Tip());
  CL_ASSIGN_OR_RETURN(std::vector<store::SnapshotInfo> snapshots, reader.Snapshots());
  Clock::time_point begin = Clock::now();
  store::ChainChecker checker({0, 0});
  for (const store::SnapshotInfo& info : snapshots) {
    if (info.seq > report.tip.seq) continue;
    State candidate(state->options());
    Status loaded = LoadSnapshot(reader, info, &candidate);
    if (!loaded.ok()) {
      report.warnings.push_back(loaded.error().message + "; using an older one");
      continue;
    }
    *state = std::move(candidate);
    report.snapshot_seq = info.seq;
    checker = store::ChainChecker({info.seq, info.chain_hash});
    break;
  }
  report.snapshot_seconds = SecondsSince(begin);
  begin = Clock::now();
  report.replayed = report.tip.seq - report.snapshot_seq;
  CL_RETURN_IF_ERROR(Replay(reader, checker, report.tip.seq, state, nullptr, progress));
  report.replay_seconds = SecondsSince(begin);
  return report;
}

Result<VerifyReport> Verify(store::JournalReader& reader, StateOptions options,
                            const ReplayProgress& progress) {
  Clock::time_point begin = Clock::now();
  VerifyReport report;
  CL_ASSIGN_OR_RETURN(store::JournalTip tip, reader.Tip());
  CL_ASSIGN_OR_RETURN(std::vector<store::SnapshotInfo> snapshots, reader.Snapshots());
  std::vector<store::SnapshotInfo> pending(snapshots.rbegin(), snapshots.rend());  // Oldest first.
  State state(options);
  store::ChainChecker checker({0, 0});
  // The snapshot checks read the store, so they run after replay on this thread; only the
  // state hash must be taken at each snapshot's moment, in the same (ascending) order.
  std::vector<uint64_t> hashes_at;
  CL_RETURN_IF_ERROR(Replay(
      reader, checker, tip.seq, &state,
      [&](const Event& event) -> Status {
        if (hashes_at.size() < pending.size() && pending[hashes_at.size()].seq == event.seq) {
          hashes_at.push_back(state.StateHash());
        }
        return Status::Ok();
      },
      progress));
  report.records = tip.seq;
  for (size_t i = 0; i < pending.size(); ++i) {
    std::string at = "snapshot at journal record " + std::to_string(pending[i].seq);
    if (i >= hashes_at.size()) {
      return MakeError(ErrorCode::kCorruptRecord, at + " is past the journal's end");
    }
    if (hashes_at[i] != pending[i].state_hash) {
      return MakeError(ErrorCode::kCorruptRecord, at + " differs from the replayed state");
    }
    State loaded(options);
    CL_RETURN_IF_ERROR(LoadSnapshot(reader, pending[i], &loaded));
    ++report.snapshots_checked;
  }
  report.state_hash = state.StateHash();
  report.seconds = SecondsSince(begin);
  return report;
}

}  // namespace creditline::service
