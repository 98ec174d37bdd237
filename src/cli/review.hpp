// The daily review schedule of `creditline serve`: once per business date, at or after the
// configured local time in the business time zone, the review job runs through the engine like
// POST /v1/reviews. Start() and Stop() from one thread; the schedule runs on its own thread.
#pragma once

#include <CLI/CLI.hpp>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "service/calendar.hpp"
#include "service/engine.hpp"

namespace creditline::cli {

// The schedule looks at the clock this often: a review starts at most this late.
inline constexpr int kReviewScheduleCheckSeconds = 20;

class ReviewScheduler {
 public:
  ~ReviewScheduler() { Stop(); }
  void Start(service::Engine& engine, const service::BusinessCalendar& calendar,
             int32_t minute_of_day);
  // Waits for a review in progress to finish.
  void Stop();

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// "HH:MM" to minutes since midnight.
Result<int32_t> ParseMinuteOfDay(const std::string& text);

void AddReviewCommand(CLI::App& app);
void AddReviewBenchmarkCommand(CLI::App& benchmark);

}  // namespace creditline::cli
