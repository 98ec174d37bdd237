// StableVector (core/stable_vector.hpp): slots that never move as the slab grows.
#include "core/stable_vector.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace creditline {
namespace {

constexpr size_t kChunk = StableVector<std::string>::kChunkItems;

TEST(StableVectorTest, ItemsKeepTheirAddressAsItGrows) {
  StableVector<std::string> items;
  std::vector<const std::string*> addresses;
  for (size_t i = 0; i < 5 * kChunk + 7; ++i) {
    items.emplace_back() = "item " + std::to_string(i);
    addresses.push_back(&items.back());
  }
  ASSERT_EQ(items.size(), 5 * kChunk + 7);
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(&items[i], addresses[i]) << i;
    EXPECT_EQ(items[i], "item " + std::to_string(i));
  }
}

TEST(StableVectorTest, PopBackCrossesChunksAndRefills) {
  StableVector<int> items;
  for (int i = 0; i < static_cast<int>(2 * kChunk + 1); ++i) items.push_back(i);
  for (size_t i = 0; i < kChunk + 2; ++i) items.pop_back();
  ASSERT_EQ(items.size(), kChunk - 1);
  EXPECT_EQ(items.back(), static_cast<int>(kChunk) - 2);
  for (int i = 0; i < 3; ++i) items.push_back(-i);
  ASSERT_EQ(items.size(), kChunk + 2);
  EXPECT_EQ(items[kChunk - 1], 0);
  EXPECT_EQ(items[kChunk], -1);
  EXPECT_EQ(items[kChunk + 1], -2);
  items.clear();
  EXPECT_TRUE(items.empty());
  items.push_back(9);
  EXPECT_EQ(items[0], 9);
}

TEST(StableVectorTest, CopiesAreEqualAndIndependent) {
  StableVector<int> items;
  for (int i = 0; i < static_cast<int>(kChunk + 10); ++i) items.push_back(i * 3);
  StableVector<int> copy = items;
  EXPECT_TRUE(copy == items);
  // The copy's partly filled last chunk grows in place, like the original's.
  const int* last = &copy.back();
  copy.push_back(1);
  EXPECT_EQ(&copy[kChunk + 9], last);
  EXPECT_FALSE(copy == items);
  copy[0] = 7;
  EXPECT_EQ(items[0], 0);
  StableVector<int> assigned;
  assigned = items;
  EXPECT_TRUE(assigned == items);
}

TEST(StableVectorTest, IteratesInSlotOrder) {
  StableVector<int> items;
  std::vector<int> expected;
  for (int i = 0; i < static_cast<int>(3 * kChunk); i += 2) {
    items.push_back(i);
    expected.push_back(i);
  }
  std::vector<int> seen(items.begin(), items.end());
  EXPECT_EQ(seen, expected);
  StableVector<int> none;
  EXPECT_TRUE(none.begin() == none.end());
}

}  // namespace
}  // namespace creditline
