// `creditline benchmark core`: check-and-reserve plus cancel against N accounts, one thread, in
// process, no journal. Prints human-readable lines and, last, one JSON object.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/review.hpp"
#include "core/state.hpp"

namespace creditline::cli {
namespace {

// Orders stay open this many operations before they are cancelled, so every check sees real
// exposure on its account and the order index holds a steady working set.
constexpr size_t kOpenOrdersWindow = 4096;
// Every this many operations one reserve is timed on its own for the latency percentiles;
// timing every call would cost more than a check does.
constexpr uint64_t kLatencySampleEvery = 16;
// Simulated time: 100 operations per millisecond (100,000 commands a second), so that the
// idempotency keys of the last retention window (5 s: 500,000 operations) stay remembered.
constexpr uint64_t kOperationsPerSimulatedMs = 100;

struct CoreBenchmarkOptions {
  size_t accounts = 100'000;
  uint64_t operations = 5'000'000;
  // Operations run before the timed ones, so that the accounts carry this much history (each
  // operation is one to two events); a check must cost the same after any amount of it.
  uint64_t history_operations = 0;
  uint64_t seed = 42;
  bool idempotency_keys = true;
  TimeMs idempotency_retention_ms = 5'000;
};

using Clock = std::chrono::steady_clock;

Envelope BenchEnvelope(TimeMs time) {
  Envelope env;
  env.actor = "benchmark";
  env.time = time;
  env.today = DateOf(time, 0);
  return env;
}

void Must(const Result<CommandResult>& result, const char* what) {
  if (!result.ok()) {
    std::fprintf(stderr, "benchmark setup failed at %s: %s\n", what,
                 result.error().message.c_str());
    std::exit(1);
  }
}

void CreateAccounts(State& state, size_t count, TimeMs time) {
  Currency cny = Currency::Of("CNY");
  for (size_t i = 0; i < count; ++i) {
    std::string id = "C" + std::to_string(i);
    Must(state.Execute(BenchEnvelope(time), CreateCustomer{id, "Customer " + id, "", "", {}}),
         "create customer");
    OpenAccount open;
    open.account = AccountRef{id, ""};
    open.currency = cny;
    open.limit_minor = 1'000'000'000;  // 10 million CNY: orders are approved, some warned.
    Must(state.Execute(BenchEnvelope(time), open), "open account");
  }
}

// Writes `prefix` followed by `n` in decimal into `out`, reusing its buffer: the ids and keys
// the loop builds should cost the benchmark as little as possible next to the command.
void SetNumbered(std::string& out, char prefix, uint64_t n) {
  char digits[24];
  digits[0] = prefix;
  char* end = std::to_chars(digits + 1, digits + sizeof digits, n).ptr;
  out.assign(digits, end);
}

struct RunFigures {
  double seconds = 0;
  uint64_t approved = 0, warned = 0, held = 0, rejected = 0;
  std::vector<int64_t> latencies_ns;
  uint64_t first_timed_seq = 0;  // The state's last event before the timed operations.
};

RunFigures Run(State& state, const CoreBenchmarkOptions& options, TimeMs start_time) {
  std::mt19937_64 random(options.seed);
  std::vector<std::string> customer_ids(options.accounts);
  for (size_t i = 0; i < options.accounts; ++i) customer_ids[i] = "C" + std::to_string(i);
  std::vector<std::string> window(kOpenOrdersWindow);
  Currency cny = Currency::Of("CNY");
  RunFigures figures;
  figures.latencies_ns.reserve(options.operations / kLatencySampleEvery + 1);
  Envelope env = BenchEnvelope(start_time);
  ReserveOrder reserve;
  CancelOrder cancel;
  figures.first_timed_seq = state.last_seq();
  Clock::time_point begin = Clock::now();
  uint64_t end = options.history_operations + options.operations;
  for (uint64_t op = 0; op < end; ++op) {
    if (op == options.history_operations && op > 0) {
      figures = RunFigures{};
      figures.latencies_ns.reserve(options.operations / kLatencySampleEvery + 1);
      figures.first_timed_seq = state.last_seq();
      begin = Clock::now();
    }
    env.time = start_time + static_cast<TimeMs>(op / kOperationsPerSimulatedMs);
    std::string& slot = window[op % kOpenOrdersWindow];
    if (!slot.empty()) {
      cancel.order_id = slot;
      if (options.idempotency_keys) SetNumbered(env.idempotency_key, 'x', op);
      Must(state.Execute(env, cancel), "cancel");
    }
    SetNumbered(reserve.order_id, 'O', op);
    reserve.account.customer_id = customer_ids[random() % options.accounts];
    reserve.amount = Money{static_cast<int64_t>(random() % 100'000'00) + 1, cny};
    if (options.idempotency_keys) SetNumbered(env.idempotency_key, 'r', op);
    bool timed = op % kLatencySampleEvery == 0;
    Clock::time_point call_begin = timed ? Clock::now() : Clock::time_point{};
    Result<CommandResult> result = state.Execute(env, reserve);
    if (timed) figures.latencies_ns.push_back((Clock::now() - call_begin).count());
    Must(result, "reserve");
    switch (result->decision->outcome) {
      case Outcome::kApproved:
        ++figures.approved;
        break;
      case Outcome::kApprovedWithWarning:
        ++figures.warned;
        break;
      case Outcome::kHeld:
        ++figures.held;
        break;
      case Outcome::kRejected:
        ++figures.rejected;
        break;
    }
    bool reserved = result->decision->outcome <= Outcome::kHeld;
    if (reserved) {
      slot = reserve.order_id;
    } else {
      slot.clear();
    }
  }
  figures.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  return figures;
}

int64_t Percentile(std::vector<int64_t>& values, double fraction) {
  if (values.empty()) return 0;
  size_t index = std::min(values.size() - 1, static_cast<size_t>(values.size() * fraction));
  std::nth_element(values.begin(), values.begin() + index, values.end());
  return values[index];
}

void RunCoreBenchmark(const CoreBenchmarkOptions& options) {
  StateOptions state_options;
  state_options.idempotency_retention_ms = options.idempotency_retention_ms;
  State state(state_options);
  TimeMs start_time = 1'790'000'000'000;  // 2026-09-21, an arbitrary fixed instant.
  Clock::time_point setup_begin = Clock::now();
  CreateAccounts(state, options.accounts, start_time);
  std::fprintf(stderr, "created %zu accounts in %.2f s\n", options.accounts,
               std::chrono::duration<double>(Clock::now() - setup_begin).count());
  uint64_t setup_events = state.last_seq();
  RunFigures figures = Run(state, options, start_time);
  uint64_t history_events = figures.first_timed_seq - setup_events;
  double ops_per_sec = static_cast<double>(options.operations) / figures.seconds;
  int64_t p50 = Percentile(figures.latencies_ns, 0.50);
  int64_t p99 = Percentile(figures.latencies_ns, 0.99);
  std::printf("%llu check-and-reserve operations (each with a cancel) on %zu accounts in %.3f s\n",
              static_cast<unsigned long long>(options.operations), options.accounts,
              figures.seconds);
  if (options.history_operations > 0) {
    std::printf("after %llu operations of history (%llu events)\n",
                static_cast<unsigned long long>(options.history_operations),
                static_cast<unsigned long long>(history_events));
  }
  std::printf("approved %llu, with warning %llu, held %llu, rejected %llu\n",
              static_cast<unsigned long long>(figures.approved),
              static_cast<unsigned long long>(figures.warned),
              static_cast<unsigned long long>(figures.held),
              static_cast<unsigned long long>(figures.rejected));
  std::printf(
      "{\"suite\":\"core\",\"accounts\":%zu,\"operations\":%llu,\"history_events\":%llu,"
      "\"idempotency_keys\":%s,"
      "\"seconds\":%.3f,\"ops_per_sec\":%.0f,\"p50_ns\":%lld,\"p99_ns\":%lld,"
      "\"state_hash\":\"%016llx\"}\n",
      options.accounts, static_cast<unsigned long long>(options.operations),
      static_cast<unsigned long long>(history_events), options.idempotency_keys ? "true" : "false",
      figures.seconds, ops_per_sec, static_cast<long long>(p50), static_cast<long long>(p99),
      static_cast<unsigned long long>(state.StateHash()));
}

}  // namespace

void AddBenchmarkCommand(CLI::App& app) {
  CLI::App* benchmark = app.add_subcommand("benchmark", "Measure Creditline's speed");
  benchmark->require_subcommand(1);
  static CoreBenchmarkOptions core_options;
  CLI::App* core = benchmark->add_subcommand(
      "core", "Check-and-reserve plus cancel in one thread, in process, no journal");
  core->add_option("--accounts", core_options.accounts, "Number of credit accounts")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  core->add_option("--operations", core_options.operations, "Check-and-reserve operations")
      ->check(CLI::Range(1, 1'000'000'000))
      ->capture_default_str();
  core->add_option("--history-operations", core_options.history_operations,
                   "Untimed operations run first, to time a check after that much history")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1'000'000'000}))
      ->capture_default_str();
  core->add_option("--seed", core_options.seed, "Random seed")->capture_default_str();
  core->add_flag("!--no-idempotency-keys", core_options.idempotency_keys,
                 "Send commands without idempotency keys");
  core->callback([] { RunCoreBenchmark(core_options); });
  AddHttpBenchmarkCommand(*benchmark);
  AddStoreBenchmarkCommands(*benchmark);
  AddReviewBenchmarkCommand(*benchmark);
  AddReportBenchmarkCommand(*benchmark);
  AddImportBenchmarkCommand(*benchmark);
}

}  // namespace creditline::cli
