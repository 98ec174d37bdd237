#include "core/limit_request.hpp"

#include <array>

namespace creditline {
namespace {

constexpr std::array<std::string_view, EnumLimit(LimitRequestStatus{})> kRequestStatusNames = {
    "pending", "approved", "rejected"};
constexpr std::array<std::string_view, EnumLimit(InstallmentStatus{})> kInstallmentNames = {
    "pending", "paid", "missed"};
constexpr std::array<std::string_view, EnumLimit(RecoveryPlanStatus{})> kPlanNames = {"active",
                                                                                      "completed"};

}  // namespace

std::string_view NameOf(LimitRequestStatus status) {
  return kRequestStatusNames.at(static_cast<size_t>(status));
}

Result<LimitRequestStatus> ParseLimitRequestStatus(std::string_view text) {
  for (size_t i = 0; i < kRequestStatusNames.size(); ++i) {
    if (kRequestStatusNames[i] == text) return static_cast<LimitRequestStatus>(i);
  }
  return MakeError(ErrorCode::kInvalidArgument, "status must be pending, approved or rejected",
                   "status");
}

std::string_view NameOf(InstallmentStatus status) {
  return kInstallmentNames.at(static_cast<size_t>(status));
}

std::string_view NameOf(RecoveryPlanStatus status) {
  return kPlanNames.at(static_cast<size_t>(status));
}

std::string TemporaryLimitIdFor(const std::string& request_id) { return "request-" + request_id; }

}  // namespace creditline
