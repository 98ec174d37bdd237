#include "core/due_index.hpp"

#include <cassert>
#include <limits>

namespace creditline {

void DueIndex::Add(const DueKey& key) {
  bool inserted = keys_.insert(key).second;
  assert(inserted);
  (void)inserted;
  ++count_by_day_[key.due_days];
}

void DueIndex::Remove(const DueKey& key) {
  size_t erased = keys_.erase(key);
  assert(erased == 1);
  (void)erased;
  auto day = count_by_day_.find(key.due_days);
  assert(day != count_by_day_.end() && day->second > 0);
  if (--day->second == 0) count_by_day_.erase(day);
}

uint64_t DueIndex::CountDueBefore(Date today) const {
  uint64_t count = 0;
  for (auto day = count_by_day_.begin(); day != count_by_day_.end() && day->first < today.days;
       ++day) {
    count += day->second;
  }
  return count;
}

std::vector<DueKey> DueIndex::PageDueBefore(Date today, const Position* after, size_t limit,
                                            bool* more) const {
  std::vector<DueKey> page;
  auto it = after == nullptr ? keys_.begin()
                             : keys_.upper_bound(DueKey{after->due_days, after->created_seq,
                                                        std::numeric_limits<uint32_t>::max()});
  for (; it != keys_.end() && it->due_days < today.days; ++it) {
    if (page.size() == limit) break;
    page.push_back(*it);
  }
  *more = it != keys_.end() && it->due_days < today.days;
  return page;
}

}  // namespace creditline
