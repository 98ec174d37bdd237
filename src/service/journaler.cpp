#include "service/journaler.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdio>

#include "core/codec.hpp"
#include "service/engine.hpp"

namespace creditline::service {

Journaler::Journaler(std::unique_ptr<store::JournalWriter> writer, store::JournalTip tip,
                     EventFeed& feed, size_t keep_snapshots)
    : writer_(std::move(writer)),
      sealer_(tip),
      feed_(feed),
      keep_snapshots_(keep_snapshots),
      committed_(tip) {}

Journaler::~Journaler() { Stop(); }

void Journaler::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Journaler::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Journaler::Submit(std::vector<Event>&& events, std::vector<Continuation>&& continuations) {
  std::vector<store::JournalRecord> records;
  records.reserve(events.size());
  for (const Event& event : events) records.push_back(sealer_.Seal(event));
  {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return pending_events_ < kJournalPendingEventsMax || failure_; });
    pending_events_ += events.size();
    queue_.push_back(Batch{std::move(events), std::move(records), std::move(continuations)});
  }
  wake_.notify_one();
}

bool Journaler::ReserveSnapshot(uint64_t seq) {
  std::lock_guard lock(mutex_);
  if (snapshot_busy_ || failure_) return false;
  snapshot_busy_ = true;
  // Called right after the batch holding record `seq` was sealed.
  assert(sealer_.tip().seq == seq);
  snapshot_seq_ = seq;
  snapshot_chain_hash_ = sealer_.tip().hash;
  return true;
}

void Journaler::SubmitSnapshot(SnapshotJob&& job) {
  {
    std::lock_guard lock(mutex_);
    assert(snapshot_busy_ && job.info.seq == snapshot_seq_);
    queued_snapshot_ = std::move(job);
  }
  wake_.notify_one();
}

void Journaler::AbandonSnapshot() {
  {
    std::lock_guard lock(mutex_);
    snapshot_busy_ = false;
  }
  room_.notify_all();
}

bool Journaler::SnapshotReady() const {
  // A snapshot is written only once the record it follows is durable.
  return queued_snapshot_ && committed_.seq >= snapshot_seq_ && !snapshot_ && !failure_;
}

bool Journaler::snapshot_busy() const {
  std::lock_guard lock(mutex_);
  return snapshot_busy_;
}

void Journaler::WaitForSnapshotSlot() {
  std::unique_lock lock(mutex_);
  room_.wait(lock, [&] { return !snapshot_busy_ || failure_ || !thread_.joinable(); });
}

bool Journaler::failed() const {
  std::lock_guard lock(mutex_);
  return failure_.has_value();
}

std::optional<Error> Journaler::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

