// ChunkedQueue: FIFO order, random access across chunks, stable addresses, chunk reuse, moves.
#include "core/chunked_queue.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace creditline {
namespace {

using SmallQueue = ChunkedQueue<std::string, 4>;

std::string Item(int n) { return "item-" + std::to_string(n) + "-long-enough-to-allocate"; }

TEST(ChunkedQueueTest, KeepsOrderAcrossChunks) {
  SmallQueue queue;
  EXPECT_TRUE(queue.empty());
  for (int i = 0; i < 11; ++i) queue.emplace_back() = Item(i);
  ASSERT_EQ(queue.size(), 11u);
  for (int i = 0; i < 11; ++i) EXPECT_EQ(queue[i], Item(i));
  EXPECT_EQ(queue.front(), Item(0));
  EXPECT_EQ(queue.back(), Item(10));
  for (int i = 0; i < 6; ++i) queue.pop_front();
  ASSERT_EQ(queue.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(queue[i], Item(i + 6));
  std::vector<std::string> seen(queue.begin(), queue.end());
  EXPECT_EQ(seen, (std::vector<std::string>{Item(6), Item(7), Item(8), Item(9), Item(10)}));
}

TEST(ChunkedQueueTest, ItemsNeverMoveWhileQueued) {
  SmallQueue queue;
  std::vector<const std::string*> addresses;
  for (int i = 0; i < 9; ++i) addresses.push_back(&(queue.emplace_back() = Item(i)));
  // Rolling far past the first chunks: pushes reuse emptied chunks, the rest stay in place.
  for (int i = 9; i < 100; ++i) {
    queue.pop_front();
    addresses.erase(addresses.begin());
    addresses.push_back(&(queue.emplace_back() = Item(i)));
    ASSERT_EQ(queue.size(), 9u);
    for (size_t k = 0; k < addresses.size(); ++k) {
      ASSERT_EQ(&queue[k], addresses[k]);
      ASSERT_EQ(queue[k], Item(static_cast<int>(i - 8 + k)));
    }
  }
}

TEST(ChunkedQueueTest, EmptiesAndRefills) {
  SmallQueue queue;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 3; ++i) queue.emplace_back() = Item(round * 10 + i);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(queue.front(), Item(round * 10 + i));
      queue.pop_front();
    }
    EXPECT_TRUE(queue.empty());
    EXPECT_EQ(queue.begin(), queue.end());
  }
  queue.resize(6);
  ASSERT_EQ(queue.size(), 6u);
  for (const std::string& item : queue) EXPECT_TRUE(item.empty());
  queue.clear();
  EXPECT_TRUE(queue.empty());
}

TEST(ChunkedQueueTest, MoveKeepsItemsInPlace) {
  SmallQueue queue;
  for (int i = 0; i < 7; ++i) queue.emplace_back() = Item(i);
  queue.pop_front();
  const std::string* third = &queue[2];
  SmallQueue moved(std::move(queue));
  EXPECT_TRUE(queue.empty());  // NOLINT(bugprone-use-after-move): a moved-from queue is empty.
  ASSERT_EQ(moved.size(), 6u);
  EXPECT_EQ(&moved[2], third);
  EXPECT_EQ(moved[2], Item(3));
  SmallQueue assigned;
  assigned.emplace_back() = Item(99);
  assigned = std::move(moved);
  ASSERT_EQ(assigned.size(), 6u);
  EXPECT_EQ(&assigned[2], third);
  EXPECT_EQ(assigned.back(), Item(6));
  // A moved-from queue is usable again.
  moved.emplace_back() = Item(42);
  EXPECT_EQ(moved.front(), Item(42));
}

}  // namespace
}  // namespace creditline
