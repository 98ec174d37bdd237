#include "service/engine.hpp"

#include <algorithm>
#include <chrono>

namespace creditline::service {

void EventFeed::Append(std::vector<Event>&& events) {
  for (Event& event : events) events_.push_back(std::move(event));
  while (events_.size() > kEventFeedRetainedMax) events_.pop_front();
}

std::vector<const Event*> EventFeed::After(uint64_t after, size_t limit) const {
  std::vector<const Event*> page;
  if (events_.empty()) return page;
  uint64_t first = events_.front().seq;
  size_t index = after < first ? 0 : static_cast<size_t>(after - first + 1);
  for (; index < events_.size() && page.size() < limit; ++index) page.push_back(&events_[index]);
  return page;
}

Engine::Engine(BusinessCalendar calendar, StateOptions options)
    : calendar_(std::move(calendar)), state_(options) {}

Engine::~Engine() { Stop(); }

void Engine::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Engine::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

bool Engine::Submit(EngineTask task) {
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
                     [&] { return stopping_ || !queue_.empty(); });
      if (stopping_ && queue_.empty()) return;
      size_t take = std::min(queue_.size(), kEngineBatchMax);
      for (size_t i = 0; i < take; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunBatch(batch);
    batch.clear();
  }
}

void Engine::RunBatch(std::vector<EngineTask>& batch) {
  std::vector<Event> events;
  std::vector<Continuation> continuations;
  continuations.reserve(batch.size());
  EngineContext context{state_, NextStamp(), &events, feed_};
  if (context.stamp.time >= next_tick_) Housekeeping(context);
  for (EngineTask& task : batch) continuations.push_back(task(context));
  {
    std::lock_guard lock(mutex_);
    events_applied_ += events.size();
  }
  feed_.Append(std::move(events));
  for (Continuation& continuation : continuations) {
    if (continuation) continuation();
  }
}

void Engine::Housekeeping(EngineContext& context) {
  next_tick_ = context.stamp.time + kEngineTickMs;
  std::optional<TimeMs> next_expiry = state_.NextExpiry();
  if (!next_expiry || *next_expiry > context.stamp.time) return;
  Envelope envelope{"", "system:expiry", context.stamp.time, context.stamp.today};
  // An expiry sweep cannot fail; a failure here would be a programmer error.
  Result<CommandResult> result = state_.Execute(envelope, ExpireReservations{}, context.events);
  assert(result.ok());
  (void)result;
}

}  // namespace creditline::service
