#include "service/engine.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "core/codec.hpp"
#include "core/snapshot.hpp"

namespace creditline::service {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MicrosecondsSince(Clock::time_point begin) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - begin).count();
}

bool WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t wrote = ::write(fd, p, size);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    p += wrote, size -= static_cast<size_t>(wrote);
  }
  return true;
}

bool ReadAll(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    ssize_t got = ::read(fd, p, size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got, size -= static_cast<size_t>(got);
  }
  return true;
}

// The forked child: it has a copy-on-write image of the whole process as of the fork, but only
// this thread. It hashes and encodes the state, sends [state hash][size][bytes] and exits
// without running any destructor or exit handler of the parent's objects. It dies with the
// parent, so it never outlives a killed server (nor holds its data-directory lock).
[[noreturn]] void RunSnapshotChild(const State& state, int fd, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(2);
  uint64_t header[2] = {state.StateHash(), 0};
  std::string bytes = EncodeSnapshot(state);
  header[1] = bytes.size();
  bool sent = WriteAll(fd, header, sizeof header) && WriteAll(fd, bytes.data(), bytes.size());
  ::_exit(sent ? 0 : 1);
}

Result<SnapshotJob> ReadSnapshotFromChild(pid_t pid, int fd) {
  SnapshotJob job;
  uint64_t header[2] = {0, 0};
  bool received = ReadAll(fd, header, sizeof header);
  // The size comes from our own child, but a broken pipe must not make us allocate wildly.
  if (received && header[1] < (uint64_t{1} << 40)) {
    job.bytes.resize(header[1]);
    received = ReadAll(fd, job.bytes.data(), job.bytes.size());
  }
  ::close(fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!received || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return MakeError(ErrorCode::kInternal,
                     "the snapshot process failed (status " + std::to_string(status) + ")");
  }
  job.info.state_hash = header[0];
  return job;
}

}  // namespace

EventFeed::EventFeed(std::unique_ptr<store::JournalReader> reader, uint64_t last_seq)
    : last_seq_(last_seq), reader_(std::move(reader)) {}

EventFeed::~EventFeed() = default;

void EventFeed::Append(std::vector<Event>&& events) {
  std::lock_guard lock(mutex_);
  for (Event& event : events) {
    last_seq_ = event.seq;
    events_.push_back(std::move(event));
  }
  while (events_.size() > kEventFeedRetainedMax) events_.pop_front();
}

uint64_t EventFeed::first_seq() const {
  std::lock_guard lock(mutex_);
  if (reader_ != nullptr && last_seq_ > 0) return 1;
  return events_.empty() ? 0 : events_.front().seq;
}

Result<std::vector<Event>> EventFeed::After(uint64_t after, size_t limit) const {
  std::vector<Event> page;
  {
    std::lock_guard lock(mutex_);
    uint64_t first = events_.empty() ? last_seq_ + 1 : events_.front().seq;
    if (after + 1 >= first || reader_ == nullptr) {
      size_t index = after < first ? 0 : static_cast<size_t>(after - first + 1);
      for (; index < events_.size() && page.size() < limit; ++index) page.push_back(events_[index]);
      return page;
    }
  }
  // Older than memory holds: read the journal. Only committed records are there, and the
  // feed publishes nothing before it is committed, so both sources agree.
  std::lock_guard lock(reader_mutex_);
  Status read = reader_->Scan(after, after + limit, [&](store::JournalRecord& record) -> Status {
    Result<Event> event = DecodeEvent(record.body);
    if (!event.ok()) {
      return MakeError(ErrorCode::kCorruptRecord, "journal record " + std::to_string(record.seq) +
                                                      ": " + event.error().message);
    }
    page.push_back(std::move(*event));
    return Status::Ok();
  });
  if (!read.ok()) return read.error();
  return page;
}

Result<std::vector<Event>> EventFeed::Get(const std::vector<uint64_t>& seqs) const {
  std::vector<Event> recent;
  std::vector<uint64_t> older;
  {
    std::lock_guard lock(mutex_);
    uint64_t first = events_.empty() ? last_seq_ + 1 : events_.front().seq;
    for (uint64_t seq : seqs) {
      if (seq > last_seq_) break;
      if (seq >= first) {
        recent.push_back(events_[static_cast<size_t>(seq - first)]);
      } else {
        older.push_back(seq);
      }
    }
  }
  if (older.empty()) return recent;
  if (reader_ == nullptr) {
    return MakeError(ErrorCode::kHistoryUnavailable,
                     "event " + std::to_string(older.front()) +
                         " is older than the events this server keeps in memory, and it keeps "
                         "no journal");
  }
  std::vector<Event> events;
  events.reserve(older.size() + recent.size());
  std::lock_guard lock(reader_mutex_);
  for (size_t begin = 0; begin < older.size();) {
    size_t end = begin + 1;
    while (end < older.size() && older[end] - older[end - 1] <= kHistoryScanGapMax) ++end;
    size_t next = begin;  // The next wanted seq in this run.
    Status read = reader_->Scan(
        older[begin] - 1, older[end - 1], [&](store::JournalRecord& record) -> Status {
          if (next == end || record.seq != older[next]) return Status::Ok();
          ++next;
          Result<Event> event = DecodeEvent(record.body);
          if (!event.ok()) {
            return MakeError(
                ErrorCode::kCorruptRecord,
                "journal record " + std::to_string(record.seq) + ": " + event.error().message);
          }
          events.push_back(std::move(*event));
          return Status::Ok();
        });
    if (!read.ok()) return read.error();
    if (next != end) {
      return MakeError(ErrorCode::kCorruptRecord,
                       "journal record " + std::to_string(older[next]) + " is missing");
    }
    begin = end;
  }
  for (Event& event : recent) events.push_back(std::move(event));
  return events;
}

