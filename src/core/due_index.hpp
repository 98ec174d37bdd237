// The open invoices of the whole portfolio in due-date order, for the overdue list.
//
// Keys are (due date, creation seq, slot): the most days past due first, then the order the
// invoices arrived in. A key never changes while its invoice is open, so a page that starts
// after a key (keyset paging) neither skips nor repeats an invoice that stayed open, however
// the list changed in between; the creation seq is the same after replay or snapshot decode.
// A count per due date answers "how many are overdue" without walking the invoices.
//
// Derived from State::invoices_: not journaled nor in snapshots, kept by Apply and rebuilt
// with the aggregates after a snapshot is decoded. Owned by State; not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "core/time.hpp"

namespace creditline {

struct DueKey {
  int32_t due_days = 0;      // Date::days of the due date.
  uint64_t created_seq = 0;  // The event that created the invoice.
  uint32_t slot = 0;         // Index into State::invoices_; ties only, never in a cursor.
  auto operator<=>(const DueKey&) const = default;
};

class DueIndex {
 public:
  void Add(const DueKey& key);
  void Remove(const DueKey& key);
  void Clear() { *this = DueIndex(); }
  size_t size() const { return keys_.size(); }

  // Open invoices due before `today`.
  uint64_t CountDueBefore(Date today) const;
  // Up to `limit` slots of invoices due before `today`, in key order, starting after the
  // position (due_days, created_seq); from the start when `after` is null. `*more` tells
  // whether any is left after the page.
  struct Position {
    int32_t due_days = 0;
    uint64_t created_seq = 0;
  };
  std::vector<DueKey> PageDueBefore(Date today, const Position* after, size_t limit,
                                    bool* more) const;

 private:
  absl::btree_set<DueKey> keys_;
  absl::btree_map<int32_t, uint64_t> count_by_day_;
};

}  // namespace creditline
