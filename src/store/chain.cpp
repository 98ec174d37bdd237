#include "store/chain.hpp"

#include <cassert>
#include <string>

#include "core/codec.hpp"

namespace creditline::store {

uint64_t ChainHash(uint64_t seq, uint64_t prev_hash, std::string_view body) {
  HashSink sink;
  sink.Bytes(&seq, sizeof seq);
  sink.Bytes(&prev_hash, sizeof prev_hash);
  sink.Bytes(body.data(), body.size());
  return sink.Digest();
}

JournalRecord ChainSealer::Seal(const Event& event) {
  assert(event.seq == tip_.seq + 1);
  JournalRecord record;
  record.seq = event.seq;
  record.time = event.time;
  record.type = static_cast<uint16_t>(event.body.index());
  record.prev_hash = tip_.hash;
  record.body = EncodeEvent(event);
  record.hash = ChainHash(record.seq, record.prev_hash, record.body);
  tip_ = JournalTip{record.seq, record.hash};
  return record;
}

Status ChainChecker::Check(const JournalRecord& record) {
  std::string at = "journal record " + std::to_string(tip_.seq + 1);
  if (record.seq != tip_.seq + 1) {
    return MakeError(ErrorCode::kCorruptRecord, at + " is missing (the next record found is " +
                                                    std::to_string(record.seq) + ")");
  }
  if (record.prev_hash != tip_.hash) {
    return MakeError(ErrorCode::kCorruptRecord,
                     at + " does not follow the record before it (broken hash chain)");
  }
  if (record.hash != ChainHash(record.seq, record.prev_hash, record.body)) {
    return MakeError(ErrorCode::kCorruptRecord, at + " is corrupted (checksum mismatch)");
  }
  tip_ = JournalTip{record.seq, record.hash};
  return Status::Ok();
}

Result<Event> ChainChecker::CheckAndDecode(const JournalRecord& record) {
  CL_RETURN_IF_ERROR(Check(record));
  Result<Event> event = DecodeEvent(record.body);
  std::string at = "journal record " + std::to_string(record.seq);
  if (!event.ok()) {
    return MakeError(ErrorCode::kCorruptRecord,
                     at + " cannot be decoded: " + event.error().message);
  }
  if (event->seq != record.seq || event->time != record.time ||
      event->body.index() != record.type) {
    return MakeError(ErrorCode::kCorruptRecord,
                     at + " does not match its event (seq, time or type differ)");
  }
  return event;
}

}  // namespace creditline::store
