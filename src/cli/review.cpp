// `creditline review` (the periodic review, offline, against a data directory), the daily
// review schedule of `creditline serve`, and `creditline benchmark review`.
#include "cli/review.hpp"

#include <chrono>
#include <cstdio>
#include <future>
#include <string>

#include "cli/commands.hpp"
#include "cli/storage.hpp"
#include "core/assessment_internal.hpp"
#include "core/codec.hpp"
#include "service/data_dir.hpp"
#include "service/review_job.hpp"

namespace creditline::cli {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point begin) {
  return std::chrono::duration<double>(Clock::now() - begin).count();
}

void PrintSummary(const service::ReviewSummary& s, double seconds) {
  std::printf(
      "reviewed %llu of %llu due accounts in %.2f s: %llu raised, %llu lowered, %llu suspended, "
      "%llu requests opened, %llu already pending, %llu unchanged; installments paid %llu, missed "
      "%llu; plans "
      "completed %llu; %llu events (seq %llu..%llu)\n",
      static_cast<unsigned long long>(s.reviewed), static_cast<unsigned long long>(s.due), seconds,
      static_cast<unsigned long long>(s.raised), static_cast<unsigned long long>(s.lowered),
      static_cast<unsigned long long>(s.suspended), static_cast<unsigned long long>(s.requested),
      static_cast<unsigned long long>(s.request_pending),
      static_cast<unsigned long long>(s.unchanged),
      static_cast<unsigned long long>(s.installments_paid),
      static_cast<unsigned long long>(s.installments_missed),
      static_cast<unsigned long long>(s.plans_completed), static_cast<unsigned long long>(s.events),
      static_cast<unsigned long long>(s.first_seq), static_cast<unsigned long long>(s.last_seq));
}

struct ReviewOptions {
  std::string data_dir = "data";
  std::string store_url;
  std::string time_zone = "UTC";
};

void RunReviewCommand(const ReviewOptions& options) {
  Result<service::BusinessCalendar> calendar =
      service::BusinessCalendar::ForZone(options.time_zone);
  if (!calendar.ok()) return SetExitCode(Fail(calendar.error()));
  Result<std::unique_ptr<service::DataDirLock>> lock =
      service::DataDirLock::Acquire(options.data_dir);
  if (!lock.ok()) return SetExitCode(Fail(lock.error()));
  Result<OpenedStore> opened =
      OpenAndRecover(options.data_dir, options.store_url, service::SnapshotSchedule{}, 3);
  if (!opened.ok()) return SetExitCode(Fail(opened.error()));
  service::Engine engine(*calendar, std::move(opened->state), std::move(opened->durability));
  engine.Start();
  std::promise<service::ReviewSummary> finished;
  Clock::time_point begin = Clock::now();
  service::StartReview(
      engine, "cli:review",
      [begin](const service::ReviewSummary& s) {
        std::fprintf(stderr, "review: %llu of %llu accounts (%.1f s)\n",
                     static_cast<unsigned long long>(s.reviewed),
                     static_cast<unsigned long long>(s.due), SecondsSince(begin));
      },
      [&finished](const service::ReviewSummary& s) { finished.set_value(s); });
  service::ReviewSummary summary = finished.get_future().get();
  double seconds = SecondsSince(begin);
  engine.Stop();
  if (summary.error) return SetExitCode(Fail(*summary.error));
  PrintSummary(summary, seconds);
}

struct ReviewBenchmarkOptions {
  uint32_t accounts = 100'000;
};

// A portfolio with some history per account: two invoices, one paid late, one open.
State BuildPortfolio(uint32_t accounts) {
  State state;
  Currency cny = Currency::Of("CNY");
  Date start = DateFromCivil(2026, 1, 5);
  TimeMs now = int64_t{start.days} * kMsPerDay;
  auto run = [&](Date today, const Command& command) {
    Result<CommandResult> result = state.Execute(Envelope{"", "bench", ++now, today}, command);
    if (!result.ok()) std::fprintf(stderr, "setup failed: %s\n", result.error().message.c_str());
  };
  for (uint32_t i = 0; i < accounts; ++i) {
    std::string id = "C" + std::to_string(i);
    // Some limits below what the history supports, some above, for a varied review.
    OpenAccount open{AccountRef{id, ""}, cny, i % 3 == 0 ? 1'000'000 : 5'000'000};
    run(start, CreateCustomer{id, "Customer " + id, "", "", {}, open});
    run(start, CreateInvoice{"A" + id, AccountRef{id, ""}, "", Money{3'000'000, cny}, start});
  }
  Date later = AddDays(start, 45);
  for (uint32_t i = 0; i < accounts; ++i) {
    std::string id = "C" + std::to_string(i);
    Date paid_on = AddDays(start, 20 + static_cast<int32_t>(i % 50));
    run(later,
        RecordPayment{"P" + id, AccountRef{id, ""}, "A" + id, Money{3'000'000, cny}, paid_on});
    run(later, CreateInvoice{"B" + id, AccountRef{id, ""}, "", Money{2'000'000, cny}, later});
  }
  return state;
}

