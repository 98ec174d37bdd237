// Tests for core/idempotency_log: records come back as appended, in order, across chunk
// boundaries, after the front is dropped, and for records larger than a chunk.
#include "core/idempotency_log.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace creditline {
namespace {

Decision SampleDecision(int64_t amount_minor) {
  Decision decision;
  decision.outcome = Outcome::kHeld;
  decision.reasons.Add(Reason{ReasonCode::kCreditLimitExceeded, RuleAction::kHold});
  decision.currency = Currency::Of("EUR");
  decision.amount_minor = amount_minor;
  decision.limit_minor = 1'000'000'00;
  decision.available_after_minor = -amount_minor;
  decision.utilization_after_bp = 10'400;
  return decision;
}

// A reply of every shape the log keeps: orders with a decision, cancels, payments with
// allocations, write-offs with an account.
CommandResult SampleResult(uint64_t i) {
  CommandResult result;
  result.seq = 1000 + i;
  switch (i % 4) {
    case 0:
      result.decision = SampleDecision(static_cast<int64_t>(i) * 100);
      result.amount_minor = static_cast<int64_t>(i) * 100;
      break;
    case 1:
      result.amount_minor = static_cast<int64_t>(i);
      break;
    case 2:
      result.allocations = {Allocation{"INV-" + std::to_string(i), 5}, Allocation{"INV-x", 7}};
      result.unapplied_minor = 3;
      break;
    default:
      result.account = AccountRef{"C" + std::to_string(i), "export"};
      result.applied = false;
      result.due_on = Date{20'000 + static_cast<int32_t>(i)};
  }
  return result;
}

struct Kept {
  std::string key;
  uint64_t fingerprint;
  TimeMs time;
  CommandResult result;
  IdempotencyLog::Position position;
};

void ExpectEntry(const IdempotencyLog::Entry& entry, const Kept& kept) {
  EXPECT_EQ(entry.key, kept.key);
  EXPECT_EQ(entry.fingerprint, kept.fingerprint);
  EXPECT_EQ(entry.time, kept.time);
  EXPECT_EQ(entry.seq, kept.result.seq);
  EXPECT_TRUE(IdempotencyLog::Reply(entry) == kept.result) << kept.key;
}

TEST(IdempotencyLogTest, RecordsComeBackAsAppendedAcrossChunksAndDrops) {
  IdempotencyLog log;
  std::deque<Kept> kept;
  uint64_t next = 0;
  auto append = [&](size_t count) {
    for (size_t n = 0; n < count; ++n, ++next) {
      // Keys of varying length, up to the longest allowed, so records straddle chunk ends.
      std::string key = "key-" + std::to_string(next) + std::string(next % 120, 'k');
      CommandResult result = SampleResult(next);
      IdempotencyLog::Position position =
          log.Append(key, next * 31, static_cast<TimeMs>(next) * 10, result);
      kept.push_back(Kept{key, next * 31, static_cast<TimeMs>(next) * 10, result, position});
    }
  };
  auto drop = [&](size_t count) {
    for (size_t n = 0; n < count; ++n) {
      ASSERT_EQ(log.front_position(), kept.front().position);
      ExpectEntry(log.Front(), kept.front());
      log.PopFront();
      kept.pop_front();
    }
  };
  // Enough records for many 64 KB chunks, dropped and refilled so chunks are reused.
  append(5000);
  drop(3000);
  append(4000);
  drop(5999);
  append(10);
  ASSERT_EQ(log.size(), kept.size());
  EXPECT_EQ(log.first_ordinal(), 8999u);
  for (const Kept& k : kept) ExpectEntry(log.At(k.position), k);
  size_t seen = 0;
  log.ForEach([&](const IdempotencyLog::Entry& entry) { ExpectEntry(entry, kept[seen++]); });
  EXPECT_EQ(seen, kept.size());
  // Emptied, the log starts again from its one chunk.
  drop(kept.size());
  EXPECT_TRUE(log.empty());
  append(3);
  EXPECT_EQ(log.size(), 3u);
  ExpectEntry(log.Front(), kept.front());
}

TEST(IdempotencyLogTest, ARecordLargerThanAChunkIsKept) {
  IdempotencyLog log;
  CommandResult small = SampleResult(1);
  IdempotencyLog::Position first = log.Append("a", 1, 10, small);
  CommandResult large;
  large.seq = 7;
  for (int i = 0; i < 10'000; ++i) {
    large.allocations.push_back(Allocation{"INVOICE-" + std::to_string(i), i});
  }
  IdempotencyLog::Position second = log.Append("b", 2, 20, large);
  IdempotencyLog::Position third = log.Append("c", 3, 30, small);
  EXPECT_TRUE(IdempotencyLog::Reply(log.At(second)) == large);
  EXPECT_TRUE(IdempotencyLog::Reply(log.At(third)) == small);
  log.PopFront();
  EXPECT_EQ(log.front_position(), second);
  log.PopFront();
  EXPECT_EQ(log.front_position(), third);
  EXPECT_EQ(log.Front().key, "c");
  EXPECT_NE(first, second);
}

TEST(IdempotencyLogTest, AReplyIsFarSmallerThanTheStruct) {
  // The point of the compact form: a new order's record, decision included, and a cancel's.
  IdempotencyLog::Entry order, cancel;
  IdempotencyLog log;
  CommandResult with_decision = SampleResult(4);
  CommandResult plain = SampleResult(5);
  order = log.At(log.Append("order-key-0001", 9, 1, with_decision));
  cancel = log.At(log.Append("cancel-key-0001", 9, 1, plain));
  EXPECT_LT(order.reply.size(), 48u);
  EXPECT_LT(cancel.reply.size(), 24u);
  EXPECT_GT(sizeof(CommandResult), 300u);
}

TEST(IdempotencyLogTest, AppendFromAnEventKeepsItsReply) {
  Event event;
  event.seq = 42;
  event.time = 5'000;
  OrderDecided decided;
  decided.amount_minor = 1234;
  decided.decision = SampleDecision(1234);
  event.body = decided;
  IdempotencyLog log;
  IdempotencyLog::Entry entry = log.At(log.Append("k", 77, event));
  EXPECT_EQ(entry.time, 5'000);
  EXPECT_EQ(entry.seq, 42u);
  EXPECT_TRUE(IdempotencyLog::Reply(entry) == ResultOf(event));
}

}  // namespace
}  // namespace creditline