Engine::Engine(BusinessCalendar calendar, State state, Durability durability)
    : calendar_(std::move(calendar)),
      state_(std::move(state)),
      feed_(std::move(durability.feed_reader), state_.last_seq()),
      standby_(durability.standby),
      last_seq_(state_.last_seq()),
      schedule_(durability.snapshots),
      keep_snapshots_(durability.keep_snapshots),
      monitor_(durability.monitor),
      last_snapshot_seq_(state_.last_seq()) {
  if (durability.writer == nullptr) return;
  assert(durability.tip.seq == state_.last_seq() && !durability.standby);
  journaler_ = std::make_unique<Journaler>(std::move(durability.writer), durability.tip, feed_,
                                           durability.keep_snapshots);
  active_journaler_ = journaler_.get();
}

Engine::~Engine() { Stop(); }

void Engine::Start() {
  if (journaler_ != nullptr) journaler_->Start();
  thread_ = std::thread([this] { Loop(); });
}

void Engine::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (!thread_.joinable()) return;
  thread_.join();
  if (journaler_ == nullptr) return;
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
  if (schedule_.on_stop) MaybeSnapshot(last_time_, true);
  journaler_->Stop();
}

std::optional<Error> Engine::failure() const {
  const Journaler* journaler = active_journaler_.load();
  return journaler != nullptr ? journaler->failure() : std::nullopt;
}

EngineStats Engine::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

bool Engine::Submit(EngineTask task) {
  const Journaler* journaler = active_journaler_.load();
  if (journaler != nullptr && journaler->failed()) return false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= kEngineQueueDepthMax) return false;
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

size_t Engine::queue_depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

uint64_t Engine::events_applied() const {
  std::lock_guard lock(mutex_);
  return events_applied_;
}

bool Engine::Follow(std::vector<Event>* events) {
  assert(standby_.load());
  auto shared = std::make_shared<std::vector<Event>>(std::move(*events));
  events->clear();
  bool taken = Submit([shared](EngineContext& context) -> Continuation {
    for (Event& event : *shared) {
      context.state.Apply(event);
      context.events->push_back(std::move(event));
    }
    return nullptr;
  });
  if (!taken) *events = std::move(*shared);
  return taken;
}

void Engine::Promote(std::unique_ptr<store::JournalWriter> writer, store::JournalTip tip,
                     TimeMs last_event_time) {
  {
    std::lock_guard lock(mutex_);
    assert(standby_.load() && !promotion_);
    promotion_ = Promotion{std::move(writer), tip, last_event_time};
  }
  wake_.notify_one();
}

void Engine::TakeOverIfPromoted() {
  std::optional<Promotion> promotion;
  {
    std::lock_guard lock(mutex_);
    promotion.swap(promotion_);
  }
  if (!promotion) return;
  assert(promotion->tip.seq == state_.last_seq());
  journaler_ = std::make_unique<Journaler>(std::move(promotion->writer), promotion->tip, feed_,
                                           keep_snapshots_);
  journaler_->Start();
  last_time_ = std::max(last_time_, promotion->last_event_time);
  last_snapshot_seq_ = state_.last_seq();
  last_snapshot_time_ = 0;
  active_journaler_ = journaler_.get();
  standby_ = false;
}

Stamp Engine::NextStamp() {
  // Event times never go backwards, even if the system clock does.
  last_time_ = std::max(last_time_, SystemNowMs());
  return Stamp{last_time_, calendar_.Today(last_time_)};
}

void Engine::Loop() {
  std::vector<EngineTask> batch;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(kEngineTickMs),
                     [&] { return stopping_ || !queue_.empty() || promotion_; });
      if (stopping_ && queue_.empty()) break;
      size_t take = std::min(queue_.size(), kEngineBatchMax);
      for (size_t i = 0; i < take; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    TakeOverIfPromoted();
    RunBatch(batch);
    batch.clear();
  }
  // A forked snapshot's child dies with the thread that forked it (PR_SET_PDEATHSIG), which is
  // this one: wait for its result before leaving, or a stop right after a fork would lose it.
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
}

