// The projector: keeps the SQL projection for BI tools (store/projection.hpp) current.
//
// It follows the journal in the store on its own, like a standby: it recovers its own copy of
// the credit state, rewrites the projection in full once (tables replaced in one transaction,
// decisions since the projection's last record added from the journal), and then, for every
// batch of records committed since, applies them to its copy and writes only the rows they
// touched, with the record it reached, in one transaction. So the tables are never ahead of the
// journal and never show half a batch. A record names what it touches in its fields (accounts,
// customers, orders, invoices), which holds for every event type, present and future.
//
// Of several servers on one database, the one holding the projection lease writes; the others
// wait for it. The copy of the state costs as much memory as the server's own.
// Start()/Stop() and the accessors are thread-safe; SyncOnce() is for one thread at a time.
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

#include "core/state.hpp"
#include "service/calendar.hpp"
#include "store/chain.hpp"
#include "store/projection.hpp"
#include "store/store.hpp"

namespace creditline::service {

// How often the projector looks for new records: the projection's lag behind the journal.
inline constexpr int64_t kProjectorFollowMs = 500;
// Records applied and written per projection transaction while catching up.
inline constexpr uint64_t kProjectorRecordsPerWrite = 20'000;
// Customers read per page during a full rewrite.
inline constexpr size_t kProjectorCustomersPerPage = 1'000;

class Projector {
 public:
  using Log = std::function<void(const std::string& line)>;
  Projector(store::Store& store, BusinessCalendar calendar, Log log);
  ~Projector();
  Projector(const Projector&) = delete;
  Projector& operator=(const Projector&) = delete;

  void Start();
  void Stop();

  // One round: takes the lease and rewrites the projection if not done yet, then writes
  // everything committed since. OK while another server holds the lease (nothing done).
  Status SyncOnce(TimeMs now);
  // The last record the projection reflects; 0 before the first write.
  uint64_t projected_seq() const { return projected_seq_.load(); }
  bool holds_lease() const { return holds_lease_.load(); }

 private:
  // Keys a batch of records touched, gathered before they apply (an order's account is known
  // only while the order is open).
  struct Touched;

  void Loop();
  Status Open(Date today);
  Status Follow(Date today);
  // The whole current state as rows, for a full rewrite.
  void AddEverything(Date today, store::ProjectionChanges* changes) const;
  void Collect(const Event& event, Date today, Touched* touched,
               store::ProjectionChanges* changes) const;
  void AddTouched(const Touched& touched, Date today, store::ProjectionChanges* changes) const;
  void Reset();

  store::Store& store_;
  BusinessCalendar calendar_;
  Log log_;
  std::unique_ptr<store::ProjectionWriter> writer_;
  std::unique_ptr<store::JournalReader> reader_;
  std::optional<State> state_;
  std::optional<store::ChainChecker> checker_;
  Date business_date_;
  std::string last_error_;  // Logged once until it changes.

  std::atomic<uint64_t> projected_seq_{0};
  std::atomic<bool> holds_lease_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// The rows of the projection for one event's decision, if it carries one (an order, an order
// change, a release or a rejection). `account` is the order's account.
std::optional<store::DecisionRow> DecisionRowOf(const Event& event, const AccountRef& account);

}  // namespace creditline::service
