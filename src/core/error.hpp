// Errors as values for the core and the service layer.
//
// A credit refusal is a decision, not an error: errors here mean the command itself was bad
// (unknown customer, malformed amount, ...) and nothing was changed. Each ErrorCode has one row
// in the table in error.cpp that gives its stable machine-readable name, the HTTP status the API
// answers with and the exit code the CLI uses. Value types; thread-compatible.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace creditline {

enum class ErrorCode : uint8_t {
  kInvalidArgument,
  kMissingField,
  kInvalidId,
  kInvalidAmount,
  kUnknownCurrency,
  kCurrencyMismatch,
  kFxRateNotFound,
  kInvalidDate,
  kCustomerNotFound,
  kAccountNotFound,
  kGroupNotFound,
  kPolicyNotFound,
  kOrderNotFound,
  kInvoiceNotFound,
  kTemporaryLimitNotFound,
  kCollateralNotFound,
  kDuplicateId,
  kIdempotencyConflict,
  kInvalidState,
  kAmountOverflow,
  kCorruptRecord,
  // Transport errors, raised by the HTTP layer before a command reaches the core.
  kInvalidJson,
  kUnknownField,
  kMissingIdempotencyKey,
  kUnauthenticated,
  kForbidden,
  kRouteNotFound,
  kMethodNotAllowed,
  kPayloadTooLarge,
  kUnsupportedMediaType,
  kOverloaded,
  kInternal,
  // Storage: the journal, snapshots and the data directory.
  kStorageError,
  kWritesStopped,
  kDataDirInUse,
  // A store shared by several servers: another one holds the writer lease, and this one is a
  // standby that takes no writes.
  kWriterLeaseHeld,
  kStandby,
  // Console sessions: repeated failed logins, and a cookie request without its CSRF token.
  kTooManyRequests,
  kCsrfTokenInvalid,
  // Credit assessment: limit change requests and recovery plans.
  kLimitRequestNotFound,
  kRecoveryPlanNotFound,
  kFourEyesViolation,
  kApprovalTierExceeded,
  kAlertNotFound,
  kImportRejected,
  // A limit change request for an account that already has one pending.
  kLimitRequestPending,
  // A customer statement or activity feed needs events this server no longer holds (a server
  // without a journal keeps only the latest events in memory).
  kHistoryUnavailable,
};
inline constexpr ErrorCode kLastErrorCode = ErrorCode::kHistoryUnavailable;

struct ErrorCodeInfo {
  ErrorCode code;
  std::string_view name;  // Stable, machine-readable: "invalid_amount".
  int http_status;
  int cli_exit_code;
};

const ErrorCodeInfo& InfoOf(ErrorCode code);
std::string_view NameOf(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInvalidArgument;
  std::string message;
  std::string field;  // The offending input field, empty when not about one field.

  bool operator==(const Error&) const = default;
};

inline Error MakeError(ErrorCode code, std::string message, std::string field = {}) {
  return Error{code, std::move(message), std::move(field)};
}

// Either a value or an Error. Accessing the wrong side is a programmer error (asserted).
template <class T>
class [[nodiscard]] Result {
 public:
  // Implicit from anything T can be built from, so `return event;` works for variant T.
  template <class U = T, std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                              !std::is_same_v<std::decay_t<U>, Error> &&
                                              !std::is_same_v<std::decay_t<U>, Result>,
                                          int> = 0>
  Result(U&& value) : data_(std::in_place_index<0>, std::forward<U>(value)) {}  // NOLINT
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}      // NOLINT

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return std::get<0>(data_);
  }
  T& value() & {
    assert(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(data_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(data_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, Error> data_;
};

// Success or an Error, for operations with no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  static Status Ok() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace creditline

// Propagates an error from a Status or Result expression.
#define CL_RETURN_IF_ERROR(expr)                     \
  do {                                               \
    auto&& cl_status_ = (expr);                      \
    if (!cl_status_.ok()) return cl_status_.error(); \
  } while (0)

#define CL_CONCAT_INNER(a, b) a##b
#define CL_CONCAT(a, b) CL_CONCAT_INNER(a, b)
// Declares `lhs` from a Result expression, or returns its error. It expands to several
// statements: never use it as the unbraced body of an if or a loop.
#define CL_ASSIGN_OR_RETURN(lhs, expr) \
  CL_ASSIGN_OR_RETURN_IMPL(CL_CONCAT(cl_result_, __LINE__), lhs, expr)
#define CL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.error();             \
  lhs = std::move(tmp).value()
