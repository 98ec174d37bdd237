// Binary snapshots of the whole credit state, for recovery: the store keeps the latest snapshot,
// and startup decodes it and replays the journal events after its last_seq().
//
// A snapshot holds everything that is not derivable (last_seq, policies, FX rates, customers,
// accounts, groups, the order and invoice slabs with their free slots and list links, the hold
// queue, the idempotency records) in the field-by-field encoding of codec.hpp; every id index is
// rebuilt on decode. A decoded state is behaviourally identical to the encoded one: the same
// StateHash(), the same query answers and the same events for every later command. Decoding
// checks every length against the input and every cross-reference (slots, list links, running
// totals) against the rest of the snapshot, so a corrupted snapshot is refused rather than
// crashing later code. Stateless functions; thread-compatible (the state must not change while
// it is encoded).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/state.hpp"

namespace creditline {

// 2: accounts carry payment behaviour and alert levels; customers financials; orders, invoices,
// temporary limits and collateral their alert marks; the assessment configuration, limit
// requests, recovery plans and the monitor's state (alerts, rules, trend) follow the
// idempotency records. 3: accounts carry their history index (the seqs that touched them).
inline constexpr uint8_t kSnapshotCodecVersion = 3;

// The whole state, including last_seq(), idempotency records, slabs with free slots, lists.
std::string EncodeSnapshot(const State& state);

// Replaces *state (which must be freshly constructed with the wanted StateOptions) with the
// decoded snapshot. Refuses truncated or corrupted input with ErrorCode::kCorruptRecord and a
// message, leaving *state unchanged; never reads past the input, and sizes no allocation from a
// count that the rest of the input cannot hold.
Status DecodeSnapshot(std::string_view bytes, State* state);

}  // namespace creditline
