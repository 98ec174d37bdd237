// Test helpers shared by the store tests (store_test.cpp, postgres_store_test.cpp): journal
// records sealed into a chain, reading a whole journal back, and writing a snapshot in chunks.
// Header-only; each function is used by one test thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/codec.hpp"
#include "gtest/gtest.h"
#include "store/chain.hpp"
#include "store/store.hpp"

namespace creditline::store {

// `count` records continuing the chain, each an event with a body of about `name_bytes` + 20
// bytes.
inline std::vector<JournalRecord> Records(ChainSealer& sealer, size_t count,
                                          size_t name_bytes = 4) {
  std::vector<JournalRecord> records;
  for (size_t i = 0; i < count; ++i) {
    Event event;
    event.seq = sealer.tip().seq + 1;
    event.time = 1'790'000'000'000 + static_cast<TimeMs>(event.seq);
    event.actor = "test";
    event.body = CreateCustomer{
        "C" + std::to_string(event.seq), std::string(name_bytes, 'n'), "", "", {}, {}};
    records.push_back(sealer.Seal(event));
  }
  return records;
}

// Every record after `after`, in order.
inline std::vector<JournalRecord> ReadAll(JournalReader& reader, uint64_t after = 0) {
  std::vector<JournalRecord> read;
  Status status = reader.Scan(after, UINT64_MAX, [&](JournalRecord& record) -> Status {
    read.push_back(record);
    return Status::Ok();
  });
  EXPECT_TRUE(status.ok()) << status.error().message;
  return read;
}

// Writes `bytes` as the snapshot after record `seq` in chunks of `chunk` bytes (state and
// chain hashes are made-up multiples of seq) and, when `complete`, completes it keeping `keep`.
inline SnapshotInfo WriteSnapshot(JournalWriter& writer, uint64_t seq, std::string_view bytes,
                                  size_t chunk, size_t keep, bool complete = true) {
  HashSink sink;
  sink.Bytes(bytes.data(), bytes.size());
  SnapshotInfo info{seq,          1000 + static_cast<TimeMs>(seq), seq * 7, seq * 11, bytes.size(),
                    sink.Digest()};
  EXPECT_TRUE(writer.BeginSnapshot(info).ok());
  uint32_t index = 0;
  size_t at = 0;
  do {  // An empty snapshot is one empty chunk.
    EXPECT_TRUE(writer.AppendSnapshotChunk(seq, index++, bytes.substr(at, chunk)).ok());
    at += chunk;
  } while (at < bytes.size());
  if (complete) {
    EXPECT_TRUE(writer.CompleteSnapshot(seq, keep).ok());
  }
  return info;
}

}  // namespace creditline::store
