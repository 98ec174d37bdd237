#include "service/standby.hpp"

#include <cassert>
#include <chrono>
#include <utility>
#include <vector>

namespace creditline::service {

using Clock = std::chrono::steady_clock;

Standby::Standby(store::Store& store, std::unique_ptr<store::JournalReader> reader, Engine& engine,
                 store::JournalTip tip, Log log)
    : store_(store),
      reader_(std::move(reader)),
      engine_(engine),
      checker_(tip),
      log_(std::move(log)),
      followed_seq_(tip.seq) {
  assert(engine_.standby() && engine_.last_seq() == tip.seq && store_.shared());
}

Standby::~Standby() { Stop(); }

void Standby::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Standby::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<Error> Standby::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

bool Standby::Pause(int64_t ms) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_; });
}

void Standby::Loop() {
  Clock::time_point next_try = Clock::now();
  while (true) {
    if (Clock::now() >= next_try) {
      next_try = Clock::now() + std::chrono::milliseconds(kStandbyLeaseTryMs);
      Result<std::unique_ptr<store::JournalWriter>> writer = store_.OpenWriter();
      if (writer.ok()) {
        if (TakeOver(std::move(*writer))) return;
      } else if (writer.error().code != ErrorCode::kWriterLeaseHeld) {
        LogStoreError("cannot try for the writer lease", writer.error());
      }
    }
    Status followed = CatchUp();
    if (!followed.ok() && !failed()) LogStoreError("cannot read the journal", followed.error());
    if (failed() || !Pause(kStandbyFollowMs)) break;
  }
  if (std::optional<Error> failure = this->failure()) {
    log_("standby: stopped following the journal: " + failure->message);
  }
}

bool Standby::TakeOver(std::unique_ptr<store::JournalWriter> writer) {
  // The lease is ours, so the old writer's session has ended: everything it committed is
  // visible now, and nothing more can come from it. Reading to the end is required; if it
  // fails, the lease goes back (the writer closes) and the next try starts over.
  Clock::time_point begin = Clock::now();
  Status caught_up = CatchUp();
  if (!caught_up.ok()) {
    LogStoreError("cannot read the journal to its end after taking the lease", caught_up.error());
    return false;
  }
  if (!WaitApplied()) return true;  // Stopping.
  engine_.Promote(std::move(writer), checker_.tip(), last_event_time_);
  promoted_ = true;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - begin).count();
  log_("took over as the active server: the journal continues after record " +
       std::to_string(checker_.tip().seq) + " (final catch-up " + std::to_string(ms) + " ms)");
  return true;
}

void Standby::LogStoreError(const char* what, const Error& error) {
  if (error.message == last_store_error_) return;
  last_store_error_ = error.message;
  log_(std::string("standby: ") + what + ": " + error.message);
}

bool Standby::failed() const {
  std::lock_guard lock(mutex_);
  return failure_.has_value();
}

Status Standby::CatchUp() {
  if (failed()) return MakeError(ErrorCode::kCorruptRecord, failure()->message);
  if (reader_ == nullptr) {
    // The connection broke earlier (a database restart, say): connect again.
    CL_ASSIGN_OR_RETURN(reader_, store_.OpenReader());
  }
  Result<store::JournalTip> tip = reader_->Tip();
  if (!tip.ok()) {
    reader_.reset();
    return tip.error();
  }
  std::vector<Event> events;
  while (checker_.tip().seq < tip->seq) {
    uint64_t after = checker_.tip().seq;
    uint64_t through = std::min(tip->seq, after + kStandbyRecordsPerScan);
    Status checked = Status::Ok();
    Status scanned = reader_->Scan(after, through, [&](store::JournalRecord& record) -> Status {
      Result<Event> event = checker_.CheckAndDecode(record);
      if (!event.ok()) {
        checked = event.error();
        return checked;
      }
      last_event_time_ = event->time;
      events.push_back(std::move(*event));
      return events.size() < kStandbyEventsPerTask ? Status::Ok() : HandOver(events);
    });
    // What checked out is handed over even when the scan broke off after it.
    Status handed = HandOver(events);
    if (!handed.ok()) return handed;
    if (checker_.tip().seq == after && scanned.ok()) {
      checked = MakeError(ErrorCode::kCorruptRecord,
                          "journal record " + std::to_string(after + 1) + " is missing");
    }
    if (!checked.ok()) {
      std::lock_guard lock(mutex_);
      failure_ = checked.error();
      return checked;
    }
    if (!scanned.ok()) {
      reader_.reset();
      return scanned;
    }
  }
  return Status::Ok();
}

Status Standby::HandOver(std::vector<Event>& events) {
  if (events.empty()) return Status::Ok();
  uint64_t last = events.back().seq;
  // A full queue is backpressure from queries: wait, the journal will not go away.
  while (!engine_.Follow(&events)) {
    if (!Pause(kStandbyQueueFullPauseMs)) {
      return MakeError(ErrorCode::kInternal, "the standby is stopping");
    }
  }
  followed_seq_ = last;
  return Status::Ok();
}

bool Standby::WaitApplied() {
  while (engine_.last_seq() < followed_seq_.load()) {
    if (!Pause(1)) return false;
  }
  return true;
}

}  // namespace creditline::service
