// The journal's hash chain: how records are sealed when appended and checked when read.
//
// Record n's hash covers its sequence number, the hash of record n-1 and its body, so changing,
// dropping, inserting or reordering any record breaks the chain at a named sequence number.
// The hash is the stable 64-bit HashSink digest: it detects corruption, not a forger who can
// recompute the chain. Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "core/events.hpp"
#include "store/store.hpp"

namespace creditline::store {

uint64_t ChainHash(uint64_t seq, uint64_t prev_hash, std::string_view body);

// Seals events into records that continue the chain from `tip`, which moves to the last one.
class ChainSealer {
 public:
  explicit ChainSealer(JournalTip tip) : tip_(tip) {}
  // REQUIRES: event.seq == tip().seq + 1.
  JournalRecord Seal(const Event& event);
  const JournalTip& tip() const { return tip_; }

 private:
  JournalTip tip_;
};

// Checks records read in order against the chain, starting after `tip`.
class ChainChecker {
 public:
  explicit ChainChecker(JournalTip tip) : tip_(tip) {}
  // A missing record, a broken link or a bad checksum is kCorruptRecord naming the seq.
  Status Check(const JournalRecord& record);
  // Check() plus decoding; the event must carry the record's seq, time and type.
  Result<Event> CheckAndDecode(const JournalRecord& record);
  const JournalTip& tip() const { return tip_; }

 private:
  JournalTip tip_;
};

}  // namespace creditline::store