JournalerStats Journaler::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::vector<Journaler::Batch> Journaler::TakeBatches() {
  std::vector<Batch> taken;
  size_t records = 0;
  while (!queue_.empty() && (taken.empty() || records < kJournalCommitRecordsMax)) {
    records += queue_.front().events.size();
    taken.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return taken;
}

void Journaler::Loop() {
  while (true) {
    std::vector<Batch> batches;
    bool idle = false;
    {
      std::unique_lock lock(mutex_);
      if (!snapshot_) {
        idle = !wake_.wait_for(lock, std::chrono::milliseconds(kJournalKeepAliveMs),
                               [&] { return !queue_.empty() || SnapshotReady() || stopping_; });
      }
      if (idle) {
        if (failure_) continue;  // Nothing more to learn.
        lock.unlock();
        KeepAlive();
        continue;
      }
      if (SnapshotReady()) {
        snapshot_ = SnapshotInProgress{std::move(*queued_snapshot_)};
        snapshot_->job.info.chain_hash = *snapshot_chain_hash_;
        queued_snapshot_.reset();
      }
      // At a stop every record has been committed, so a queued snapshot is either being
      // written now or can never be (the journal failed).
      if (stopping_ && queue_.empty() && !snapshot_) return;
      batches = TakeBatches();
    }
    if (!batches.empty()) Commit(batches);
    if (snapshot_) WriteSnapshotChunk();
  }
}

void Journaler::Commit(std::vector<Batch>& batches) {
  if (failed()) return Fail(*failure(), batches);
  records_.clear();
  for (Batch& batch : batches) {
    for (store::JournalRecord& record : batch.records) records_.push_back(std::move(record));
  }
  if (!records_.empty()) {
    Status appended = writer_->Append(records_);
    if (!appended.ok()) return Fail(appended.error(), batches);
    last_contact_ = std::chrono::steady_clock::now();
  } else {
    KeepAlive();  // Batches without events (the engine's housekeeping ticks) come every second.
    if (failed()) return Fail(*failure(), batches);
  }
  size_t events = 0;
  for (Batch& batch : batches) {
    events += batch.events.size();
    feed_.Append(std::move(batch.events));
    for (Continuation& continuation : batch.continuations) {
      if (continuation) continuation(true);
    }
  }
  {
    std::lock_guard lock(mutex_);
    if (!records_.empty()) committed_ = {records_.back().seq, records_.back().hash};
    pending_events_ -= events;
    stats_.commits += records_.empty() ? 0 : 1;
    stats_.records += records_.size();
    stats_.largest_commit = std::max<uint64_t>(stats_.largest_commit, records_.size());
  }
  room_.notify_all();
}

void Journaler::Fail(const Error& error, std::vector<Batch>& batches) {
  size_t events = 0;
  {
    std::lock_guard lock(mutex_);
    if (!failure_) {
      failure_ = error;
      std::fprintf(stderr,
                   "creditline: the journal failed, so no more commands are accepted; restart "
                   "once the storage is fixed: %s\n",
                   error.message.c_str());
    }
  }
  for (Batch& batch : batches) {
    events += batch.events.size();
    for (Continuation& continuation : batch.continuations) {
      if (continuation) continuation(false);
    }
  }
  {
    std::lock_guard lock(mutex_);
    pending_events_ -= events;
  }
  room_.notify_all();
}

void Journaler::KeepAlive() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_contact_ < std::chrono::milliseconds(kJournalKeepAliveMs)) return;
  last_contact_ = now;
  Status alive = writer_->KeepAlive();
  if (alive.ok()) return;
  std::vector<Batch> none;
  Fail(alive.error(), none);
}

void Journaler::WriteSnapshotChunk() {
  SnapshotInProgress& snapshot = *snapshot_;
  Status status;
  if (snapshot.next_chunk == 0 && snapshot.written == 0) {
    store::SnapshotInfo& info = snapshot.job.info;
    info.bytes = snapshot.job.bytes.size();
    HashSink sink;
    sink.Bytes(snapshot.job.bytes.data(), snapshot.job.bytes.size());
    info.checksum = sink.Digest();
    status = failed() ? Status(*failure()) : writer_->BeginSnapshot(info);
  }
  const std::string& bytes = snapshot.job.bytes;
  bool last = false;
  if (status.ok()) {
    size_t take = std::min(kSnapshotChunkBytes, bytes.size() - snapshot.written);
    if (take > 0 || bytes.empty()) {
      status = writer_->AppendSnapshotChunk(snapshot.job.info.seq, snapshot.next_chunk++,
                                            std::string_view(bytes).substr(snapshot.written, take));
    }
    snapshot.written += take;
    last = snapshot.written == bytes.size();
  }
  if (status.ok() && last)
    status = writer_->CompleteSnapshot(snapshot.job.info.seq, keep_snapshots_);
  if (!status.ok()) {
    // A snapshot is an optimisation: the journal alone recovers everything, so a failed one
    // is reported and dropped, and later ones are still tried.
    std::fprintf(stderr, "creditline: snapshot at record %llu not written: %s\n",
                 static_cast<unsigned long long>(snapshot.job.info.seq),
                 status.error().message.c_str());
  }
  if (!status.ok() || last) {
    std::lock_guard lock(mutex_);
    if (status.ok()) {
      ++stats_.snapshots;
      stats_.last_snapshot_seq = snapshot.job.info.seq;
    }
    snapshot_.reset();
    snapshot_busy_ = false;
  }
  room_.notify_all();
}

}  // namespace creditline::service
