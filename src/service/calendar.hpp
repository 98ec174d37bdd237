// The clock and the business calendar of the service.
//
// The core never reads a clock; the service does, here, and stamps each command with the
// instant and the business date ("today" in the configured business time zone, which decides
// when an invoice becomes overdue). Zones are IANA names from the system's tz database
// ("Asia/Shanghai", "Europe/Berlin"), "UTC", or fixed offsets ("+08:00").
// Thread-safe after construction.
#pragma once

#include <string>

#include "core/error.hpp"
#include "core/time.hpp"

namespace creditline::service {

class BusinessCalendar {
 public:
  // Sets the process time zone (TZ) when `zone` is an IANA name: one zone per server process.
  static Result<BusinessCalendar> ForZone(const std::string& zone);

  Date Today(TimeMs now) const;
  // Minutes since local midnight in the business time zone, 0..1439.
  int32_t MinuteOfDay(TimeMs now) const;
  const std::string& zone() const { return zone_; }

 private:
  BusinessCalendar() = default;
  std::string zone_ = "UTC";
  bool fixed_offset_ = true;
  int offset_minutes_ = 0;
};

TimeMs SystemNowMs();

}  // namespace creditline::service
