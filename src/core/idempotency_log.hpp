// The remembered commands of the idempotency table, oldest first, in a compact form.
//
// Every keyed command leaves a record: its key, the fingerprint of its content, its time, the
// seq of its event and its reply. The reply is kept in the codec's varint form (codec.hpp), so a
// cancel's record takes about 50 bytes and a new order's, with its whole decision, about 100,
// where the reply struct alone is 368. Records are packed one after another into byte chunks
// that never move, so the key views the index holds stay valid while the record is kept, and a
// chunk emptied at the front is reused at the back: a log of steady size allocates nothing. A
// record is found by the position Append returned. Owned by State; not thread-safe. Move-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "core/codec.hpp"
#include "core/command_result.hpp"
#include "core/time.hpp"

namespace creditline {

// A remembered command as it is stored in a snapshot (the whole reply, fixed-width codec).
struct IdempotencyRecord {
  std::string key;
  uint64_t fingerprint = 0;
  TimeMs time = 0;
  CommandResult result;
  template <class F>
  void Fields(F&& f) {
    f("key", key), f("fingerprint", fingerprint), f("time", time), f("result", result);
  }
};

// Bytes per chunk of the log: about 1,000 records, so chunk allocations are rare, and little
// memory is held by an idle log. A record larger than this gets a chunk of its own size.
inline constexpr size_t kIdempotencyLogChunkBytes = 64 * 1024;

class IdempotencyLog {
 public:
  // Where a record is: the chunk's serial number (high 32 bits) and the offset in it.
  using Position = uint64_t;

  // A kept record; the views point into the log and live as long as the record.
  struct Entry {
    std::string_view key;
    uint64_t fingerprint = 0;
    TimeMs time = 0;
    uint64_t seq = 0;
    std::string_view reply;  // The reply in the varint form.
    // The key as the index holds it.
    absl::string_view index_key() const { return absl::string_view(key.data(), key.size()); }
  };

  IdempotencyLog() = default;
  IdempotencyLog(IdempotencyLog&&) noexcept = default;
  IdempotencyLog& operator=(IdempotencyLog&&) noexcept = default;
  IdempotencyLog(const IdempotencyLog&) = delete;
  IdempotencyLog& operator=(const IdempotencyLog&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // How many records were ever dropped from the front: the ordinal of the front record.
  uint64_t first_ordinal() const { return first_ordinal_; }
  void set_first_ordinal(uint64_t ordinal) { first_ordinal_ = ordinal; }

  // Appends the record of the command that `event` carried out (its reply is ResultOf(event)).
  Position Append(std::string_view key, uint64_t fingerprint, const Event& event);
  // Appends a record with the given reply (a snapshot's records).
  Position Append(std::string_view key, uint64_t fingerprint, TimeMs time,
                  const CommandResult& result);

  Position front_position() const { return Pack(first_serial_, head_); }
  Entry Front() const { return At(front_position()); }
  // REQUIRES: `position` was returned by Append and its record was not popped.
  Entry At(Position position) const {
    const Chunk& chunk = chunks_[(position >> 32) - first_serial_];
    return Read(chunk.bytes.get() + (position & 0xFFFFFFFFu));
  }
  void PopFront();

  // The reply kept in `entry`, as the command first answered it.
  static CommandResult Reply(const Entry& entry);

  // Calls f(entry) for every record, oldest first.
  template <class F>
  void ForEach(F&& f) const {
    for (size_t i = 0; i < chunks_.size(); ++i) {
      const Chunk& chunk = chunks_[i];
      for (size_t offset = i == 0 ? head_ : 0; offset < chunk.used;) {
        Entry entry = Read(chunk.bytes.get() + offset);
        f(entry);
        offset += RecordBytes(entry.key.size(), entry.reply.size());
      }
    }
  }

  void clear();

 private:
  struct Header {
    uint64_t fingerprint;
    TimeMs time;
    uint64_t seq;
    uint32_t key_bytes, reply_bytes;
  };
  struct Chunk {
    std::unique_ptr<unsigned char[]> bytes;
    size_t capacity = 0, used = 0;
  };

  static Position Pack(uint64_t serial, size_t offset) { return (serial << 32) | offset; }
  // A record's size, rounded up so that the next header is 8-byte aligned.
  static size_t RecordBytes(size_t key_bytes, size_t reply_bytes) {
    return (sizeof(Header) + key_bytes + reply_bytes + 7) & ~size_t{7};
  }
  static Entry Read(const unsigned char* at) {
    Header header;
    std::memcpy(&header, at, sizeof header);
    const char* text = reinterpret_cast<const char*>(at + sizeof header);
    return Entry{std::string_view(text, header.key_bytes), header.fingerprint, header.time,
                 header.seq, std::string_view(text + header.key_bytes, header.reply_bytes)};
  }
  Position AppendEncoded(std::string_view key, uint64_t fingerprint, TimeMs time, uint64_t seq);

  std::deque<Chunk> chunks_;
  Chunk spare_;                // The last standard chunk emptied at the front, reused at the back.
  uint64_t first_serial_ = 0;  // Serial number of chunks_.front().
  size_t head_ = 0;            // Offset of the front record in chunks_.front().
  size_t size_ = 0;
  uint64_t first_ordinal_ = 0;
  // Reused for every append: the reply, and its varint encoding.
  CommandResult reply_;
  VarintSink encoded_;
};

}  // namespace creditline
