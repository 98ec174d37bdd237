// Seeded random simulation of the credit core (core::State).
//
// Each seed builds a small random world (policies with random tolerances, thresholds, quotas
// and actions; two or three credit groups; 10-30 customers with one or two accounts in CNY, USD
// or JPY; FX rates) and then sends random commands through State::Execute: reservations (some
// expiring, some in a foreign currency, a few of the largest allowed amount, some reusing the
// id of a closed order), changes up and down, cancellations, expiry sweeps, invoices from
// orders (partial, full, closing) and standalone, payments (named, oldest first, overpaying),
// credit notes, write-offs, hold releases and rejections, limit, temporary limit, collateral,
// status, group, policy, FX (both directions), customer and account changes, the credit
// assessment (financials, scorecard and assessment policy changes, reviews in every mode, limit
// requests opened, approved and rejected, recovery plans and their installment checks) and
// monitoring (monitor runs, alert acknowledgements, alert rule changes), idempotent
// retries (same body: replayed with the same reply; other body: conflict; past retention: a
// new command) and a share of deliberately invalid commands, each with the error it must get.
// Time moves forward at random, sometimes by days, so invoices fall overdue, temporary limits
// lapse and reservations expire; now and then the clock steps back a little.
//
// After every step it checks the invariants of DESIGN.md sections 4 and 6: exposure equals the
// open items, group exposure equals the members' exposure, hold counts match the hold queue, a
// failed command changes nothing, and no approval (only a recorded release) takes an account
// or group past a limit its policy enforces; an account never has two pending limit requests;
// the due-date index walked page by page lists exactly the overdue invoices. At checkpoints and at
// the end every event is encoded, decoded and replayed into a fresh State, which must match hash
// and views. At the start and at every checkpoint the live state is also snapshotted
// (core/snapshot.hpp) and decoded into a fresh State, which must match too and then runs every
// later command in lockstep with the live state, giving the same replies and byte-identical events,
// until the next checkpoint compares it again and takes a new snapshot.
//
// A failure names its seed and step; a core assertion (abort) prints the seed from a signal
// handler. Environment variables:
//   CREDITLINE_SIMULATION_SEEDS  how many seeds to run (default 100, seeds 20261122, ...)
//   CREDITLINE_SIMULATION_STEPS  commands per seed (default 1000)
//   CREDITLINE_SIMULATION_SEED   run only this seed, to reproduce a failure
//                                (off by default until the replay difference it finds is fixed)
// A soak: CREDITLINE_SIMULATION_SEEDS=2000 CREDITLINE_SIMULATION_STEPS=20000 ./simulation_test
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/assessment_policy.hpp"
#include "core/codec.hpp"
#include "core/commands.hpp"
#include "core/decision.hpp"
#include "core/events.hpp"
#include "core/money.hpp"
#include "core/policy.hpp"
#include "core/scorecard.hpp"
#include "core/snapshot.hpp"
#include "core/state.hpp"
#include "core/time.hpp"
#include "gtest/gtest.h"

