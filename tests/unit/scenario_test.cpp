// Runs the declarative credit scenarios in tests/scenarios/*.txt; the format is described in
// tests/scenarios/README.md.
//
// Each file is one test. The whole file is parsed first, so that a syntax error fails the test
// with file:line before anything runs; then the lines run in order against one core::State.
// Values (amounts, currencies, dates, statuses, actions) are parsed with the core's own parsers,
// and an error there counts as the command's error, as the API would answer it. After every
// line the runner checks that every account's running totals equal the sum of its open items;
// at the end it replays every emitted event into a fresh State and requires the same
// StateHash(). A scenario stops at its first failing line: what follows would only repeat it.
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <istream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/fx.hpp"
#include "core/money.hpp"
#include "core/policy.hpp"
#include "core/state.hpp"
#include "core/time.hpp"
#include "gtest/gtest.h"

namespace creditline {
namespace {

// Commands run at this hour of the business date unless a `time` line says otherwise.
constexpr TimeMs kDefaultTimeOfDayMs = 9 * 3600 * 1000;
// The hold queue is read whole; no scenario comes near this many held orders.
constexpr size_t kHoldQueueReadMax = 10'000;

// ---------------------------------------------------------------------------------------------
// Small parsers and formatters shared by the builders and the checks.

Error ScriptError(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

std::string Join(const std::vector<std::string>& items, std::string_view separator = ",") {
  std::string joined;
  for (const std::string& item : items) {
    if (!joined.empty()) joined += separator;
    joined += item;
  }
  return joined;
}

std::vector<std::string> Split(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    size_t comma = text.find(',');
    items.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

bool IsDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<int32_t> ParseInt32(std::string_view text) {
  int32_t value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end) {
    return ScriptError("expected a whole number, got '" + std::string(text) + "'");
  }
  return value;
}

// "80%", "2.5%", "12.34%" -> basis points, exactly: a percentage has at most two decimals.
Result<int32_t> ParsePercent(std::string_view text) {
  Error invalid =
      ScriptError("expected a percentage like 80% or 2.5%, got '" + std::string(text) + "'");
  if (text.size() < 2 || text.back() != '%') return invalid;
  text.remove_suffix(1);
  size_t point = text.find('.');
  std::string_view whole = text.substr(0, point);
  std::string fraction(point == std::string_view::npos ? "" : text.substr(point + 1));
  if (!IsDigits(whole) || fraction.size() > 2 || whole.size() > 6) return invalid;
  if (point != std::string_view::npos && !IsDigits(fraction)) return invalid;
  fraction.resize(2, '0');
  return *ParseInt32(whole) * 100 + *ParseInt32(fraction);
}

std::string FormatPercent(int64_t basis_points) {
  std::string text = std::to_string(basis_points / 100);
  int64_t fraction = basis_points % 100;
  if (fraction != 0) {
    text += "." + std::to_string(fraction / 10) +
            (fraction % 10 ? std::to_string(fraction % 10) : std::string());
  }
  return text + "%";
}

Result<bool> ParseYesNo(std::string_view text) {
  if (text == "yes") return true;
  if (text == "no") return false;
  return ScriptError("expected yes or no, got '" + std::string(text) + "'");
}

// "C1" is a customer's default account, "C1/EU" its account in segment EU.
AccountRef ParseRef(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return AccountRef{std::string(text), ""};
  return AccountRef{std::string(text.substr(0, slash)), std::string(text.substr(slash + 1))};
}

template <class Enum>
std::optional<Enum> EnumNamed(std::string_view name) {
  for (uint8_t i = 0; i < EnumLimit(Enum{}); ++i) {
    if (NameOf(static_cast<Enum>(i)) == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

// Scenarios talk to the core directly, so only the core's codes (up to kCorruptRecord; the rest
// are raised by the HTTP layer) can be expected.
bool IsErrorName(std::string_view name) {
  for (uint8_t i = 0; i <= static_cast<uint8_t>(ErrorCode::kCorruptRecord); ++i) {
    if (NameOf(static_cast<ErrorCode>(i)) == name) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Lines: the parsed form of one scenario line.

struct Token {
  std::string key;    // Set for key=value options.
  std::string value;  // The word, or the option's value.
  bool quoted = false;
  bool is_option() const { return !key.empty(); }
};

// Splits a line into words, "quoted text" and key=value options; '#' starts a comment.
Result<std::vector<Token>> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  Token current;
  bool in_token = false, in_quotes = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '\\' && i + 1 < text.size())
        c = text[++i];
      else if (c == '"')
        in_quotes = false;
      if (in_quotes) current.value += c;
    } else if (c == '#' && !in_token) {
      break;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      if (in_token) tokens.push_back(std::exchange(current, Token{}));
      in_token = false;
    } else {
      in_token = true;
      if (c == '"') {
        in_quotes = current.quoted = true;
      } else if (c == '=' && !current.is_option() && !current.quoted && !current.value.empty()) {
        current.key = std::exchange(current.value, "");
      } else {
        current.value += c;
      }
    }
  }
  if (in_quotes) return ScriptError("unterminated quote");
  if (in_token) tokens.push_back(std::move(current));
  return tokens;
}

using Options = std::vector<std::pair<std::string, std::string>>;

struct ExpectedReason {
  ReasonCode code;
  std::optional<RuleAction> action;  // Checked only when the scenario names it.
};

// What follows "->": the outcome, the exact reasons, and optional figures of the decision.
struct Expectation {
  bool present = false;
  std::optional<Outcome> outcome;  // Absent for "ok".
  std::vector<ExpectedReason> reasons;
  bool replayed = false;
  Options figures;
};

struct Line {
  int number = 0;
  std::string verb;
  std::vector<std::string> args;
  Options options;
  std::set<std::string> flags;
  Expectation expect;
  std::string expected_error;  // For expect-error lines: the error the command must give.
};

const std::string* Option(const Options& options, std::string_view key) {
  for (const auto& [name, value] : options) {
    if (name == key) return &value;
  }
  return nullptr;
}

const std::string* Option(const Line& line, std::string_view key) {
  return Option(line.options, key);
}

std::string Text(const Line& line, std::string_view key) {
  const std::string* value = Option(line, key);
  return value == nullptr ? std::string() : *value;
}

// ---------------------------------------------------------------------------------------------
// The world a scenario runs in, and the lookups that give an amount its default currency.

struct World {
  State state;
  // Until a `today` line says otherwise.
  Envelope envelope{"", "scenario", DateFromCivil(2026, 1, 1).days* kMsPerDay + kDefaultTimeOfDayMs,
                    DateFromCivil(2026, 1, 1)};
  Currency currency = Currency::Of("CNY");  // For amounts with no account to take it from.
  std::vector<AccountRef> accounts;         // Every account opened, for the invariant checks.
  std::vector<std::string> groups;
  std::vector<Event> events;  // Everything emitted, for the replay at the end.
};

Currency AccountCurrency(const World& world, const AccountRef& ref) {
  Result<AccountView> view = world.state.ViewAccount(ref, world.envelope.today);
  return view.ok() ? view->currency : world.currency;
}

// A change must be in the currency the order was placed in.
Currency OrderCurrency(const World& world, const std::string& order_id) {
  Result<OrderView> order = world.state.ViewOrder(order_id);
  return order.ok() ? order->requested.currency : world.currency;
}

Currency GroupCurrency(const World& world, const std::string& group_id) {
  Result<GroupView> group = world.state.ViewGroup(group_id);
  return group.ok() ? group->currency : world.currency;
}

std::optional<InvoiceView> FindInvoice(const World& world, std::string_view invoice_id) {
  for (const AccountRef& ref : world.accounts) {
    Result<std::vector<InvoiceView>> invoices = world.state.OpenInvoices(ref, world.envelope.today);
    if (!invoices.ok()) continue;
    for (const InvoiceView& invoice : *invoices) {
      if (invoice.invoice_id == invoice_id) return invoice;
    }
  }
  return std::nullopt;
}

std::string ArgOr(const Line& line, size_t index, std::string fallback) {
  return line.args.size() > index ? line.args[index] : std::move(fallback);
}

// args[index] is an amount in major units; args[index + 1], when present, is its currency.
Result<Money> AmountAt(const Line& line, size_t index, Currency fallback) {
  Currency currency = fallback;
  if (line.args.size() > index + 1) {
    CL_ASSIGN_OR_RETURN(currency, Currency::Parse(line.args[index + 1]));
  }
  return ParseMoney(line.args[index], currency);
}

Result<Date> DateOption(const Line& line, std::string_view key, std::optional<Date> fallback) {
  const std::string* text = Option(line, key);
  if (text != nullptr) return ParseDate(*text);
  if (fallback) return *fallback;
  return MakeError(ErrorCode::kInvalidDate, std::string(key) + "= is required");
}

// ---------------------------------------------------------------------------------------------
// Builders: one scenario line -> the command it stands for. Commands are filled member by
// member, so that a field added to a command later keeps its default here.

Result<OpenAccount> AccountFromOptions(const World& world, const Line& line, AccountRef ref) {
  OpenAccount account;
  account.account = std::move(ref);
  account.currency = world.currency;
  if (const std::string* code = Option(line, "currency")) {
    CL_ASSIGN_OR_RETURN(account.currency, Currency::Parse(*code));
  }
  if (const std::string* limit = Option(line, "limit")) {
    CL_ASSIGN_OR_RETURN(Money money, ParseMoney(*limit, account.currency));
    account.limit_minor = money.minor;
  }
  if (const std::string* terms = Option(line, "terms")) {
    CL_ASSIGN_OR_RETURN(account.payment_terms_days, ParseInt32(*terms));
  }
  if (const std::string* review = Option(line, "review")) {
    CL_ASSIGN_OR_RETURN(account.review_on, ParseDate(*review));
  }
  if (const std::string* status = Option(line, "status")) {
    CL_ASSIGN_OR_RETURN(account.status, ParseAccountStatus(*status));
  }
  account.grade = Text(line, "grade");
  if (const std::string* policy = Option(line, "policy")) account.policy = *policy;
  account.group_id = Text(line, "group");
  return account;
}

constexpr std::string_view kCustomerOptions[] = {"name", "industry", "region", "tags"};
constexpr std::string_view kAccountOptions[] = {"currency", "limit",  "terms", "grade",
                                                "policy",   "review", "group", "status"};

// `customer` also opens the customer's default account, in the same command, when it is given
// any account option.
Result<Command> BuildCustomer(const World& world, const Line& line) {
  CreateCustomer customer;
  customer.customer_id = line.args[0];
  customer.name = Text(line, "name");
  customer.industry = Text(line, "industry");
  customer.region = Text(line, "region");
  if (const std::string* tags = Option(line, "tags")) customer.tags = Split(*tags);
  bool opens_account = std::any_of(std::begin(kAccountOptions), std::end(kAccountOptions),
                                   [&](std::string_view key) { return Option(line, key); });
  if (opens_account) {
    CL_ASSIGN_OR_RETURN(customer.account,
                        AccountFromOptions(world, line, AccountRef{line.args[0], ""}));
  }
  return customer;
}

Result<Command> BuildAccount(const World& world, const Line& line) {
  CL_ASSIGN_OR_RETURN(OpenAccount account, AccountFromOptions(world, line, ParseRef(line.args[0])));
  return account;
}

constexpr std::string_view kAccountUpdateOptions[] = {"terms", "grade", "review", "policy"};

Result<UpdateAccount> AccountUpdateFromOptions(const Line& line, AccountRef ref) {
  UpdateAccount update;
  update.account = std::move(ref);
  if (const std::string* terms = Option(line, "terms")) {
    CL_ASSIGN_OR_RETURN(update.payment_terms_days, ParseInt32(*terms));
  }
  if (const std::string* review = Option(line, "review")) {
    update.review_on = kNoDate;  // "review=none" clears the review date.
    if (*review != "none") {
      CL_ASSIGN_OR_RETURN(update.review_on, ParseDate(*review));
    }
  }
  if (const std::string* grade = Option(line, "grade")) update.grade = *grade;
  if (const std::string* policy = Option(line, "policy")) update.policy = *policy;
  return update;
}

// `update-customer` also updates one of the customer's accounts (the default one, or the one
// `segment=` names), in the same command, when it is given any account option.
Result<Command> BuildUpdateCustomer(const World&, const Line& line) {
  UpdateCustomer update;
  update.customer_id = line.args[0];
  if (const std::string* name = Option(line, "name")) update.name = *name;
  if (const std::string* industry = Option(line, "industry")) update.industry = *industry;
  if (const std::string* region = Option(line, "region")) update.region = *region;
  if (const std::string* tags = Option(line, "tags")) update.tags = Split(*tags);
  bool updates_account =
      std::any_of(std::begin(kAccountUpdateOptions), std::end(kAccountUpdateOptions),
                  [&](std::string_view key) { return Option(line, key); });
  if (updates_account) {
    CL_ASSIGN_OR_RETURN(update.account, AccountUpdateFromOptions(
                                            line, AccountRef{line.args[0], Text(line, "segment")}));
  }
  return update;
}

Result<Command> BuildUpdateAccount(const World&, const Line& line) {
  CL_ASSIGN_OR_RETURN(UpdateAccount update, AccountUpdateFromOptions(line, ParseRef(line.args[0])));
  return update;
}

Result<Command> BuildLimit(const World& world, const Line& line) {
  SetLimit command;
  command.account = ParseRef(line.args[0]);
  command.reason = Text(line, "reason");
  CL_ASSIGN_OR_RETURN(command.limit, AmountAt(line, 1, AccountCurrency(world, command.account)));
  return command;
}

Result<Command> BuildTemporaryLimit(const World& world, const Line& line) {
  AddTemporaryLimit command;
  command.account = ParseRef(line.args[0]);
  command.temporary_limit_id = line.args[1];
  command.reason = Text(line, "reason");
  CL_ASSIGN_OR_RETURN(command.amount, AmountAt(line, 2, AccountCurrency(world, command.account)));
  CL_ASSIGN_OR_RETURN(command.valid_from, DateOption(line, "from", world.envelope.today));
  CL_ASSIGN_OR_RETURN(command.valid_to, DateOption(line, "to", std::nullopt));
  return command;
}

Result<Command> BuildRemoveTemporaryLimit(const World&, const Line& line) {
  RemoveTemporaryLimit command;
  command.account = ParseRef(line.args[0]);
  command.temporary_limit_id = line.args[1];
  return command;
}

Result<Command> BuildCollateral(const World& world, const Line& line) {
  AddCollateral command;
  command.account = ParseRef(line.args[0]);
  command.collateral_id = line.args[1];
  command.kind = line.args[2];
  CL_ASSIGN_OR_RETURN(command.amount, AmountAt(line, 3, AccountCurrency(world, command.account)));
  CL_ASSIGN_OR_RETURN(command.valid_to, DateOption(line, "to", std::nullopt));
  if (const std::string* counts = Option(line, "counts")) {
    CL_ASSIGN_OR_RETURN(command.counts_toward_limit, ParseYesNo(*counts));
  }
  return command;
}

Result<Command> BuildRemoveCollateral(const World&, const Line& line) {
  RemoveCollateral command;
  command.account = ParseRef(line.args[0]);
  command.collateral_id = line.args[1];
  return command;
}

Result<Command> BuildStatus(const World&, const Line& line) {
  SetStatus command;
  command.account = ParseRef(line.args[0]);
  command.reason = Text(line, "reason");
  CL_ASSIGN_OR_RETURN(command.status, ParseAccountStatus(line.args[1]));
  return command;
}

Result<Command> BuildGroup(const World& world, const Line& line) {
  CreateGroup command;
  command.group_id = line.args[0];
  command.name = Text(line, "name");
  Currency currency = world.currency;
  if (const std::string* code = Option(line, "currency")) {
    CL_ASSIGN_OR_RETURN(currency, Currency::Parse(*code));
  }
  std::string limit = Text(line, "limit");
  CL_ASSIGN_OR_RETURN(command.limit, ParseMoney(limit.empty() ? "0" : limit, currency));
  return command;
}

Result<Command> BuildGroupLimit(const World& world, const Line& line) {
  SetGroupLimit command;
  command.group_id = line.args[0];
  command.reason = Text(line, "reason");
  CL_ASSIGN_OR_RETURN(command.limit, AmountAt(line, 1, GroupCurrency(world, line.args[0])));
  return command;
}

Result<Command> BuildJoin(const World&, const Line& line) {
  JoinGroup command;
  command.account = ParseRef(line.args[0]);
  command.group_id = line.args[1];
  return command;
}

Result<Command> BuildLeave(const World&, const Line& line) {
  LeaveGroup command;
  command.account = ParseRef(line.args[0]);
  command.group_id = ArgOr(line, 1, "");
  return command;
}

struct PolicyAction {
  std::string_view key;
  RuleAction Policy::*member;
};
const PolicyAction kPolicyActions[] = {
    {"blocked", &Policy::blocked_action},
    {"on_hold", &Policy::on_hold_action},
    {"prepayment", &Policy::prepayment_action},
    {"review_expired", &Policy::review_expired_action},
    {"max_order", &Policy::max_order_value_action},
    {"overdue", &Policy::overdue_action},
    {"quota", &Policy::quota_action},
    {"limit", &Policy::limit_action},
    {"group_limit", &Policy::group_limit_action},
    {"warning", &Policy::warning_action},
};

struct PolicyAmount {
  std::string_view key;
  std::optional<Money> Policy::*member;
};
const PolicyAmount kPolicyAmounts[] = {
    {"max_order_value", &Policy::max_order_value},
    {"max_overdue_amount", &Policy::max_overdue_amount},
    {"day_quota", &Policy::day_quota},
    {"month_quota", &Policy::month_quota},
};

std::vector<std::string> PolicyOptions() {
  std::vector<std::string> options = {"tolerance", "warn", "max_days_past_due", "currency"};
  for (const PolicyAction& action : kPolicyActions) options.emplace_back(action.key);
  for (const PolicyAmount& amount : kPolicyAmounts) options.emplace_back(amount.key);
  return options;
}

Status SetPolicyAmounts(const World& world, const Line& line, Policy* policy) {
  Currency currency = world.currency;
  if (const std::string* code = Option(line, "currency")) {
    CL_ASSIGN_OR_RETURN(currency, Currency::Parse(*code));
  }
  for (const PolicyAmount& amount : kPolicyAmounts) {
    if (const std::string* text = Option(line, amount.key)) {
      CL_ASSIGN_OR_RETURN(policy->*amount.member, ParseMoney(*text, currency));
    }
  }
  if (const std::string* days = Option(line, "max_days_past_due")) {
    CL_ASSIGN_OR_RETURN(policy->max_days_past_due, ParseInt32(*days));
  }
  return Status::Ok();
}

// A policy line states the whole policy: what it does not name keeps the core's defaults.
Result<Command> BuildPolicy(const World& world, const Line& line) {
  SetPolicy command;
  Policy& policy = command.policy;
  policy.name = line.args[0];
  if (const std::string* tolerance = Option(line, "tolerance")) {
    CL_ASSIGN_OR_RETURN(policy.tolerance_bp, ParsePercent(*tolerance));
  }
  if (const std::string* warn = Option(line, "warn")) {
    CL_ASSIGN_OR_RETURN(policy.warning_bp, ParsePercent(*warn));
  }
  CL_RETURN_IF_ERROR(SetPolicyAmounts(world, line, &policy));
  for (const PolicyAction& action : kPolicyActions) {
    if (const std::string* text = Option(line, action.key)) {
      CL_ASSIGN_OR_RETURN(policy.*action.member, ParseRuleAction(*text));
    }
  }
  return command;
}

Result<Command> BuildFx(const World& world, const Line& line) {
  SetFxRate command;
  CL_ASSIGN_OR_RETURN(command.from, Currency::Parse(line.args[0]));
  CL_ASSIGN_OR_RETURN(command.to, Currency::Parse(line.args[1]));
  CL_ASSIGN_OR_RETURN(command.rate_scaled, ParseFxRate(line.args[2]));
  CL_ASSIGN_OR_RETURN(command.effective_on, DateOption(line, "from", world.envelope.today));
  return command;
}

Result<Command> BuildOrder(const World& world, const Line& line) {
  ReserveOrder order;
  order.order_id = line.args[0];
  order.account = ParseRef(line.args[1]);
  CL_ASSIGN_OR_RETURN(order.amount, AmountAt(line, 2, AccountCurrency(world, order.account)));
  if (const std::string* expires = Option(line, "expires")) {
    CL_ASSIGN_OR_RETURN(order.expires_at, ParseTimestamp(*expires));
  }
  return order;
}

Result<Command> BuildChange(const World& world, const Line& line) {
  ChangeOrder change;
  change.order_id = line.args[0];
  CL_ASSIGN_OR_RETURN(change.amount, AmountAt(line, 1, OrderCurrency(world, line.args[0])));
  return change;
}

Result<Command> BuildCancel(const World&, const Line& line) {
  CancelOrder cancel;
  cancel.order_id = line.args[0];
  cancel.reason = ArgOr(line, 1, "");
  return cancel;
}

Result<Command> BuildExpire(const World&, const Line&) { return ExpireReservations{}; }

Result<Command> BuildInvoice(const World& world, const Line& line) {
  CreateInvoice invoice;
  invoice.invoice_id = line.args[0];
  invoice.account = ParseRef(line.args[1]);
  invoice.order_id = Text(line, "order");
  invoice.close_order = line.flags.contains("close_order");
  CL_ASSIGN_OR_RETURN(invoice.amount, AmountAt(line, 2, AccountCurrency(world, invoice.account)));
  CL_ASSIGN_OR_RETURN(invoice.issued_on, DateOption(line, "issued", world.envelope.today));
  CL_ASSIGN_OR_RETURN(invoice.due_on, DateOption(line, "due", kNoDate));
  return invoice;
}

Result<Command> BuildPay(const World& world, const Line& line) {
  RecordPayment payment;
  payment.payment_id = line.args[0];
  payment.account = ParseRef(line.args[1]);
  payment.invoice_id = Text(line, "invoice");
  CL_ASSIGN_OR_RETURN(payment.amount, AmountAt(line, 2, AccountCurrency(world, payment.account)));
  CL_ASSIGN_OR_RETURN(payment.received_on, DateOption(line, "received", world.envelope.today));
  return payment;
}

Result<Command> BuildCreditNote(const World& world, const Line& line) {
  IssueCreditNote note;
  note.credit_note_id = line.args[0];
  note.account = ParseRef(line.args[1]);
  note.invoice_id = Text(line, "invoice");
  note.reason = Text(line, "reason");
  CL_ASSIGN_OR_RETURN(note.amount, AmountAt(line, 2, AccountCurrency(world, note.account)));
  CL_ASSIGN_OR_RETURN(note.issued_on, DateOption(line, "issued", world.envelope.today));
  return note;
}

// Without an amount the whole open amount is written off.
Result<Command> BuildWriteOff(const World& world, const Line& line) {
  WriteOff write_off;
  write_off.write_off_id = line.args[0];
  write_off.invoice_id = line.args[1];
  write_off.reason = Text(line, "reason");
  if (line.args.size() > 2) {
    std::optional<InvoiceView> invoice = FindInvoice(world, line.args[1]);
    Currency currency = invoice ? invoice->currency : world.currency;
    CL_ASSIGN_OR_RETURN(write_off.amount, AmountAt(line, 2, currency));
  }
  return write_off;
}

Result<Command> BuildRelease(const World&, const Line& line) {
  ReleaseHold release;
  release.order_id = line.args[0];
  release.reason = ArgOr(line, 1, "");
  return release;
}

Result<Command> BuildReject(const World&, const Line& line) {
  RejectHold reject;
  reject.order_id = line.args[0];
  reject.reason = ArgOr(line, 1, "");
  return reject;
}

// ---------------------------------------------------------------------------------------------
// Field checks: `expect` lines and decision figures compare named fields of a view.

enum class FieldKind { kMoney, kPercent, kCount, kText };

template <class View>
struct Field {
  std::string_view name;
  FieldKind kind;
  int64_t (*number)(const View&) = nullptr;    // For money, percent and count fields.
  std::string (*text)(const View&) = nullptr;  // For text fields.
};

template <class View>
std::vector<std::string> FieldNames(const std::vector<Field<View>>& fields) {
  std::vector<std::string> names;
  for (const Field<View>& field : fields) names.emplace_back(field.name);
  return names;
}

// The expected value in the form the actual value is printed in, so "60.50%" matches "60.5%".
Result<std::string> Normalize(FieldKind kind, const std::string& text, Currency currency) {
  switch (kind) {
    case FieldKind::kMoney: {
      CL_ASSIGN_OR_RETURN(Money money, ParseMoney(text, currency));
      return FormatAmount(money.minor, currency);
    }
    case FieldKind::kPercent: {
      CL_ASSIGN_OR_RETURN(int32_t basis_points, ParsePercent(text));
      return FormatPercent(basis_points);
    }
    case FieldKind::kCount: {
      CL_ASSIGN_OR_RETURN(int32_t count, ParseInt32(text));
      return std::to_string(count);
    }
    case FieldKind::kText:
      return text;
  }
  return text;
}

template <class View>
std::string Actual(const Field<View>& field, const View& view, Currency currency) {
  switch (field.kind) {
    case FieldKind::kMoney:
      return FormatAmount(field.number(view), currency);
    case FieldKind::kPercent:
      return FormatPercent(field.number(view));
    case FieldKind::kCount:
      return std::to_string(field.number(view));
    case FieldKind::kText:
      return field.text(view);
  }
  return "";
}

// Compares every named field and reports all mismatches at once.
template <class View>
Status CheckFields(const Options& expected, const View& view, Currency currency,
                   const std::vector<Field<View>>& fields, const std::string& subject) {
  std::string mismatches;
  for (const auto& [name, text] : expected) {
    // By name rather than through the binding: clang before 16 cannot capture a structured
    // binding in a lambda.
    auto field = std::find_if(fields.begin(), fields.end(),
                              [&wanted = name](const Field<View>& f) { return f.name == wanted; });
    if (field == fields.end()) return ScriptError(subject + " has no field '" + name + "'");
    CL_ASSIGN_OR_RETURN(std::string want, Normalize(field->kind, text, currency));
    std::string got = Actual(*field, view, currency);
    if (want != got) mismatches += "\n  " + name + ": expected " + want + ", got " + got;
  }
  if (mismatches.empty()) return Status::Ok();
  return ScriptError(subject + " differs from the expectation:" + mismatches);
}

const std::vector<Field<AccountView>>& AccountFields() {
  using V = AccountView;
  using K = FieldKind;
  static const auto* const fields = new std::vector<Field<V>>{
      {"limit", K::kMoney, [](const V& v) { return v.limit_minor; }},
      {"temporary", K::kMoney, [](const V& v) { return v.temporary_limits_minor; }},
      {"collateral", K::kMoney, [](const V& v) { return v.collateral_minor; }},
      {"effective_limit", K::kMoney, [](const V& v) { return v.effective_limit_minor; }},
      {"orders", K::kMoney, [](const V& v) { return v.orders_open_minor; }},
      {"receivables", K::kMoney, [](const V& v) { return v.receivables_open_minor; }},
      {"unapplied", K::kMoney, [](const V& v) { return v.unapplied_credit_minor; }},
      {"exposure", K::kMoney, [](const V& v) { return v.exposure_minor; }},
      {"available", K::kMoney, [](const V& v) { return v.available_minor; }},
      {"utilization", K::kPercent, [](const V& v) -> int64_t { return v.utilization_bp; }},
      {"overdue", K::kMoney, [](const V& v) { return v.overdue_minor; }},
      {"days_past_due", K::kCount, [](const V& v) -> int64_t { return v.oldest_days_past_due; }},
      {"written_off", K::kMoney, [](const V& v) { return v.written_off_minor; }},
      {"open_orders", K::kCount, [](const V& v) -> int64_t { return v.open_orders; }},
      {"held_orders", K::kCount, [](const V& v) -> int64_t { return v.held_orders; }},
      {"open_invoices", K::kCount, [](const V& v) -> int64_t { return v.open_invoices; }},
      {"terms", K::kCount, [](const V& v) -> int64_t { return v.payment_terms_days; }},
      {"name", K::kText, nullptr, [](const V& v) { return v.customer_name; }},
      {"status", K::kText, nullptr, [](const V& v) { return std::string(NameOf(v.status)); }},
      {"policy", K::kText, nullptr, [](const V& v) { return v.policy; }},
      {"group", K::kText, nullptr, [](const V& v) { return v.group_id; }},
      {"grade", K::kText, nullptr, [](const V& v) { return v.grade; }},
      {"review", K::kText, nullptr, [](const V& v) { return FormatDate(v.review_on); }},
  };
  return *fields;
}

const std::vector<Field<GroupView>>& GroupFields() {
  using V = GroupView;
  using K = FieldKind;
  static const auto* const fields = new std::vector<Field<V>>{
      {"limit", K::kMoney, [](const V& v) { return v.limit_minor; }},
      {"exposure", K::kMoney, [](const V& v) { return v.exposure_minor; }},
      {"available", K::kMoney, [](const V& v) { return v.available_minor; }},
      {"members", K::kText, nullptr,
       [](const V& v) {
         std::vector<std::string> keys;
         for (const AccountRef& ref : v.members) keys.push_back(AccountKey(ref));
         return Join(keys);
       }},
  };
  return *fields;
}

std::string ReasonList(const Reasons& reasons) {
  std::vector<std::string> names;
  for (const Reason& reason : reasons) names.emplace_back(NameOf(reason.code));
  return Join(names);
}

const std::vector<Field<OrderView>>& OrderFields() {
  using V = OrderView;
  using K = FieldKind;
  static const auto* const fields = new std::vector<Field<V>>{
      {"amount", K::kMoney, [](const V& v) { return v.amount_minor; }},
      {"reserved", K::kMoney, [](const V& v) { return v.reserved_minor; }},
      {"invoiced", K::kMoney, [](const V& v) { return v.invoiced_minor; }},
      {"status", K::kText, nullptr,
       [](const V& v) { return std::string(v.status == OrderStatus::kHeld ? "held" : "open"); }},
      {"requested", K::kText, nullptr, [](const V& v) { return FormatMoney(v.requested); }},
      {"decision", K::kText, nullptr,
       [](const V& v) { return std::string(NameOf(v.decision.outcome)); }},
      {"reasons", K::kText, nullptr, [](const V& v) { return ReasonList(v.decision.reasons); }},
      {"released_by", K::kText, nullptr, [](const V& v) { return v.released_by; }},
      {"release_reason", K::kText, nullptr, [](const V& v) { return v.release_reason; }},
      {"expires", K::kText, nullptr,
       [](const V& v) { return v.expires_at == 0 ? "never" : FormatTimestamp(v.expires_at); }},
  };
  return *fields;
}

const std::vector<Field<InvoiceView>>& InvoiceFields() {
  using V = InvoiceView;
  using K = FieldKind;
  static const auto* const fields = new std::vector<Field<V>>{
      {"amount", K::kMoney, [](const V& v) { return v.amount_minor; }},
      {"open", K::kMoney, [](const V& v) { return v.open_minor; }},
      {"days_past_due", K::kCount, [](const V& v) -> int64_t { return v.days_past_due; }},
      {"account", K::kText, nullptr, [](const V& v) { return AccountKey(v.account); }},
      {"order", K::kText, nullptr, [](const V& v) { return v.order_id; }},
      {"issued", K::kText, nullptr, [](const V& v) { return FormatDate(v.issued_on); }},
      {"due", K::kText, nullptr, [](const V& v) { return FormatDate(v.due_on); }},
  };
  return *fields;
}

const std::vector<Field<Decision>>& DecisionFields() {
  using V = Decision;
  using K = FieldKind;
  static const auto* const fields = new std::vector<Field<V>>{
      {"amount", K::kMoney, [](const V& v) { return v.amount_minor; }},
      {"limit", K::kMoney, [](const V& v) { return v.limit_minor; }},
      {"effective_limit", K::kMoney, [](const V& v) { return v.effective_limit_minor; }},
      {"orders", K::kMoney, [](const V& v) { return v.orders_open_minor; }},
      {"receivables", K::kMoney, [](const V& v) { return v.receivables_open_minor; }},
      {"unapplied", K::kMoney, [](const V& v) { return v.unapplied_credit_minor; }},
      {"exposure_before", K::kMoney, [](const V& v) { return v.exposure_before_minor; }},
      {"available_before", K::kMoney, [](const V& v) { return v.available_before_minor; }},
      {"available_after", K::kMoney, [](const V& v) { return v.available_after_minor; }},
      {"utilization_after", K::kPercent,
       [](const V& v) -> int64_t { return v.utilization_after_bp; }},
      {"overdue", K::kMoney, [](const V& v) { return v.overdue_minor; }},
      {"days_past_due", K::kCount, [](const V& v) -> int64_t { return v.days_past_due; }},
      {"group_limit", K::kMoney, [](const V& v) { return v.group_limit_minor; }},
      {"group_exposure_before", K::kMoney,
       [](const V& v) { return v.group_exposure_before_minor; }},
      {"group_available_after", K::kMoney,
       [](const V& v) { return v.group_available_after_minor; }},
  };
  return *fields;
}

// ---------------------------------------------------------------------------------------------
// Decisions: the outcome and the exact reasons, in check order.

std::string DescribeExpected(const Expectation& expect) {
  std::string text(expect.outcome ? NameOf(*expect.outcome) : "ok");
  for (const ExpectedReason& reason : expect.reasons) {
    text += " " + std::string(NameOf(reason.code));
    if (reason.action) text += ":" + std::string(NameOf(*reason.action));
  }
  return text;
}

// The decision as the expectation would spell it: actions only where the scenario names them.
std::string DescribeActual(const Decision& decision, const Expectation& expect) {
  std::string text(NameOf(decision.outcome));
  for (size_t i = 0; i < decision.reasons.size(); ++i) {
    text += " " + std::string(NameOf(decision.reasons[i].code));
    bool named = i < expect.reasons.size() && expect.reasons[i].action.has_value();
    if (named) text += ":" + std::string(NameOf(decision.reasons[i].action));
  }
  return text;
}

std::string Explain(const Decision& decision) {
  std::string text;
  for (const Reason& reason : decision.reasons) {
    text += "\n  " + std::string(NameOf(reason.code)) + " (" + std::string(NameOf(reason.action)) +
            "): " + ExplainReason(decision, reason);
  }
  return text;
}

Status CheckDecision(const Expectation& expect, const Decision& decision) {
  std::string want = DescribeExpected(expect), got = DescribeActual(decision, expect);
  if (want != got) {
    return ScriptError("decision: expected " + want + "\n            got " + got +
                       Explain(decision));
  }
  return CheckFields(expect.figures, decision, decision.currency, DecisionFields(), "the decision");
}

Status CheckResult(const Expectation& expect, const CommandResult& result) {
  if (!expect.present) return Status::Ok();
  if (expect.replayed != result.replayed) {
    return ScriptError(expect.replayed ? "expected the first result replayed, got a new result"
                                       : "expected a new result, got an idempotent replay");
  }
  if (!expect.outcome) return Status::Ok();
  if (!result.decision) return ScriptError("expected a decision, the command gave none");
  return CheckDecision(expect, *result.decision);
}

// ---------------------------------------------------------------------------------------------
// Directives and queries.

Status RunToday(World& world, const Line& line) {
  CL_ASSIGN_OR_RETURN(world.envelope.today, ParseDate(line.args[0]));
  world.envelope.time = world.envelope.today.days * kMsPerDay + kDefaultTimeOfDayMs;
  return Status::Ok();
}

// The business date follows the instant (the business time zone of a scenario is UTC).
Status RunTime(World& world, const Line& line) {
  CL_ASSIGN_OR_RETURN(world.envelope.time, ParseTimestamp(line.args[0]));
  world.envelope.today = DateOf(world.envelope.time, 0);
  return Status::Ok();
}

Status RunActor(World& world, const Line& line) {
  world.envelope.actor = line.args[0];
  return Status::Ok();
}

Status RunCurrency(World& world, const Line& line) {
  CL_ASSIGN_OR_RETURN(world.currency, Currency::Parse(line.args[0]));
  return Status::Ok();
}

Status RunExpectAccount(World& world, const Line& line) {
  AccountRef ref = ParseRef(line.args[0]);
  CL_ASSIGN_OR_RETURN(AccountView view, world.state.ViewAccount(ref, world.envelope.today));
  return CheckFields(line.options, view, view.currency, AccountFields(), "account " + line.args[0]);
}

Status RunExpectGroup(World& world, const Line& line) {
  CL_ASSIGN_OR_RETURN(GroupView view, world.state.ViewGroup(line.args[0]));
  return CheckFields(line.options, view, view.currency, GroupFields(), "group " + line.args[0]);
}

Status RunExpectOrder(World& world, const Line& line) {
  std::string subject = "order " + line.args[0];
  Result<OrderView> order = world.state.ViewOrder(line.args[0]);
  if (line.flags.contains("closed")) {
    if (order.ok()) return ScriptError("expected " + subject + " closed, it is still open");
    return Status::Ok();
  }
  if (!order.ok()) return ScriptError("expected " + subject + " open: " + order.error().message);
  return CheckFields(line.options, *order, order->currency, OrderFields(), subject);
}

Status RunExpectInvoice(World& world, const Line& line) {
  std::string subject = "invoice " + line.args[0];
  std::optional<InvoiceView> invoice = FindInvoice(world, line.args[0]);
  if (line.flags.contains("closed")) {
    if (invoice) return ScriptError("expected " + subject + " settled, it is still open");
    return Status::Ok();
  }
  if (!invoice) return ScriptError("expected " + subject + " open, it is not");
  return CheckFields(line.options, *invoice, invoice->currency, InvoiceFields(), subject);
}

Status RunExpectHolds(World& world, const Line& line) {
  std::vector<std::string> expected = line.args;
  if (expected == std::vector<std::string>{"none"}) expected.clear();
  std::vector<std::string> actual;
  for (const OrderView& order : world.state.Holds(kHoldQueueReadMax)) {
    actual.push_back(order.order_id);
  }
  if (actual == expected) return Status::Ok();
  return ScriptError("hold queue: expected [" + Join(expected) + "], got [" + Join(actual) + "]");
}

// A credit check for a hypothetical order: the decision, no change.
Status RunCheck(World& world, const Line& line) {
  AccountRef ref = ParseRef(line.args[0]);
  CL_ASSIGN_OR_RETURN(Money amount, AmountAt(line, 1, AccountCurrency(world, ref)));
  CL_ASSIGN_OR_RETURN(Decision decision, world.state.Check(ref, amount, world.envelope.today));
  return CheckDecision(line.expect, decision);
}

// ---------------------------------------------------------------------------------------------
// The verb table: what each line may hold, and what runs it.

using BuildFunction = Result<Command> (*)(const World&, const Line&);
using RunFunction = Status (*)(World&, const Line&);

struct VerbSpec {
  std::string_view verb;
  size_t args_min = 0, args_max = 0;
  std::vector<std::string> options;
  std::vector<std::string> flags;
  BuildFunction build = nullptr;  // Commands: the line becomes a command for State::Execute.
  RunFunction run = nullptr;      // Directives and queries.
  bool decides = false;           // Answers with a decision, so the line must say "-> ...".
};

template <size_t N>
std::vector<std::string> Names(const std::string_view (&names)[N]) {
  return std::vector<std::string>(std::begin(names), std::end(names));
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b,
                                const std::vector<std::string>& c = {}) {
  a.insert(a.end(), b.begin(), b.end());
  a.insert(a.end(), c.begin(), c.end());
  return a;
}

const std::vector<VerbSpec>& Verbs() {
  constexpr size_t kMany = 1000;
  static const auto* const verbs = new std::vector<VerbSpec>{
      {"today", 1, 1, {}, {}, nullptr, RunToday},
      {"time", 1, 1, {}, {}, nullptr, RunTime},
      {"actor", 1, 1, {}, {}, nullptr, RunActor},
      {"currency", 1, 1, {}, {}, nullptr, RunCurrency},
      {"customer",
       1,
       1,
       Concat(Names(kCustomerOptions), Names(kAccountOptions)),
       {},
       BuildCustomer},
      {"account", 1, 1, Names(kAccountOptions), {}, BuildAccount},
      {"update-customer",
       1,
       1,
       Concat(Names(kCustomerOptions), Names(kAccountUpdateOptions), {"segment"}),
       {},
       BuildUpdateCustomer},
      {"update-account", 1, 1, Names(kAccountUpdateOptions), {}, BuildUpdateAccount},
      {"limit", 2, 3, {"reason"}, {}, BuildLimit},
      {"temp-limit", 3, 4, {"from", "to", "reason"}, {}, BuildTemporaryLimit},
      {"remove-temp-limit", 2, 2, {}, {}, BuildRemoveTemporaryLimit},
      {"collateral", 4, 5, {"to", "counts"}, {}, BuildCollateral},
      {"remove-collateral", 2, 2, {}, {}, BuildRemoveCollateral},
      {"status", 2, 2, {"reason"}, {}, BuildStatus},
      {"group", 1, 1, {"name", "limit", "currency"}, {}, BuildGroup},
      {"group-limit", 2, 3, {"reason"}, {}, BuildGroupLimit},
      {"join", 2, 2, {}, {}, BuildJoin},
      {"leave", 1, 2, {}, {}, BuildLeave},
      {"policy", 1, 1, PolicyOptions(), {}, BuildPolicy},
      {"fx", 3, 3, {"from"}, {}, BuildFx},
      {"order", 3, 4, {"expires"}, {}, BuildOrder, nullptr, true},
      {"change", 2, 3, {}, {}, BuildChange, nullptr, true},
      {"cancel", 1, 2, {}, {}, BuildCancel},
      {"expire", 0, 0, {}, {}, BuildExpire},
      {"invoice", 3, 4, {"order", "issued", "due"}, {"close_order"}, BuildInvoice},
      {"pay", 3, 4, {"invoice", "received"}, {}, BuildPay},
      {"credit-note", 3, 4, {"invoice", "issued", "reason"}, {}, BuildCreditNote},
      {"write-off", 2, 4, {"reason"}, {}, BuildWriteOff},
      {"release", 2, 2, {}, {}, BuildRelease},
      {"reject", 2, 2, {}, {}, BuildReject},
      {"expect", 1, 1, FieldNames(AccountFields()), {}, nullptr, RunExpectAccount},
      {"expect-group", 1, 1, FieldNames(GroupFields()), {}, nullptr, RunExpectGroup},
      {"expect-order", 1, 1, FieldNames(OrderFields()), {"closed"}, nullptr, RunExpectOrder},
      {"expect-invoice", 1, 1, FieldNames(InvoiceFields()), {"closed"}, nullptr, RunExpectInvoice},
      {"expect-holds", 1, kMany, {}, {}, nullptr, RunExpectHolds},
      {"check", 2, 3, {}, {}, nullptr, RunCheck, true},
  };
  return *verbs;
}

const VerbSpec* FindVerb(std::string_view verb) {
  for (const VerbSpec& spec : Verbs()) {
    if (spec.verb == verb) return &spec;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Parsing: text -> Line, with every syntax rule checked before anything runs.

bool Contains(const std::vector<std::string>& items, std::string_view item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

Status ParseReasonWord(const std::string& word, Expectation* expect) {
  size_t colon = word.find(':');
  std::optional<ReasonCode> code = EnumNamed<ReasonCode>(word.substr(0, colon));
  if (!code) return ScriptError("unknown reason code '" + word.substr(0, colon) + "'");
  ExpectedReason reason{*code, std::nullopt};
  if (colon != std::string::npos) {
    CL_ASSIGN_OR_RETURN(reason.action, ParseRuleAction(word.substr(colon + 1)));
  }
  expect->reasons.push_back(reason);
  return Status::Ok();
}

// "-> held credit_limit_exceeded available_after=-100.00", "-> ok", "-> approved replayed".
Status ParseExpectation(const std::vector<Token>& tokens, Expectation* expect) {
  if (tokens.empty()) return ScriptError("'->' needs an outcome or ok");
  expect->present = true;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& token = tokens[i];
    if (token.is_option()) {
      if (!Contains(FieldNames(DecisionFields()), token.key)) {
        return ScriptError("a decision has no figure '" + token.key + "'");
      }
      expect->figures.emplace_back(token.key, token.value);
    } else if (token.value == "replayed") {
      expect->replayed = true;
    } else if (i == 0 && token.value == "ok") {
      continue;
    } else if (i == 0) {
      expect->outcome = EnumNamed<Outcome>(token.value);
      if (!expect->outcome) return ScriptError("unknown outcome '" + token.value + "'");
    } else {
      if (!expect->outcome) return ScriptError("reasons need an outcome before them");
      CL_RETURN_IF_ERROR(ParseReasonWord(token.value, expect));
    }
  }
  return Status::Ok();
}

Status AddToken(const VerbSpec& spec, const Token& token, Line* line) {
  if (!token.is_option()) {
    if (!token.quoted && Contains(spec.flags, token.value)) {
      line->flags.insert(token.value);
    } else {
      line->args.push_back(token.value);
    }
    return Status::Ok();
  }
  bool allowed = Contains(spec.options, token.key) || (spec.build != nullptr && token.key == "key");
  if (!allowed) {
    return ScriptError(std::string(spec.verb) + " takes no option '" + token.key + "'");
  }
  if (Option(*line, token.key) != nullptr) {
    return ScriptError("option '" + token.key + "' is given twice");
  }
  line->options.emplace_back(token.key, token.value);
  return Status::Ok();
}

Status CheckShape(const VerbSpec& spec, const Line& line) {
  if (line.args.size() < spec.args_min || line.args.size() > spec.args_max) {
    return ScriptError(
        std::string(spec.verb) + " takes " + std::to_string(spec.args_min) +
        (spec.args_max == spec.args_min ? "" : " to " + std::to_string(spec.args_max)) +
        " words after it, got " + std::to_string(line.args.size()) +
        " (see tests/scenarios/README.md)");
  }
  if (!line.expected_error.empty()) {
    if (spec.build == nullptr) return ScriptError("expect-error works only with commands");
    if (line.expect.present) return ScriptError("an expect-error line takes no '->'");
    return Status::Ok();
  }
  if (spec.decides && !line.expect.outcome) {
    return ScriptError(std::string(spec.verb) +
                       " answers with a decision: end the line with '-> <outcome> <reasons>'");
  }
  if (line.expect.present && spec.build == nullptr && !spec.decides) {
    return ScriptError("'->' belongs only on commands and checks");
  }
  if (!spec.decides && line.expect.outcome) {
    return ScriptError(std::string(spec.verb) + " gives no decision: say '-> ok'");
  }
  return Status::Ok();
}

// Parses tokens[first...] as one verb line; `expected_error` is set for expect-error lines.
Result<Line> ParseVerbLine(const std::vector<Token>& tokens, size_t first, int number,
                           std::string expected_error) {
  const VerbSpec* spec = FindVerb(tokens[first].value);
  if (spec == nullptr || tokens[first].is_option() || tokens[first].quoted) {
    return ScriptError("unknown verb '" + tokens[first].value + "'");
  }
  Line line;
  line.number = number;
  line.verb = tokens[first].value;
  line.expected_error = std::move(expected_error);
  auto arrow = std::find_if(tokens.begin() + first, tokens.end(),
                            [](const Token& t) { return !t.quoted && t.value == "->"; });
  for (auto token = tokens.begin() + first + 1; token != arrow; ++token) {
    CL_RETURN_IF_ERROR(AddToken(*spec, *token, &line));
  }
  if (arrow != tokens.end()) {
    CL_RETURN_IF_ERROR(ParseExpectation({arrow + 1, tokens.end()}, &line.expect));
  }
  CL_RETURN_IF_ERROR(CheckShape(*spec, line));
  return line;
}

// "expect-error <code>: <command>" or a plain verb line.
Result<Line> ParseTokens(const std::vector<Token>& tokens, int number) {
  if (tokens[0].value != "expect-error") return ParseVerbLine(tokens, 0, number, "");
  if (tokens.size() < 3 || tokens[1].value.empty() || tokens[1].value.back() != ':') {
    return ScriptError("write expect-error <error_code>: <command>");
  }
  std::string code = tokens[1].value.substr(0, tokens[1].value.size() - 1);
  if (!IsErrorName(code)) return ScriptError("unknown error code '" + code + "'");
  return ParseVerbLine(tokens, 2, number, code);
}

// A blank or comment-only line parses to a Line without a verb.
Result<Line> ParseLineText(std::string_view text, int number) {
  CL_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text));
  if (tokens.empty()) return Line{};
  return ParseTokens(tokens, number);
}

struct Script {
  std::vector<Line> lines;
  int error_line = 0;  // Nonzero when the script could not be parsed.
  std::string error;
};

Script ParseScript(std::istream& input) {
  Script script;
  std::string text;
  for (int number = 1; std::getline(input, text); ++number) {
    if (number == 1 && text.rfind("#", 0) != 0) {
      script.error_line = 1;
      script.error = "a scenario starts with a '#' comment saying what it shows";
      return script;
    }
    Result<Line> line = ParseLineText(text, number);
    if (!line.ok()) {
      script.error_line = number;
      script.error = line.error().message;
      return script;
    }
    if (!line->verb.empty()) script.lines.push_back(std::move(line).value());
  }
  return script;
}

// ---------------------------------------------------------------------------------------------
// The runner.

// The account totals must equal the sum of the open items, and groups and the hold queue
// must agree with their members.
Status CheckInvariants(const World& world) {
  size_t held_orders = 0;
  for (const AccountRef& ref : world.accounts) {
    CL_ASSIGN_OR_RETURN(AccountView view, world.state.ViewAccount(ref, world.envelope.today));
    State::ItemSums sums = world.state.SumOpenItems(ref);
    bool totals_agree = sums.orders_minor == view.orders_open_minor &&
                        sums.receivables_minor == view.receivables_open_minor &&
                        view.exposure_minor == view.orders_open_minor +
                                                   view.receivables_open_minor -
                                                   view.unapplied_credit_minor;
    if (!totals_agree) {
      auto money = [&](int64_t minor) { return FormatAmount(minor, view.currency); };
      return ScriptError("invariant broken for " + AccountKey(ref) + ": open orders reserve " +
                         money(sums.orders_minor) + " but the account's orders total is " +
                         money(view.orders_open_minor) + "; open invoices sum to " +
                         money(sums.receivables_minor) + " but receivables are " +
                         money(view.receivables_open_minor) + "; exposure is " +
                         money(view.exposure_minor));
    }
    held_orders += view.held_orders;
  }
  if (held_orders != world.state.hold_count()) {
    return ScriptError("invariant broken: accounts hold " + std::to_string(held_orders) +
                       " orders, the hold queue " + std::to_string(world.state.hold_count()));
  }
  return Status::Ok();
}

Status CheckGroupInvariants(const World& world) {
  for (const std::string& group_id : world.groups) {
    CL_ASSIGN_OR_RETURN(GroupView group, world.state.ViewGroup(group_id));
    int64_t members_exposure = 0;
    for (const AccountRef& ref : group.members) {
      CL_ASSIGN_OR_RETURN(AccountView view, world.state.ViewAccount(ref, world.envelope.today));
      members_exposure += view.exposure_minor;
    }
    if (members_exposure != group.exposure_minor) {
      return ScriptError("invariant broken for group " + group_id + ": the members' exposure is " +
                         FormatAmount(members_exposure, group.currency) + ", the group's " +
                         FormatAmount(group.exposure_minor, group.currency));
    }
  }
  return Status::Ok();
}

class Runner {
 public:
  explicit Runner(std::string path) : path_(std::move(path)) {}

  void Run(const std::vector<Line>& lines) {
    for (const Line& line : lines) {
      Status status = RunLine(line);
      if (status.ok()) status = CheckInvariants(world_);
      if (status.ok()) status = CheckGroupInvariants(world_);
      if (!status.ok()) {
        ADD_FAILURE_AT(path_.c_str(), line.number) << status.error().message;
        break;
      }
    }
    CheckReplay();
  }

 private:
  Status RunLine(const Line& line) {
    const VerbSpec& spec = *FindVerb(line.verb);
    if (spec.run != nullptr) return spec.run(world_, line);
    if (!line.expected_error.empty()) return RunExpectError(spec, line);
    CL_ASSIGN_OR_RETURN(Command command, spec.build(world_, line));
    Result<CommandResult> result = Execute(line, command);
    if (!result.ok()) {
      return ScriptError(std::string(CommandName(command)) + " failed: " +
                         std::string(NameOf(result.error().code)) + ": " + result.error().message);
    }
    return CheckResult(line.expect, *result);
  }

  // The command must fail with the named error and leave the state exactly as it was.
  Status RunExpectError(const VerbSpec& spec, const Line& line) {
    uint64_t hash_before = world_.state.StateHash();
    size_t events_before = world_.events.size();
    Error error;
    CL_RETURN_IF_ERROR(ErrorOf(spec, line, &error));
    if (NameOf(error.code) != line.expected_error) {
      return ScriptError("expected error " + line.expected_error + ", got " +
                         std::string(NameOf(error.code)) + ": " + error.message);
    }
    if (world_.state.StateHash() != hash_before || world_.events.size() != events_before) {
      return ScriptError("the refused command changed the state");
    }
    return Status::Ok();
  }

  // Sets `*error` to the error the line's command gives; an error itself when it succeeds.
  Status ErrorOf(const VerbSpec& spec, const Line& line, Error* error) {
    Result<Command> command = spec.build(world_, line);
    if (!command.ok()) {
      *error = command.error();
      return Status::Ok();
    }
    Result<CommandResult> result = Execute(line, *command);
    if (result.ok()) {
      return ScriptError("expected error " + line.expected_error + ", but " + line.verb +
                         " succeeded");
    }
    *error = result.error();
    return Status::Ok();
  }

  Result<CommandResult> Execute(const Line& line, const Command& command) {
    Envelope envelope = world_.envelope;
    envelope.idempotency_key = Text(line, "key");
    Result<CommandResult> result = world_.state.Execute(envelope, command, &world_.events);
    if (!result.ok() || result->replayed) return result;
    if (const auto* open = std::get_if<OpenAccount>(&command)) {
      world_.accounts.push_back(open->account);
    } else if (const auto* customer = std::get_if<CreateCustomer>(&command)) {
      if (customer->account) world_.accounts.push_back(customer->account->account);
    } else if (const auto* group = std::get_if<CreateGroup>(&command)) {
      world_.groups.push_back(group->group_id);
    }
    return result;
  }

  // Replaying the journal must rebuild exactly the live state.
  void CheckReplay() {
    State replayed;
    for (const Event& event : world_.events) replayed.Apply(event);
    if (replayed.last_seq() == world_.state.last_seq() &&
        replayed.StateHash() == world_.state.StateHash()) {
      return;
    }
    ADD_FAILURE_AT(path_.c_str(), 1)
        << "replaying the " << world_.events.size() << " emitted events gives another state: hash "
        << replayed.StateHash() << " instead of " << world_.state.StateHash();
  }

  std::string path_;
  World world_;
};

// ---------------------------------------------------------------------------------------------
// The tests.

std::vector<std::string> ScenarioFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(CREDITLINE_SCENARIO_DIR)) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string TestName(const testing::TestParamInfo<std::string>& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class ScenarioTest : public testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, Runs) {
  const std::string& path = GetParam();
  std::ifstream file(path);
  ASSERT_TRUE(file) << "cannot open " << path;
  Script script = ParseScript(file);
  if (!script.error.empty()) {
    ADD_FAILURE_AT(path.c_str(), script.error_line) << "parse error: " << script.error;
    return;
  }
  Runner(path).Run(script.lines);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioTest, testing::ValuesIn(ScenarioFiles()), TestName);

// A wrong directory would otherwise run no scenario and pass.
TEST(ScenarioFilesTest, DirectoryHoldsScenarios) { EXPECT_GE(ScenarioFiles().size(), 32u); }

// The parser's own errors, which tell a scenario's author what is wrong and where.
Script ParseScriptText(const std::string& text) {
  std::istringstream input(text);
  return ParseScript(input);
}

TEST(ScenarioParserTest, ReportsTheLineAndTheProblem) {
  struct Case {
    std::string text;
    int line;
    std::string message_part;
  };
  const Case cases[] = {
      {"no comment first\n", 1, "starts with a '#' comment"},
      {"# x\nfrobnicate C1\n", 2, "unknown verb 'frobnicate'"},
      {"# x\n\norder O1 C1 -> approved\n", 3, "order takes 3 to 4 words"},
      {"# x\norder O1 C1 1.00\n", 2, "answers with a decision"},
      {"# x\norder O1 C1 1.00 key=K1 -> replayed\n", 2, "answers with a decision"},
      {"# x\ncancel O1 ->\n", 2, "needs an outcome or ok"},
      {"# x\nexpect-error order_not_found: cancel O1 -> ok\n", 2, "takes no '->'"},
      {"# x\nexpect-holds O1 -> ok\n", 2, "belongs only on commands"},
      {"# x\norder O1 C1 1.00 colour=red -> approved\n", 2, "no option 'colour'"},
      {"# x\ncustomer C1 name=\"Acme\n", 2, "unterminated quote"},
      {"# x\norder O1 C1 1.00 -> approved nonsense\n", 2, "unknown reason code 'nonsense'"},
      {"# x\norder O1 C1 1.00 -> maybe\n", 2, "unknown outcome 'maybe'"},
      {"# x\nexpect-error no_such_error: cancel O1\n", 2, "unknown error code"},
      {"# x\nexpect-error order_not_found: expect C1\n", 2, "works only with commands"},
      {"# x\npay P1 C1 1.00 -> approved\n", 2, "gives no decision"},
      {"# x\nexpect C1 orders=1 orders=2\n", 2, "given twice"},
  };
  for (const Case& test_case : cases) {
    Script script = ParseScriptText(test_case.text);
    EXPECT_EQ(script.error_line, test_case.line) << test_case.text;
    EXPECT_NE(script.error.find(test_case.message_part), std::string::npos)
        << test_case.text << " gave: " << script.error;
  }
}

TEST(ScenarioParserTest, ReadsQuotesOptionsFlagsAndExpectations) {
  Script script = ParseScriptText(
      "# x\n"
      "invoice I1 C1/EU 600.00 USD order=O1 close_order  # final\n"
      "release O2 \"over the limit, approved by phone\"\n"
      "order O3 C1 1.00 key=K1 -> held credit_limit_exceeded:hold available_after=-1.00\n");
  ASSERT_EQ(script.error, "");
  ASSERT_EQ(script.lines.size(), 3u);
  const Line& invoice = script.lines[0];
  EXPECT_EQ(invoice.args, (std::vector<std::string>{"I1", "C1/EU", "600.00", "USD"}));
  EXPECT_TRUE(invoice.flags.contains("close_order"));
  EXPECT_EQ(Text(invoice, "order"), "O1");
  EXPECT_EQ(script.lines[1].args[1], "over the limit, approved by phone");
  const Expectation& expect = script.lines[2].expect;
  EXPECT_EQ(expect.outcome, Outcome::kHeld);
  ASSERT_EQ(expect.reasons.size(), 1u);
  EXPECT_EQ(expect.reasons[0].action, RuleAction::kHold);
  EXPECT_EQ(Text(script.lines[2], "key"), "K1");
  EXPECT_EQ(expect.figures, (Options{{"available_after", "-1.00"}}));
}

TEST(ScenarioParserTest, ParsesPercentagesExactly) {
  EXPECT_EQ(*ParsePercent("80%"), 8000);
  EXPECT_EQ(*ParsePercent("2.5%"), 250);
  EXPECT_EQ(*ParsePercent("12.34%"), 1234);
  EXPECT_FALSE(ParsePercent("1.234%").ok());
  EXPECT_FALSE(ParsePercent("-5%").ok());
  EXPECT_FALSE(ParsePercent("5").ok());
  EXPECT_EQ(FormatPercent(6050), "60.5%");
  EXPECT_EQ(FormatPercent(6000), "60%");
  EXPECT_EQ(FormatPercent(1234), "12.34%");
}

}  // namespace
}  // namespace creditline
