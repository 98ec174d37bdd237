// The engine: the one thread that owns the credit state and applies every command.
//
// I/O threads submit tasks to a bounded queue; the engine thread takes them in batches, stamps
// each batch with the time and the business date, runs the tasks against the state (commands
// append events; queries read), records the batch's events in the change feed (and, with a
// journal, makes them durable), and only then runs the tasks' continuations, which send the
// replies. A full queue refuses new tasks at once, so callers can answer 503 rather than let
// latency grow. Submit() is thread-safe; everything a task touches belongs to the engine thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/state.hpp"
#include "service/calendar.hpp"

namespace creditline::service {

// Tasks waiting beyond this are refused: a client gets a fast 503 instead of a slow answer.
inline constexpr size_t kEngineQueueDepthMax = 100'000;
// One batch takes at most this many tasks, bounding how long the first reply in it waits.
inline constexpr size_t kEngineBatchMax = 4'096;
// Housekeeping (reservation expiry) runs at least this often.
inline constexpr int64_t kEngineTickMs = 1'000;
// The change feed keeps this many recent events in memory.
inline constexpr size_t kEventFeedRetainedMax = 200'000;

struct Stamp {
  TimeMs time = 0;
  Date today;
};

// Recent events, oldest first, for GET /v1/events.
class EventFeed {
 public:
  void Append(std::vector<Event>&& events);
  // Events with seq > after, at most `limit`.
  std::vector<const Event*> After(uint64_t after, size_t limit) const;
  uint64_t first_seq() const { return events_.empty() ? 0 : events_.front().seq; }

 private:
  std::deque<Event> events_;
};

struct EngineContext {
  State& state;
  Stamp stamp;
  std::vector<Event>* events;  // Commands append the events they emit.
  const EventFeed& feed;
};

using Continuation = std::function<void()>;
using EngineTask = std::function<Continuation(EngineContext&)>;

class Engine {
 public:
  Engine(BusinessCalendar calendar, StateOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void Start();
  // Runs the tasks already queued, then stops the thread.
  void Stop();

  // False when the queue is full; the task was not taken.
  bool Submit(EngineTask task);
  size_t queue_depth() const;
  uint64_t events_applied() const;

 private:
  void Loop();
  void RunBatch(std::vector<EngineTask>& batch);
  void Housekeeping(EngineContext& context);
  Stamp NextStamp();

  BusinessCalendar calendar_;
  State state_;
  EventFeed feed_;
  TimeMs last_time_ = 0;
  TimeMs next_tick_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<EngineTask> queue_;
  bool stopping_ = false;
  uint64_t events_applied_ = 0;  // Guarded by mutex_ for readers on other threads.
  std::thread thread_;
};

}  // namespace creditline::service
