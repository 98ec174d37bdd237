// IdempotencyLog (idempotency_log.hpp): appending, dropping and decoding compact records.
#include "core/idempotency_log.hpp"

#include <algorithm>
#include <cassert>

namespace creditline {

IdempotencyLog::Position IdempotencyLog::Append(std::string_view key, uint64_t fingerprint,
                                                const Event& event) {
  reply_ = CommandResult{};
  FillResult(event, &reply_);
  return Append(key, fingerprint, event.time, reply_);
}

IdempotencyLog::Position IdempotencyLog::Append(std::string_view key, uint64_t fingerprint,
                                                TimeMs time, const CommandResult& result) {
  encoded_.clear();
  Write(encoded_, result);
  return AppendEncoded(key, fingerprint, time, result.seq);
}

IdempotencyLog::Position IdempotencyLog::AppendEncoded(std::string_view key, uint64_t fingerprint,
                                                       TimeMs time, uint64_t seq) {
  std::string_view reply = encoded_.bytes();
  size_t bytes = RecordBytes(key.size(), reply.size());
  if (chunks_.empty() || chunks_.back().capacity - chunks_.back().used < bytes) {
    if (chunks_.empty()) head_ = 0;
    if (bytes <= kIdempotencyLogChunkBytes && spare_.bytes != nullptr) {
      chunks_.push_back(std::move(spare_));
      spare_ = Chunk{};
    } else {
      size_t capacity = std::max(bytes, kIdempotencyLogChunkBytes);
      chunks_.push_back(Chunk{std::make_unique_for_overwrite<unsigned char[]>(capacity), capacity});
    }
    chunks_.back().used = 0;
  }
  Chunk& chunk = chunks_.back();
  unsigned char* at = chunk.bytes.get() + chunk.used;
  Header header{fingerprint, time, seq, static_cast<uint32_t>(key.size()),
                static_cast<uint32_t>(reply.size())};
  std::memcpy(at, &header, sizeof header);
  std::memcpy(at + sizeof header, key.data(), key.size());
  std::memcpy(at + sizeof header + key.size(), reply.data(), reply.size());
  Position position = Pack(first_serial_ + chunks_.size() - 1, chunk.used);
  chunk.used += bytes;
  ++size_;
  return position;
}

void IdempotencyLog::PopFront() {
  assert(size_ > 0);
  Chunk& front = chunks_.front();
  Entry entry = Read(front.bytes.get() + head_);
  head_ += RecordBytes(entry.key.size(), entry.reply.size());
  --size_;
  ++first_ordinal_;
  if (head_ < front.used) return;
  if (chunks_.size() == 1) {
    // The log is empty: refill its one chunk from the start.
    front.used = 0;
    head_ = 0;
    return;
  }
  // Keep a standard emptied chunk for the next append rather than freeing it.
  if (front.capacity == kIdempotencyLogChunkBytes) spare_ = std::move(front);
  chunks_.pop_front();
  ++first_serial_;
  head_ = 0;
}

CommandResult IdempotencyLog::Reply(const Entry& entry) {
  CommandResult result;
  VarintReader reader(entry.reply);
  creditline::Read(reader, result);
  // The log wrote these bytes itself; nothing else can reach them.
  assert(!reader.failed() && reader.at_end());
  result.seq = entry.seq;
  return result;
}

void IdempotencyLog::clear() {
  chunks_.clear();
  spare_ = Chunk{};
  first_serial_ = 0;
  head_ = 0;
  size_ = 0;
}

}  // namespace creditline