namespace creditline {
namespace {

constexpr uint64_t kSeedBase = 20'261'122;
constexpr uint64_t kSeedsDefault = 100;
constexpr uint64_t kStepsDefault = 1'000;
// Replay is also checked this often, so that a divergence is reported near its cause.
constexpr int64_t kCheckpointSteps = 250;
// Coverage (holds, releases, ...) is asserted only for runs long enough to produce all of it.
constexpr uint64_t kCoverageStepsMin = 20'000;
// Idempotent retries pick among this many recent keyed commands: a client retries soon.
constexpr size_t kRecentKeyedMax = 16;
constexpr int kRetryPercent = 8;
constexpr int kClockStepBackPercent = 1;
constexpr int kBusinessUtcOffsetMinutes = 8 * 60;  // Asia/Shanghai.
constexpr TimeMs kMsPerSecond = 1'000;
constexpr TimeMs kMsPerHour = 3'600'000;
// Generated amounts stay well above one minor unit so that FX conversion never rounds to 0.
constexpr int64_t kAmountMinorMin = 100;
// Removals start before the core's bound of 32 per account is reached.
constexpr size_t kLimitItemsKeptMax = 8;
constexpr size_t kUsedIdsKeptMax = 64;
constexpr size_t kAllHolds = SIZE_MAX;

bool Failed() { return ::testing::Test::HasFatalFailure(); }

// ------------------------------------------------------------------------------------------
// Run configuration and crash reporting.

struct RunConfig {
  std::vector<uint64_t> seeds;
  uint64_t steps = kStepsDefault;
};

std::optional<uint64_t> EnvironmentNumber(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  char* end = nullptr;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (*end != '\0') {
    ADD_FAILURE() << name << "='" << text << "' is not a number";
    return std::nullopt;
  }
  return value;
}

RunConfig ConfigFromEnvironment() {
  RunConfig config;
  config.steps = EnvironmentNumber("CREDITLINE_SIMULATION_STEPS").value_or(kStepsDefault);
  if (std::optional<uint64_t> seed = EnvironmentNumber("CREDITLINE_SIMULATION_SEED")) {
    config.seeds.push_back(*seed);
    return config;
  }
  uint64_t count = EnvironmentNumber("CREDITLINE_SIMULATION_SEEDS").value_or(kSeedsDefault);
  for (uint64_t i = 0; i < count; ++i) config.seeds.push_back(kSeedBase + i);
  return config;
}

// A core assertion aborts the process before gtest can print its trace, so a signal handler
// names the seed and step. Lock-free atomics are safe to read in a handler.
std::atomic<uint64_t> g_crash_seed{0};
std::atomic<uint64_t> g_crash_step{0};

char* AppendText(char* out, const char* text) {
  while (*text != '\0') *out++ = *text++;
  return out;
}

// No allocation and no locale: async-signal-safe.
char* AppendNumber(char* out, uint64_t value) {
  char digits[24];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (count > 0) *out++ = digits[--count];
  return out;
}

void OnCrash(int signal_number) {
  char buffer[192];
  char* out = AppendText(buffer, "\nsimulation crashed at step ");
  out = AppendNumber(out, g_crash_step.load());
  out = AppendText(out, "; reproduce with CREDITLINE_SIMULATION_SEED=");
  out = AppendNumber(out, g_crash_seed.load());
  out = AppendText(out, "\n");
  ssize_t written = write(STDERR_FILENO, buffer, static_cast<size_t>(out - buffer));
  (void)written;
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// ------------------------------------------------------------------------------------------
// Counters over the whole run, printed at the end and used to assert coverage.

enum class Count : size_t {
  kSteps,
  kCommandsOk,
  kExpectedErrors,
  kOtherErrors,
  kApproved,
  kApprovedWithWarning,
  kHeld,
  kRejected,
  kIncreasesApproved,
  kIncreasesRejected,
  kDecreases,
  kReleases,
  kReleasesPastLimit,
  kHoldsRejected,
  kCancelled,
  kExpired,
  kInvoices,
  kPayments,
  kCreditNotes,
  kWriteOffs,
  kOverdueInvoices,
  kIdempotentReplays,
  kIdempotencyConflicts,
  kExpiredKeysReused,
  kFailuresRepeated,
  kReplayChecks,
  kSnapshotChecks,
  kLockstepCommands,
  kFinancials,
  kScorecards,
  kAssessmentPolicies,
  kReviewedAccounts,
  kRequestsOpened,
  kRequestsPendingRefused,
  kRequestsApproved,
  kRequestsRejected,
  kRecoveryPlans,
  kInstallmentsPaid,
  kInstallmentsMissed,
  kPlansCompleted,
  kMonitorRuns,
  kAlertsAcknowledged,
  kAlertRuleChanges,
  kLimit,
};

constexpr std::array<const char*, static_cast<size_t>(Count::kLimit)> kCountNames = {
    "steps",
    "commands_ok",
    "expected_errors",
    "other_errors",
    "approved",
    "approved_with_warning",
    "held",
    "rejected",
    "increases_approved",
    "increases_rejected",
    "decreases",
    "releases",
    "releases_past_limit",
    "holds_rejected",
    "cancelled",
    "expired",
    "invoices",
    "payments",
    "credit_notes",
    "write_offs",
    "overdue_invoices",
    "idempotent_replays",
    "idempotency_conflicts",
    "expired_keys_reused",
    "failures_repeated",
    "replay_checks",
    "snapshot_checks",
    "lockstep_commands",
    "financials",
    "scorecards",
    "assessment_policies",
    "reviewed_accounts",
    "requests_opened",
    "requests_pending_refused",
    "requests_approved",
    "requests_rejected",
    "recovery_plans",
    "installments_paid",
    "installments_missed",
    "plans_completed",
    "monitor_runs",
    "alerts_acknowledged",
    "alert_rule_changes",
};

class Counters {
 public:
  int64_t& operator[](Count count) { return values_[static_cast<size_t>(count)]; }
  int64_t operator[](Count count) const { return values_[static_cast<size_t>(count)]; }

  // Failures of commands that may legitimately fail, by command and error, for the summary.
  void CountError(std::string_view command, ErrorCode code) {
    ++errors_[std::string(command) + ":" + std::string(NameOf(code))];
  }

  std::string Summary() const {
    std::ostringstream out;
    for (size_t i = 0; i < values_.size(); ++i) out << kCountNames[i] << "=" << values_[i] << "\n";
    for (const auto& [name, count] : errors_) {
      out << "tolerated_error " << name << "=" << count << "\n";
    }
    return out.str();
  }

 private:
  std::array<int64_t, static_cast<size_t>(Count::kLimit)> values_{};
  std::map<std::string, int64_t> errors_;
};

// ------------------------------------------------------------------------------------------
// Randomness and sizing.

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  // Uniform in [low, high]. Plain modulo (its bias is irrelevant here) keeps the sequence the
  // same on every standard library; uniform_int_distribution is implementation-defined.
  int64_t Between(int64_t low, int64_t high) {
    uint64_t span = static_cast<uint64_t>(high - low) + 1;
    return low + static_cast<int64_t>(engine_() % span);
  }
  bool Percent(int percent) { return Between(0, 99) < percent; }
  size_t Index(size_t size) {
    return static_cast<size_t>(Between(0, static_cast<int64_t>(size) - 1));
  }
  template <class T>
  T Pick(const std::vector<T>& items) {
    return items[Index(items.size())];
  }
  template <class T>
  T Pick(std::initializer_list<T> items) {
    return items.begin()[Index(items.size())];
  }

 private:
  std::mt19937_64 engine_;
};

const std::vector<Currency>& SimCurrencies() {
  static const auto* currencies =
      new std::vector<Currency>{Currency::Of("CNY"), Currency::Of("USD"), Currency::Of("JPY")};
  return *currencies;
}

// The rough worth of one minor unit in hundredths of a CNY fen: only to size amounts alike in
// every currency; the core converts with the FX rates it was given.
int64_t RoughMinorValue(Currency currency) {
  if (currency.code() == "USD") return 720;
  if (currency.code() == "JPY") return 480;
  return 100;
}

int64_t ConvertRoughly(int64_t minor, Currency from, Currency to) {
  return minor * RoughMinorValue(from) / RoughMinorValue(to);
}

int64_t CnyMajor(int64_t major, Currency to) {
  return ConvertRoughly(major * 100, Currency::Of("CNY"), to);
}

// Amounts drawn from a huge order or invoice may pass the bound of one command, before or
// after FX conversion: such commands are clamped and allowed to fail.
bool IsHuge(int64_t minor) { return minor > kAmountMinorMax / 1'000; }
int64_t Clamped(int64_t minor) { return std::min(minor, kAmountMinorMax); }

bool Enforces(RuleAction action) {
  return action == RuleAction::kHold || action == RuleAction::kReject;
}

int64_t LimitWithTolerance(int64_t limit_minor, int32_t tolerance_bp) {
  if (limit_minor <= 0) return limit_minor;
  return limit_minor +
         static_cast<int64_t>(__int128{limit_minor} * tolerance_bp / kBasisPointsPerUnit);
}

// ------------------------------------------------------------------------------------------
// Descriptions for failure messages and for comparing live and replayed state.

std::string Describe(const Decision& d) {
  std::ostringstream out;
  out << NameOf(d.outcome) << " amount=" << d.amount_minor << " limit=" << d.effective_limit_minor
      << " exposure_before=" << d.exposure_before_minor << " in_group=" << d.in_group
      << " group_limit=" << d.group_limit_minor
      << " group_exposure_before=" << d.group_exposure_before_minor << " reasons=";
  for (const Reason& reason : d.reasons)
    out << NameOf(reason.code) << "/" << NameOf(reason.action) << " ";
  return out.str();
}

std::string Describe(const AccountView& v) {
  std::ostringstream out;
  out << AccountKey(v.ref) << " " << v.customer_name << " " << v.currency.code() << " "
      << NameOf(v.status) << " grade=" << v.grade << " policy=" << v.policy
      << " group=" << v.group_id << " terms=" << v.payment_terms_days
      << " review=" << FormatDate(v.review_on) << " limit=" << v.limit_minor
      << " temporary=" << v.temporary_limits_minor << " collateral=" << v.collateral_minor
      << " effective=" << v.effective_limit_minor << " orders=" << v.orders_open_minor
      << " receivables=" << v.receivables_open_minor << " unapplied=" << v.unapplied_credit_minor
      << " exposure=" << v.exposure_minor << " available=" << v.available_minor
      << " utilization_bp=" << v.utilization_bp << " overdue=" << v.overdue_minor
      << " oldest_dpd=" << v.oldest_days_past_due << " written_off=" << v.written_off_minor
      << " open_orders=" << v.open_orders << " held=" << v.held_orders
      << " open_invoices=" << v.open_invoices;
  return out.str();
}

std::string Describe(const OrderView& o) {
  std::ostringstream out;
  out << o.order_id << " " << AccountKey(o.account) << " status=" << static_cast<int>(o.status)
      << " amount=" << o.amount_minor << " reserved=" << o.reserved_minor
      << " invoiced=" << o.invoiced_minor << " requested=" << FormatMoney(o.requested)
      << " placed_at=" << o.placed_at << " expires_at=" << o.expires_at
      << " released_by=" << o.released_by << " decision=" << Describe(o.decision);
  return out.str();
}

std::string Describe(const InvoiceView& i) {
  std::ostringstream out;
  out << i.invoice_id << " order=" << i.order_id << " " << AccountKey(i.account)
      << " amount=" << i.amount_minor << " open=" << i.open_minor
      << " issued=" << FormatDate(i.issued_on) << " due=" << FormatDate(i.due_on)
      << " dpd=" << i.days_past_due;
  return out.str();
}

std::string Describe(const GroupView& g) {
  std::ostringstream out;
  out << g.group_id << " " << g.name << " " << g.currency.code() << " limit=" << g.limit_minor
      << " exposure=" << g.exposure_minor << " available=" << g.available_minor << " members=";
  for (const AccountRef& member : g.members) out << AccountKey(member) << " ";
  return out.str();
}

// An account's view with all its open items, as one comparable string.
std::string DescribeAccount(const State& state, const AccountRef& ref, Date today) {
  std::string text = Describe(state.ViewAccount(ref, today).value());
  // Bound to locals: a range-for over Result<>::value() would outlive the temporary Result.
  std::vector<OrderView> orders = state.OpenOrders(ref).value();
  std::vector<InvoiceView> invoices = state.OpenInvoices(ref, today).value();
  for (const OrderView& order : orders) text += "\n  " + Describe(order);
  for (const InvoiceView& invoice : invoices) text += "\n  " + Describe(invoice);
  return text;
}

// Everything a command answered except `replayed`, as one comparable string.
std::string Describe(const CommandResult& r) {
  std::ostringstream out;
  out << "seq=" << r.seq << " applied=" << r.applied << " amount=" << r.amount_minor
      << " unapplied=" << r.unapplied_minor << " consumed=" << r.reservation_consumed_minor
      << " released=" << r.reservation_released_minor << " credit=" << r.credit_applied_minor
      << " due=" << FormatDate(r.due_on) << " account=" << AccountKey(r.account)
      << " decision=" << (r.decision ? Describe(*r.decision) : "none") << " allocations=";
  for (const Allocation& a : r.allocations) out << a.invoice_id << ":" << a.amount_minor << " ";
  return out.str();
}

std::string DescribeHolds(const State& state) {
  std::string text;
  for (const OrderView& order : state.Holds(kAllHolds)) text += order.order_id + " ";
  return text;
}

// ------------------------------------------------------------------------------------------
// The simulation of one seed.

enum class Expect { kSuccess, kError, kEither };

// A generated command and what it should do.
struct Planned {
  explicit Planned(Command command_in) : command(std::move(command_in)) {}

  Command command;
  Expect expect = Expect::kSuccess;
  ErrorCode error = ErrorCode::kInvalidArgument;  // The expected code when expect is kError.
  std::optional<std::string> idempotency_key;     // Forces a key, e.g. a malformed one.
};

Planned Expecting(ErrorCode error, Command command) {
  Planned planned(std::move(command));
  planned.expect = Expect::kError;
  planned.error = error;
  return planned;
}

// For commands that may pass an amount bound, before or after FX conversion, or fall below what
// an order has invoiced: the generator does not model conversion exactly.
Planned MaySucceed(Command command) {
  Planned planned(std::move(command));
  planned.expect = Expect::kEither;
  return planned;
}

struct SimAccount {
  AccountRef ref;
  Currency currency;
  int64_t sizing_minor = 0;  // A typical limit: amounts are drawn relative to it.
  // Shadows of what the commands set, to check the effective limit independently of the core.
  int64_t base_limit_minor = 0;
  std::vector<TemporaryLimit> temporary_limits;
  std::vector<Collateral> collateral;
};

struct SimGroup {
  std::string group_id;
  Currency currency;
  int64_t sizing_minor = 0;
};

struct KeyedCommand {
  std::string key;
  Command command;
  CommandResult result;
  TimeMs time = 0;
};

// Sums over all accounts, compared with the core's own counters and group totals.
struct Totals {
  uint64_t held = 0, orders = 0, invoices = 0;
  std::map<std::string, std::pair<int64_t, size_t>> groups;  // Exposure sum, member count.
};

class Simulation {
 public:
  Simulation(uint64_t seed, uint64_t steps, Counters* counters)
      : steps_(steps), counters_(*counters), random_(seed) {
    g_crash_seed = seed;
  }

  // Reports through gtest assertions; stops at the first fatal failure.
  void Run();

 private:
  using Generator = Planned (Simulation::*)();
  struct WeightedGenerator {
    int weight;
    Generator generator;
  };

  // World building.
  void BuildWorld();
  void Setup(const Command& command);
  void SetupFxRates();
  void SetupPolicies();
  void SetupGroups();
  void SetupCustomer(int index);
  CreateCustomer RandomCustomer(int index);
  OpenAccount RandomAccount(const AccountRef& ref);
  Policy RandomPolicy(const std::string& name, size_t index);
  std::optional<Money> MaybeCny(int percent, int64_t low_major, int64_t high_major);
  void RandomActions(size_t index, Policy* policy);

  // Steps.
  void Step();
  void AdvanceTime();
  Planned NextCommand();
  Envelope EnvelopeFor(const std::string& key, const Command& command) const;
  // Runs a command on the live state (and on the restored copy, which must agree).
  Result<CommandResult> Execute(const Envelope& envelope, const Command& command);
  void ExpectSameOnRestored(const Envelope& envelope, const Command& command,
                            const Result<CommandResult>& result, size_t events_before);
  void ExecutePlanned(const Planned& planned);
  void CheckFailure(const Planned& planned, const std::string& key, const Error& error,
                    uint64_t hash_before, size_t events_before);
  void RepeatFailure(const Planned& planned, const std::string& key, const Error& error);
  void Remember(const std::string& key, const Command& command, const CommandResult& result);
  void Retry();
  void Resend(const KeyedCommand& sent, const Command& command);

  // Generators of valid commands.
  Planned Reserve();
  Planned Change();
  Planned Cancel();
  Planned Expire();
  Planned InvoiceFromOrder();
  Planned StandaloneInvoice();
  Planned Payment();
  Planned CreditNote();
  Planned WriteOffInvoice();
  Planned Release();
  Planned RejectHeld();
  Planned ChangeLimit();
  Planned TemporaryLimitChange();
  Planned CollateralChange();
  Planned StatusChange();
  Planned GroupMembership();
  Planned FxRateChange();
  Planned GroupLimitChange();
  Planned AccountUpdate();
  UpdateAccount RandomAccountUpdate(const AccountRef& ref);
  Planned PolicyChange();
  Planned NewCustomer();
  Planned NewAccount();
  Planned CustomerUpdate();
  // Credit assessment and monitoring.
  Planned FinancialsRecord();
  Planned ScorecardChange();
  Planned AssessmentPolicyChange();
  Planned Review();
  Planned LimitRequestOpen();
  Planned LimitRequestDecision();
  Planned RecoveryPlanCreate();
  Planned RecoveryPlanCheck();
  Planned MonitorRun();
  Planned AlertAcknowledge();
  Planned AlertRulesChange();
  std::vector<const LimitRequest*> PendingRequests() const;

  // Generators of invalid commands, each with the error it must get.
  Planned Invalid();
  Planned InvalidReserve();
  Planned InvalidOrderCommand();
  Planned InvalidInvoice();
  Planned InvalidSettlement();
  Planned InvalidHoldCommand();
  Planned InvalidAccountCommand();
  Planned InvalidCustomerCommand();
  Planned InvalidAssessmentCommand();

  // Generator helpers.
  std::string NewId(const std::string& prefix) { return prefix + std::to_string(++next_id_); }
  const SimAccount& PickAccount();
  const SimAccount& PickOtherAccount(const AccountRef& ref);
  std::string PickPolicy() { return random_.Pick(policies_); }
  Currency OtherCurrency(Currency currency);
  Money MaybeForeign(int64_t minor, Currency currency, int percent);
  int64_t OrderAmountMinor(const SimAccount& account);
  int64_t SettleAmount(int64_t open_minor);
  std::optional<OrderView> PickOrder(std::optional<OrderStatus> status);
  std::optional<InvoiceView> PickInvoice();
  CreateInvoice NewInvoice(const AccountRef& account, Money amount);
  AccountView ViewOf(const AccountRef& ref) const {
    return state_.ViewAccount(ref, today_).value();
  }
  SimAccount& Shadow(const AccountRef& ref) {
    return accounts_[account_index_.at(AccountKey(ref))];
  }

  // Observation of successful events.
  void Observe(const Event& event);
  template <class T>
  void ObserveBody(const T&, const Event&) {}
  void ObserveBody(const OrderDecided& e, const Event& event);
  void ObserveBody(const OrderChanged& e, const Event& event);
  void ObserveBody(const OrderCancelled& e, const Event& event);
  void ObserveBody(const ReservationsExpired& e, const Event& event);
  void ObserveBody(const InvoiceCreated& e, const Event& event);
  void ObserveBody(const PaymentRecorded& e, const Event& event);
  void ObserveBody(const CreditNoteIssued& e, const Event& event);
  void ObserveBody(const WrittenOff& e, const Event& event);
  void ObserveBody(const HoldReleased& e, const Event& event);
  void ObserveBody(const RejectHold& e, const Event& event);
  void ObserveBody(const CreateCustomer& e, const Event& event);
  void ObserveBody(const OpenAccount& e, const Event& event);
  void ObserveBody(const SetLimit& e, const Event& event);
  void ObserveBody(const AddTemporaryLimit& e, const Event& event);
  void ObserveBody(const RemoveTemporaryLimit& e, const Event& event);
  void ObserveBody(const AddCollateral& e, const Event& event);
  void ObserveBody(const RemoveCollateral& e, const Event& event);
  void ObserveBody(const RecordFinancials& e, const Event& event);
  void ObserveBody(const SetScorecard& e, const Event& event);
  void ObserveBody(const SetAssessmentPolicy& e, const Event& event);
  void ObserveBody(const ReviewRan& e, const Event& event);
  void ObserveBody(const LimitRequested& e, const Event& event);
  void ObserveBody(const LimitRequestDecided& e, const Event& event);
  void ObserveBody(const RecoveryPlanCreated& e, const Event& event);
  void ObserveBody(const RecoveryPlansChecked& e, const Event& event);
  void ObserveBody(const MonitorRan& e, const Event& event);
  void ObserveBody(const AcknowledgeAlert& e, const Event& event);
  void ObserveBody(const SetAlertRules& e, const Event& event);
  bool PastLimit(const AccountView& view, bool enforced_only) const;
  void CheckApproval(const AccountRef& ref, const Decision& decision);

  // Invariants and replay.
  void CheckInvariants();
  void CheckAccount(const SimAccount& account, Totals* totals);
  void CheckLimits(const SimAccount& account, const AccountView& view);
  void CheckOrders(const SimAccount& account, const AccountView& view);
  void CheckInvoices(const SimAccount& account, const AccountView& view);
  void CheckHoldQueue(const Totals& totals);
  void CheckGroup(const SimGroup& group, const Totals& totals);
  void CheckPendingRequests();
  void CheckDueIndex();
  void CheckAggregates();
  void CheckReplay();
  void CheckFreshReplay();
  void CheckSnapshot();
  void ReplayInto(State* target, size_t* next_event);
  void CompareWith(const State& replica);

  const uint64_t steps_;
  Counters& counters_;
  Random random_;
  State state_;
  std::vector<Event> events_;  // Everything the live state emitted, in order.
  State replica_;              // Fed the encoded and decoded events at every checkpoint.
  size_t replica_next_event_ = 0;
  std::optional<State> restored_;  // From the last snapshot; runs every command since.
  uint64_t step_ = 0;
  int64_t next_id_ = 0;
  TimeMs now_ = 0;
  TimeMs latest_time_ = 0;  // The latest instant sent so far; now_ may be behind it.
  Date today_;
  std::vector<SetFxRate> fx_rates_;  // The initial rates, varied by later FX commands.
  std::vector<std::string> policies_;
  std::vector<SimGroup> groups_;
  std::vector<std::string> customers_;
  std::vector<SimAccount> accounts_;
  std::map<std::string, size_t> account_index_;
  std::vector<KeyedCommand> recent_;
  std::set<std::string> overdue_seen_;
  std::vector<std::string> used_order_ids_;  // Recent order ids, to use some of them again.
};

// ------------------------------------------------------------------------------------------
// World building.

void Simulation::Run() {
  BuildWorld();
  if (Failed()) return;
  CheckInvariants();
  if (Failed()) return;
  CheckSnapshot();
  for (step_ = 1; step_ <= steps_ && !Failed(); ++step_) {
    g_crash_step = step_;
    Step();
  }
  if (Failed()) return;
  CheckReplay();
  if (Failed()) return;
  CheckFreshReplay();
}

void Simulation::BuildWorld() {
  now_ = int64_t{DateFromCivil(2026, 1, 5).days} * kMsPerDay + kMsPerHour;
  latest_time_ = now_;
  today_ = DateOf(now_, kBusinessUtcOffsetMinutes);
  SetupFxRates();
  SetupPolicies();
  SetupGroups();
  int customers = static_cast<int>(random_.Between(10, 30));
  for (int i = 0; i < customers && !Failed(); ++i) SetupCustomer(i);
}

void Simulation::Setup(const Command& command) {
  Result<CommandResult> result = Execute(EnvelopeFor("", command), command);
  ASSERT_TRUE(result.ok()) << CommandName(command) << ": " << result.error().message;
  Observe(events_.back());
}

void Simulation::SetupFxRates() {
  // Rates take effect well before any business date used, so every pair converts. Only three
  // pairs are set: the others convert through the inverse rate.
  Currency cny = Currency::Of("CNY"), usd = Currency::Of("USD"), jpy = Currency::Of("JPY");
  Date effective_on = AddDays(today_, -60);
  fx_rates_ = {
      SetFxRate{usd, cny, 72'000'000'000 * random_.Between(97, 103) / 100, effective_on},
      SetFxRate{jpy, cny, 480'000'000 * random_.Between(97, 103) / 100, effective_on},
      SetFxRate{usd, jpy, 1'500'000'000'000 * random_.Between(97, 103) / 100, effective_on},
  };
  for (const SetFxRate& rate : fx_rates_) Setup(rate);
}

void Simulation::SetupPolicies() {
  size_t count = static_cast<size_t>(random_.Between(3, 4));
  for (size_t i = 0; i < count; ++i) {
    policies_.push_back("p" + std::to_string(i));
    Setup(SetPolicy{RandomPolicy(policies_.back(), i)});
  }
  policies_.push_back(std::string(kDefaultPolicyName));
}

Policy Simulation::RandomPolicy(const std::string& name, size_t index) {
  Policy policy;
  policy.name = name;
  policy.tolerance_bp = random_.Percent(30) ? 0 : static_cast<int32_t>(random_.Between(0, 2'000));
  policy.warning_bp = static_cast<int32_t>(random_.Between(5'000, 10'000));
  policy.max_order_value = MaybeCny(30, 100'000, 1'500'000);
  if (random_.Percent(40)) {
    policy.max_days_past_due = static_cast<int32_t>(random_.Between(0, 60));
  }
  policy.max_overdue_amount = MaybeCny(30, 20'000, 500'000);
  policy.day_quota = MaybeCny(25, 100'000, 2'000'000);
  policy.month_quota = MaybeCny(25, 500'000, 10'000'000);
  RandomActions(index, &policy);
  return policy;
}

// Amounts in policies are in CNY: accounts in USD and JPY compare them through FX.
std::optional<Money> Simulation::MaybeCny(int percent, int64_t low_major, int64_t high_major) {
  if (!random_.Percent(percent)) return std::nullopt;
  Currency cny = Currency::Of("CNY");
  return Money{CnyMajor(random_.Between(low_major, high_major), cny), cny};
}

void Simulation::RandomActions(size_t index, Policy* p) {
  using A = RuleAction;
  p->blocked_action = random_.Pick({A::kReject, A::kHold});
  p->on_hold_action = random_.Pick({A::kHold, A::kReject});
  p->prepayment_action = random_.Pick({A::kReject, A::kHold});
  p->review_expired_action = random_.Pick({A::kOff, A::kWarn, A::kHold});
  p->max_order_value_action = random_.Pick({A::kWarn, A::kHold, A::kReject});
  p->overdue_action = random_.Pick({A::kOff, A::kWarn, A::kHold, A::kReject});
  p->quota_action = random_.Pick({A::kWarn, A::kHold, A::kReject});
  // The first two policies always enforce the limit, so every seed has holds and rejections.
  p->limit_action = index == 0   ? A::kHold
                    : index == 1 ? A::kReject
                                 : random_.Pick({A::kWarn, A::kHold, A::kReject});
  p->group_limit_action = random_.Pick({A::kWarn, A::kHold, A::kReject});
  p->warning_action = random_.Percent(80) ? A::kWarn : A::kOff;
}

void Simulation::SetupGroups() {
  int64_t count = random_.Between(2, 3);
  for (int64_t i = 0; i < count; ++i) {
    SimGroup group{"G" + std::to_string(i), random_.Pick(SimCurrencies()), 0};
    group.sizing_minor = CnyMajor(random_.Between(300'000, 3'000'000), group.currency);
    Setup(CreateGroup{group.group_id, "Group " + std::to_string(i),
                      Money{group.sizing_minor, group.currency}});
    groups_.push_back(group);
  }
}

void Simulation::SetupCustomer(int index) {
  CreateCustomer customer = RandomCustomer(index);
  customer.account.reset();
  Setup(customer);
  Setup(RandomAccount(AccountRef{customer.customer_id, ""}));
  if (random_.Percent(40)) Setup(RandomAccount(AccountRef{customer.customer_id, "EU"}));
}

CreateCustomer Simulation::RandomCustomer(int index) {
  CreateCustomer customer;
  customer.customer_id = "C" + std::to_string(index);
  // Names and tags in Chinese too, so that UTF-8 text goes through validation and the codec.
  customer.name = random_.Pick({"客户 ", "Customer "}) + std::to_string(index);
  customer.industry = random_.Pick({"steel", "chemicals", "零售"});
  customer.region = random_.Pick({"east", "south", "华北"});
  if (random_.Percent(50)) customer.tags = {"重点客户", "export"};
  // Half the customers arrive with their default account in the same command.
  if (random_.Percent(50)) customer.account = RandomAccount(AccountRef{customer.customer_id, ""});
  return customer;
}

OpenAccount Simulation::RandomAccount(const AccountRef& ref) {
  OpenAccount open;
  open.account = ref;
  open.currency = random_.Pick(SimCurrencies());
  open.limit_minor = CnyMajor(random_.Between(50'000, 2'000'000), open.currency);
  open.payment_terms_days = random_.Pick({0, 15, 30, 45, 60});
  open.grade = random_.Pick({"A", "B", "C"});
  open.policy = PickPolicy();
  if (random_.Percent(30)) {
    open.review_on = AddDays(today_, static_cast<int32_t>(random_.Between(10, 200)));
  }
  for (const SimGroup& group : groups_) {
    if (group.currency == open.currency && random_.Percent(50)) open.group_id = group.group_id;
  }
  if (random_.Percent(10)) {
    open.status = random_.Pick(
        {AccountStatus::kOnHold, AccountStatus::kBlocked, AccountStatus::kPrepaymentOnly});
  }
  return open;
}

// ------------------------------------------------------------------------------------------
// Steps.

void Simulation::Step() {
  SCOPED_TRACE(::testing::Message() << "step " << step_);
  ++counters_[Count::kSteps];
  AdvanceTime();
  if (!recent_.empty() && random_.Percent(kRetryPercent)) {
    Retry();
  } else {
    ExecutePlanned(NextCommand());
  }
  if (Failed()) return;
  CheckInvariants();
  if (Failed()) return;
  if (step_ % kCheckpointSteps == 0) CheckReplay();
}

void Simulation::AdvanceTime() {
  // Mostly seconds to hours; sometimes days, so that invoices fall due, temporary limits and
  // collateral lapse, reservations expire and idempotency keys age out.
  int64_t roll = random_.Between(0, 99);
  TimeMs delta = roll < 60   ? random_.Between(1, 600) * kMsPerSecond
                 : roll < 90 ? random_.Between(600, 6 * 3600) * kMsPerSecond
                 : roll < 98 ? random_.Between(6, 48) * kMsPerHour
                             : random_.Between(2, 10) * kMsPerDay;
  // Now and then the service clock steps back a little (an NTP correction): the core must not
  // rely on instants being monotonic. The business date never goes back.
  if (random_.Percent(kClockStepBackPercent)) delta = -random_.Between(1, 120) * kMsPerSecond;
  now_ += delta;
  latest_time_ = std::max(latest_time_, now_);
  today_ = std::max(today_, DateOf(now_, kBusinessUtcOffsetMinutes));
}

Planned Simulation::NextCommand() {
  static constexpr std::array<WeightedGenerator, 35> kGenerators = {{
      {80, &Simulation::Invalid},
      {250, &Simulation::Reserve},
      {70, &Simulation::Change},
      {40, &Simulation::Cancel},
      {30, &Simulation::Expire},
      {100, &Simulation::InvoiceFromOrder},
      {30, &Simulation::StandaloneInvoice},
      {100, &Simulation::Payment},
      {30, &Simulation::CreditNote},
      {20, &Simulation::WriteOffInvoice},
      {50, &Simulation::Release},
      {20, &Simulation::RejectHeld},
      {20, &Simulation::ChangeLimit},
      {30, &Simulation::TemporaryLimitChange},
      {20, &Simulation::CollateralChange},
      {25, &Simulation::StatusChange},
      {25, &Simulation::GroupMembership},
      {10, &Simulation::FxRateChange},
      {10, &Simulation::GroupLimitChange},
      {10, &Simulation::AccountUpdate},
      {5, &Simulation::PolicyChange},
      {3, &Simulation::NewCustomer},
      {5, &Simulation::NewAccount},
      {5, &Simulation::CustomerUpdate},
      {8, &Simulation::FinancialsRecord},
      {2, &Simulation::ScorecardChange},
      {3, &Simulation::AssessmentPolicyChange},
      {6, &Simulation::Review},
      {12, &Simulation::LimitRequestOpen},
      {12, &Simulation::LimitRequestDecision},
      {5, &Simulation::RecoveryPlanCreate},
      {6, &Simulation::RecoveryPlanCheck},
      {6, &Simulation::MonitorRun},
      {6, &Simulation::AlertAcknowledge},
      {2, &Simulation::AlertRulesChange},
  }};
  int total = 0;
  for (const WeightedGenerator& entry : kGenerators) total += entry.weight;
  int64_t roll = random_.Between(0, total - 1);
  for (const WeightedGenerator& entry : kGenerators) {
    if (roll < entry.weight) return (this->*entry.generator)();
    roll -= entry.weight;
  }
  return Reserve();
}

Envelope Simulation::EnvelopeFor(const std::string& key, const Command& command) const {
  bool manager =
      std::holds_alternative<ReleaseHold>(command) || std::holds_alternative<RejectHold>(command);
  // Limit requests are opened by "erp" (or a review): an analyst decides them, four eyes.
  if (std::holds_alternative<DecideLimitRequest>(command)) {
    return Envelope{key, "analyst", now_, today_};
  }
  return Envelope{key, manager ? "credit-manager" : "erp", now_, today_};
}

Result<CommandResult> Simulation::Execute(const Envelope& envelope, const Command& command) {
  size_t events_before = events_.size();
  Result<CommandResult> result = state_.Execute(envelope, command, &events_);
  if (restored_) ExpectSameOnRestored(envelope, command, result, events_before);
  return result;
}

void Simulation::ExpectSameOnRestored(const Envelope& envelope, const Command& command,
                                      const Result<CommandResult>& result, size_t events_before) {
  std::string_view name = CommandName(command);
  std::vector<Event> events;
  Result<CommandResult> again = restored_->Execute(envelope, command, &events);
  ++counters_[Count::kLockstepCommands];
  ASSERT_EQ(again.ok(), result.ok()) << "the restored state answered " << name << " otherwise";
  if (!result.ok()) {
    ASSERT_EQ(again.error(), result.error()) << name;
    return;
  }
  ASSERT_EQ(again->replayed, result->replayed) << name;
  ASSERT_EQ(Describe(*again), Describe(*result)) << name;
  ASSERT_EQ(events.size(), events_.size() - events_before) << name;
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(EncodeEvent(events[i]), EncodeEvent(events_[events_before + i])) << name;
  }
}

void Simulation::ExecutePlanned(const Planned& planned) {
  std::string key;
  if (planned.idempotency_key) {
    key = *planned.idempotency_key;
  } else if (random_.Percent(50)) {
    key = NewId("K");
  }
  uint64_t hash_before = state_.StateHash();
  size_t events_before = events_.size();
  Result<CommandResult> result = Execute(EnvelopeFor(key, planned.command), planned.command);
  if (!result.ok()) {
    CheckFailure(planned, key, result.error(), hash_before, events_before);
    return;
  }
  ASSERT_NE(planned.expect, Expect::kError)
      << CommandName(planned.command) << " succeeded; expected " << NameOf(planned.error);
  ASSERT_FALSE(result->replayed) << CommandName(planned.command);
  ASSERT_EQ(events_.size(), events_before + 1) << CommandName(planned.command);
  ASSERT_EQ(result->seq, events_.back().seq);
  ASSERT_EQ(Describe(*result), Describe(ResultOf(events_.back())));
  ++counters_[Count::kCommandsOk];
  Observe(events_.back());
  if (!key.empty()) Remember(key, planned.command, *result);
}

void Simulation::CheckFailure(const Planned& planned, const std::string& key, const Error& error,
                              uint64_t hash_before, size_t events_before) {
  std::string_view name = CommandName(planned.command);
  ASSERT_EQ(state_.StateHash(), hash_before) << "failed " << name << " changed the state";
  ASSERT_EQ(events_.size(), events_before) << "failed " << name << " emitted an event";
  switch (planned.expect) {
    case Expect::kSuccess:
      FAIL() << name << " failed: " << NameOf(error.code) << ": " << error.message;
    case Expect::kError:
      ASSERT_EQ(NameOf(error.code), NameOf(planned.error)) << name << ": " << error.message;
      ++counters_[Count::kExpectedErrors];
      break;
    case Expect::kEither:
      ++counters_[Count::kOtherErrors];
      counters_.CountError(name, error.code);
      break;
  }
  if (!key.empty() && random_.Percent(20)) RepeatFailure(planned, key, error);
}

// A failed command is not remembered under its key: sent again at once, it fails again the
// same way instead of being answered as a replay.
void Simulation::RepeatFailure(const Planned& planned, const std::string& key, const Error& error) {
  uint64_t hash_before = state_.StateHash();
  size_t events_before = events_.size();
  Result<CommandResult> again = Execute(EnvelopeFor(key, planned.command), planned.command);
  ASSERT_FALSE(again.ok()) << CommandName(planned.command) << " failed, then succeeded";
  ASSERT_EQ(again.error(), error);
  ASSERT_EQ(events_.size(), events_before);
  ASSERT_EQ(state_.StateHash(), hash_before);
  ++counters_[Count::kFailuresRepeated];
}

void Simulation::Remember(const std::string& key, const Command& command,
                          const CommandResult& result) {
  // A key reused after its retention now stands for the new command only.
  std::erase_if(recent_, [&](const KeyedCommand& sent) { return sent.key == key; });
  recent_.push_back(KeyedCommand{key, command, result, now_});
  if (recent_.size() > kRecentKeyedMax) recent_.erase(recent_.begin());
}

// Resends a recent key: with the same command it must be answered from the idempotency table;
// with another command it must be refused. Neither may change the state.
void Simulation::Retry() {
  KeyedCommand sent = random_.Pick(recent_);
  if (now_ - sent.time > kIdempotencyRetentionMsDefault) {
    // Past its retention the key is forgotten: any command under it runs as new, neither
    // replayed nor refused as a conflict.
    Planned planned = NextCommand();
    if (!planned.idempotency_key) planned.idempotency_key = sent.key;
    ++counters_[Count::kExpiredKeysReused];
    ExecutePlanned(planned);
    return;
  }
  if (latest_time_ - sent.time > kIdempotencyRetentionMsDefault) {
    // The clock stepped back: a later command may or may not have swept the key out.
    ExecutePlanned(NextCommand());
    return;
  }
  Resend(sent, random_.Percent(70) ? sent.command : NextCommand().command);
}

void Simulation::Resend(const KeyedCommand& sent, const Command& command) {
  bool same = Fingerprint(command) == Fingerprint(sent.command);
  uint64_t hash_before = state_.StateHash();
  size_t events_before = events_.size();
  Result<CommandResult> result = Execute(EnvelopeFor(sent.key, command), command);
  std::string_view name = CommandName(command);
  ASSERT_EQ(events_.size(), events_before) << "retry of " << name << " emitted an event";
  ASSERT_EQ(state_.StateHash(), hash_before) << "retry of " << name << " changed the state";
  if (!same) {
    ASSERT_FALSE(result.ok()) << name << " reused key " << sent.key;
    ASSERT_EQ(NameOf(result.error().code), NameOf(ErrorCode::kIdempotencyConflict));
    ++counters_[Count::kIdempotencyConflicts];
    return;
  }
  ASSERT_TRUE(result.ok()) << name << ": " << result.error().message;
  ASSERT_TRUE(result->replayed) << name;
  ASSERT_EQ(result->seq, sent.result.seq) << name;
  ASSERT_EQ(Describe(*result), Describe(sent.result)) << name;
  ++counters_[Count::kIdempotentReplays];
}

// ------------------------------------------------------------------------------------------
// Generator helpers.

const SimAccount& Simulation::PickAccount() {
  // Half the traffic goes to a few hot accounts so that they reach their limits.
  size_t hot = std::max<size_t>(1, accounts_.size() / 4);
  return accounts_[random_.Percent(50) ? random_.Index(hot) : random_.Index(accounts_.size())];
}

const SimAccount& Simulation::PickOtherAccount(const AccountRef& ref) {
  size_t index = random_.Index(accounts_.size());
  if (accounts_[index].ref == ref) index = (index + 1) % accounts_.size();
  return accounts_[index];
}

Currency Simulation::OtherCurrency(Currency currency) {
  std::vector<Currency> others;
  for (Currency candidate : SimCurrencies()) {
    if (candidate != currency) others.push_back(candidate);
  }
  return random_.Pick(others);
}

Money Simulation::MaybeForeign(int64_t minor, Currency currency, int percent) {
  if (!random_.Percent(percent)) return Money{minor, currency};
  Currency other = OtherCurrency(currency);
  return Money{std::max(kAmountMinorMin, ConvertRoughly(minor, currency, other)), other};
}

int64_t Simulation::OrderAmountMinor(const SimAccount& account) {
  // Mostly a slice of the limit; sometimes more than all of it, so that limits are reached.
  int64_t per_mille = random_.Percent(10) ? random_.Between(500, 1'500) : random_.Between(10, 300);
  return std::max(kAmountMinorMin, account.sizing_minor * per_mille / 1'000);
}

int64_t Simulation::SettleAmount(int64_t open_minor) {
  // Partial, exact or more than owed: the excess becomes unapplied credit.
  int64_t roll = random_.Between(0, 99);
  int64_t percent = roll < 40   ? random_.Between(20, 99)
                    : roll < 80 ? 100
                                : random_.Between(101, 150);
  return std::max<int64_t>(1, open_minor * percent / 100);
}

std::optional<OrderView> Simulation::PickOrder(std::optional<OrderStatus> status) {
  auto matching = [&](const AccountRef& ref) {
    std::vector<OrderView> orders = state_.OpenOrders(ref).value();
    if (status) std::erase_if(orders, [&](const OrderView& o) { return o.status != *status; });
    return orders;
  };
  // A few tries on the (mostly hot) accounts, then every account.
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::vector<OrderView> orders = matching(PickAccount().ref);
    if (!orders.empty()) return random_.Pick(orders);
  }
  std::vector<OrderView> all;
  for (const SimAccount& account : accounts_) {
    std::vector<OrderView> orders = matching(account.ref);
    all.insert(all.end(), orders.begin(), orders.end());
  }
  if (all.empty()) return std::nullopt;
  return random_.Pick(all);
}

std::optional<InvoiceView> Simulation::PickInvoice() {
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::vector<InvoiceView> invoices = state_.OpenInvoices(PickAccount().ref, today_).value();
    if (!invoices.empty()) return random_.Pick(invoices);
  }
  std::vector<InvoiceView> all;
  for (const SimAccount& account : accounts_) {
    std::vector<InvoiceView> invoices = state_.OpenInvoices(account.ref, today_).value();
    all.insert(all.end(), invoices.begin(), invoices.end());
  }
  if (all.empty()) return std::nullopt;
  return random_.Pick(all);
}

CreateInvoice Simulation::NewInvoice(const AccountRef& account, Money amount) {
  CreateInvoice invoice;
  invoice.invoice_id = NewId("I");
  invoice.account = account;
  invoice.amount = amount;
  // Sometimes back-dated and sometimes with short explicit terms, so invoices fall overdue.
  invoice.issued_on = AddDays(today_, -static_cast<int32_t>(random_.Between(0, 5)));
  if (random_.Percent(30)) {
    invoice.due_on = AddDays(invoice.issued_on, static_cast<int32_t>(random_.Between(0, 45)));
  }
  return invoice;
}

// ------------------------------------------------------------------------------------------
// Generators of valid commands. Each falls back to another command when what it needs (an
// open order, a held order, an invoice) does not exist.

Planned Simulation::Reserve() {
  const SimAccount& account = PickAccount();
  ReserveOrder order;
  order.order_id = NewId("O");
  order.account = account.ref;
  order.amount = MaybeForeign(OrderAmountMinor(account), account.currency, 15);
  if (random_.Percent(30)) order.expires_at = now_ + random_.Between(kMsPerHour, 10 * kMsPerDay);
  if (random_.Percent(2)) order.expires_at = now_ - random_.Between(0, kMsPerHour);  // Already due.
  if (random_.Percent(1)) {
    // The largest amount a command may carry; converted it may pass that bound and fail.
    order.amount = Money{kAmountMinorMax, random_.Pick(SimCurrencies())};
    return MaySucceed(order);
  }
  if (!used_order_ids_.empty() && random_.Percent(3)) {
    // Ids of closed orders may be used again; an open one is a duplicate.
    order.order_id = random_.Pick(used_order_ids_);
    if (state_.ViewOrder(order.order_id).ok()) return Expecting(ErrorCode::kDuplicateId, order);
    return Planned(order);
  }
  used_order_ids_.push_back(order.order_id);
  if (used_order_ids_.size() > kUsedIdsKeptMax) used_order_ids_.erase(used_order_ids_.begin());
  return Planned(order);
}

Planned Simulation::Change() {
  std::optional<OrderView> order = PickOrder(std::nullopt);
  if (!order) return Reserve();
  Money amount = order->requested;
  int64_t percent = random_.Percent(50) ? random_.Between(105, 180) : random_.Between(40, 99);
  amount.minor = Clamped(std::max(kAmountMinorMin, amount.minor * percent / 100));
  if (IsHuge(amount.minor)) return MaySucceed(ChangeOrder{order->order_id, amount});
  // In a foreign currency the new total is converted at today's rate and may fall below what
  // is already invoiced; the core must then refuse it.
  if (amount.currency != order->currency) return MaySucceed(ChangeOrder{order->order_id, amount});
  amount.minor = std::max(amount.minor, order->invoiced_minor);
  return Planned(ChangeOrder{order->order_id, amount});
}

Planned Simulation::Cancel() {
  std::optional<OrderView> order = PickOrder(std::nullopt);
  if (!order) return Reserve();
  return Planned(CancelOrder{order->order_id, "customer cancelled"});
}

Planned Simulation::Expire() { return Planned(ExpireReservations{}); }

Planned Simulation::InvoiceFromOrder() {
  std::optional<OrderView> order = PickOrder(OrderStatus::kOpen);
  if (!order) return StandaloneInvoice();
  int64_t base = order->reserved_minor > 0 ? order->reserved_minor : order->amount_minor;
  int64_t roll = random_.Between(0, 99);
  int64_t percent = roll < 40   ? random_.Between(10, 90)
                    : roll < 80 ? 100
                                : random_.Between(101, 130);
  int64_t minor = Clamped(std::max(kAmountMinorMin, base * percent / 100));
  CreateInvoice invoice = NewInvoice(order->account, MaybeForeign(minor, order->currency, 10));
  invoice.order_id = order->order_id;
  invoice.close_order = random_.Percent(30);
  return IsHuge(minor) ? MaySucceed(invoice) : Planned(invoice);
}

Planned Simulation::StandaloneInvoice() {
  const SimAccount& account = PickAccount();
  int64_t minor = std::max(kAmountMinorMin, account.sizing_minor * random_.Between(5, 200) / 1'000);
  if (random_.Percent(1)) {
    return MaySucceed(
        NewInvoice(account.ref, Money{kAmountMinorMax, random_.Pick(SimCurrencies())}));
  }
  return Planned(NewInvoice(account.ref, MaybeForeign(minor, account.currency, 10)));
}

Planned Simulation::Payment() {
  std::optional<InvoiceView> invoice = PickInvoice();
  RecordPayment payment;
  payment.payment_id = NewId("P");
  payment.received_on = today_;
  if (!invoice || random_.Percent(10)) {  // A prepayment: unapplied credit, or oldest first.
    const SimAccount& account = PickAccount();
    payment.account = account.ref;
    int64_t minor = std::max(kAmountMinorMin, account.sizing_minor * random_.Between(1, 10) / 100);
    payment.amount = MaybeForeign(minor, account.currency, 10);
    if (random_.Percent(1)) payment.amount.minor = kAmountMinorMax;  // Huge unapplied credit.
    return IsHuge(payment.amount.minor) ? MaySucceed(payment) : Planned(payment);
  }
  payment.account = invoice->account;
  int64_t minor = 0;
  if (random_.Percent(60)) {
    payment.invoice_id = invoice->invoice_id;
    minor = SettleAmount(invoice->open_minor);
  } else {
    minor = ViewOf(invoice->account).receivables_open_minor / 100 * random_.Between(10, 120);
  }
  minor = Clamped(std::max<int64_t>(1, minor));
  payment.amount = MaybeForeign(minor, invoice->currency, 10);
  return IsHuge(minor) ? MaySucceed(payment) : Planned(payment);
}

Planned Simulation::CreditNote() {
  std::optional<InvoiceView> invoice = PickInvoice();
  if (!invoice) return Payment();
  IssueCreditNote note;
  note.credit_note_id = NewId("N");
  note.account = invoice->account;
  if (random_.Percent(80)) note.invoice_id = invoice->invoice_id;
  note.amount = Money{std::max<int64_t>(1, invoice->open_minor * random_.Between(10, 100) / 100),
                      invoice->currency};
  note.issued_on = today_;
  note.reason = "returned goods";
  return Planned(note);
}

Planned Simulation::WriteOffInvoice() {
  std::optional<InvoiceView> invoice = PickInvoice();
  if (!invoice) return StandaloneInvoice();
  WriteOff write_off;
  write_off.write_off_id = NewId("W");
  write_off.invoice_id = invoice->invoice_id;
  write_off.reason = "customer insolvent";
  if (random_.Percent(50)) {
    write_off.amount =
        Money{std::max<int64_t>(1, invoice->open_minor * random_.Between(10, 99) / 100),
              invoice->currency};
  }
  return Planned(write_off);
}

Planned Simulation::Release() {
  std::vector<OrderView> holds = state_.Holds(kAllHolds);
  if (holds.empty()) return Reserve();
  return Planned(ReleaseHold{random_.Pick(holds).order_id, "credit manager approved"});
}

Planned Simulation::RejectHeld() {
  std::vector<OrderView> holds = state_.Holds(kAllHolds);
  if (holds.empty()) return Reserve();
  return Planned(RejectHold{random_.Pick(holds).order_id, "too risky"});
}

Planned Simulation::ChangeLimit() {
  const SimAccount& account = PickAccount();
  // Sometimes no limit at all: every order then rests on temporary limits and collateral.
  int64_t percent = random_.Percent(5) ? 0 : random_.Between(30, 200);
  Money limit{account.sizing_minor * percent / 100, account.currency};
  return Planned(SetLimit{account.ref, limit, "limit review"});
}

Planned Simulation::TemporaryLimitChange() {
  const SimAccount& account = PickAccount();
  const std::vector<TemporaryLimit>& existing = account.temporary_limits;
  if (!existing.empty() && (random_.Percent(30) || existing.size() >= kLimitItemsKeptMax)) {
    return Planned(RemoveTemporaryLimit{account.ref, random_.Pick(existing).temporary_limit_id});
  }
  AddTemporaryLimit limit;
  limit.account = account.ref;
  limit.temporary_limit_id = NewId("T");
  limit.amount =
      Money{std::max(kAmountMinorMin, account.sizing_minor * random_.Between(10, 100) / 100),
            account.currency};
  limit.valid_from = AddDays(today_, static_cast<int32_t>(random_.Between(-5, 5)));
  limit.valid_to = AddDays(limit.valid_from, static_cast<int32_t>(random_.Between(0, 30)));
  limit.reason = "seasonal peak";
  return Planned(limit);
}

Planned Simulation::CollateralChange() {
  const SimAccount& account = PickAccount();
  const std::vector<Collateral>& existing = account.collateral;
  if (!existing.empty() && (random_.Percent(30) || existing.size() >= kLimitItemsKeptMax)) {
    return Planned(RemoveCollateral{account.ref, random_.Pick(existing).collateral_id});
  }
  AddCollateral collateral;
  collateral.account = account.ref;
  collateral.collateral_id = NewId("L");
  collateral.kind = random_.Pick({"guarantee", "deposit", "credit_insurance"});
  collateral.amount =
      Money{std::max(kAmountMinorMin, account.sizing_minor * random_.Between(5, 60) / 100),
            account.currency};
  collateral.valid_to = AddDays(today_, static_cast<int32_t>(random_.Between(-3, 90)));
  collateral.counts_toward_limit = random_.Percent(75);
  return Planned(collateral);
}

Planned Simulation::StatusChange() {
  const SimAccount& account = PickAccount();
  int64_t roll = random_.Between(0, 99);
  AccountStatus status = roll < 55   ? AccountStatus::kActive
                         : roll < 70 ? AccountStatus::kOnHold
                         : roll < 85 ? AccountStatus::kBlocked
                                     : AccountStatus::kPrepaymentOnly;
  return Planned(SetStatus{account.ref, status, "credit review"});
}

Planned Simulation::GroupMembership() {
  const SimAccount& account = PickAccount();
  std::string group_id = ViewOf(account.ref).group_id;
  if (!group_id.empty()) {
    // The group may be named, as a guard against leaving a group the caller did not mean.
    return Planned(LeaveGroup{account.ref, random_.Percent(50) ? group_id : ""});
  }
  std::vector<std::string> same_currency;
  for (const SimGroup& group : groups_) {
    if (group.currency == account.currency) same_currency.push_back(group.group_id);
  }
  if (same_currency.empty()) {
    return Expecting(ErrorCode::kCurrencyMismatch,
                     JoinGroup{account.ref, random_.Pick(groups_).group_id});
  }
  return Planned(JoinGroup{account.ref, random_.Pick(same_currency)});
}

Planned Simulation::FxRateChange() {
  SetFxRate rate = random_.Pick(fx_rates_);
  rate.rate_scaled = rate.rate_scaled * random_.Between(97, 103) / 100;
  if (random_.Percent(30)) {  // The same pair through its inverse.
    std::swap(rate.from, rate.to);
    rate.rate_scaled =
        static_cast<int64_t>(__int128{kFxRateScale} * kFxRateScale / rate.rate_scaled);
  }
  rate.effective_on = AddDays(today_, static_cast<int32_t>(random_.Between(0, 3)));
  return Planned(rate);
}

Planned Simulation::GroupLimitChange() {
  SimGroup group = random_.Pick(groups_);
  int64_t percent = random_.Percent(5) ? 0 : random_.Between(50, 150);
  Money limit{group.sizing_minor * percent / 100, group.currency};
  return Planned(SetGroupLimit{group.group_id, limit, "group review"});
}

Planned Simulation::AccountUpdate() { return Planned(RandomAccountUpdate(PickAccount().ref)); }

UpdateAccount Simulation::RandomAccountUpdate(const AccountRef& ref) {
  UpdateAccount update;
  update.account = ref;
  if (random_.Percent(50)) update.policy = PickPolicy();
  if (random_.Percent(40)) {
    update.review_on = random_.Percent(20)
                           ? kNoDate
                           : AddDays(today_, static_cast<int32_t>(random_.Between(-10, 180)));
  }
  if (random_.Percent(30)) update.payment_terms_days = random_.Pick({0, 15, 30, 60});
  if (random_.Percent(20)) update.grade = std::string(random_.Pick({"A", "B", "C", "D"}));
  return update;
}

Planned Simulation::PolicyChange() {
  size_t index = random_.Index(policies_.size() - 1);  // Not the default policy.
  return Planned(SetPolicy{RandomPolicy(policies_[index], index)});
}

Planned Simulation::NewCustomer() {
  return Planned(RandomCustomer(static_cast<int>(customers_.size())));
}

// Opens an account for a customer in a segment it does not have yet (a new customer has none).
Planned Simulation::NewAccount() {
  std::string customer_id = random_.Pick(customers_);
  for (const char* segment : {"", "EU", "APAC"}) {
    AccountRef ref{customer_id, segment};
    if (!account_index_.contains(AccountKey(ref))) return Planned(RandomAccount(ref));
  }
  return Expecting(ErrorCode::kDuplicateId, RandomAccount(AccountRef{customer_id, "EU"}));
}

Planned Simulation::CustomerUpdate() {
  UpdateCustomer update;
  update.customer_id = random_.Pick(customers_);
  if (random_.Percent(50)) update.name = "更名客户 " + update.customer_id;
  if (random_.Percent(30)) update.region = random_.Pick({"west", "华南"});
  if (random_.Percent(30)) update.tags = std::vector<std::string>{"watch-list"};
  // Sometimes one of its accounts changes in the same command (all or nothing).
  AccountRef ref{update.customer_id, ""};
  if (random_.Percent(30) && account_index_.contains(AccountKey(ref))) {
    update.account = RandomAccountUpdate(ref);
  }
  return Planned(update);
}

// Credit assessment and monitoring: financials, scorecard and policy changes, reviews, limit
// requests opened and decided, recovery plans and their installments, the monitor and alerts.

Planned Simulation::FinancialsRecord() {
  RecordFinancials c;
  c.customer_id = random_.Pick(customers_);
  Financials& f = c.financials;
  f.period = random_.Pick({"2023", "2024", "2025", "2025-H1", "2025-Q4", "2026-Q1"});
  f.currency = random_.Pick(SimCurrencies());
  f.revenue_minor = random_.Between(0, 50'000'000'000);
  f.net_profit_minor = random_.Between(-2'000'000'000, 5'000'000'000);
  f.equity_minor = random_.Between(-1'000'000'000, 20'000'000'000);
  f.total_assets_minor = random_.Between(0, 60'000'000'000);
  f.current_assets_minor = random_.Between(0, 30'000'000'000);
  f.current_liabilities_minor = random_.Between(0, 30'000'000'000);
  if (random_.Percent(50)) {
    f.external_rating = random_.Pick({"AAA", "BBB+", "B-", "C"});
    f.external_score = static_cast<int32_t>(random_.Between(0, 100));
  }
  return Planned(c);
}

Planned Simulation::ScorecardChange() {
  Scorecard scorecard = DefaultScorecard();
  scorecard.name = NewId("card-");
  for (ScoreFactor& factor : scorecard.factors) {
    factor.weight = static_cast<int32_t>(random_.Between(1, 100));
  }
  scorecard.rounding_minor = random_.Pick({int64_t{1}, int64_t{100}, int64_t{100'000}});
  for (GradeBand& band : scorecard.grades) {
    band.review_interval_days = static_cast<int32_t>(random_.Between(1, 120));
  }
  return Planned(SetScorecard{scorecard});
}

Planned Simulation::AssessmentPolicyChange() {
  AssessmentPolicy policy = DefaultAssessmentPolicy();
  auto mode = [&] {
    return random_.Pick({ReviewMode::kOff, ReviewMode::kAuto, ReviewMode::kRequest});
  };
  policy.review.lower = mode();
  policy.review.raise = mode();
  policy.review.raise_grade_min = random_.Pick({"AAA", "A", "BBB", "B"});
  policy.review.raise_step_bp = static_cast<int32_t>(random_.Between(0, 5'000));
  policy.review.change_threshold_bp = static_cast<int32_t>(random_.Between(0, 2'000));
  policy.review.suspend_prepayment_only = random_.Percent(70);
  policy.recovery.missed_action =
      random_.Pick({MissedInstallmentAction::kHold, MissedInstallmentAction::kBlock});
  policy.recovery.restore_limit_bp = static_cast<int32_t>(random_.Between(0, 10'000));
  return Planned(SetAssessmentPolicy{policy});
}

Planned Simulation::Review() {
  // Small chunks from anywhere, so that runs that stop early and continue are covered too.
  auto from = static_cast<uint32_t>(random_.Between(0, static_cast<int64_t>(accounts_.size())));
  auto most = static_cast<uint32_t>(random_.Pick({int64_t{0}, int64_t{1}, int64_t{3}}));
  return Planned(RunReview{random_.Percent(70) ? 0 : from, most});
}

std::vector<const LimitRequest*> Simulation::PendingRequests() const {
  size_t next = 0;
  return state_.ListLimitRequests({LimitRequestStatus::kPending, ""}, 0, SIZE_MAX, &next);
}

Planned Simulation::LimitRequestOpen() {
  const SimAccount& account = PickAccount();
  RequestLimitChange c{NewId("R"), account.ref,
                       Money{random_.Between(0, 3 * account.sizing_minor), account.currency},
                       kNoDate, "more business"};
  if (random_.Percent(30)) {
    c.amount.minor = std::max<int64_t>(c.amount.minor, 1);
    c.expires_on = AddDays(today_, static_cast<int32_t>(random_.Between(0, 60)));
  }
  for (const LimitRequest* pending : PendingRequests()) {
    if (pending->account == account.ref) {
      return Expecting(ErrorCode::kLimitRequestPending, c);
    }
  }
  return Planned(c);
}

Planned Simulation::LimitRequestDecision() {
  std::vector<const LimitRequest*> pending = PendingRequests();
  if (pending.empty()) return LimitRequestOpen();
  const LimitRequest& request = *random_.Pick(pending);
  DecideLimitRequest c{request.request_id, random_.Percent(60), "decided",
                       random_.Pick({"analyst", "credit_manager", "admin"})};
  // An approval may pass the role's tier, or an expired or 33rd temporary limit.
  return c.approve ? MaySucceed(c) : Planned(c);
}

Planned Simulation::RecoveryPlanCreate() {
  const SimAccount& account = PickAccount();
  int64_t open = ViewOf(account.ref).receivables_open_minor;
  CreateRecoveryPlan c{NewId("plan-"), account.ref, {}, "agreed"};
  int64_t count = random_.Between(1, 4);
  Date due = today_;
  for (int64_t i = 0; i < count; ++i) {
    due = AddDays(due, static_cast<int32_t>(random_.Between(i == 0 ? 0 : 1, 20)));
    int64_t amount = std::max<int64_t>(1, open / (count + random_.Between(0, 2)));
    c.installments.push_back(InstallmentTerms{due, Money{amount, account.currency}});
  }
  // The account may have an active plan already, or too little open.
  return MaySucceed(c);
}

Planned Simulation::RecoveryPlanCheck() { return Planned(CheckRecoveryPlans{}); }

Planned Simulation::MonitorRun() { return MaySucceed(RunMonitor{}); }

Planned Simulation::AlertAcknowledge() {
  AlertFilter filter;
  filter.acknowledged = false;
  std::vector<Alert> open = state_.Alerts(filter, 32);
  if (open.empty()) return MonitorRun();
  return Planned(AcknowledgeAlert{random_.Pick(open).alert_id});
}

Planned Simulation::AlertRulesChange() {
  AlertRules rules;
  rules.overdue_days = static_cast<int32_t>(random_.Between(1, 90));
  rules.hold_sla_minutes = static_cast<int32_t>(random_.Between(1, 1'440));
  rules.expiry_notice_days = static_cast<int32_t>(random_.Between(1, 30));
  rules.review_notice_days = static_cast<int32_t>(random_.Between(0, 30));
  return Planned(SetAlertRules{rules});
}

// ------------------------------------------------------------------------------------------
// ------------------------------------------------------------------------------------------
// Generators of invalid commands. Each names the error the core must answer with; where what
// a case needs does not exist it falls back to an unknown id.

Planned Simulation::Invalid() {
  switch (random_.Between(0, 6)) {
    case 0:
      return InvalidReserve();
    case 1:
      return InvalidOrderCommand();
    case 2:
      return InvalidInvoice();
    case 3:
      return InvalidSettlement();
    case 4:
      return InvalidHoldCommand();
    case 5:
      return InvalidAssessmentCommand();
    default:
      return InvalidAccountCommand();
  }
}

Planned Simulation::InvalidReserve() {
  const SimAccount& account = PickAccount();
  ReserveOrder order{NewId("O"), account.ref, Money{OrderAmountMinor(account), account.currency},
                     0};
  switch (random_.Between(0, 7)) {
    case 0:
      order.account.customer_id = NewId("nobody-");
      return Expecting(ErrorCode::kCustomerNotFound, order);
    case 1:
      order.account.segment = "NOSEG";
      return Expecting(ErrorCode::kAccountNotFound, order);
    case 2:
      order.amount.minor = random_.Pick({int64_t{0}, int64_t{-5}, kAmountMinorMax + 1});
      return Expecting(ErrorCode::kInvalidAmount, order);
    case 3:
      order.amount.currency = Currency();
      return Expecting(ErrorCode::kUnknownCurrency, order);
    case 4:
      order.amount = Money{1'000, Currency::Of("EUR")};  // No EUR rate is ever set.
      return Expecting(ErrorCode::kFxRateNotFound, order);
    case 5:
      order.order_id = "bad id!";
      return Expecting(ErrorCode::kInvalidId, order);
    case 6:
      order.expires_at = -1;
      return Expecting(ErrorCode::kInvalidDate, order);
    default: {
      Planned planned = Expecting(ErrorCode::kInvalidId, order);
      planned.idempotency_key = "bad key!";
      return planned;
    }
  }
}

Planned Simulation::InvalidOrderCommand() {
  std::optional<OrderView> order = PickOrder(std::nullopt);
  int64_t roll = random_.Between(0, 3);
  if (order && roll == 0) {
    ReserveOrder duplicate{order->order_id, order->account, Money{1'000, order->currency}, 0};
    return Expecting(ErrorCode::kDuplicateId, duplicate);
  }
  if (order && roll == 1) {
    Money wrong{1'000, OtherCurrency(order->requested.currency)};
    return Expecting(ErrorCode::kCurrencyMismatch, ChangeOrder{order->order_id, wrong});
  }
  if (order && roll == 2) {
    Money zero{0, order->requested.currency};
    return Expecting(ErrorCode::kInvalidAmount, ChangeOrder{order->order_id, zero});
  }
  if (random_.Percent(50)) {
    return Expecting(ErrorCode::kOrderNotFound, CancelOrder{NewId("missing-"), "gone"});
  }
  return Expecting(ErrorCode::kOrderNotFound,
                   ChangeOrder{NewId("missing-"), Money{1'000, Currency::Of("CNY")}});
}

Planned Simulation::InvalidInvoice() {
  int64_t roll = random_.Between(0, 3);
  if (roll == 0) {
    if (std::optional<OrderView> held = PickOrder(OrderStatus::kHeld)) {
      CreateInvoice invoice = NewInvoice(held->account, Money{1'000, held->currency});
      invoice.order_id = held->order_id;
      return Expecting(ErrorCode::kInvalidState, invoice);
    }
  }
  if (roll == 1) {
    if (std::optional<OrderView> open = PickOrder(OrderStatus::kOpen)) {
      const SimAccount& other = PickOtherAccount(open->account);
      CreateInvoice invoice = NewInvoice(other.ref, Money{1'000, other.currency});
      invoice.order_id = open->order_id;
      return Expecting(ErrorCode::kInvalidState, invoice);
    }
  }
  const SimAccount& account = PickAccount();
  CreateInvoice invoice = NewInvoice(account.ref, Money{1'000, account.currency});
  if (roll == 2) {
    invoice.close_order = true;
    return Expecting(ErrorCode::kInvalidArgument, invoice);
  }
  invoice.due_on = AddDays(invoice.issued_on, -1);
  return Expecting(ErrorCode::kInvalidDate, invoice);
}

Planned Simulation::InvalidSettlement() {
  std::optional<InvoiceView> invoice = PickInvoice();
  const SimAccount& account = PickAccount();
  RecordPayment payment{NewId("P"), account.ref, "", Money{1'000, account.currency}, today_};
  int64_t roll = random_.Between(0, 5);
  if (roll == 0) {
    payment.invoice_id = NewId("missing-");
    return Expecting(ErrorCode::kInvoiceNotFound, payment);
  }
  if (roll == 1) {
    payment.amount.minor = -100;
    return Expecting(ErrorCode::kInvalidAmount, payment);
  }
  if (roll == 2) {
    IssueCreditNote note{NewId("N"), account.ref,
                         "",         Money{1'000, account.currency},
                         today_,     "control \x01 character"};
    return Expecting(ErrorCode::kInvalidArgument, note);
  }
  if (invoice && roll == 3) {
    const SimAccount& other = PickOtherAccount(invoice->account);
    RecordPayment elsewhere{NewId("P"), other.ref, invoice->invoice_id,
                            Money{1'000, other.currency}, today_};
    return Expecting(ErrorCode::kInvalidState, elsewhere);
  }
  if (invoice && roll == 4) {
    Money too_much{invoice->open_minor + 1, invoice->currency};
    return Expecting(ErrorCode::kInvalidAmount,
                     WriteOff{NewId("W"), invoice->invoice_id, too_much, ""});
  }
  if (invoice) {
    Money wrong{1, OtherCurrency(invoice->currency)};
    return Expecting(ErrorCode::kCurrencyMismatch,
                     WriteOff{NewId("W"), invoice->invoice_id, wrong, ""});
  }
  return Expecting(ErrorCode::kInvoiceNotFound, WriteOff{NewId("W"), NewId("missing-"), {}, ""});
}

Planned Simulation::InvalidHoldCommand() {
  int64_t roll = random_.Between(0, 2);
  if (roll == 0) {
    if (std::optional<OrderView> open = PickOrder(OrderStatus::kOpen)) {
      return Expecting(ErrorCode::kInvalidState, ReleaseHold{open->order_id, "approve"});
    }
  }
  if (roll == 1) {
    if (std::optional<OrderView> held = PickOrder(OrderStatus::kHeld)) {
      return Expecting(ErrorCode::kMissingField, ReleaseHold{held->order_id, ""});
    }
  }
  return Expecting(ErrorCode::kOrderNotFound, RejectHold{NewId("missing-"), "no"});
}

Planned Simulation::InvalidAccountCommand() {
  const SimAccount& account = PickAccount();
  switch (random_.Between(0, 9)) {
    case 8:
      return InvalidCustomerCommand();
    case 9:
      return Expecting(ErrorCode::kCustomerNotFound,
                       RandomAccount(AccountRef{NewId("nobody-"), ""}));
    case 0:
      return Expecting(ErrorCode::kCurrencyMismatch,
                       SetLimit{account.ref, Money{1'000, OtherCurrency(account.currency)}, ""});
    case 1:
      return Expecting(ErrorCode::kInvalidAmount,
                       SetLimit{account.ref, Money{-1, account.currency}, ""});
    case 2:
      return Expecting(ErrorCode::kInvalidDate,
                       AddTemporaryLimit{account.ref, NewId("T"), Money{1'000, account.currency},
                                         today_, AddDays(today_, -1), ""});
    case 3:
      return Expecting(ErrorCode::kTemporaryLimitNotFound,
                       RemoveTemporaryLimit{account.ref, NewId("missing-")});
    case 4:
      return Expecting(ErrorCode::kCollateralNotFound,
                       RemoveCollateral{account.ref, NewId("missing-")});
    case 5:
      return Expecting(ErrorCode::kGroupNotFound, JoinGroup{account.ref, NewId("missing-")});
    case 6:
      if (ViewOf(account.ref).group_id.empty()) {
        return Expecting(ErrorCode::kInvalidState, LeaveGroup{account.ref, ""});
      }
      if (random_.Percent(50)) {
        return Expecting(ErrorCode::kInvalidState, LeaveGroup{account.ref, NewId("other-")});
      }
      return Expecting(ErrorCode::kInvalidState,
                       JoinGroup{account.ref, random_.Pick(groups_).group_id});
    default:
      return Expecting(ErrorCode::kInvalidArgument,
                       SetFxRate{account.currency, account.currency, kFxRateScale, today_});
  }
}

Planned Simulation::InvalidCustomerCommand() {
  int64_t roll = random_.Between(0, 2);
  if (roll == 0) return Expecting(ErrorCode::kDuplicateId, RandomCustomer(0));
  const SimAccount& other = random_.Pick(accounts_);
  if (roll == 1) {
    CreateCustomer customer = RandomCustomer(static_cast<int>(customers_.size()));
    customer.account = RandomAccount(AccountRef{other.ref.customer_id, "XX"});
    return Expecting(ErrorCode::kInvalidArgument, customer);
  }
  UpdateCustomer update;
  update.customer_id = random_.Pick(customers_);
  update.account = RandomAccountUpdate(other.ref);
  update.account->account.customer_id += "-other";  // Never the updated customer's.
  return Expecting(ErrorCode::kInvalidArgument, update);
}

Planned Simulation::InvalidAssessmentCommand() {
  const SimAccount& account = PickAccount();
  std::vector<const LimitRequest*> pending = PendingRequests();
  switch (random_.Between(0, 7)) {
    case 0: {
      RecordFinancials c{NewId("nobody-"), {}};
      c.financials.period = "2025";
      c.financials.currency = Currency::Of("CNY");
      return Expecting(ErrorCode::kCustomerNotFound, c);
    }
    case 1: {
      RecordFinancials c{account.ref.customer_id, {}};
      c.financials.period = "2025";
      c.financials.currency = Currency::Of("CNY");
      c.financials.revenue_minor = -1;
      return Expecting(ErrorCode::kInvalidAmount, c);
    }
    case 2: {
      RequestLimitChange c{NewId("review-"), account.ref, Money{1'000, account.currency}, kNoDate,
                           "reserved id"};
      return Expecting(ErrorCode::kInvalidId, c);
    }
    case 3:
      return Expecting(ErrorCode::kLimitRequestNotFound,
                       DecideLimitRequest{NewId("missing-"), true, "yes", "admin"});
    case 4:
      if (!pending.empty()) {
        // Sales may ask for a limit, never grant or refuse one.
        return Expecting(
            ErrorCode::kForbidden,
            DecideLimitRequest{random_.Pick(pending)->request_id, false, "no", "sales"});
      }
      return Expecting(ErrorCode::kAlertNotFound, AcknowledgeAlert{0});
    case 5:
      return Expecting(ErrorCode::kInvalidArgument, RunReview{0, 10'001});
    case 6: {
      CreateRecoveryPlan c{NewId("plan-"), account.ref, {}, "no installments"};
      bool planned = std::any_of(
          state_.accounts().begin(), state_.accounts().end(),
          [&](const Account& a) { return a.ref == account.ref && a.recovery_plan != kNone; });
      if (!planned) {
        return Expecting(ErrorCode::kInvalidArgument, c);
      }
      return Expecting(ErrorCode::kAlertNotFound,
                       AcknowledgeAlert{state_.monitor().last_alert_id + 1});
    }
    default: {
      SetAlertRules c;
      c.rules.overdue_days = -1;
      return Expecting(ErrorCode::kInvalidArgument, c);
    }
  }
}

// ------------------------------------------------------------------------------------------
// Observation of successful events: decisions, over-commit, counters and shadows.

void Simulation::Observe(const Event& event) {
  std::visit([&](const auto& body) { ObserveBody(body, event); }, event.body);
}

void Simulation::ObserveBody(const OrderDecided& e, const Event&) {
  const Decision& d = e.decision;
  ASSERT_EQ(d.outcome, OutcomeFor(d.reasons)) << Describe(d);
  Result<OrderView> order = state_.ViewOrder(e.order.order_id);
  switch (d.outcome) {
    case Outcome::kRejected:
      ++counters_[Count::kRejected];
      ASSERT_FALSE(order.ok()) << "a rejected order was kept: " << e.order.order_id;
      ASSERT_EQ(ViewOf(e.order.account).exposure_minor, d.exposure_before_minor) << Describe(d);
      return;
    case Outcome::kHeld:
      ++counters_[Count::kHeld];
      ASSERT_TRUE(order.ok()) << e.order.order_id;
      ASSERT_EQ(order->status, OrderStatus::kHeld) << Describe(*order);
      ASSERT_EQ(order->reserved_minor, 0) << Describe(*order);
      ASSERT_EQ(ViewOf(e.order.account).exposure_minor, d.exposure_before_minor) << Describe(d);
      return;
    case Outcome::kApproved:
    case Outcome::kApprovedWithWarning:
      ++counters_[d.outcome == Outcome::kApproved ? Count::kApproved : Count::kApprovedWithWarning];
      ASSERT_TRUE(order.ok()) << e.order.order_id;
      ASSERT_EQ(order->status, OrderStatus::kOpen) << Describe(*order);
      ASSERT_EQ(order->reserved_minor, e.amount_minor) << Describe(*order);
      CheckApproval(e.order.account, d);
      return;
  }
}

void Simulation::ObserveBody(const OrderChanged& e, const Event&) {
  const Decision& d = e.decision;
  ASSERT_EQ(e.applied, d.outcome != Outcome::kRejected) << Describe(d);
  Result<OrderView> order = state_.ViewOrder(e.change.order_id);
  ASSERT_TRUE(order.ok()) << e.change.order_id;
  int64_t exposure = ViewOf(order->account).exposure_minor;
  if (!e.applied || d.outcome == Outcome::kHeld) {
    // A refused increase, or a change to an order that reserves nothing until released.
    ASSERT_EQ(exposure, d.exposure_before_minor) << Describe(d);
    if (!e.applied) ++counters_[Count::kIncreasesRejected];
    ASSERT_TRUE(e.applied || d.amount_minor > 0) << "a decrease was refused: " << Describe(d);
    return;
  }
  ASSERT_EQ(order->amount_minor, e.new_amount_minor) << Describe(*order);
  if (d.amount_minor > 0) {
    ++counters_[Count::kIncreasesApproved];
    CheckApproval(order->account, d);
    return;
  }
  ++counters_[Count::kDecreases];
  ASSERT_EQ(exposure, d.exposure_before_minor + d.amount_minor) << Describe(d);
}

void Simulation::ObserveBody(const OrderCancelled& e, const Event&) {
  ++counters_[Count::kCancelled];
  ASSERT_FALSE(state_.ViewOrder(e.cancel.order_id).ok()) << e.cancel.order_id;
}

void Simulation::ObserveBody(const ReservationsExpired& e, const Event&) {
  counters_[Count::kExpired] += static_cast<int64_t>(e.order_ids.size());
  for (const std::string& order_id : e.order_ids) {
    ASSERT_FALSE(state_.ViewOrder(order_id).ok()) << "expired but still open: " << order_id;
  }
  // The sweep must leave no order whose expiry has passed.
  for (const SimAccount& account : accounts_) {
    std::vector<OrderView> orders = state_.OpenOrders(account.ref).value();
    for (const OrderView& order : orders) {
      if (order.expires_at != 0) {
        ASSERT_GT(order.expires_at, now_) << Describe(order);
      }
    }
  }
}

void Simulation::ObserveBody(const InvoiceCreated& e, const Event&) {
  ++counters_[Count::kInvoices];
  if (e.invoice.close_order) {
    ASSERT_FALSE(state_.ViewOrder(e.invoice.order_id).ok()) << "closed order still open";
  }
}

void Simulation::ObserveBody(const PaymentRecorded& e, const Event&) {
  ++counters_[Count::kPayments];
  int64_t allocated = e.unapplied_minor;
  for (const Allocation& allocation : e.allocations) allocated += allocation.amount_minor;
  ASSERT_EQ(allocated, e.amount_minor) << "payment " << e.payment.payment_id;
}

void Simulation::ObserveBody(const CreditNoteIssued& e, const Event&) {
  ++counters_[Count::kCreditNotes];
  int64_t allocated = e.unapplied_minor;
  for (const Allocation& allocation : e.allocations) allocated += allocation.amount_minor;
  ASSERT_EQ(allocated, e.amount_minor) << "credit note " << e.note.credit_note_id;
}

void Simulation::ObserveBody(const WrittenOff&, const Event&) { ++counters_[Count::kWriteOffs]; }

void Simulation::ObserveBody(const HoldReleased& e, const Event& event) {
  ++counters_[Count::kReleases];
  Result<OrderView> order = state_.ViewOrder(e.release.order_id);
  ASSERT_TRUE(order.ok()) << e.release.order_id;
  ASSERT_EQ(order->status, OrderStatus::kOpen) << Describe(*order);
  ASSERT_EQ(order->reserved_minor, e.amount_minor) << Describe(*order);
  ASSERT_EQ(order->released_by, event.actor) << Describe(*order);
  // The one way past a limit: recorded, with the releaser, and counted here.
  if (PastLimit(ViewOf(order->account), /*enforced_only=*/false)) {
    ++counters_[Count::kReleasesPastLimit];
  }
}

void Simulation::ObserveBody(const RejectHold& e, const Event&) {
  ++counters_[Count::kHoldsRejected];
  ASSERT_FALSE(state_.ViewOrder(e.order_id).ok()) << e.order_id;
}

void Simulation::ObserveBody(const CreateCustomer& e, const Event& event) {
  customers_.push_back(e.customer_id);
  if (e.account) ObserveBody(*e.account, event);
}

void Simulation::ObserveBody(const OpenAccount& e, const Event&) {
  SimAccount account;
  account.ref = e.account;
  account.currency = e.currency;
  account.sizing_minor = std::max(kAmountMinorMin, e.limit_minor);
  account.base_limit_minor = e.limit_minor;
  account_index_[AccountKey(e.account)] = accounts_.size();
  accounts_.push_back(account);
}

void Simulation::ObserveBody(const SetLimit& e, const Event&) {
  Shadow(e.account).base_limit_minor = e.limit.minor;
}

void Simulation::ObserveBody(const AddTemporaryLimit& e, const Event&) {
  Shadow(e.account).temporary_limits.push_back(
      TemporaryLimit{e.temporary_limit_id, e.amount.minor, e.valid_from, e.valid_to, e.reason});
}

void Simulation::ObserveBody(const RemoveTemporaryLimit& e, const Event&) {
  std::erase_if(Shadow(e.account).temporary_limits, [&](const TemporaryLimit& limit) {
    return limit.temporary_limit_id == e.temporary_limit_id;
  });
}

void Simulation::ObserveBody(const AddCollateral& e, const Event&) {
  Shadow(e.account).collateral.push_back(
      Collateral{e.collateral_id, e.kind, e.amount.minor, e.valid_to, e.counts_toward_limit});
}

void Simulation::ObserveBody(const RemoveCollateral& e, const Event&) {
  std::erase_if(Shadow(e.account).collateral,
                [&](const Collateral& item) { return item.collateral_id == e.collateral_id; });
}

void Simulation::ObserveBody(const RecordFinancials& e, const Event&) {
  ++counters_[Count::kFinancials];
  const Customer* customer = state_.FindCustomer(e.customer_id);
  ASSERT_NE(customer, nullptr) << e.customer_id;
  ASSERT_LE(customer->financials.size(), kFinancialPeriodsKept);
  ASSERT_TRUE(
      std::is_sorted(customer->financials.begin(), customer->financials.end(),
                     [](const Financials& a, const Financials& b) { return a.period < b.period; }));
}

void Simulation::ObserveBody(const SetScorecard& e, const Event&) {
  ++counters_[Count::kScorecards];
  ASSERT_EQ(state_.scorecard(), e.scorecard);
}

void Simulation::ObserveBody(const SetAssessmentPolicy& e, const Event&) {
  ++counters_[Count::kAssessmentPolicies];
  ASSERT_EQ(state_.assessment_policy(), e.policy);
}

// A review moves base limits (raised, lowered): the shadows follow.
void Simulation::ObserveBody(const ReviewRan& e, const Event&) {
  for (const ReviewOutcome& outcome : e.outcomes) {
    ++counters_[Count::kReviewedAccounts];
    Shadow(outcome.account).base_limit_minor = outcome.limit_after_minor;
    if (outcome.result == ReviewResult::kRequested) ++counters_[Count::kRequestsOpened];
    if (outcome.result == ReviewResult::kRequestPending) {
      ++counters_[Count::kRequestsPendingRefused];
      const LimitRequest* pending = state_.FindLimitRequest(outcome.request_id);
      ASSERT_NE(pending, nullptr) << outcome.request_id;
      ASSERT_EQ(pending->status, LimitRequestStatus::kPending) << outcome.request_id;
      ASSERT_EQ(pending->account, outcome.account) << outcome.request_id;
    }
    ASSERT_EQ(outcome.limit_after_minor == outcome.limit_before_minor,
              outcome.result != ReviewResult::kRaised && outcome.result != ReviewResult::kLowered)
        << AccountKey(outcome.account);
  }
}

void Simulation::ObserveBody(const LimitRequested&, const Event&) {
  ++counters_[Count::kRequestsOpened];
}

// An approval applies at once: a new base limit, or a temporary limit until expires_on.
void Simulation::ObserveBody(const LimitRequestDecided& e, const Event&) {
  const LimitRequest* request = state_.FindLimitRequest(e.decision.request_id);
  ASSERT_NE(request, nullptr);
  ++counters_[e.decision.approve ? Count::kRequestsApproved : Count::kRequestsRejected];
  if (!e.decision.approve) return;
  SimAccount& account = Shadow(e.account);
  if (request->expires_on == kNoDate) {
    account.base_limit_minor = request->amount_minor;
    return;
  }
  account.temporary_limits.push_back(TemporaryLimit{TemporaryLimitIdFor(request->request_id),
                                                    request->amount_minor, today_,
                                                    request->expires_on, request->reason});
}

void Simulation::ObserveBody(const RecoveryPlanCreated&, const Event&) {
  ++counters_[Count::kRecoveryPlans];
}

// A completed plan restores the account and sets its limit.
void Simulation::ObserveBody(const RecoveryPlansChecked& e, const Event&) {
  for (const InstallmentOutcome& outcome : e.installments) {
    ++counters_[outcome.paid ? Count::kInstallmentsPaid : Count::kInstallmentsMissed];
  }
  for (const PlanCompleted& completed : e.completed) {
    ++counters_[Count::kPlansCompleted];
    const RecoveryPlan* plan = state_.FindRecoveryPlan(completed.plan_id);
    ASSERT_NE(plan, nullptr);
    ASSERT_EQ(plan->status, RecoveryPlanStatus::kCompleted);
    Shadow(plan->account).base_limit_minor = completed.limit_after_minor;
  }
}

void Simulation::ObserveBody(const MonitorRan&, const Event&) { ++counters_[Count::kMonitorRuns]; }

void Simulation::ObserveBody(const AcknowledgeAlert& e, const Event&) {
  ++counters_[Count::kAlertsAcknowledged];
  const Alert* alert = std::as_const(state_).FindAlert(e.alert_id);
  ASSERT_NE(alert, nullptr);
  ASSERT_FALSE(alert->acknowledged_by.empty());
}

void Simulation::ObserveBody(const SetAlertRules& e, const Event&) {
  ++counters_[Count::kAlertRuleChanges];
  ASSERT_EQ(state_.monitor().rules, e.rules);
}

// Whether the account is past its limit (with the policy's tolerance) or its group past the
// group limit; with `enforced_only`, only where the policy holds or rejects for that rule.
bool Simulation::PastLimit(const AccountView& view, bool enforced_only) const {
  const Policy* policy = state_.FindPolicy(view.policy);
  EXPECT_NE(policy, nullptr) << view.policy;
  if (policy == nullptr) return false;
  bool own =
      (!enforced_only || Enforces(policy->limit_action)) &&
      view.exposure_minor > LimitWithTolerance(view.effective_limit_minor, policy->tolerance_bp);
  if (own || view.group_id.empty()) return own;
  if (enforced_only && !Enforces(policy->group_limit_action)) return false;
  GroupView group = state_.ViewGroup(view.group_id).value();
  return group.exposure_minor > group.limit_minor;
}

// DESIGN.md section 6: an approval (of a new order or an increase) never takes exposure past a
// limit that the policy enforces; only a release may.
void Simulation::CheckApproval(const AccountRef& ref, const Decision& d) {
  AccountView view = ViewOf(ref);
  ASSERT_EQ(view.exposure_minor, d.exposure_before_minor + d.amount_minor) << Describe(d);
  ASSERT_EQ(view.effective_limit_minor, d.effective_limit_minor) << Describe(d);
  if (d.in_group) {
    GroupView group = state_.ViewGroup(view.group_id).value();
    ASSERT_EQ(group.exposure_minor, d.group_exposure_before_minor + d.amount_minor) << Describe(d);
  }
  ASSERT_FALSE(PastLimit(view, /*enforced_only=*/true))
      << "over-commit: approved past an enforced limit\n  decision " << Describe(d)
      << "\n  account " << Describe(view);
}

// ------------------------------------------------------------------------------------------
// Invariants, after every step.

void Simulation::CheckInvariants() {
  Totals totals;
  for (const SimAccount& account : accounts_) {
    CheckAccount(account, &totals);
    if (Failed()) return;
  }
  CheckHoldQueue(totals);
  if (Failed()) return;
  ASSERT_EQ(totals.orders, state_.open_order_count());
  ASSERT_EQ(totals.invoices, state_.open_invoice_count());
  for (const SimGroup& group : groups_) CheckGroup(group, totals);
  if (Failed()) return;
  CheckPendingRequests();
  if (Failed()) return;
  CheckDueIndex();
}

void Simulation::CheckAccount(const SimAccount& account, Totals* totals) {
  Result<AccountView> found = state_.ViewAccount(account.ref, today_);
  ASSERT_TRUE(found.ok()) << AccountKey(account.ref);
  const AccountView& view = *found;
  State::ItemSums sums = state_.SumOpenItems(account.ref);
  ASSERT_EQ(view.orders_open_minor, sums.orders_minor) << Describe(view);
  ASSERT_EQ(view.receivables_open_minor, sums.receivables_minor) << Describe(view);
  ASSERT_EQ(view.exposure_minor,
            view.orders_open_minor + view.receivables_open_minor - view.unapplied_credit_minor)
      << Describe(view);
  ASSERT_GE(view.unapplied_credit_minor, 0) << Describe(view);
  CheckLimits(account, view);
  CheckOrders(account, view);
  CheckInvoices(account, view);
  totals->held += view.held_orders;
  totals->orders += view.open_orders + view.held_orders;
  totals->invoices += view.open_invoices;
  if (!view.group_id.empty()) {
    std::pair<int64_t, size_t>& group = totals->groups[view.group_id];
    group.first += view.exposure_minor;
    ++group.second;
  }
}

// The effective limit from the shadow of every limit command: base + temporary limits valid
// today (inclusive) + counted collateral not yet lapsed (DESIGN.md section 4).
void Simulation::CheckLimits(const SimAccount& account, const AccountView& view) {
  int64_t temporary = 0;
  for (const TemporaryLimit& limit : account.temporary_limits) {
    if (limit.valid_from <= today_ && today_ <= limit.valid_to) temporary += limit.amount_minor;
  }
  int64_t collateral = 0;
  for (const Collateral& item : account.collateral) {
    if (item.counts_toward_limit && today_ <= item.valid_to) collateral += item.amount_minor;
  }
  ASSERT_EQ(view.limit_minor, account.base_limit_minor) << Describe(view);
  ASSERT_EQ(view.temporary_limits_minor, temporary) << Describe(view);
  ASSERT_EQ(view.collateral_minor, collateral) << Describe(view);
  ASSERT_EQ(view.effective_limit_minor, account.base_limit_minor + temporary + collateral)
      << Describe(view);
  ASSERT_EQ(view.available_minor, view.effective_limit_minor - view.exposure_minor)
      << Describe(view);
}

void Simulation::CheckOrders(const SimAccount& account, const AccountView& view) {
  uint32_t open = 0, held = 0;
  std::vector<OrderView> orders = state_.OpenOrders(account.ref).value();
  for (const OrderView& order : orders) {
    if (order.status == OrderStatus::kHeld) {
      ++held;
      ASSERT_EQ(order.reserved_minor, 0) << Describe(order);
      continue;
    }
    ++open;
    // What an order reserves is its amount less what invoices consumed of it.
    ASSERT_GE(order.reserved_minor, 0) << Describe(order);
    ASSERT_LE(order.reserved_minor, order.amount_minor) << Describe(order);
    ASSERT_GE(order.reserved_minor, order.amount_minor - order.invoiced_minor) << Describe(order);
  }
  ASSERT_EQ(open, view.open_orders) << Describe(view);
  ASSERT_EQ(held, view.held_orders) << Describe(view);
}

void Simulation::CheckInvoices(const SimAccount& account, const AccountView& view) {
  std::vector<InvoiceView> invoices = state_.OpenInvoices(account.ref, today_).value();
  int64_t overdue = 0;
  int32_t oldest_days = 0;
  for (const InvoiceView& invoice : invoices) {
    ASSERT_GT(invoice.open_minor, 0) << Describe(invoice);
    ASSERT_LE(invoice.open_minor, invoice.amount_minor) << Describe(invoice);
    if (invoice.days_past_due == 0) continue;
    overdue += invoice.open_minor;
    oldest_days = std::max(oldest_days, invoice.days_past_due);
    if (overdue_seen_.insert(invoice.invoice_id).second) ++counters_[Count::kOverdueInvoices];
  }
  ASSERT_EQ(invoices.size(), view.open_invoices) << Describe(view);
  ASSERT_EQ(overdue, view.overdue_minor) << Describe(view);
  ASSERT_EQ(oldest_days, view.oldest_days_past_due) << Describe(view);
}

void Simulation::CheckHoldQueue(const Totals& totals) {
  ASSERT_EQ(totals.held, state_.hold_count());
  std::vector<OrderView> holds = state_.Holds(kAllHolds);
  ASSERT_EQ(holds.size(), state_.hold_count());
  for (const OrderView& order : holds) {
    ASSERT_EQ(order.status, OrderStatus::kHeld) << Describe(order);
  }
}

void Simulation::CheckGroup(const SimGroup& group, const Totals& totals) {
  GroupView view = state_.ViewGroup(group.group_id).value();
  auto found = totals.groups.find(group.group_id);
  int64_t exposure = found == totals.groups.end() ? 0 : found->second.first;
  size_t members = found == totals.groups.end() ? 0 : found->second.second;
  ASSERT_EQ(view.exposure_minor, exposure) << Describe(view);
  ASSERT_EQ(view.members.size(), members) << Describe(view);
  ASSERT_EQ(view.available_minor, view.limit_minor - view.exposure_minor) << Describe(view);
}

// An account has at most one pending limit request, and the derived pending marks agree with
// the requests themselves.
void Simulation::CheckPendingRequests() {
  std::map<std::string, std::vector<uint32_t>> pending;
  size_t next = 0;
  std::vector<const LimitRequest*> all = state_.ListLimitRequests({}, 0, SIZE_MAX, &next);
  for (uint32_t slot = 0; slot < all.size(); ++slot) {
    if (all[slot]->status == LimitRequestStatus::kPending) {
      pending[AccountKey(all[slot]->account)].push_back(slot);
    }
  }
  for (const Account& account : state_.accounts()) {
    auto found = pending.find(account.key);
    size_t count = found == pending.end() ? 0 : found->second.size();
    ASSERT_LE(count, 1u) << "two pending limit requests for " << account.key;
    ASSERT_EQ(account.pending_limit_requests, count) << account.key;
    ASSERT_EQ(account.pending_limit_request, count == 0 ? kNone : found->second.back())
        << account.key;
  }
}

// The due-date index holds every open invoice once, in (due date, creation) order, and its
// pages, walked by cursor, list exactly the overdue invoices.
void Simulation::CheckDueIndex() {
  ASSERT_EQ(state_.due_index().size(), state_.open_invoice_count());
  size_t overdue = 0;
  for (const SimAccount& account : accounts_) {
    std::vector<InvoiceView> invoices = state_.OpenInvoices(account.ref, today_).value();
    for (const InvoiceView& invoice : invoices) overdue += invoice.due_on < today_;
  }
  ASSERT_EQ(state_.due_index().CountDueBefore(today_), overdue);
  std::vector<DueKey> walked;
  std::optional<DueIndex::Position> after;
  bool more = true;
  while (more) {
    size_t limit = static_cast<size_t>(random_.Between(1, 7));
    std::vector<DueKey> page =
        state_.due_index().PageDueBefore(today_, after ? &*after : nullptr, limit, &more);
    ASSERT_LE(page.size(), limit);
    ASSERT_TRUE(!more || page.size() == limit);
    if (page.empty()) break;
    walked.insert(walked.end(), page.begin(), page.end());
    after = DueIndex::Position{page.back().due_days, page.back().created_seq};
  }
  ASSERT_EQ(walked.size(), overdue);
  ASSERT_TRUE(std::is_sorted(walked.begin(), walked.end()));
  for (const DueKey& key : walked) {
    const Invoice& invoice = state_.invoice_slots()[key.slot];
    ASSERT_FALSE(invoice.invoice_id.empty());
    ASSERT_EQ(invoice.due_on.days, key.due_days) << invoice.invoice_id;
    ASSERT_EQ(invoice.created_seq, key.created_seq) << invoice.invoice_id;
  }
}

// ------------------------------------------------------------------------------------------
// Replay: encode, decode and apply every event; the result must equal the live state.

// The running aggregates (kept on every event) must equal a recount from the accounts on the
// state's business day, whatever path of events led there.
std::string DescribeTotals(const Aggregates& aggregates) {
  std::string out;
  for (size_t index = 0; index < aggregates.totals().size(); ++index) {
    const PortfolioTotals& t = aggregates.totals()[index];
    if (t.accounts == 0 && t.limit_minor == 0 && t.exposure_minor == 0) continue;
    out += std::string(Currency::FromIndex(static_cast<uint8_t>(index)).code()) + ": accounts " +
           std::to_string(t.accounts) + " limit " + std::to_string(t.limit_minor) +
           " exposure " + std::to_string(t.exposure_minor) + " orders " +
           std::to_string(t.orders_minor) + " receivables " + std::to_string(t.receivables_minor) +
           " unapplied " + std::to_string(t.unapplied_minor) + " positive " +
           std::to_string(t.positive_exposure_minor) + " squared " +
           std::to_string(static_cast<double>(t.exposure_squared)) + " bands";
    for (int64_t band : t.bands) out += " " + std::to_string(band);
    out += "\n";
  }
  for (size_t dimension = 0; dimension < kDimensionCount; ++dimension) {
    std::map<std::string, std::string> buckets;
    for (const BucketTotals& b : aggregates.buckets(static_cast<Dimension>(dimension))) {
      if (b.accounts == 0 && b.limit_minor == 0 && b.exposure_minor == 0 &&
          b.receivables_minor == 0) {
        continue;
      }
      buckets[b.name + "/" + std::string(b.currency.code())] =
          std::to_string(b.accounts) + " " + std::to_string(b.limit_minor) + " " +
          std::to_string(b.exposure_minor) + " " + std::to_string(b.receivables_minor);
    }
    for (const auto& [name, figures] : buckets) {
      out += "dimension " + std::to_string(dimension) + " " + name + ": " + figures + "\n";
    }
  }
  return out;
}

void Simulation::CheckAggregates() {
  // A decoded snapshot recounts its aggregates (RebuildAggregates on the last business day).
  State recount;
  Status status = DecodeSnapshot(EncodeSnapshot(state_), &recount);
  ASSERT_TRUE(status.ok()) << status.error().message;
  ASSERT_EQ(DescribeTotals(state_.aggregates()), DescribeTotals(recount.aggregates()));
}

void Simulation::CheckReplay() {
  CheckAggregates();
  if (Failed()) return;
  ReplayInto(&replica_, &replica_next_event_);
  if (Failed()) return;
  CompareWith(replica_);
  ++counters_[Count::kReplayChecks];
  if (Failed()) return;
  CheckSnapshot();
}

// The copy restored at the last checkpoint must still match after running in lockstep; a new
// snapshot of the live state must decode to a match and takes its place.
void Simulation::CheckSnapshot() {
  if (restored_) CompareWith(*restored_);
  if (Failed()) return;
  State restored;
  Status status = DecodeSnapshot(EncodeSnapshot(state_), &restored);
  ASSERT_TRUE(status.ok()) << status.error().message;
  CompareWith(restored);
  restored_ = std::move(restored);
  ++counters_[Count::kSnapshotChecks];
}

void Simulation::CheckFreshReplay() {
  State fresh;
  size_t next_event = 0;
  ReplayInto(&fresh, &next_event);
  if (Failed()) return;
  CompareWith(fresh);
}

void Simulation::ReplayInto(State* target, size_t* next_event) {
  for (; *next_event < events_.size(); ++*next_event) {
    const Event& event = events_[*next_event];
    Result<Event> decoded = DecodeEvent(EncodeEvent(event));
    ASSERT_TRUE(decoded.ok()) << "event " << event.seq << " " << EventName(event.body) << ": "
                              << decoded.error().message;
    ASSERT_TRUE(*decoded == event)
        << "event " << event.seq << " " << EventName(event.body) << " changed in the codec";
    target->Apply(*decoded);
  }
}

// Names the parts of two states whose digests differ, to narrow down a StateHash mismatch.
std::string DifferingParts(const State& a, const State& b) {
  std::vector<std::pair<std::string, uint64_t>> left = a.StateHashParts();
  std::vector<std::pair<std::string, uint64_t>> right = b.StateHashParts();
  std::string out = "differing parts:";
  for (size_t i = 0; i < left.size() && i < right.size(); ++i) {
    if (left[i].second != right[i].second) out += " " + left[i].first;
  }
  const auto& ta = a.monitor().trend;
  const auto& tb = b.monitor().trend;
  out += " trend sizes " + std::to_string(ta.size()) + "/" + std::to_string(tb.size());
  for (size_t i = 0; i < ta.size() && i < tb.size(); ++i) {
    if (ta[i] == tb[i]) continue;
    out += "\n point " + std::to_string(i) + " day " + std::to_string(ta[i].day.days) + "/" +
           std::to_string(tb[i].day.days) + " accounts " + std::to_string(ta[i].accounts) + "/" +
           std::to_string(tb[i].accounts) + " limit " + std::to_string(ta[i].limit_minor) + "/" +
           std::to_string(tb[i].limit_minor) + " exposure " +
           std::to_string(ta[i].exposure_minor) + "/" + std::to_string(tb[i].exposure_minor) +
           " overdue " + std::to_string(ta[i].overdue_minor) + "/" +
           std::to_string(tb[i].overdue_minor);
  }
  return out;
}

void Simulation::CompareWith(const State& replica) {
  ASSERT_EQ(replica.last_seq(), state_.last_seq());
  for (const SimAccount& account : accounts_) {
    ASSERT_EQ(DescribeAccount(replica, account.ref, today_),
              DescribeAccount(state_, account.ref, today_));
  }
  for (const SimGroup& group : groups_) {
    ASSERT_EQ(Describe(replica.ViewGroup(group.group_id).value()),
              Describe(state_.ViewGroup(group.group_id).value()));
  }
  ASSERT_EQ(DescribeHolds(replica), DescribeHolds(state_));
  ASSERT_EQ(replica.idempotency_record_count(), state_.idempotency_record_count());
  ASSERT_EQ(replica.StateHash(), state_.StateHash()) << DifferingParts(replica, state_);
  // Derived state, outside the hash: pending request marks and the due-date index.
  ASSERT_EQ(replica.accounts().size(), state_.accounts().size());
  for (size_t i = 0; i < state_.accounts().size(); ++i) {
    const Account& mine = state_.accounts()[i];
    const Account& theirs = replica.accounts()[i];
    ASSERT_EQ(theirs.pending_limit_requests, mine.pending_limit_requests) << mine.key;
    ASSERT_EQ(theirs.pending_limit_request, mine.pending_limit_request) << mine.key;
  }
  bool more = false;
  Date end{INT32_MAX};
  ASSERT_TRUE(replica.due_index().PageDueBefore(end, nullptr, SIZE_MAX, &more) ==
              state_.due_index().PageDueBefore(end, nullptr, SIZE_MAX, &more));
}

// ------------------------------------------------------------------------------------------

void ExpectCoverage(const Counters& counters) {
  for (Count count : {Count::kApproved,
                      Count::kApprovedWithWarning,
                      Count::kHeld,
                      Count::kRejected,
                      Count::kIncreasesApproved,
                      Count::kIncreasesRejected,
                      Count::kDecreases,
                      Count::kReleases,
                      Count::kReleasesPastLimit,
                      Count::kHoldsRejected,
                      Count::kCancelled,
                      Count::kExpired,
                      Count::kInvoices,
                      Count::kPayments,
                      Count::kCreditNotes,
                      Count::kWriteOffs,
                      Count::kOverdueInvoices,
                      Count::kIdempotentReplays,
                      Count::kIdempotencyConflicts,
                      Count::kExpiredKeysReused,
                      Count::kFailuresRepeated,
                      Count::kExpectedErrors,
                      Count::kReplayChecks,
                      Count::kSnapshotChecks,
                      Count::kLockstepCommands}) {
    EXPECT_GT(counters[count], 0) << "the simulation produced no "
                                  << kCountNames[static_cast<size_t>(count)];
  }
  for (Count count :
       {Count::kFinancials, Count::kScorecards, Count::kAssessmentPolicies,
        Count::kReviewedAccounts, Count::kRequestsOpened, Count::kRequestsPendingRefused,
        Count::kRequestsApproved, Count::kRequestsRejected, Count::kRecoveryPlans,
        Count::kInstallmentsPaid, Count::kInstallmentsMissed, Count::kPlansCompleted,
        Count::kMonitorRuns, Count::kAlertsAcknowledged, Count::kAlertRuleChanges}) {
    EXPECT_GT(counters[count], 0) << "the simulation produced no "
                                  << kCountNames[static_cast<size_t>(count)];
  }
}

TEST(SimulationTest, RandomCommandsKeepEveryInvariant) {
  std::signal(SIGABRT, OnCrash);
  std::signal(SIGSEGV, OnCrash);
  RunConfig config = ConfigFromEnvironment();
  Counters counters;
  auto start = std::chrono::steady_clock::now();
  for (uint64_t seed : config.seeds) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed << " (reproduce with "
                                      << "CREDITLINE_SIMULATION_SEED=" << seed
                                      << " CREDITLINE_SIMULATION_STEPS=" << config.steps << ")");
    Simulation(seed, config.steps, &counters).Run();
    if (Failed()) return;  // The first failing seed is the one to look at.
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("simulation: %zu seeds x %llu steps in %.2f s\n%s", config.seeds.size(),
              static_cast<unsigned long long>(config.steps), seconds, counters.Summary().c_str());
  if (config.seeds.size() * config.steps >= kCoverageStepsMin) ExpectCoverage(counters);
}

}  // namespace
}  // namespace creditline
