// The stable binary encoding of commands and events, and hashing over the same bytes.
//
// Every struct that lists its fields in Fields() (as f("name", member) calls) is encoded field by
// field in that order: integers fixed-width little-endian, bool and enums one byte, strings and
// vectors with a u32 length, optionals with a presence byte, variants with a u16 alternative index,
// Money as minor (i64) + currency index (u8), Date as i32 days. An encoded event starts with
// kEventCodecVersion. Decoding checks every length and enum range and never reads past the input.
// The same Write() that encodes also feeds Fingerprint() and the state hash, so all three agree.
// A sink or reader that declares `kVarints` gets every integer (lengths and counts included) as a
// LEB128 varint instead, signed ones zigzag-mapped first: the compact form kept in memory for
// idempotent replies (core/idempotency_log.hpp). Journals and snapshots use the fixed form.
// Stateless functions; thread-safe.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/decision.hpp"
#include "core/error.hpp"
#include "core/events.hpp"
#include "core/money.hpp"
#include "core/time.hpp"

namespace creditline {

// The encoding and the digests are defined little-endian; HashSink reads words with memcpy.
static_assert(std::endian::native == std::endian::little, "little-endian hosts only");

inline constexpr uint8_t kEventCodecVersion = 1;
// Decoding refuses lengths past these: no real record comes near them, and a corrupted length
// must not make the decoder allocate gigabytes.
inline constexpr uint32_t kCodecStringBytesMax = 1 << 20;
inline constexpr uint32_t kCodecVectorItemsMax = 1 << 20;

// Appends bytes to a string.
class StringSink {
 public:
  void Bytes(const void* data, size_t size) { bytes_.append(static_cast<const char*>(data), size); }
  void Reserve(size_t size) { bytes_.reserve(size); }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

// The most bytes a varint takes: ceil(64 / 7).
inline constexpr size_t kVarintBytesMax = 10;

// Appends the varint form (see UsesVarints) to a buffer it owns. Each integer is written in
// place, with one room check, and clear() keeps the memory: every keyed command's reply goes
// through one of these (core/idempotency_log.hpp), so it must cost a few instructions a field.
// Move-only; not thread-safe.
class VarintSink {
 public:
  static constexpr bool kVarints = true;
  VarintSink() = default;
  VarintSink(VarintSink&&) noexcept = default;
  VarintSink& operator=(VarintSink&&) noexcept = default;

  void Bytes(const void* data, size_t size) {
    if (size == 0) return;  // An empty string: data may be null.
    std::memcpy(Room(size), data, size);
    size_ += size;
  }
  // `bits` already zigzag-mapped where signed: 7 bits a byte, low first, the high bit set on
  // every byte but the last.
  [[gnu::always_inline]] void Varint(uint64_t bits) {
    unsigned char* at = Room(kVarintBytesMax);
    if (bits < 0x80) {  // Most figures of a reply are zero or small: one byte, no loop.
      *at = static_cast<unsigned char>(bits);
      ++size_;
      return;
    }
    unsigned char* start = at;
    while (bits >= 0x80) {
      *at++ = static_cast<unsigned char>(bits | 0x80);
      bits >>= 7;
    }
    *at++ = static_cast<unsigned char>(bits);
    size_ += static_cast<size_t>(at - start);
  }
  void clear() { size_ = 0; }
  std::string_view bytes() const {
    return std::string_view(reinterpret_cast<const char*>(data_.get()), size_);
  }

 private:
  unsigned char* Room(size_t size) {
    if (capacity_ - size_ < size) Grow(size);
    return data_.get() + size_;
  }
  void Grow(size_t size);  // Out of line: rare.

