// The standby: the second server on a shared store (PostgreSQL). It follows the journal that the
// active server writes, applying each committed record to its own engine (which answers
// read-only queries meanwhile), and keeps trying for the store's writer lease. When the active
// server dies, its database session ends and with it the lease; the standby takes the lease,
// reads the journal to its end (everything the old server had committed, and so everything it
// ever acknowledged), and promotes its engine to the active one, which continues the journal.
//
// The standby checks the hash chain of every record it follows, exactly as recovery does; a
// record that does not check out stops the following (the state is never built from a bad
// record) and is reported by failure(). Start(), Stop() and the accessors are thread-safe; the
// work runs on one thread of its own.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "service/engine.hpp"
#include "store/chain.hpp"
#include "store/store.hpp"

namespace creditline::service {

// How often the standby reads what the active server committed: the lag of its reads.
inline constexpr int64_t kStandbyFollowMs = 100;
// How often it tries for the writer lease: with the database's noticing a dead server at once
// (its connection closes), the takeover comes within about this time plus the last catch-up.
inline constexpr int64_t kStandbyLeaseTryMs = 500;
// Events handed to the engine in one task while following: large enough to catch up fast,
// small enough that queries are not held up behind one task for long.
inline constexpr size_t kStandbyEventsPerTask = 4'096;
// Journal records read per scan: one read transaction does not stay open for long.
inline constexpr uint64_t kStandbyRecordsPerScan = 65'536;
// The wait before handing events over again when the engine's queue is full.
inline constexpr int64_t kStandbyQueueFullPauseMs = 10;

class Standby {
 public:
  using Log = std::function<void(const std::string& line)>;
  // `tip` is the last record of the journal the engine's state was recovered from.
  // REQUIRES: engine.standby() and engine.last_seq() == tip.seq; store.shared().
  Standby(store::Store& store, std::unique_ptr<store::JournalReader> reader, Engine& engine,
          store::JournalTip tip, Log log);
  ~Standby();
  Standby(const Standby&) = delete;
  Standby& operator=(const Standby&) = delete;

  void Start();
  void Stop();

  bool promoted() const { return promoted_.load(); }
  // The last journal record handed to the engine.
  uint64_t followed_seq() const { return followed_seq_.load(); }
  // Why following stopped (a record that does not check out); nothing while healthy.
  std::optional<Error> failure() const;

 private:
  void Loop();
  // With the lease taken: reads to the journal's end and promotes the engine. False when the
  // journal could not be read to its end (the writer is closed again, and so the lease).
  bool TakeOver(std::unique_ptr<store::JournalWriter> writer);
  // Reads every record committed after the last one followed and hands them to the engine.
  // A record that does not check out is a failure (kCorruptRecord, kept in failure()); a
  // database error is returned and the next call connects again.
  Status CatchUp();
  // Hands the events to the engine and clears them.
  Status HandOver(std::vector<Event>& events);
  bool failed() const;
  void LogStoreError(const char* what, const Error& error);
  // Waits until the engine has applied everything handed over (or Stop()).
  bool WaitApplied();
  // Sleeps `ms` or until Stop(); false when stopping.
  bool Pause(int64_t ms);

  store::Store& store_;
  std::unique_ptr<store::JournalReader> reader_;
  Engine& engine_;
  store::ChainChecker checker_;
  TimeMs last_event_time_ = 0;
  Log log_;
  std::string last_store_error_;  // Logged once until it changes.

  std::atomic<bool> promoted_{false};
  std::atomic<uint64_t> followed_seq_{0};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::optional<Error> failure_;
  std::thread thread_;
};

}  // namespace creditline::service