void RunReviewBenchmark(const ReviewBenchmarkOptions& options) {
  Clock::time_point setup = Clock::now();
  State state = BuildPortfolio(options.accounts);
  std::fprintf(stderr, "portfolio of %u accounts built in %.1f s\n", options.accounts,
               SecondsSince(setup));
  Date today = DateFromCivil(2026, 3, 1);
  TimeMs now = int64_t{today.days} * kMsPerDay;
  Clock::time_point begin = Clock::now();
  uint32_t from = 0, events = 0;
  uint64_t reviewed = 0, raised = 0, lowered = 0, suspended = 0, bytes = 0;
  std::vector<Event> emitted;
  while (from != kReviewFinished) {
    emitted.clear();
    Result<CommandResult> result =
        state.Execute(Envelope{"", "bench", ++now, today}, RunReview{from, 0}, &emitted);
    if (!result.ok()) return SetExitCode(Fail(result.error()));
    const ReviewRan& ran = std::get<ReviewRan>(emitted.back().body);
    bytes += EncodeEvent(emitted.back()).size();
    ++events;
    for (const ReviewOutcome& outcome : ran.outcomes) {
      ++reviewed;
      raised += outcome.result == ReviewResult::kRaised;
      lowered += outcome.result == ReviewResult::kLowered;
      suspended += outcome.result == ReviewResult::kSuspended;
    }
    from = ran.next_account;
  }
  double seconds = SecondsSince(begin);
  std::printf(
      "{\"suite\":\"review\",\"accounts\":%llu,\"seconds\":%.3f,\"accounts_per_second\":%.0f,"
      "\"events\":%u,\"journal_bytes\":%llu,\"raised\":%llu,\"lowered\":%llu,"
      "\"suspended\":%llu}\n",
      static_cast<unsigned long long>(reviewed), seconds, reviewed / std::max(seconds, 1e-9),
      events, static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(raised),
      static_cast<unsigned long long>(lowered), static_cast<unsigned long long>(suspended));
}

}  // namespace

void AddReviewCommand(CLI::App& app) {
  static ReviewOptions options;
  CLI::App* review = app.add_subcommand(
      "review", "Review every account that is due: score, grade, proposal, policy actions");
  review->add_option("--data", options.data_dir, "Data directory (from `creditline init`)")
      ->capture_default_str();
  AddStoreOption(*review, options.store_url);
  review
      ->add_option("--time-zone", options.time_zone,
                   "Business time zone for 'today' (IANA name, UTC, or +HH:MM)")
      ->capture_default_str();
  review->callback([] { RunReviewCommand(options); });
}

void AddReviewBenchmarkCommand(CLI::App& benchmark) {
  static ReviewBenchmarkOptions options;
  CLI::App* review = benchmark.add_subcommand(
      "review", "Review a generated portfolio in process (scoring and events, no journal)");
  review->add_option("--accounts", options.accounts, "Accounts in the portfolio")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  review->callback([] { RunReviewBenchmark(options); });
}

void ReviewScheduler::Start(service::Engine& engine, const service::BusinessCalendar& calendar,
                            int32_t minute_of_day) {
  thread_ = std::thread([this, &engine, calendar, minute_of_day] {
    Date last_run = kNoDate;
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      TimeMs now = service::SystemNowMs();
      Date today = calendar.Today(now);
      // A standby runs no commands: the active server reviews, or this one once it takes over.
      if (today != last_run && !engine.standby() && calendar.MinuteOfDay(now) >= minute_of_day) {
        last_run = today;
        lock.unlock();
        std::promise<service::ReviewSummary> finished;
        Clock::time_point begin = Clock::now();
        service::StartReview(
            engine, "system:schedule", nullptr,
            [&finished](const service::ReviewSummary& s) { finished.set_value(s); });
        service::ReviewSummary summary = finished.get_future().get();
        if (summary.error) {
          std::fprintf(stderr, "scheduled review failed: %s\n", summary.error->message.c_str());
        } else {
          PrintSummary(summary, SecondsSince(begin));
        }
        std::fflush(stdout);
        lock.lock();
      }
      wake_.wait_for(lock, std::chrono::seconds(kReviewScheduleCheckSeconds));
    }
  });
}

void ReviewScheduler::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<int32_t> ParseMinuteOfDay(const std::string& text) {
  int hours = -1, minutes = -1;
  char extra = 0;
  if (text.size() != 5 || std::sscanf(text.c_str(), "%2d:%2d%c", &hours, &minutes, &extra) != 2 ||
      hours < 0 || hours > 23 || minutes < 0 || minutes > 59) {
    return MakeError(ErrorCode::kInvalidArgument, "--review-at must be HH:MM (00:00..23:59)",
                     "review_at");
  }
  return hours * 60 + minutes;
}

}  // namespace creditline::cli
