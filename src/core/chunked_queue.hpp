// A FIFO queue stored in fixed chunks of items whose addresses never change while the item is
// in the queue, with random access by position. It replaces std::deque where items are large:
// libstdc++ gives every item larger than 512 bytes (or half of that) a node of its own, so each
// push allocated and each pop freed; here a chunk holds kChunkItems items and the chunk freed
// at the front is kept for reuse at the back, so a queue of steady size allocates nothing.
// Owned by its user; not thread-safe. Move-only (the items' addresses survive a move).
#pragma once

#include <cassert>
#include <cstddef>
#include <deque>
#include <iterator>
#include <memory>
#include <new>
#include <utility>

namespace creditline {

template <class T, size_t kChunkItems>
class ChunkedQueue {
  static_assert(kChunkItems > 0);

  struct Chunk {
    alignas(T) unsigned char bytes[sizeof(T) * kChunkItems];
    T* At(size_t i) { return std::launder(reinterpret_cast<T*>(bytes + sizeof(T) * i)); }
  };

 public:
  using value_type = T;

  template <class Queue, class Item>
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = Item*;
    using reference = Item&;
    Iterator(Queue* queue, size_t index) : queue_(queue), index_(index) {}
    Item& operator*() const { return (*queue_)[index_]; }
    Item* operator->() const { return &(*queue_)[index_]; }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    Queue* queue_;
    size_t index_;
  };
  using iterator = Iterator<ChunkedQueue, T>;
  using const_iterator = Iterator<const ChunkedQueue, const T>;

  ChunkedQueue() = default;
  ChunkedQueue(ChunkedQueue&& other) noexcept { *this = std::move(other); }
  ChunkedQueue& operator=(ChunkedQueue&& other) noexcept {
    if (this != &other) {
      clear();
      chunks_ = std::move(other.chunks_);
      spare_ = std::move(other.spare_);
      head_ = std::exchange(other.head_, 0);
      size_ = std::exchange(other.size_, 0);
      other.chunks_.clear();
    }
    return *this;
  }
  ChunkedQueue(const ChunkedQueue&) = delete;
  ChunkedQueue& operator=(const ChunkedQueue&) = delete;
  ~ChunkedQueue() { clear(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  T& operator[](size_t i) {
    size_t position = head_ + i;
    return *chunks_[position / kChunkItems]->At(position % kChunkItems);
  }
  const T& operator[](size_t i) const { return const_cast<ChunkedQueue&>(*this)[i]; }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, size_); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size_); }

  // Appends a value-initialized item and returns it.
  T& emplace_back() {
    size_t position = head_ + size_;
    if (position == chunks_.size() * kChunkItems) {
      chunks_.push_back(spare_ != nullptr ? std::move(spare_) : std::unique_ptr<Chunk>(new Chunk));
    }
    T* item = new (chunks_[position / kChunkItems]->At(position % kChunkItems)) T();
    ++size_;
    return *item;
  }

  void pop_front() {
    assert(size_ > 0);
    chunks_.front()->At(head_)->~T();
    --size_;
    if (++head_ == kChunkItems) {
      // Keep the emptied chunk for the next push rather than freeing it.
      spare_ = std::move(chunks_.front());
      chunks_.pop_front();
      head_ = 0;
    } else if (size_ == 0) {
      head_ = 0;  // Refill the one chunk from its start.
    }
  }

  void clear() {
    while (size_ > 0) pop_front();
    chunks_.clear();
    head_ = 0;
  }

  // Replaces the contents with `count` value-initialized items.
  void resize(size_t count) {
    clear();
    for (size_t i = 0; i < count; ++i) emplace_back();
  }

 private:
  std::deque<std::unique_ptr<Chunk>> chunks_;
  std::unique_ptr<Chunk> spare_;  // The last chunk emptied at the front, reused at the back.
  size_t head_ = 0;               // Position of the front item in chunks_.front().
  size_t size_ = 0;
};

}  // namespace creditline