void Engine::RunBatch(std::vector<EngineTask>& batch) {
  std::vector<Event> events;
  std::vector<Continuation> continuations;
  continuations.reserve(batch.size());
  EngineContext context{state_, NextStamp(), &events, standby_.load()};
  if (context.stamp.time >= next_tick_ && !context.standby) Housekeeping(context);
  for (EngineTask& task : batch) continuations.push_back(task(context));
  {
    std::lock_guard lock(mutex_);
    events_applied_ += events.size();
  }
  last_seq_ = state_.last_seq();
  if (journaler_ != nullptr) {
    journaler_->Submit(std::move(events), std::move(continuations));
    MaybeSnapshot(context.stamp.time, false);
    return;
  }
  feed_.Append(std::move(events));
  for (Continuation& continuation : continuations) {
    if (continuation) continuation(true);
  }
}

void Engine::MaybeSnapshot(TimeMs now, bool force) {
  uint64_t seq = state_.last_seq();
  if (last_snapshot_time_ == 0) last_snapshot_time_ = now;  // The schedule starts now.
  if (seq == last_snapshot_seq_ || journaler_->failed()) return;
  if (force) journaler_->WaitForSnapshotSlot();
  bool due = force ||
             (schedule_.every_events > 0 && seq - last_snapshot_seq_ >= schedule_.every_events) ||
             (schedule_.every_ms > 0 && now - last_snapshot_time_ >= schedule_.every_ms);
  // While the previous snapshot is still in progress, this one is tried after the next batch.
  if (!due || !journaler_->ReserveSnapshot(seq)) return;
  last_snapshot_seq_ = seq;
  last_snapshot_time_ = now;
  if (!force) return ForkSnapshot(seq, now);
  Clock::time_point begin = Clock::now();
  SnapshotJob job{{seq, now, state_.StateHash()}, EncodeSnapshot(state_)};
  size_t bytes = job.bytes.size();
  journaler_->SubmitSnapshot(std::move(job));
  RecordSnapshot(bytes, true);
  std::lock_guard lock(mutex_);
  stats_.closing_snapshot_us = MicrosecondsSince(begin);
}

void Engine::ForkSnapshot(uint64_t seq, TimeMs now) {
  if (snapshot_thread_.joinable()) snapshot_thread_.join();  // Done: the slot was free.
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "creditline: snapshot not taken: pipe: %s\n", std::strerror(errno));
    RecordSnapshot(0, false);
    return journaler_->AbandonSnapshot();
  }
  Clock::time_point begin = Clock::now();
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    RunSnapshotChild(state_, fds[1], parent);
  }
  int64_t pause_us = MicrosecondsSince(begin);
  ::close(fds[1]);
  if (pid < 0) {
    std::fprintf(stderr, "creditline: snapshot not taken: fork: %s\n", std::strerror(errno));
    ::close(fds[0]);
    RecordSnapshot(0, false);
    return journaler_->AbandonSnapshot();
  }
  RecordPause(pause_us);
  snapshot_thread_ =
      std::thread([this, pid, fd = fds[0], seq, now] { ReceiveSnapshot(pid, fd, seq, now); });
}

void Engine::ReceiveSnapshot(int pid, int fd, uint64_t seq, TimeMs now) {
  Result<SnapshotJob> job = ReadSnapshotFromChild(pid, fd);
  if (!job.ok()) {
    std::fprintf(stderr, "creditline: snapshot at record %llu not taken: %s\n",
                 static_cast<unsigned long long>(seq), job.error().message.c_str());
    RecordSnapshot(0, false);
    return journaler_->AbandonSnapshot();
  }
  job->info.seq = seq;
  job->info.taken_at = now;
  size_t bytes = job->bytes.size();
  journaler_->SubmitSnapshot(std::move(*job));
  RecordSnapshot(bytes, true);
}

void Engine::RecordSnapshot(uint64_t bytes, bool ok) {
  std::lock_guard lock(mutex_);
  if (!ok) {
    ++stats_.snapshots_failed;
    return;
  }
  ++stats_.snapshots_taken;
  stats_.last_snapshot_bytes = bytes;
}

void Engine::RecordPause(int64_t pause_us) {
  std::lock_guard lock(mutex_);
  stats_.last_snapshot_pause_us = pause_us;
  stats_.max_snapshot_pause_us = std::max(stats_.max_snapshot_pause_us, pause_us);
}

void Engine::Housekeeping(EngineContext& context) {
  next_tick_ = context.stamp.time + kEngineTickMs;
  std::optional<TimeMs> next_expiry = state_.NextExpiry();
  if (next_expiry && *next_expiry <= context.stamp.time) {
    Envelope envelope{"", "system:expiry", context.stamp.time, context.stamp.today};
    // An expiry sweep cannot fail; a failure here would be a programmer error.
    Result<CommandResult> result = state_.Execute(envelope, ExpireReservations{}, context.events);
    assert(result.ok());
    (void)result;
  }
  if (!monitor_ || !state_.MonitorDue(context.stamp.time, context.stamp.today)) return;
  // The time-based alert rules: the scan is decided here, with the time, and journaled.
  Envelope envelope{"", "system:monitor", context.stamp.time, context.stamp.today};
  Result<CommandResult> result = state_.Execute(envelope, RunMonitor{}, context.events);
  assert(result.ok());
  (void)result;
}

}  // namespace creditline::service
