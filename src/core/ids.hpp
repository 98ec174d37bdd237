// Validation of identifiers and free text that enter the core from outside.
//
// Ids (customers, orders, invoices, policies, idempotency keys, ...) are 1..kIdBytesMax bytes of
// [A-Za-z0-9._:-]: safe in URLs, file names, CSV and logs. Names and reasons are UTF-8 text
// without control characters, bounded in length. Pure functions.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/error.hpp"

namespace creditline {

inline constexpr size_t kIdBytesMax = 64;     // Longer than any ERP document number we know.
inline constexpr size_t kTextBytesMax = 500;  // Names, reasons, tags: one line for a person.
// Idempotency keys are longer so that a client key can carry a suffix (batch items).
inline constexpr size_t kIdempotencyKeyBytesMax = 128;

Status ValidateId(std::string_view id, const char* field, size_t bytes_max = kIdBytesMax);
// Empty allowed when `required` is false.
Status ValidateText(std::string_view text, const char* field, bool required);

}  // namespace creditline
