#include "service/calendar.hpp"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>

namespace creditline::service {
namespace {

constexpr const char* kZoneInfoDirectory = "/usr/share/zoneinfo/";

// "+08:00" / "-05:30" → minutes; false when `zone` is not of that form.
bool ParseOffset(const std::string& zone, int* minutes) {
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return false;
  for (size_t i : {1, 2, 4, 5}) {
    if (zone[i] < '0' || zone[i] > '9') return false;
  }
  int hours = (zone[1] - '0') * 10 + (zone[2] - '0');
  int mins = (zone[4] - '0') * 10 + (zone[5] - '0');
  if (hours > 14 || mins > 59) return false;
  *minutes = (hours * 60 + mins) * (zone[0] == '-' ? -1 : 1);
  return true;
}

bool IsZoneName(const std::string& zone) {
  if (zone.empty() || zone.size() > 64 || zone[0] == '/' || zone.find("..") != std::string::npos) {
    return false;
  }
  for (char c : zone) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  std::error_code error;
  return std::filesystem::is_regular_file(kZoneInfoDirectory + zone, error);
}

}  // namespace

Result<BusinessCalendar> BusinessCalendar::ForZone(const std::string& zone) {
  BusinessCalendar calendar;
  calendar.zone_ = zone;
  if (zone == "UTC" || zone == "Z") return calendar;
  if (ParseOffset(zone, &calendar.offset_minutes_)) return calendar;
  if (!IsZoneName(zone)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown time zone '" + zone.substr(0, 64) +
                         "': use an IANA name such as Asia/Shanghai, UTC, or an offset like +08:00",
                     "time_zone");
  }
  setenv("TZ", zone.c_str(), 1);
  tzset();
  calendar.fixed_offset_ = false;
  return calendar;
}

Date BusinessCalendar::Today(TimeMs now) const {
  if (fixed_offset_) return DateOf(now, offset_minutes_);
  std::time_t seconds = static_cast<std::time_t>(now / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  return DateFromCivil(local.tm_year + 1900, static_cast<unsigned>(local.tm_mon + 1),
                       static_cast<unsigned>(local.tm_mday));
}

int32_t BusinessCalendar::MinuteOfDay(TimeMs now) const {
  if (fixed_offset_) {
    int64_t minutes = now / 60'000 + offset_minutes_;
    return static_cast<int32_t>(((minutes % 1440) + 1440) % 1440);
  }
  std::time_t seconds = static_cast<std::time_t>(now / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  return local.tm_hour * 60 + local.tm_min;
}

TimeMs SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace creditline::service
