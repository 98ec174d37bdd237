#include "core/codec.hpp"

namespace creditline {

// EncodeEvent reserves this much up front, so that a typical event (an order decision among
// them) is written without the string growing, and reallocating, several times field by field.
constexpr size_t kEventEncodeReserveBytes = 320;

void VarintSink::Grow(size_t size) {
  size_t capacity = std::max(capacity_ * 2, size_ + std::max<size_t>(size, 256));
  auto data = std::make_unique_for_overwrite<unsigned char[]>(capacity);
  if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
  data_ = std::move(data);
  capacity_ = capacity;
}

std::string EncodeEvent(const Event& event) {
  StringSink sink;
  sink.Reserve(kEventEncodeReserveBytes);
  WriteFixed<StringSink, uint8_t>(sink, kEventCodecVersion);
  Write(sink, event);
  return std::move(sink.bytes());
}

Result<Event> DecodeEvent(std::string_view bytes) {
  Reader reader(bytes);
  uint8_t version = 0;
  if (!ReadFixed(reader, &version) || version != kEventCodecVersion) {
    return MakeError(ErrorCode::kCorruptRecord,
                     "event record has unknown codec version " + std::to_string(version));
  }
  Event event;
  Read(reader, event);
  if (reader.failed()) {
    return MakeError(ErrorCode::kCorruptRecord,
                     "event record is malformed near byte " + std::to_string(reader.position()));
  }
  if (!reader.at_end()) {
    return MakeError(ErrorCode::kCorruptRecord, "event record has trailing bytes");
  }
  return event;
}

}  // namespace creditline
