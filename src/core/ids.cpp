#include "core/ids.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

namespace creditline {
namespace {

constexpr bool IsIdCharSlow(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

// Every command validates several ids, so the character test is one table load rather than a
// chain of range comparisons per character.
constexpr std::array<bool, 256> kIdChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = IsIdCharSlow(static_cast<unsigned char>(c));
  return table;
}();

bool IsIdChar(char c) { return kIdChars[static_cast<unsigned char>(c)]; }

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not well formed.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  unsigned char lead = static_cast<unsigned char>(text[i]);
  size_t length = lead < 0x80           ? 1
                  : (lead >> 5) == 0x6  ? 2
                  : (lead >> 4) == 0xE  ? 3
                  : (lead >> 3) == 0x1E ? 4
                                        : 0;
  if (length == 0 || i + length > text.size()) return 0;
  uint32_t code_point = length == 1 ? lead : lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    unsigned char next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (next & 0x3F);
  }
  static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < kMinimum[length] || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return length;
}

// True when all eight bytes at `p` are printable ASCII (0x20..0x7E), tested as one word: a
// byte below 0x20 borrows into its high bit when 0x20 is subtracted, a byte above 0x7E carries
// into it when 0x01 is added, and a byte with the high bit set shows it either way.
bool EightPrintableAscii(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighBits = 0x8080808080808080ULL;
  uint64_t word;
  std::memcpy(&word, p, sizeof word);
  uint64_t below = (word - 0x20 * kOnes) & ~word;
  uint64_t above = (word + 0x01 * kOnes) | word;
  return ((below | above) & kHighBits) == 0;
}

}  // namespace

Status ValidateId(std::string_view id, const char* field, size_t bytes_max) {
  if (id.empty()) {
    return MakeError(ErrorCode::kMissingField, std::string(field) + " is required", field);
  }
  if (id.size() > bytes_max) {
    return MakeError(
        ErrorCode::kInvalidId,
        std::string(field) + " is longer than " + std::to_string(bytes_max) + " characters", field);
  }
  // Test every character, then report once: no early exit in the common, valid case.
  bool valid = true;
  for (char c : id) valid &= IsIdChar(c);
  if (!valid) {
    return MakeError(ErrorCode::kInvalidId,
                     std::string(field) + " may contain only letters, digits and . _ : -", field);
  }
  return Status::Ok();
}

Status ValidateText(std::string_view text, const char* field, bool required) {
  if (text.empty() && required) {
    return MakeError(ErrorCode::kMissingField, std::string(field) + " is required", field);
  }
  if (text.size() > kTextBytesMax) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        std::string(field) + " is longer than " + std::to_string(kTextBytesMax) + " bytes", field);
  }
  for (size_t i = 0; i < text.size();) {
    // Texts are mostly printable ASCII: skip it eight bytes at a time.
    while (i + 8 <= text.size() && EightPrintableAscii(text.data() + i)) i += 8;
    if (i == text.size()) break;
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {  // Printable ASCII: the common case.
      ++i;
      continue;
    }
    size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      return MakeError(ErrorCode::kInvalidArgument, std::string(field) + " is not valid UTF-8",
                       field);
    }
    if (length == 1 && (static_cast<unsigned char>(text[i]) < 0x20 || text[i] == 0x7F)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string(field) + " contains a control character", field);
    }
    i += length;
  }
  return Status::Ok();
}

}  // namespace creditline
