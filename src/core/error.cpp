#include "core/error.hpp"

#include <array>

namespace creditline {
namespace {

// HTTP status per API conventions; CLI exit codes: 1 internal, 2 bad input, 3 not found,
// 4 conflict, 5 corrupt data, 6 not allowed, 7 overloaded, 8 storage failure, 9 data directory in
// use. Kept in ErrorCode order (checked at start-up by the static_assert below).
constexpr std::array<ErrorCodeInfo, static_cast<size_t>(kLastErrorCode) + 1> kErrorTable = {{
    {ErrorCode::kInvalidArgument, "invalid_argument", 400, 2},
    {ErrorCode::kMissingField, "missing_field", 400, 2},
    {ErrorCode::kInvalidId, "invalid_id", 400, 2},
    {ErrorCode::kInvalidAmount, "invalid_amount", 400, 2},
    {ErrorCode::kUnknownCurrency, "unknown_currency", 400, 2},
    {ErrorCode::kCurrencyMismatch, "currency_mismatch", 422, 2},
    {ErrorCode::kFxRateNotFound, "fx_rate_not_found", 422, 2},
    {ErrorCode::kInvalidDate, "invalid_date", 400, 2},
    {ErrorCode::kCustomerNotFound, "customer_not_found", 404, 3},
    {ErrorCode::kAccountNotFound, "account_not_found", 404, 3},
    {ErrorCode::kGroupNotFound, "group_not_found", 404, 3},
    {ErrorCode::kPolicyNotFound, "policy_not_found", 404, 3},
    {ErrorCode::kOrderNotFound, "order_not_found", 404, 3},
    {ErrorCode::kInvoiceNotFound, "invoice_not_found", 404, 3},
    {ErrorCode::kTemporaryLimitNotFound, "temporary_limit_not_found", 404, 3},
    {ErrorCode::kCollateralNotFound, "collateral_not_found", 404, 3},
    {ErrorCode::kDuplicateId, "duplicate_id", 409, 4},
    {ErrorCode::kIdempotencyConflict, "idempotency_conflict", 409, 4},
    {ErrorCode::kInvalidState, "invalid_state", 409, 4},
    {ErrorCode::kAmountOverflow, "amount_overflow", 422, 2},
    {ErrorCode::kCorruptRecord, "corrupt_record", 500, 5},
    {ErrorCode::kInvalidJson, "invalid_json", 400, 2},
    {ErrorCode::kUnknownField, "unknown_field", 400, 2},
    {ErrorCode::kMissingIdempotencyKey, "missing_idempotency_key", 400, 2},
    {ErrorCode::kUnauthenticated, "unauthenticated", 401, 6},
    {ErrorCode::kForbidden, "forbidden", 403, 6},
    {ErrorCode::kRouteNotFound, "not_found", 404, 3},
    {ErrorCode::kMethodNotAllowed, "method_not_allowed", 405, 2},
    {ErrorCode::kPayloadTooLarge, "payload_too_large", 413, 2},
    {ErrorCode::kUnsupportedMediaType, "unsupported_media_type", 415, 2},
    {ErrorCode::kOverloaded, "overloaded", 503, 7},
    {ErrorCode::kInternal, "internal", 500, 1},
    {ErrorCode::kStorageError, "storage_error", 500, 8},
    {ErrorCode::kWritesStopped, "writes_stopped", 503, 8},
    {ErrorCode::kDataDirInUse, "data_dir_in_use", 409, 9},
    {ErrorCode::kWriterLeaseHeld, "writer_lease_held", 409, 9},
    {ErrorCode::kStandby, "standby", 503, 8},
    {ErrorCode::kTooManyRequests, "too_many_requests", 429, 6},
    {ErrorCode::kCsrfTokenInvalid, "csrf_token_invalid", 403, 6},
    {ErrorCode::kLimitRequestNotFound, "limit_request_not_found", 404, 3},
    {ErrorCode::kRecoveryPlanNotFound, "recovery_plan_not_found", 404, 3},
    {ErrorCode::kFourEyesViolation, "four_eyes_violation", 403, 6},
    {ErrorCode::kApprovalTierExceeded, "approval_tier_exceeded", 403, 6},
    {ErrorCode::kAlertNotFound, "alert_not_found", 404, 3},
    {ErrorCode::kImportRejected, "import_rejected", 422, 2},
    {ErrorCode::kLimitRequestPending, "limit_request_pending", 409, 4},
    {ErrorCode::kHistoryUnavailable, "history_unavailable", 409, 4},
}};

constexpr bool TableInOrder() {
  for (size_t i = 0; i < kErrorTable.size(); ++i) {
    if (static_cast<size_t>(kErrorTable[i].code) != i) return false;
  }
  return true;
}
static_assert(TableInOrder(), "kErrorTable must list ErrorCode values in order");

}  // namespace

const ErrorCodeInfo& InfoOf(ErrorCode code) {
  size_t index = static_cast<size_t>(code);
  assert(index < kErrorTable.size());
  return kErrorTable[index];
}

std::string_view NameOf(ErrorCode code) { return InfoOf(code).name; }

}  // namespace creditline