  std::unique_ptr<unsigned char[]> data_;
  size_t size_ = 0, capacity_ = 0;
};

// A stable 64-bit digest of the bytes (the same on every machine and run, unlike absl::Hash).
// Bytes are gathered in a 64-byte block, so the many small writes of a field-by-field encoding
// cost a memcpy each; every full block is mixed in word by word with a multiply and a shift,
// and the digest is finished with the length and a 64-bit avalanche mixer. Not cryptographic.
class HashSink {
 public:
  // Inlined, so that a fixed-width field is one store: every command's fingerprint is taken
  // field by field.
  [[gnu::always_inline]] void Bytes(const void* data, size_t size) {
    // Most writes are a field of a few bytes that fits the block: one copy, no loop. Mix gives
    // the same digest for any split of the bytes.
    if (size < sizeof block_ - used_) {
      std::memcpy(block_ + used_, data, size);
      used_ += size;
      return;
    }
    Mix(static_cast<const unsigned char*>(data), size);
  }
  uint64_t Digest() const {
    HashSink copy = *this;
    std::memset(copy.block_ + copy.used_, 0, sizeof block_ - copy.used_);
    uint64_t length = copy.length_ + copy.used_;
    copy.MixBlock();
    uint64_t h = copy.state_ ^ (length * 0x9e3779b97f4a7c15ULL);
    h ^= h >> 33, h *= 0xff51afd7ed558ccdULL, h ^= h >> 33, h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
  }

 private:
  // Bytes that fill the block: fills it, mixes it in, and goes on with the rest.
  [[gnu::noinline]] void Mix(const unsigned char* p, size_t size) {
    while (size > 0) {
      size_t take = std::min(size, sizeof block_ - used_);
      std::memcpy(block_ + used_, p, take);
      used_ += take, p += take, size -= take;
      if (used_ == sizeof block_) MixBlock();
    }
  }
  void MixBlock() {
    for (size_t i = 0; i < sizeof block_; i += 8) {
      uint64_t word;
      std::memcpy(&word, block_ + i, 8);
      state_ = (state_ ^ word) * 0x9e3779b97f4a7c15ULL;
      state_ ^= state_ >> 29;
    }
    length_ += used_;
    used_ = 0;
  }
  unsigned char block_[64];
  size_t used_ = 0;
  uint64_t length_ = 0;
  uint64_t state_ = 0xcbf29ce484222325ULL;
};

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};
template <class T>
struct IsVariant : std::false_type {};
template <class... T>
struct IsVariant<std::variant<T...>> : std::true_type {};

// Little-endian (the only hosts allowed above), so the value's own bytes are the encoding.
template <class Sink, class T>
[[gnu::always_inline]] inline void WriteFixed(Sink& sink, T value) {
  static_assert(std::is_integral_v<T>);
  sink.Bytes(&value, sizeof(T));
}

// True for a sink or reader that takes integers as varints; such a sink writes them with
// Varint(bits), such as VarintSink.
template <class Codec>
concept UsesVarints = Codec::kVarints;

// The varint form: zigzag for signed values (small magnitudes stay short), then 7 bits a byte,
// low first, the high bit set on every byte but the last.
template <class T>
std::make_unsigned_t<T> ZigZag(T value) {
  using U = std::make_unsigned_t<T>;
  if constexpr (std::is_signed_v<T>) {
    return static_cast<U>(static_cast<U>(static_cast<U>(value) << 1) ^
                          static_cast<U>(value < 0 ? ~U{0} : U{0}));
  } else {
    return value;
  }
}
template <class T>
T UnZigZag(std::make_unsigned_t<T> bits) {
  using U = std::make_unsigned_t<T>;
  if constexpr (std::is_signed_v<T>) {
    return static_cast<T>(static_cast<U>((bits >> 1) ^ static_cast<U>(U{0} - (bits & 1))));
  } else {
    return bits;
  }
}

// An integer in the sink's form: fixed-width, or a varint for a sink that asks for them.
// Inlined: it is a few instructions, called for every field of every record.
template <class Sink, class T>
[[gnu::always_inline]] inline void WriteInt(Sink& sink, T value) {
  static_assert(std::is_integral_v<T>);
  if constexpr (UsesVarints<Sink>) {
    sink.Varint(ZigZag(value));
  } else {
    WriteFixed(sink, value);
  }
}

template <class Sink, class T>
void Write(Sink& sink, const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    WriteInt<Sink, uint8_t>(sink, value ? 1 : 0);
  } else if constexpr (std::is_enum_v<T>) {
    WriteInt<Sink, uint8_t>(sink, static_cast<uint8_t>(value));
  } else if constexpr (std::is_integral_v<T>) {
    WriteInt(sink, value);
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
    WriteInt<Sink, uint32_t>(sink, static_cast<uint32_t>(value.size()));
    sink.Bytes(value.data(), value.size());
  } else if constexpr (std::is_same_v<T, Currency>) {
    WriteInt<Sink, uint8_t>(sink, value.index());
  } else if constexpr (std::is_same_v<T, Date>) {
    WriteInt(sink, value.days);
  } else if constexpr (std::is_same_v<T, Money>) {
    WriteInt(sink, value.minor);
    WriteInt<Sink, uint8_t>(sink, value.currency.index());
  } else if constexpr (std::is_same_v<T, Reasons>) {
    WriteInt<Sink, uint8_t>(sink, static_cast<uint8_t>(value.size()));
    for (const Reason& reason : value) Write(sink, reason);
  } else if constexpr (IsOptional<T>::value) {
    WriteInt<Sink, uint8_t>(sink, value.has_value() ? 1 : 0);
    if (value) Write(sink, *value);
  } else if constexpr (IsVector<T>::value) {
    WriteInt<Sink, uint32_t>(sink, static_cast<uint32_t>(value.size()));
    for (const auto& item : value) Write(sink, item);
  } else if constexpr (IsVariant<T>::value) {
    WriteInt<Sink, uint16_t>(sink, static_cast<uint16_t>(value.index()));
    std::visit([&](const auto& alternative) { Write(sink, alternative); }, value);
  } else {
    // Fields() is non-const so that the decoder can share it; writing does not modify.
    const_cast<T&>(value).Fields([&](const char*, const auto& field) { Write(sink, field); });
  }
}

