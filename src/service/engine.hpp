// The engine: the one thread that owns the credit state and applies every command.
//
// I/O threads submit tasks to a bounded queue; the engine thread takes them in batches, stamps
// each batch with the time and the business date and runs the tasks against the state
// (commands append events; queries read). Without a journal it then records the batch's events
// in the change feed and runs the tasks' continuations, which send the replies. With a journal
// it hands events and continuations to the Journaler, which runs the continuations once the
// events are durable, while the engine goes on with the next batch. A full queue refuses new
// tasks at once, so callers can answer 503 rather than let latency grow.
//
// With a journal the engine also takes snapshots, every so many events or seconds: between two
// batches it forks the process, and the child, holding a copy-on-write image of the state as
// of that moment, hashes and encodes it and sends the bytes back through a pipe, while the
// engine goes on at once; the pause is the fork. A receiving thread hands the bytes to the
// Journaler. When the engine stops, it encodes the state in process (nothing is waiting). Submit()
// and the accessors are thread-safe; everything a task touches belongs to the engine thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/state.hpp"
#include "service/calendar.hpp"
#include "service/journaler.hpp"
#include "store/store.hpp"

namespace creditline::service {

// Tasks waiting beyond this are refused: a client gets a fast 503 instead of a slow answer.
inline constexpr size_t kEngineQueueDepthMax = 100'000;
// One batch takes at most this many tasks, bounding how long the first reply in it waits.
inline constexpr size_t kEngineBatchMax = 4'096;
// Housekeeping (reservation expiry, time-based alert rules) runs at least this often.
inline constexpr int64_t kEngineTickMs = 1'000;
// The change feed keeps this many recent events in memory.
inline constexpr size_t kEventFeedRetainedMax = 200'000;
// Reading a history from the journal, wanted seqs at most this far apart are read in one scan
// (reading a few unwanted records is cheaper than another query).
inline constexpr uint64_t kHistoryScanGapMax = 32;

struct Stamp {
  TimeMs time = 0;
  Date today;
};

// The change feed for GET /v1/events: recent committed events in memory, and with a journal
// every older one read back from it. Thread-safe.
class EventFeed {
 public:
  // Older events are read through `reader` (may be null: memory only), up to `last_seq`, the
  // journal's last record when the feed starts.
  explicit EventFeed(std::unique_ptr<store::JournalReader> reader = nullptr, uint64_t last_seq = 0);
  ~EventFeed();
  void Append(std::vector<Event>&& events);
  // Events with seq > after, at most `limit`, oldest first.
  Result<std::vector<Event>> After(uint64_t after, size_t limit) const;
  // The oldest event the feed can return; 0 when it has none.
  uint64_t first_seq() const;
  // The events with these seqs (ascending), for one account's or customer's history: recent
  // ones from memory, older ones from the journal, reading runs of nearby seqs together. Seqs
  // not yet committed are left out. kHistoryUnavailable when an older event is wanted and the
  // feed has no journal.
  Result<std::vector<Event>> Get(const std::vector<uint64_t>& seqs) const;

