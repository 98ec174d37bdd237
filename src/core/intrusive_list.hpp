// Doubly linked lists threaded through slab entries by index (internal to core::State).
//
// Orders and invoices sit in slabs (StableVector); an account's open items and the hold queue are lists of
// slot indexes linked through ListLinks members, so insertion and removal are O(1) and need no
// allocation. Not thread-safe.
#pragma once

#include <cassert>
#include <vector>

#include "core/state.hpp"

namespace creditline {

template <class Items, class T>
void ListInsertBefore(Items& items, ListEnds& ends, ListLinks T::*links, uint32_t before,
                      uint32_t slot) {
  ListLinks& node = items[slot].*links;
  node.next = before;
  node.previous = before == kNone ? ends.last : (items[before].*links).previous;
  if (node.previous == kNone) {
    ends.first = slot;
  } else {
    (items[node.previous].*links).next = slot;
  }
  if (before == kNone) {
    ends.last = slot;
  } else {
    (items[before].*links).previous = slot;
  }
}

template <class Items, class T>
void ListPushBack(Items& items, ListEnds& ends, ListLinks T::*links, uint32_t slot) {
  ListInsertBefore(items, ends, links, kNone, slot);
}

template <class Items, class T>
void ListRemove(Items& items, ListEnds& ends, ListLinks T::*links, uint32_t slot) {
  ListLinks& node = items[slot].*links;
  if (node.previous == kNone) {
    assert(ends.first == slot);
    ends.first = node.next;
  } else {
    (items[node.previous].*links).next = node.next;
  }
  if (node.next == kNone) {
    assert(ends.last == slot);
    ends.last = node.previous;
  } else {
    (items[node.next].*links).previous = node.previous;
  }
  node = ListLinks{};
}

}  // namespace creditline