// Reads from a byte range; the first problem sets failed() and later reads do nothing.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool Take(void* out, size_t size) {
    if (failed_ || size > data_.size() - position_) return Fail();
    std::memcpy(out, data_.data() + position_, size);
    position_ += size;
    return true;
  }
  bool Fail() {
    failed_ = true;
    return false;
  }
  bool failed() const { return failed_; }
  bool at_end() const { return position_ == data_.size(); }
  size_t remaining() const { return data_.size() - position_; }
  size_t position() const { return position_; }

 private:
  std::string_view data_;
  size_t position_ = 0;
  bool failed_ = false;
};

// Reads the varint form (see UsesVarints).
class VarintReader : public Reader {
 public:
  static constexpr bool kVarints = true;
  using Reader::Reader;
};

template <class T>
bool ReadFixed(Reader& reader, T* value) {
  unsigned char buffer[sizeof(T)];
  if (!reader.Take(buffer, sizeof(T))) return false;
  using U = std::make_unsigned_t<T>;
  U bits = 0;
  for (size_t i = 0; i < sizeof(T); ++i) bits |= static_cast<U>(buffer[i]) << (8 * i);
  *value = static_cast<T>(bits);
  return true;
}

// An integer in the reader's form. A varint longer than the type allows, or with bits beyond
// it, fails the reader.
template <class R, class T>
bool ReadInt(R& reader, T* value) {
  if constexpr (UsesVarints<R>) {
    using U = std::make_unsigned_t<T>;
    constexpr int kBits = sizeof(T) * 8;
    U bits = 0;
    for (int shift = 0; shift < kBits; shift += 7) {
      unsigned char byte = 0;
      if (!reader.Take(&byte, 1)) return false;
      U part = static_cast<U>(byte & 0x7F);
      if (kBits - shift < 7 && (part >> (kBits - shift)) != 0) return reader.Fail();
      bits = static_cast<U>(bits | static_cast<U>(part << shift));
      if ((byte & 0x80) == 0) {
        *value = UnZigZag<T>(bits);
        return true;
      }
    }
    return reader.Fail();
  } else {
    return ReadFixed(reader, value);
  }
}