 private:
  mutable std::mutex mutex_;
  std::deque<Event> events_;
  uint64_t last_seq_ = 0;
  mutable std::mutex reader_mutex_;
  std::unique_ptr<store::JournalReader> reader_;
};

struct EngineContext {
  State& state;
  Stamp stamp;
  std::vector<Event>* events;  // Commands append the events they emit.
  bool standby = false;        // A standby runs no commands: its state follows the journal.
};

using EngineTask = std::function<Continuation(EngineContext&)>;

struct SnapshotSchedule {
  uint64_t every_events = 1'000'000;  // 0: never by count.
  int64_t every_ms = 3'600'000;       // 0: never by time.
  bool on_stop = true;
};

// What makes the engine durable; without a writer it keeps the state in memory only.
struct Durability {
  std::unique_ptr<store::JournalWriter> writer;
  store::JournalTip tip;                              // The journal's last record.
  std::unique_ptr<store::JournalReader> feed_reader;  // Serves the change feed's older events.
  SnapshotSchedule snapshots;
  size_t keep_snapshots = 3;
  // Without a writer: the state follows a journal another server writes (Follow) until
  // Promote(); commands are refused meanwhile.
  bool standby = false;
  // Runs the time-based alert rules from the housekeeping tick (RunMonitor); the server turns
  // it on, embedded engines and tests that count events leave it off.
  bool monitor = false;
};

struct EngineStats {
  uint64_t snapshots_taken = 0, snapshots_failed = 0;
  // The engine's pause for a snapshot while serving (the fork), last and longest.
  int64_t last_snapshot_pause_us = 0, max_snapshot_pause_us = 0;
  int64_t closing_snapshot_us = 0;  // Encoding the closing snapshot at a stop.
  uint64_t last_snapshot_bytes = 0;
};

class Engine {
 public:
  // `state` is the recovered state (or a fresh one). With a journal writer every batch is made
  // durable before its replies, and snapshots follow the schedule.
  // REQUIRES: durability.tip.seq == state.last_seq() when there is a writer.
  Engine(BusinessCalendar calendar, State state = State(), Durability durability = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void Start();
  // Runs the tasks already queued, takes the closing snapshot, waits for the journaler to
  // commit everything, then stops.
  void Stop();

  // False when the queue is full or the journal has failed (see failure()); the task was not
  // taken.
  bool Submit(EngineTask task);
  size_t queue_depth() const;
  uint64_t events_applied() const;
  // Why the engine takes no more work: the journal failed. Nothing when healthy.
  std::optional<Error> failure() const;
  EventFeed& feed() { return feed_; }
  EngineStats stats() const;
  // The journaler, or null when the state is kept in memory only (or on a standby).
  const Journaler* journaler() const { return active_journaler_.load(); }

  // On a standby: applies events read from the journal, in order, after those before; they go
  // to the change feed as they apply. Takes the events (leaving *events empty), or returns
  // false when the queue is full and leaves them.
  // REQUIRES: the first event continues the events followed before.
  bool Follow(std::vector<Event>* events);
  // The seq of the last event applied (by a command, or followed on a standby).
  uint64_t last_seq() const { return last_seq_.load(); }
  bool standby() const { return standby_.load(); }
  // Makes a standby the active server: from the next batch on, commands run and are journaled
  // through `writer`, which continues the journal after `tip`, and snapshots follow the
  // schedule. `last_event_time` keeps event times from going backwards after a clock change
  // between the two servers. REQUIRES: standby() and last_seq() == tip.seq.
  void Promote(std::unique_ptr<store::JournalWriter> writer, store::JournalTip tip,
               TimeMs last_event_time);

 private:
  void Loop();
  void RunBatch(std::vector<EngineTask>& batch);
  void Housekeeping(EngineContext& context);
  void MaybeSnapshot(TimeMs now, bool force);
  // Carries out a pending Promote() between two batches.
  void TakeOverIfPromoted();
  // The periodic snapshot: forks; the child encodes, snapshot_thread_ receives.
  void ForkSnapshot(uint64_t seq, TimeMs now);
  void ReceiveSnapshot(int pid, int fd, uint64_t seq, TimeMs now);
  void RecordSnapshot(uint64_t bytes, bool ok);
  void RecordPause(int64_t pause_us);
  Stamp NextStamp();

  BusinessCalendar calendar_;
  State state_;
  EventFeed feed_;
  std::unique_ptr<Journaler> journaler_;  // Used on the engine thread, and after it stopped.
  std::atomic<Journaler*> active_journaler_{nullptr};  // The same, for other threads.
  std::atomic<bool> standby_{false};
  std::atomic<uint64_t> last_seq_{0};
  SnapshotSchedule schedule_;
  size_t keep_snapshots_ = 3;
  bool monitor_ = false;
  uint64_t last_snapshot_seq_ = 0;
  TimeMs last_snapshot_time_ = 0;
  TimeMs last_time_ = 0;
  TimeMs next_tick_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<EngineTask> queue_;
  struct Promotion {
    std::unique_ptr<store::JournalWriter> writer;
    store::JournalTip tip;
    TimeMs last_event_time = 0;
  };
  std::optional<Promotion> promotion_;  // Guarded by mutex_.
  bool stopping_ = false;
  uint64_t events_applied_ = 0;  // Guarded by mutex_ for readers on other threads.
  EngineStats stats_;            // Guarded by mutex_.
  std::thread thread_;
  std::thread snapshot_thread_;
};

}  // namespace creditline::service
