// StableVector: a growable array of slots whose items never move once made.
//
// Items live in chunks of a fixed count, so growing allocates one more chunk instead of copying
// every item to a buffer twice the size. State keeps its orders and invoices in these: with a
// million open orders a doubling copied some 350 MB in the middle of one engine batch (and
// touched as many fresh pages), stalling every reply behind it. Indexing is a shift, a mask and
// one more load than a vector. Value type; not thread-safe.
#pragma once

#include <cassert>
#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

namespace creditline {

template <class T>
class StableVector {
 public:
  using value_type = T;
  // Items per chunk, a power of two: large enough that chunk allocations are rare and the
  // chunk table stays small, small enough that an idle table holds little unused memory.
  static constexpr size_t kChunkItemsLog2 = 10;
  static constexpr size_t kChunkItems = size_t{1} << kChunkItemsLog2;

  StableVector() = default;
  StableVector(StableVector&&) noexcept = default;
  StableVector& operator=(StableVector&&) noexcept = default;
  // A copy's chunks are reserved whole too, so that its items never move either.
  StableVector(const StableVector& other) : size_(other.size_) {
    chunks_.reserve(other.chunks_.size());
    for (const std::vector<T>& chunk : other.chunks_) {
      std::vector<T>& copy = chunks_.emplace_back();
      copy.reserve(kChunkItems);
      copy.insert(copy.end(), chunk.begin(), chunk.end());
    }
  }
  StableVector& operator=(const StableVector& other) {
    if (this != &other) *this = StableVector(other);
    return *this;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  T& operator[](size_t i) {
    assert(i < size_);
    return chunks_[i >> kChunkItemsLog2][i & (kChunkItems - 1)];
  }
  const T& operator[](size_t i) const {
    assert(i < size_);
    return chunks_[i >> kChunkItemsLog2][i & (kChunkItems - 1)];
  }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

  T& emplace_back() {
    if (size_ == chunks_.size() * kChunkItems) {
      // Reserved whole, so the chunk never reallocates and its items never move.
      chunks_.emplace_back().reserve(kChunkItems);
    }
    ++size_;
    return chunks_.back().emplace_back();
  }
  void push_back(T item) { emplace_back() = std::move(item); }
  void pop_back() {
    assert(size_ > 0);
    chunks_.back().pop_back();
    --size_;
    if (chunks_.back().empty()) chunks_.pop_back();
  }
  void clear() {
    chunks_.clear();
    size_ = 0;
  }
  // Makes room for the chunk table only: the chunks come as items are added.
  void reserve(size_t items) { chunks_.reserve((items + kChunkItems - 1) / kChunkItems); }

  // Walks the items in slot order.
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;
    const_iterator() = default;
    const_iterator(const StableVector* items, size_t index) : items_(items), index_(index) {}
    const T& operator*() const { return (*items_)[index_]; }
    const T* operator->() const { return &(*items_)[index_]; }
    const_iterator& operator++() {
      ++index_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++index_;
      return before;
    }
    bool operator==(const const_iterator& other) const { return index_ == other.index_; }

   private:
    const StableVector* items_ = nullptr;
    size_t index_ = 0;
  };
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size_); }

  bool operator==(const StableVector& other) const {
    return size_ == other.size_ && chunks_ == other.chunks_;
  }

 private:
  std::vector<std::vector<T>> chunks_;  // Each holds kChunkItems items, but the last.
  size_t size_ = 0;
};

}  // namespace creditline