template <class R, class Variant, size_t I = 0>
void ReadVariantAlternative(R& reader, size_t index, Variant& value);

template <class R, class T>
void Read(R& reader, T& value) {
  if (reader.failed()) return;
  if constexpr (std::is_same_v<T, bool>) {
    uint8_t byte = 0;
    if (ReadInt(reader, &byte) && byte > 1) reader.Fail();
    value = byte == 1;
  } else if constexpr (std::is_enum_v<T>) {
    uint8_t byte = 0;
    if (ReadInt(reader, &byte) && byte >= EnumLimit(T{})) reader.Fail();
    value = static_cast<T>(byte);
  } else if constexpr (std::is_integral_v<T>) {
    ReadInt(reader, &value);
  } else if constexpr (std::is_same_v<T, std::string>) {
    uint32_t size = 0;
    if (!ReadInt(reader, &size)) return;
    if (size > kCodecStringBytesMax) {
      reader.Fail();
      return;
    }
    value.resize(size);
    reader.Take(value.data(), size);
  } else if constexpr (std::is_same_v<T, Currency>) {
    uint8_t index = 0;
    if (!ReadInt(reader, &index)) return;
    value = Currency::FromIndex(index);
    if (!value.valid() && index != 0xFF) reader.Fail();
  } else if constexpr (std::is_same_v<T, Date>) {
    ReadInt(reader, &value.days);
  } else if constexpr (std::is_same_v<T, Money>) {
    ReadInt(reader, &value.minor);
    Read(reader, value.currency);
  } else if constexpr (std::is_same_v<T, Reasons>) {
    uint8_t size = 0;
    if (!ReadInt(reader, &size)) return;
    if (size > Reasons::kCapacity) {
      reader.Fail();
      return;
    }
    value.size_for_codec() = size;
    for (uint8_t i = 0; i < size; ++i) Read(reader, value.items_for_codec()[i]);
  } else if constexpr (IsOptional<T>::value) {
    bool present = false;
    Read(reader, present);
    if (!present) {
      value.reset();
      return;
    }
    value.emplace();
    Read(reader, *value);
  } else if constexpr (IsVector<T>::value) {
    uint32_t size = 0;
    if (!ReadInt(reader, &size)) return;
    if (size > kCodecVectorItemsMax) {
      reader.Fail();
      return;
    }
    value.clear();
    for (uint32_t i = 0; i < size && !reader.failed(); ++i) Read(reader, value.emplace_back());
  } else if constexpr (IsVariant<T>::value) {
    uint16_t index = 0;
    if (!ReadInt(reader, &index)) return;
    if (index >= std::variant_size_v<T>) {
      reader.Fail();
      return;
    }
    ReadVariantAlternative(reader, index, value);
  } else {
    value.Fields([&](const char*, auto& field) { Read(reader, field); });
  }
}

template <class R, class Variant, size_t I>
void ReadVariantAlternative(R& reader, size_t index, Variant& value) {
  if constexpr (I < std::variant_size_v<Variant>) {
    if (index == I) {
      Read(reader, value.template emplace<I>());
    } else {
      ReadVariantAlternative<R, Variant, I + 1>(reader, index, value);
    }
  }
}

template <class T>
uint64_t HashOf(const T& value) {
  HashSink sink;
  Write(sink, value);
  return sink.Digest();
}

// The fingerprint of a command's content (not its envelope), for idempotent retries.
inline uint64_t Fingerprint(const Command& command) { return HashOf(command); }

std::string EncodeEvent(const Event& event);
// Refuses truncated input, trailing bytes, bad lengths, enum values and versions.
Result<Event> DecodeEvent(std::string_view bytes);

}  // namespace creditline
