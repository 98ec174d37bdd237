// Recovery and verification: rebuilding the credit state from a store.
//
// Recover() loads the newest usable snapshot and replays the journal after it through the same
// State::Apply as live traffic. A snapshot that cannot be read, decoded or matched to its state
// hash and to the journal's chain is skipped with a warning (the journal alone is complete);
// a journal record that is missing, out of chain or undecodable stops recovery with an error
// naming its sequence number. It is never skipped.
//
// Verify() replays the whole journal from record 1, checks the hash chain throughout and, at
// every snapshot, compares the replayed state with the snapshot's state hash and with the
// snapshot itself.
//
// Replay is pipelined: one thread reads, checks and decodes records while the calling thread
// applies them. Both functions are called before the engine starts (or offline).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/state.hpp"
#include "store/store.hpp"

namespace creditline::service {

// Replay reports progress every this many events.
inline constexpr uint64_t kReplayProgressEvery = 1'000'000;

// Called with events replayed so far and the number to replay.
using ReplayProgress = std::function<void(uint64_t replayed, uint64_t total)>;

struct RecoveryReport {
  uint64_t snapshot_seq = 0;  // The snapshot recovery started from; 0 for none.
  uint64_t replayed = 0;      // Journal records applied after it.
  store::JournalTip tip;      // The journal's last record.
  double snapshot_seconds = 0, replay_seconds = 0;
  std::vector<std::string> warnings;  // Snapshots skipped, and why.
};

// Replaces *state (freshly constructed with the wanted options) with the recovered state.
Result<RecoveryReport> Recover(store::JournalReader& reader, State* state,
                               const ReplayProgress& progress);

struct VerifyReport {
  uint64_t records = 0;
  uint64_t snapshots_checked = 0;
  uint64_t state_hash = 0;  // Of the state after the last record.
  double seconds = 0;
};

// Any mismatch is an error (kCorruptRecord) that says where.
Result<VerifyReport> Verify(store::JournalReader& reader, StateOptions options,
                            const ReplayProgress& progress);

}  // namespace creditline::service
