// crash_test: kill -9 a real `creditline serve` under concurrent HTTP traffic, restart it on the
// same data directory, and check that nothing it acknowledged was lost or half-applied.
//
// Each round (state accumulates across rounds on one data directory):
//  1. start `creditline serve` (round 1: after `creditline init`, then a setup of policies, a
//     credit group and a few dozen customers with limits from zero to large, so that orders are
//     approved, approved with warnings, held and rejected);
//  2. drive it with concurrent keep-alive clients sending a seeded random mix of orders, order
//     changes, cancels, invoices (from orders and standalone), payments, credit notes,
//     write-offs, hold releases and rejections, limit changes and order batches, each with its
//     own Idempotency-Key, recording every command and its reply;
//  3. SIGKILL the server after a seeded random delay, and restart it;
//  4. check that:
//     - every acknowledged command (any 2xx), re-sent with the same key and body, is answered as
//       an idempotent replay (`Idempotent-Replayed: true`) with the same status and the same
//       body byte for byte; keys are kept 24 hours, so only a durable journal can answer so.
//       A sample of earlier rounds' commands is re-checked too;
//     - the server's last event seq is at least the largest seq any acknowledged reply named;
//     - nothing is half-applied: for every account, orders_open_minor is the sum of its open
//       orders' reservations, receivables_open_minor the sum of its open invoices, exposure and
//       available follow from them, and the counts match; the group's exposure is the sum of
//       its members' and the hold queue's total is the number of held orders;
//     - commands in flight at the kill ("unknown"), re-sent, replay or apply fresh and never
//       answer 5xx;
//     - the state is the one the replies describe: a model built only from acknowledged replies
//       (and the re-sent in-flight ones) predicts every open order (status, amount, reserved,
//       invoiced), every open invoice's open amount and each account's unapplied credit;
//  5. stop the server with SIGTERM (it must exit 0), run `creditline verify --data DIR` (exit 0
//     required), and on the next round's start require that the restarted server serves the
//     same customers, orders, invoices, holds, group and event seq byte for byte.
//
// With --store URL the journal is kept in PostgreSQL. With --standby too, each round runs a
// standby pair instead of a restart: a second `creditline serve` on the same database (its own
// data directory with the same tokens) follows the active one; before the traffic it must
// serve the same state byte for byte and refuse commands with 503 `standby`; the active one is
// killed under load, the standby must take over (its /healthz role turns "active") within
// kTakeoverTimeout, and the checks of step 4 run against it. The next round starts a new
// standby on the dead server's data directory; the last round ends with a clean stop and
// `creditline verify --store URL`.
//
// Usage: crash_test --binary PATH/creditline [--rounds N] [--seed S] [--clients C]
//                   [--work-dir DIR] [--snapshot-args] [--no-crash] [--store URL [--standby]]
// Prints one line per round and `crash_test: N rounds passed`; on the first failure prints
// `crash_test: FAIL: round R: ...` with the command and the expected and actual answers, keeps
// the work directory, and exits 1.
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "http_client.hpp"
#include "model.hpp"
#include "process.hpp"

namespace crash {
namespace {

namespace json = boost::json;
using Rng = std::mt19937_64;

// ---------------------------------------------------------------------------------------------
// Limits and the shape of the workload.

// A few dozen customers: enough to spread the load, few enough to check every one each round.
constexpr int kCustomerCount = 36;
// Base limits, cycled over the customers (CNY fen): zero (every order held or rejected) up to
// more than the test ever orders (every order approved).
constexpr std::array<int64_t, 6> kLimitsMinor = {0,          2'000'000,   10'000'000,
                                                 30'000'000, 100'000'000, 5'000'000'000};
// Every this many customers, one is a member of the credit group.
constexpr int kGroupEvery = 4;
constexpr int64_t kGroupLimitMinor = 150'000'000;
constexpr const char* kGroupId = "G1";
// Orders of CNY 1,000 to 60,000; the strict policy rejects those over CNY 40,000.
constexpr int64_t kOrderMinorMin = 100'000, kOrderMinorMax = 6'000'000;
constexpr int64_t kStrictMaxOrderMinor = 4'000'000;
constexpr int64_t kPaymentMinorMax = 8'000'000;
constexpr int64_t kCreditNoteMinorMax = 500'000;
constexpr int kBatchOrdersMax = 5;
// Random picks of an own order or invoice before falling back to placing a new order.
constexpr int kPickAttempts = 4;

// How long traffic runs before the kill: long enough for thousands of commands, short enough
// for many rounds.
constexpr int kDriveMsMin = 100, kDriveMsMax = 1'500;
// Recovery may replay a long journal; the first start has nothing to replay.
constexpr Milliseconds kServeStartTimeout{120'000};
constexpr Milliseconds kServeStopTimeout{60'000};
constexpr Milliseconds kHealthTimeout{30'000};
constexpr Milliseconds kInitTimeout{30'000};
constexpr Milliseconds kVerifyTimeout{300'000};
// From the kill of the active server to the standby answering as the active one: it tries for
// the lease every half second and then reads the few records it had not followed yet.
constexpr Milliseconds kTakeoverTimeout{15'000};
// How long a standby may take to follow the journal to the active server's last record.
constexpr Milliseconds kStandbyFollowTimeout{30'000};
// Acknowledged commands of earlier rounds re-checked each round (a reservoir sample).
constexpr size_t kEarlierSampleMax = 2'000;
// Snapshot cadences tried with --snapshot-args, one per server start.
constexpr std::array<int, 3> kSnapshotEveryEvents = {64, 1'000, 20'000};
constexpr int kSnapshotEverySeconds = 1;
// Characters of a reply body quoted in a failure message.
constexpr size_t kQuoteBytesMax = 600;

struct Options {
  std::string binary;
  int rounds = 3;
  uint64_t seed = 1;
  int clients = 4;
  std::string work_dir;
  bool snapshot_args = false;
  bool no_crash = false;  // Stop the clients instead of killing: checks the harness itself.
  std::string store_url;  // PostgreSQL instead of the SQLite journal in the data directory.
  bool standby = false;   // A standby pair on store_url: the standby takes over at each kill.
};

// ---------------------------------------------------------------------------------------------
// Commands and what became of them.

enum class Op {
  kSetup,
  kPlaceOrder,
  kChangeOrder,
  kCancelOrder,
  kInvoiceOrder,
  kInvoice,
  kPayment,
  kCreditNote,
  kReleaseHold,
  kRejectHold,
  kWriteOff,
  kSetLimit,
  kOrderBatch,
};

struct BatchOrder {
  std::string order_id, customer_id;
};

struct Command {
  Op op = Op::kSetup;
  std::string method, target, body, key;
  int owner = -1;  // The client that sent it; -1 for setup.
  std::string customer_id, order_id, invoice_id;
  int64_t amount_minor = 0;  // The new total of an order change.
  bool close_order = false;
  std::vector<BatchOrder> batch;
};

enum class Fate { kAcknowledged, kRefused, kUnknown };

struct Record {
  Command command;
  Fate fate = Fate::kUnknown;
  unsigned status = 0;
  std::string reply;  // Byte for byte as received.
  uint64_t seq = 0;   // The largest event seq the reply names; 0 when none.
  std::string transport_error;
  bool before_stop = false;  // An unknown one whose connection failed before the kill.
};

std::string Quote(const std::string& text) {
  if (text.size() <= kQuoteBytesMax) return text;
  return text.substr(0, kQuoteBytesMax) + "...(" + std::to_string(text.size()) + " bytes)";
}

std::string Describe(const Command& c) {
  return c.method + " " + c.target + " (Idempotency-Key " + c.key + ", body " + Quote(c.body) + ")";
}

// ---------------------------------------------------------------------------------------------
// JSON helpers. A missing or mistyped member throws; callers turn that into a failure.

std::optional<json::value> ParseJson(const std::string& text) {
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error) return std::nullopt;
  return value;
}

int64_t IntAt(const json::value& value, std::string_view pointer) {
  return value.at_pointer(pointer).to_number<int64_t>();
}

std::string StrAt(const json::value& value, std::string_view pointer) {
  return std::string(value.at_pointer(pointer).as_string());
}

// The largest "seq" in a command reply (batch replies carry one per item).
uint64_t SeqOf(Op op, const json::value& reply) {
  if (op != Op::kOrderBatch) {
    const json::value* seq = reply.as_object().if_contains("seq");
    return seq == nullptr ? 0 : seq->to_number<uint64_t>();
  }
  uint64_t seq = 0;
  for (const json::value& item : reply.at("results").as_array()) {
    const json::value* item_seq = item.at("body").as_object().if_contains("seq");
    if (item_seq != nullptr) seq = std::max(seq, item_seq->to_number<uint64_t>());
  }
  return seq;
}

std::string ErrorCodeOf(const std::string& body) {
  std::optional<json::value> parsed = ParseJson(body);
  boost::system::error_code error;
  const json::value* code = parsed ? parsed->find_pointer("/error/code", error) : nullptr;
  return code != nullptr && code->is_string() ? std::string(code->as_string()) : "?";
}

std::string TodayUtc() {
  time_t now = ::time(nullptr);
  struct tm parts {};
  ::gmtime_r(&now, &parts);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &parts);
  return text;
}

int64_t Uniform(Rng& rng, int64_t low, int64_t high) {
  return std::uniform_int_distribution<int64_t>(low, high)(rng);
}

bool Chance(Rng& rng, int percent) { return Uniform(rng, 1, 100) <= percent; }

// ---------------------------------------------------------------------------------------------
// Decisions seen, for the progress line.

struct DecisionTally {
  std::atomic<uint64_t> approved{0}, warned{0}, held{0}, rejected{0};

  void Add(std::string_view decision) {
    if (decision == "approved") ++approved;
    if (decision == "approved_with_warning") ++warned;
    if (decision == "held") ++held;
    if (decision == "rejected") ++rejected;
  }
  std::string Text() const {
    return std::to_string(approved.load()) + " approved, " + std::to_string(warned.load()) +
           " with warning, " + std::to_string(held.load()) + " held, " +
           std::to_string(rejected.load()) + " rejected";
  }
};

// One client's own orders and invoices; it alone changes them. Kept across rounds.
struct ClientSlot {
  int index = 0;
  std::vector<std::string> orders;    // Placed by this client; some may since have closed.
  std::vector<std::string> invoices;  // Issued by this client; some may since have closed.
  uint64_t next_number = 0;
};

// ---------------------------------------------------------------------------------------------
// Applying acknowledged replies to the model.

void PlaceFromDecision(const BatchOrder& order, int owner, const json::value& decision,
                       Model& model, ClientSlot& slot, DecisionTally& tally) {
  std::string outcome = StrAt(decision, "/decision");
  tally.Add(outcome);
  model.PlaceOrder(order.order_id, order.customer_id, owner, IntAt(decision, "/amount_minor"),
                   outcome);
  if (outcome != "rejected") slot.orders.push_back(order.order_id);
}

Allocations AllocationsOf(const json::value& reply) {
  Allocations out;
  for (const json::value& item : reply.at("allocations").as_array()) {
    out.emplace_back(StrAt(item, "/invoice_id"), IntAt(item, "/amount_minor"));
  }
  return out;
}

void ApplyInvoice(const Command& c, const json::value& reply, Model& model, ClientSlot& slot) {
  InvoiceFigures figures{IntAt(reply, "/amount_minor"), IntAt(reply, "/reservation_consumed_minor"),
                         IntAt(reply, "/reservation_released_minor"),
                         IntAt(reply, "/credit_applied_minor")};
  model.CreateInvoice(c.invoice_id, c.customer_id, c.order_id, c.close_order, figures);
  slot.invoices.push_back(c.invoice_id);
}

void ApplyBatch(const Command& c, const json::value& reply, Model& model, ClientSlot& slot,
                DecisionTally& tally) {
  const json::array& results = reply.at("results").as_array();
  if (results.size() != c.batch.size()) throw std::runtime_error("batch result count differs");
  for (size_t i = 0; i < results.size(); ++i) {
    if (IntAt(results[i], "/status") != 200) continue;
    PlaceFromDecision(c.batch[i], c.owner, results[i].at("body"), model, slot, tally);
  }
}

// Moves the model by what an acknowledged reply says its command did.
void ApplyReplyOrThrow(const Command& c, const json::value& reply, Model& model, ClientSlot& slot,
                       DecisionTally& tally) {
  switch (c.op) {
    case Op::kSetup:
    case Op::kSetLimit:
      return;
    case Op::kPlaceOrder:
      return PlaceFromDecision({c.order_id, c.customer_id}, c.owner, reply, model, slot, tally);
    case Op::kChangeOrder:
      if (reply.at("applied").as_bool()) model.ChangeOrder(c.order_id, c.amount_minor);
      return;
    case Op::kCancelOrder:
      return model.RemoveOrder(c.order_id, IntAt(reply, "/released_minor"));
    case Op::kRejectHold:
      return model.RemoveOrder(c.order_id, std::nullopt);
    case Op::kReleaseHold:
      return model.ReleaseHold(c.order_id, IntAt(reply, "/reserved_minor"));
    case Op::kInvoiceOrder:
    case Op::kInvoice:
      return ApplyInvoice(c, reply, model, slot);
    case Op::kPayment:
    case Op::kCreditNote:
      return model.Settle(c.customer_id, AllocationsOf(reply), IntAt(reply, "/unapplied_minor"));
    case Op::kWriteOff:
      return model.WriteOff(c.invoice_id, IntAt(reply, "/amount_minor"));
    case Op::kOrderBatch:
      return ApplyBatch(c, reply, model, slot, tally);
  }
}

// Records an acknowledged reply and applies it; a reply the test cannot read is an anomaly.
void Acknowledge(Record& record, Model& model, ClientSlot& slot, DecisionTally& tally) {
  record.fate = Fate::kAcknowledged;
  std::optional<json::value> reply = ParseJson(record.reply);
  try {
    if (!reply || !reply->is_object()) throw std::runtime_error("not a JSON object");
    record.seq = SeqOf(record.command.op, *reply);
    ApplyReplyOrThrow(record.command, *reply, model, slot, tally);
  } catch (const std::exception& error) {
    model.AddAnomaly("the reply to " + Describe(record.command) + " could not be read (" +
                     error.what() + "): " + Quote(record.reply));
  }
}

// ---------------------------------------------------------------------------------------------
// The workload: random commands, each with a fresh Idempotency-Key and fresh ids.

class Workload {
 public:
  Workload(const std::vector<std::string>& customers, const Model& model, int round)
      : customers_(customers), model_(model), round_(round), today_(TodayUtc()) {}

  Command Next(ClientSlot& slot, Rng& rng) const {
    using Maker = std::optional<Command> (Workload::*)(ClientSlot&, Rng&) const;
    // Weights out of 100. Orders and their follow-ups dominate, as they do at an ERP; payments,
    // cancels and rejected holds keep exposure from only ever growing.
    static constexpr std::array<std::pair<int, Maker>, 12> kMix = {{
        {26, &Workload::PlaceOrder},
        {4, &Workload::OrderBatch},
        {8, &Workload::ChangeOrder},
        {12, &Workload::CancelOrder},
        {16, &Workload::InvoiceOrder},
        {4, &Workload::Invoice},
        {14, &Workload::Payment},
        {3, &Workload::CreditNote},
        {4, &Workload::ReleaseHold},
        {5, &Workload::RejectHold},
        {2, &Workload::WriteOff},
        {2, &Workload::SetLimit},
    }};
    int pick = static_cast<int>(Uniform(rng, 1, 100));
    for (const auto& [weight, make] : kMix) {
      if ((pick -= weight) > 0) continue;
      // Without an order or invoice of the right kind to act on, place a new order instead.
      if (std::optional<Command> command = (this->*make)(slot, rng)) return std::move(*command);
      break;
    }
    return *PlaceOrder(slot, rng);
  }

 private:
  // A command with the next key of this client; ids share the number, so they are unique too.
  Command Start(ClientSlot& slot, Op op, std::string method, std::string target) const {
    Command c;
    c.op = op;
    c.owner = slot.index;
    c.method = std::move(method);
    c.target = std::move(target);
    c.key = NextId("k", slot);
    return c;
  }

  std::string NextId(const char* prefix, ClientSlot& slot) const {
    return std::string(prefix) + std::to_string(round_) + "-" + std::to_string(slot.index) + "-" +
           std::to_string(slot.next_number++);
  }

  const std::string& RandomCustomer(Rng& rng) const {
    return customers_[Uniform(rng, 0, static_cast<int64_t>(customers_.size()) - 1)];
  }

  json::object OrderBody(const std::string& order_id, const std::string& customer_id,
                         Rng& rng) const {
    return {{"order_id", order_id},
            {"customer_id", customer_id},
            {"amount_minor", Uniform(rng, kOrderMinorMin, kOrderMinorMax)},
            {"currency", "CNY"}};
  }

  std::optional<Command> PlaceOrder(ClientSlot& slot, Rng& rng) const {
    Command c = Start(slot, Op::kPlaceOrder, "POST", "/v1/orders");
    c.order_id = NextId("O", slot);
    c.customer_id = RandomCustomer(rng);
    c.body = json::serialize(OrderBody(c.order_id, c.customer_id, rng));
    return c;
  }

  std::optional<Command> OrderBatch(ClientSlot& slot, Rng& rng) const {
    Command c = Start(slot, Op::kOrderBatch, "POST", "/v1/batch");
    json::array items;
    for (int64_t i = Uniform(rng, 2, kBatchOrdersMax); i > 0; --i) {
      BatchOrder order{NextId("O", slot), RandomCustomer(rng)};
      items.push_back(json::object{{"op", "create_order"},
                                   {"body", OrderBody(order.order_id, order.customer_id, rng)}});
      c.batch.push_back(std::move(order));
    }
    c.body = json::serialize(json::object{{"commands", std::move(items)}});
    return c;
  }

  // One of this client's orders still open (or held, or either); drops closed ones on the way.
  std::optional<std::pair<std::string, ExpectedOrder>> PickOrder(ClientSlot& slot, Rng& rng,
                                                                 std::optional<bool> held) const {
    for (int attempt = 0; attempt < kPickAttempts && !slot.orders.empty(); ++attempt) {
      size_t index = static_cast<size_t>(Uniform(rng, 0, slot.orders.size() - 1));
      std::optional<ExpectedOrder> order = model_.FindOrder(slot.orders[index]);
      if (!order) {
        slot.orders[index] = slot.orders.back();
        slot.orders.pop_back();
        continue;
      }
      if (!held || order->held == *held) return std::pair(slot.orders[index], *order);
    }
    return std::nullopt;
  }

  std::optional<std::pair<std::string, ExpectedInvoice>> PickInvoice(ClientSlot& slot,
                                                                     Rng& rng) const {
    for (int attempt = 0; attempt < kPickAttempts && !slot.invoices.empty(); ++attempt) {
      size_t index = static_cast<size_t>(Uniform(rng, 0, slot.invoices.size() - 1));
      std::optional<ExpectedInvoice> invoice = model_.FindInvoice(slot.invoices[index]);
      if (invoice) return std::pair(slot.invoices[index], *invoice);
      slot.invoices[index] = slot.invoices.back();
      slot.invoices.pop_back();
    }
    return std::nullopt;
  }

  std::optional<Command> ChangeOrder(ClientSlot& slot, Rng& rng) const {
    auto order = PickOrder(slot, rng, std::nullopt);
    if (!order) return std::nullopt;
    Command c = Start(slot, Op::kChangeOrder, "PATCH", "/v1/orders/" + order->first);
    c.order_id = order->first;
    c.amount_minor = std::max<int64_t>(1, order->second.amount_minor * Uniform(rng, 50, 150) / 100);
    c.body = json::serialize(json::object{{"amount_minor", c.amount_minor}, {"currency", "CNY"}});
    return c;
  }

  std::optional<Command> CancelOrder(ClientSlot& slot, Rng& rng) const {
    auto order = PickOrder(slot, rng, std::nullopt);
    if (!order) return std::nullopt;
    Command c = Start(slot, Op::kCancelOrder, "POST", "/v1/orders/" + order->first + "/cancel");
    c.order_id = order->first;
    c.body =
        Chance(rng, 50) ? "{}" : json::serialize(json::object{{"reason", "customer cancelled"}});
    return c;
  }

  // An invoice for all, part of, or more than what an open order reserves.
  std::optional<Command> InvoiceOrder(ClientSlot& slot, Rng& rng) const {
    auto order = PickOrder(slot, rng, false);
    if (!order) return std::nullopt;
    // An order changed down to what is already invoiced stays open with nothing reserved.
    int64_t reserved = std::max<int64_t>(1, order->second.reserved_minor);
    int64_t amount = Chance(rng, 40)   ? reserved
                     : Chance(rng, 65) ? Uniform(rng, std::max<int64_t>(1, reserved / 4), reserved)
                                       : reserved + reserved / 10 + 1;
    Command c = Start(slot, Op::kInvoiceOrder, "POST", "/v1/invoices");
    c.invoice_id = NextId("I", slot);
    c.customer_id = order->second.customer_id;
    c.order_id = order->first;
    c.close_order = Chance(rng, 50);
    c.body = json::serialize(json::object{{"invoice_id", c.invoice_id},
                                          {"customer_id", c.customer_id},
                                          {"order_id", c.order_id},
                                          {"amount_minor", amount},
                                          {"currency", "CNY"},
                                          {"issued_on", today_},
                                          {"close_order", c.close_order}});
    return c;
  }

  std::optional<Command> Invoice(ClientSlot& slot, Rng& rng) const {
    Command c = Start(slot, Op::kInvoice, "POST", "/v1/invoices");
    c.invoice_id = NextId("I", slot);
    c.customer_id = RandomCustomer(rng);
    c.body = json::serialize(json::object{{"invoice_id", c.invoice_id},
                                          {"customer_id", c.customer_id},
                                          {"amount_minor", Uniform(rng, 50'000, 3'000'000)},
                                          {"currency", "CNY"},
                                          {"issued_on", today_}});
    return c;
  }

  // A payment or credit note: against one of this client's invoices (its open amount, part of
  // it, or more), or for a customer as a whole (allocated oldest first).
  Command Settle(ClientSlot& slot, Rng& rng, Op op) const {
    bool payment = op == Op::kPayment;
    Command c = Start(slot, op, "POST", payment ? "/v1/payments" : "/v1/credit-notes");
    std::string id = NextId(payment ? "P" : "N", slot);
    json::object body{{payment ? "payment_id" : "credit_note_id", id}};
    int64_t amount = Uniform(rng, 10'000, payment ? kPaymentMinorMax : kCreditNoteMinorMax);
    if (auto invoice = Chance(rng, 50) ? PickInvoice(slot, rng) : std::nullopt) {
      int64_t open = invoice->second.open_minor;
      amount = !payment          ? std::min(amount, open)
               : Chance(rng, 60) ? open
               : Chance(rng, 75) ? Uniform(rng, 1, open)
                                 : open + Uniform(rng, 1, 100'000);
      c.customer_id = invoice->second.customer_id;
      body["invoice_id"] = invoice->first;
    } else {
      c.customer_id = RandomCustomer(rng);
    }
    body["customer_id"] = c.customer_id;
    body["amount_minor"] = amount;
    body["currency"] = "CNY";
    body[payment ? "received_on" : "issued_on"] = today_;
    c.body = json::serialize(body);
    return c;
  }

  std::optional<Command> DecideHold(ClientSlot& slot, Rng& rng, Op op) const {
    auto order = PickOrder(slot, rng, true);
    if (!order) return std::nullopt;
    bool release = op == Op::kReleaseHold;
    Command c =
        Start(slot, op, "POST", "/v1/holds/" + order->first + (release ? "/release" : "/reject"));
    c.order_id = order->first;
    c.body = json::serialize(
        json::object{{"reason", release ? "known customer, pays late" : "too risky"}});
    return c;
  }

  std::optional<Command> Payment(ClientSlot& slot, Rng& rng) const {
    return Settle(slot, rng, Op::kPayment);
  }
  std::optional<Command> CreditNote(ClientSlot& slot, Rng& rng) const {
    return Settle(slot, rng, Op::kCreditNote);
  }
  std::optional<Command> ReleaseHold(ClientSlot& slot, Rng& rng) const {
    return DecideHold(slot, rng, Op::kReleaseHold);
  }
  std::optional<Command> RejectHold(ClientSlot& slot, Rng& rng) const {
    return DecideHold(slot, rng, Op::kRejectHold);
  }

  std::optional<Command> WriteOff(ClientSlot& slot, Rng& rng) const {
    auto invoice = PickInvoice(slot, rng);
    if (!invoice) return std::nullopt;
    Command c = Start(slot, Op::kWriteOff, "POST", "/v1/write-offs");
    c.invoice_id = invoice->first;
    json::object body{{"write_off_id", NextId("W", slot)}, {"invoice_id", c.invoice_id}};
    if (Chance(rng, 50)) {
      body["amount_minor"] = std::max<int64_t>(1, invoice->second.open_minor / 2);
      body["currency"] = "CNY";
    }
    c.body = json::serialize(body);
    return c;
  }

  std::optional<Command> SetLimit(ClientSlot& slot, Rng& rng) const {
    Command c = Start(slot, Op::kSetLimit, "PUT", "");
    c.customer_id = RandomCustomer(rng);
    c.target = "/v1/customers/" + c.customer_id + "/limit";
    c.body = json::serialize(
        json::object{{"limit_minor", kLimitsMinor[Uniform(rng, 0, kLimitsMinor.size() - 1)]},
                     {"currency", "CNY"},
                     {"reason", "annual review"}});
    return c;
  }

  const std::vector<std::string>& customers_;
  const Model& model_;
  int round_;
  std::string today_;
};

// ---------------------------------------------------------------------------------------------
// The harness: the server's lifecycle, the rounds and the checks.

struct RoundStats {
  size_t acknowledged = 0, refused = 0, unknown = 0, overloaded = 0;
  std::map<std::string, size_t> refusals;  // By error code.
  int64_t traffic_ms = 0;
  size_t replays_checked = 0, earlier_checked = 0;
  size_t unknown_replayed = 0, unknown_fresh = 0, unknown_refused = 0;
  size_t accounts_checked = 0;
  int64_t takeover_ms = 0;  // Standby pairs: from the kill to the new active server.
};

struct CustomerFigures {
  int64_t exposure_minor = 0;
  int64_t held_orders = 0;
};

class Harness {
 public:
  explicit Harness(Options options)
      : options_(std::move(options)), rng_(options_.seed), slots_(options_.clients) {
    for (int i = 0; i < options_.clients; ++i) slots_[i].index = i;
  }

  void Run() {
    Initialize();
    for (round_ = 1; round_ <= options_.rounds; ++round_) {
      if (options_.standby) {
        RunStandbyRound();
      } else {
        RunRound();
      }
    }
    std::printf("crash_test: %d rounds passed\n", options_.rounds);
    if (remove_work_dir_) std::filesystem::remove_all(work_dir_);
  }

 private:
  void RunRound() {
    Context().round = "round " + std::to_string(round_) + ": ";
    RoundStats stats;
    StartServer();
    if (round_ == 1) {
      Setup();
    } else {
      CompareWithCaptured();
    }
    Drive(stats);
    PrintTraffic(stats);
    if (!options_.no_crash) StartServer();
    CheckAfterCrash(stats);
    Capture();
    server_.Stop(kServeStopTimeout);
    Verify();
    PrintChecks(stats);
  }

  // A round of a standby pair: the standby follows, the active one is killed under load, the
  // standby takes over and must hold everything that was acknowledged.
  void RunStandbyRound() {
    Context().round = "round " + std::to_string(round_) + ": ";
    RoundStats stats;
    if (round_ == 1) {
      StartServer();
      Setup();
    }
    StartStandby();
    CompareStandbyWithActive();
    Drive(stats);
    PrintTraffic(stats);
    stats.takeover_ms = AwaitTakeover();
    CheckAfterCrash(stats);
    Capture();
    if (round_ == options_.rounds) {
      server_.Stop(kServeStopTimeout);
      Verify();
    }
    PrintChecks(stats);
  }

  std::vector<std::string> ServeArgs(const std::string& data_dir) const {
    std::vector<std::string> argv = {options_.binary, "serve",    "--data",
                                     data_dir,        "--listen", "127.0.0.1:0"};
    if (!options_.store_url.empty()) argv.insert(argv.end(), {"--store", options_.store_url});
    return argv;
  }

  void StartStandby() {
    std::string log = work_dir_ + "/serve-" + std::to_string(++server_starts_) + "-standby.log";
    standby_port_ = standby_.Start(ServeArgs(data_dirs_[1 - active_]), log, kServeStartTimeout);
    HttpClient client(standby_port_, token_);
    Reply health = client.Send("GET", "/healthz", "", "");
    if (health.status != 200 || StrAt(*ParseJson(health.body), "/role") != "standby") {
      Fail("the second server is not a standby: GET /healthz answered " +
           std::to_string(health.status) + Quote(health.body));
    }
  }

  // The standby serves the active server's state byte for byte, and refuses commands.
  void CompareStandbyWithActive() {
    HttpClient standby(standby_port_, token_);
    uint64_t seq = EventSeq();
    Clock::time_point deadline = Clock::now() + kStandbyFollowTimeout;
    while (true) {
      Reply health = standby.Send("GET", "/healthz", "", "");
      std::optional<json::value> body = ParseJson(health.body);
      if (health.status == 200 && body && static_cast<uint64_t>(IntAt(*body, "/seq")) == seq) break;
      if (Clock::now() >= deadline) {
        Fail("the standby did not follow the journal to record " + std::to_string(seq) +
             " within " + std::to_string(kStandbyFollowTimeout.count()) +
             " ms; its /healthz: " + Quote(health.body));
      }
      std::this_thread::sleep_for(kPollInterval);
    }
    for (const std::string& target : StateTargets()) {
      if (target == "/healthz") continue;  // The role differs; the seq was compared above.
      std::string active = json::serialize(GetJson(target));
      Reply reply = standby.Send("GET", target, "", "");
      if (reply.status != 200 || reply.body != active) {
        Fail("the standby answers GET " + target + " with " + std::to_string(reply.status) +
             Quote(reply.body) + " but the active server with" + Quote(active));
      }
    }
    Reply refused = standby.Send("POST", "/v1/customers",
                                 R"({"customer_id":"NOPE","name":"x","currency":"CNY"})",
                                 "standby-write-" + std::to_string(round_));
    if (refused.status != 503 || ErrorCodeOf(refused.body) != "standby") {
      Fail("a command sent to the standby answered " + std::to_string(refused.status) +
           Quote(refused.body) + " (503 standby required)");
    }
  }

  // Waits for the standby to answer as the active server; it becomes the current server.
  int64_t AwaitTakeover() {
    Clock::time_point begin = Clock::now();
    HttpClient standby(standby_port_, token_);
    while (true) {
      Reply health = standby.Send("GET", "/healthz?role=active", "", "");
      if (health.status == 200) break;
      if (Clock::now() - begin >= kTakeoverTimeout || !standby_.Running()) {
        Fail("the standby did not take over within " + std::to_string(kTakeoverTimeout.count()) +
             " ms of the kill (last /healthz?role=active: " + std::to_string(health.status) +
             Quote(health.body) + "); its log:" + Tail(ReadFile(Context().server_log)));
      }
      std::this_thread::sleep_for(kPollInterval);
    }
    TradePlaces(server_, standby_);
    active_ = 1 - active_;
    port_ = standby_port_;
    client_.emplace(port_, token_);
    return std::chrono::duration_cast<Milliseconds>(Clock::now() - begin).count();
  }

  // ---- Data directory and server.

  void Initialize() {
    if (options_.work_dir.empty()) {
      std::string pattern = (std::filesystem::temp_directory_path() / "crash_test.XXXXXX").string();
      if (::mkdtemp(pattern.data()) == nullptr) Fail("cannot create a temporary directory");
      work_dir_ = pattern;
      remove_work_dir_ = true;
    } else {
      work_dir_ = std::filesystem::absolute(options_.work_dir).string();
      std::filesystem::create_directories(work_dir_);
    }
    Context().work_dir = work_dir_;
    data_dirs_ = {work_dir_ + "/data", work_dir_ + "/data-b"};
    for (const std::string& dir : data_dirs_) {
      if (std::filesystem::exists(dir)) Fail(dir + " exists already; give an empty --work-dir");
    }
    std::printf("crash_test: seed %llu, %d rounds, %d clients, work dir %s%s%s\n",
                static_cast<unsigned long long>(options_.seed), options_.rounds, options_.clients,
                work_dir_.c_str(), options_.snapshot_args ? ", snapshots" : "",
                options_.no_crash ? ", NO CRASH (harness self-check)" : "");
    if (options_.standby) std::printf("crash_test: a standby pair on %s\n", StoreText().c_str());
    std::vector<std::string> init_args = {options_.binary, "init", "--data", data_dirs_[0]};
    if (!options_.store_url.empty())
      init_args.insert(init_args.end(), {"--store", options_.store_url});
    Finished init = RunToCompletion(init_args, work_dir_ + "/init.log", kInitTimeout);
    if (!WIFEXITED(init.status) || WEXITSTATUS(init.status) != 0) {
      Fail("`creditline init` " + DescribeWaitStatus(init.status) + ":" + Tail(init.output));
    }
    token_ = LastLine(init.output);
    if (token_.rfind("cl_", 0) != 0) Fail("init's last line is not a token: " + token_);
    if (options_.standby) {
      // The standby's own data directory, with the same API tokens.
      std::filesystem::create_directories(data_dirs_[1]);
      std::filesystem::copy_file(data_dirs_[0] + "/tokens.tsv", data_dirs_[1] + "/tokens.tsv");
    }
  }

  // The store URL without its password, for messages.
  std::string StoreText() const {
    std::string url = options_.store_url;
    size_t at = url.find('@'), colon = url.find(':', url.find("//") + 2);
    if (at != std::string::npos && colon < at) url.replace(colon, at - colon, ":***");
    return url;
  }

  static std::string LastLine(const std::string& text) {
    std::string last, line;
    std::istringstream in(text);
    while (std::getline(in, line)) {
      if (!line.empty()) last = line;
    }
    return last;
  }

  void StartServer() {
    std::string log = work_dir_ + "/serve-" + std::to_string(++server_starts_) + ".log";
    std::vector<std::string> argv = ServeArgs(data_dirs_[active_]);
    if (options_.snapshot_args) {
      int events = kSnapshotEveryEvents[rng_() % kSnapshotEveryEvents.size()];
      argv.insert(argv.end(), {"--snapshot-every-events", std::to_string(events),
                               "--snapshot-every-seconds", std::to_string(kSnapshotEverySeconds)});
    }
    port_ = server_.Start(argv, log, kServeStartTimeout);
    client_.emplace(port_, token_);
    WaitHealthy();
  }

  void WaitHealthy() {
    Clock::time_point deadline = Clock::now() + kHealthTimeout;
    while (true) {
      Reply reply = client_->Send("GET", "/healthz", "", "");
      if (reply.status == 200) return;
      if (Clock::now() >= deadline || !server_.Running()) {
        Fail("GET /healthz never answered 200 (last: " + std::to_string(reply.status) + " " +
             reply.transport_error + Quote(reply.body) +
             "); server log:" + Tail(ReadFile(Context().server_log)));
      }
      std::this_thread::sleep_for(kPollInterval);
    }
  }

  void Verify() {
    std::string log = work_dir_ + "/verify-" + std::to_string(round_) + ".log";
    std::vector<std::string> args = {options_.binary, "verify", "--data", data_dirs_[active_]};
    if (!options_.store_url.empty()) args.insert(args.end(), {"--store", options_.store_url});
    Finished verify = RunToCompletion(args, log, kVerifyTimeout);
    if (WIFEXITED(verify.status) && WEXITSTATUS(verify.status) == 0) return;
    if (IsUnknownSubcommand(verify.output)) {
      Fail(
          "`creditline verify` does not exist in this binary (unknown subcommand), so the "
          "journal's hash chain and snapshots cannot be checked; its output:" +
          Tail(verify.output));
    }
    Fail("`creditline verify --data " + data_dirs_[active_] + "` " +
         DescribeWaitStatus(verify.status) + " (0 required); its output:" + Tail(verify.output));
  }

  // How CLI11 answers a subcommand it does not know: as a missing subcommand (the binary
  // requires one) or as an unexpected argument.
  static bool IsUnknownSubcommand(const std::string& output) {
    for (const char* marker : {"A subcommand is required", "not expected", "nknown subcommand"}) {
      if (output.find(marker) != std::string::npos) return true;
    }
    return false;
  }

  // ---- Requests from the checking (main) thread.

  Reply Send(const Command& c) { return client_->Send(c.method, c.target, c.body, c.key); }

  json::value GetJson(const std::string& target) {
    Reply reply = client_->Send("GET", target, "", "");
    std::optional<json::value> body = ParseJson(reply.body);
    if (reply.status != 200 || !body) {
      Fail("GET " + target + " answered " + std::to_string(reply.status) + " " +
           reply.transport_error + Quote(reply.body));
    }
    return std::move(*body);
  }

  // ---- Setup (round 1): policies, a credit group, customers.

  void SetupCommand(std::string method, std::string target, json::object body, std::string key) {
    Command c;
    c.method = std::move(method);
    c.target = std::move(target);
    c.body = json::serialize(body);
    c.key = "setup-" + std::move(key);
    Reply reply = Send(c);
    if (!reply.ok()) {
      Fail("setup command " + Describe(c) + " answered " + std::to_string(reply.status) + " " +
           reply.transport_error + Quote(reply.body));
    }
    Record record{std::move(c), Fate::kAcknowledged, reply.status, reply.body};
    Acknowledge(record, model_, slots_[0], tally_);
    round_records_.push_back(std::move(record));
  }

  void Setup() {
    SetupCommand("PUT", "/v1/policies/strict",
                 {{"limit_action", "reject"},
                  {"max_order_value_minor", kStrictMaxOrderMinor},
                  {"max_order_value_currency", "CNY"},
                  {"max_order_value_action", "reject"}},
                 "policy-strict");
    SetupCommand("PUT", "/v1/policies/tolerant", {{"tolerance_bp", 1'000}, {"warning_bp", 6'000}},
                 "policy-tolerant");
    SetupCommand("POST", "/v1/groups",
                 {{"group_id", kGroupId},
                  {"name", "Crash test group"},
                  {"limit_minor", kGroupLimitMinor},
                  {"currency", "CNY"}},
                 "group");
    static constexpr std::array<const char*, 3> kPolicies = {"standard", "strict", "tolerant"};
    for (int i = 0; i < kCustomerCount; ++i) {
      char id[8];
      std::snprintf(id, sizeof id, "C%02d", i + 1);
      json::object body{{"customer_id", id},
                        {"name", std::string("Crash customer ") + id},
                        {"currency", "CNY"},
                        {"limit_minor", kLimitsMinor[i % kLimitsMinor.size()]},
                        {"policy", kPolicies[(i / kLimitsMinor.size()) % kPolicies.size()]}};
      if (i % kGroupEvery == 0) body["group_id"] = kGroupId;
      SetupCommand("POST", "/v1/customers", std::move(body), std::string("customer-") + id);
      customers_.push_back(id);
    }
  }

  // ---- Traffic and the kill.

  struct Traffic {
    std::atomic<bool> stop{false};
    std::vector<std::vector<Record>> records;  // One list per client.
  };

  void ClientLoop(Traffic& traffic, int index) {
    HttpClient client(port_, token_);
    Rng rng(options_.seed * 1'000'003 + static_cast<uint64_t>(round_) * 1'009 + index);
    Workload workload(customers_, model_, round_);
    ClientSlot& slot = slots_[index];
    std::vector<Record>& records = traffic.records[index];
    while (!traffic.stop.load()) {
      Record record{workload.Next(slot, rng)};
      Reply reply = client.Send(record.command.method, record.command.target, record.command.body,
                                record.command.key);
      if (reply.status == 0) {
        record.transport_error = reply.transport_error;
        record.before_stop = !traffic.stop.load();
        records.push_back(std::move(record));
        return;
      }
      record.status = reply.status;
      record.reply = std::move(reply.body);
      if (reply.ok()) {
        Acknowledge(record, model_, slot, tally_);
      } else {
        record.fate = Fate::kRefused;
      }
      records.push_back(std::move(record));
    }
  }

  void Drive(RoundStats& stats) {
    Traffic traffic;
    traffic.records.resize(options_.clients);
    int delay_ms = static_cast<int>(Uniform(rng_, kDriveMsMin, kDriveMsMax));
    Clock::time_point started = Clock::now();
    std::vector<std::thread> clients;
    for (int i = 0; i < options_.clients; ++i) {
      clients.emplace_back([this, &traffic, i] { ClientLoop(traffic, i); });
    }
    std::this_thread::sleep_until(started + Milliseconds(delay_ms));
    if (!server_.Running()) {
      traffic.stop = true;
      for (std::thread& client : clients) client.join();
      Fail("`creditline serve` died during the traffic; its log:" +
           Tail(ReadFile(Context().server_log)));
    }
    traffic.stop = true;  // Before the kill: a connection lost while this is false is a bug.
    if (!options_.no_crash) server_.Kill();
    for (std::thread& client : clients) client.join();
    stats.traffic_ms = std::chrono::duration_cast<Milliseconds>(Clock::now() - started).count();
    for (std::vector<Record>& list : traffic.records) {
      for (Record& record : list) Tally(std::move(record), stats);
    }
  }

  void Tally(Record&& record, RoundStats& stats) {
    if (record.fate == Fate::kUnknown && record.before_stop) {
      Fail("the connection failed before the kill (" + record.transport_error + ") while sending " +
           Describe(record.command));
    }
    if (record.status >= 500 && record.status != 503) {
      Fail(Describe(record.command) + " answered " + std::to_string(record.status) +
           " during the traffic: " + Quote(record.reply));
    }
    if (record.fate == Fate::kAcknowledged) ++stats.acknowledged;
    if (record.fate == Fate::kUnknown) ++stats.unknown;
    if (record.fate == Fate::kRefused) {
      ++stats.refused;
      ++stats.refusals[record.status == 503 ? "overloaded" : ErrorCodeOf(record.reply)];
    }
    if (record.fate == Fate::kRefused) return;  // Changed nothing: nothing to check later.
    round_records_.push_back(std::move(record));
  }

  // ---- Checks after the restart.

  void CheckAfterCrash(RoundStats& stats) {
    std::vector<const Record*> acknowledged;
    for (const Record& record : round_records_) {
      if (record.fate != Fate::kAcknowledged) continue;
      acknowledged.push_back(&record);
      max_acknowledged_seq_ = std::max(max_acknowledged_seq_, record.seq);
    }
    restart_seq_ = EventSeq();
    stats.replays_checked = CheckReplays(acknowledged, "acknowledged in this round");
    std::vector<const Record*> earlier;
    for (const Record& record : earlier_sample_) earlier.push_back(&record);
    stats.earlier_checked = CheckReplays(earlier, "acknowledged in an earlier round");
    CheckEventSeq();
    CheckAccounts(false);
    ResendUnknown(stats);
    stats.accounts_checked = CheckAccounts(true);
    KeepSample();
  }

  // Re-sends acknowledged commands, oldest first; each must be a replay of the first answer.
  size_t CheckReplays(std::vector<const Record*> records, const char* when) {
    std::sort(records.begin(), records.end(),
              [](const Record* a, const Record* b) { return a->seq < b->seq; });
    for (const Record* record : records) CheckReplay(*record, when);
    return records.size();
  }

  void CheckReplay(const Record& record, const char* when) {
    Reply reply = Send(record.command);
    std::string what = Describe(record.command) + ", " + when + " with " +
                       std::to_string(record.status) + " seq " + std::to_string(record.seq);
    if (reply.status == 0) Fail("re-sending " + what + ": no reply: " + reply.transport_error);
    bool batch = record.command.op == Op::kOrderBatch;  // A batch reply carries no header.
    if ((!batch && !reply.replayed) || (batch && reply.body != record.reply)) {
      Fail("an acknowledged command was lost" +
           std::string(options_.no_crash ? "" : " after kill -9") + ":\n  " + what +
           "\n  re-sent with the same Idempotency-Key and body, it was not an idempotent "
           "replay: the server no longer knew the key" +
           (reply.ok() ? " and applied the command afresh" : "") + "\n  expected: " +
           std::to_string(record.status) + (batch ? "" : " with Idempotent-Replayed: true") +
           ", body " + Quote(record.reply) + "\n  got:      " + std::to_string(reply.status) +
           (reply.replayed ? " with Idempotent-Replayed: true" : " without Idempotent-Replayed") +
           ", body " + (reply.body == record.reply ? "the same" : Quote(reply.body)) +
           "\n  the restarted server's last event is seq " + std::to_string(restart_seq_) +
           "; acknowledged replies named seqs up to " + std::to_string(max_acknowledged_seq_));
    }
    if (reply.status != record.status || reply.body != record.reply) {
      Fail("the replay of " + what + " differs from the first answer:\n  expected " +
           std::to_string(record.status) + " " + Quote(record.reply) + "\n  got      " +
           std::to_string(reply.status) + " " + Quote(reply.body));
    }
  }

  uint64_t EventSeq() { return static_cast<uint64_t>(IntAt(GetJson("/healthz"), "/seq")); }

  void CheckEventSeq() {
    uint64_t seq = EventSeq();
    if (seq < max_acknowledged_seq_) {
      Fail("after the restart the server's last event is seq " + std::to_string(seq) +
           ", but acknowledged replies named seq up to " + std::to_string(max_acknowledged_seq_));
    }
  }

  // Re-sends the commands in flight at the kill: each replays or applies fresh, never 5xx.
  void ResendUnknown(RoundStats& stats) {
    for (Record& record : round_records_) {
      if (record.fate != Fate::kUnknown) continue;
      Reply reply = Send(record.command);
      if (reply.status == 0 || reply.status >= 500) {
        Fail("re-sending the in-flight " + Describe(record.command) + " answered " +
             std::to_string(reply.status) + " " + reply.transport_error + Quote(reply.body));
      }
      if (!reply.ok()) {
        ++stats.unknown_refused;
        continue;
      }
      ++(reply.replayed ? stats.unknown_replayed : stats.unknown_fresh);
      record.status = reply.status;
      record.reply = reply.body;
      Acknowledge(record, model_, slots_[record.command.owner], tally_);
    }
  }

  // Checks every customer's account against its open items, and with `with_model` against the
  // model too; then the group and the hold queue. Returns the number of accounts checked.
  size_t CheckAccounts(bool with_model) {
    std::vector<std::string> anomalies = model_.Anomalies();
    if (!anomalies.empty()) {
      Fail(std::to_string(anomalies.size()) +
           " replies contradict earlier acknowledged ones; the first: " + anomalies[0]);
    }
    std::map<std::string, CustomerFigures> figures;
    int64_t held = 0;
    for (const std::string& customer_id : customers_) {
      figures[customer_id] = CheckCustomer(customer_id, with_model);
      held += figures[customer_id].held_orders;
    }
    CheckGroup(figures);
    int64_t total = IntAt(GetJson("/v1/holds?limit=1"), "/total");
    int64_t expected = with_model ? static_cast<int64_t>(model_.HeldCount()) : held;
    if (total != expected) {
      Fail("the hold queue holds " + std::to_string(total) + " orders; expected " +
           std::to_string(expected) + (with_model ? " (from the replies)" : " (the accounts)"));
    }
    if (with_model && !model_.OrphanInvoices().empty()) {
      Fail("payments were allocated to invoice " + model_.OrphanInvoices()[0] +
           ", whose creation no acknowledged reply shows");
    }
    return customers_.size();
  }

  void CheckGroup(const std::map<std::string, CustomerFigures>& figures) {
    json::value group = GetJson(std::string("/v1/groups/") + kGroupId);
    int64_t sum = 0;
    for (const json::value& member : group.at("members").as_array()) {
      sum += figures.at(StrAt(member, "/customer_id")).exposure_minor;
    }
    if (IntAt(group, "/exposure_minor") != sum) {
      Fail(std::string("group ") + kGroupId + " has exposure_minor " +
           std::to_string(IntAt(group, "/exposure_minor")) +
           ", but its members' exposures add up to " + std::to_string(sum));
    }
  }

  CustomerFigures CheckCustomer(const std::string& id, bool with_model) {
    json::value customer = GetJson("/v1/customers/" + id);
    json::value orders = GetJson("/v1/customers/" + id + "/orders");
    json::value invoices = GetJson("/v1/customers/" + id + "/invoices");
    const json::value& account = customer.at("account");
    int64_t reserved = 0, open_count = 0, held_count = 0, receivable = 0;
    for (const json::value& order : orders.at("orders").as_array()) {
      reserved += IntAt(order, "/reserved_minor");
      ++(StrAt(order, "/status") == "held" ? held_count : open_count);
    }
    for (const json::value& invoice : invoices.at("invoices").as_array()) {
      receivable += IntAt(invoice, "/open_minor");
    }
    int64_t invoice_count = static_cast<int64_t>(invoices.at("invoices").as_array().size());
    int64_t unapplied = IntAt(account, "/unapplied_credit_minor");
    ExpectField(id, account, "orders_open_minor", reserved,
                "the sum of its open orders' reserved_minor");
    ExpectField(id, account, "open_orders", open_count, "the number of its open orders");
    ExpectField(id, account, "held_orders", held_count, "the number of its held orders");
    ExpectField(id, account, "receivables_open_minor", receivable, "the sum of its open invoices");
    ExpectField(id, account, "open_invoices", invoice_count, "the number of its open invoices");
    ExpectField(id, account, "exposure_minor", reserved + receivable - unapplied,
                "orders + receivables - unapplied credit");
    ExpectField(id, account, "available_minor",
                IntAt(account, "/effective_limit_minor") - IntAt(account, "/exposure_minor"),
                "effective limit - exposure");
    if (with_model) CompareWithModel(id, orders, invoices, unapplied);
    return CustomerFigures{IntAt(account, "/exposure_minor"), held_count};
  }

  void ExpectField(const std::string& id, const json::value& account, const char* field,
                   int64_t expected, const char* meaning) {
    int64_t actual = IntAt(account, std::string("/") + field);
    if (actual == expected) return;
    Fail("customer " + id + ": " + field + " is " + std::to_string(actual) + ", but it should be " +
         meaning + " = " + std::to_string(expected) +
         " (a half-applied command?); account: " + Quote(json::serialize(account)));
  }

  static std::string OrderText(const ExpectedOrder& order) {
    return std::string(order.held ? "held" : "open") + ", amount " +
           std::to_string(order.amount_minor) + ", reserved " +
           std::to_string(order.reserved_minor) + ", invoiced " +
           std::to_string(order.invoiced_minor);
  }

  void CompareWithModel(const std::string& id, const json::value& orders,
                        const json::value& invoices, int64_t unapplied) {
    std::map<std::string, ExpectedOrder> expected = model_.OrdersOf(id);
    std::map<std::string, ExpectedOrder> actual;
    for (const json::value& order : orders.at("orders").as_array()) {
      ExpectedOrder& seen = actual[StrAt(order, "/order_id")];
      seen = ExpectedOrder{id,
                           0,
                           StrAt(order, "/status") == "held",
                           IntAt(order, "/amount_minor"),
                           IntAt(order, "/reserved_minor"),
                           IntAt(order, "/invoiced_minor")};
    }
    for (auto& [order_id, order] : expected) order.owner = 0;  // The server does not know it.
    CompareMaps(id, "order", expected, actual, OrderText);
    std::map<std::string, int64_t> expected_invoices = model_.InvoicesOf(id), actual_invoices;
    for (const json::value& invoice : invoices.at("invoices").as_array()) {
      actual_invoices[StrAt(invoice, "/invoice_id")] = IntAt(invoice, "/open_minor");
    }
    CompareMaps(id, "invoice", expected_invoices, actual_invoices,
                [](int64_t open) { return "open " + std::to_string(open); });
    if (unapplied != model_.UnappliedOf(id)) {
      Fail("customer " + id + ": unapplied_credit_minor is " + std::to_string(unapplied) +
           "; the acknowledged replies add up to " + std::to_string(model_.UnappliedOf(id)));
    }
  }

  template <class Value, class Text>
  void CompareMaps(const std::string& customer_id, const char* kind,
                   const std::map<std::string, Value>& expected,
                   const std::map<std::string, Value>& actual, Text text) {
    for (const auto& [id, value] : expected) {
      auto found = actual.find(id);
      if (found == actual.end()) {
        Fail("customer " + customer_id + ": " + kind + " " + id +
             " is missing on the server; the acknowledged replies say it is " + text(value));
      }
      if (!(found->second == value)) {
        Fail("customer " + customer_id + ": " + kind + " " + id + " is " + text(found->second) +
             " on the server; the acknowledged replies say " + text(value));
      }
    }
    for (const auto& [id, value] : actual) {
      if (!expected.contains(id)) {
        Fail("customer " + customer_id + ": " + kind + " " + id + " (" + text(value) +
             ") is on the server, but no acknowledged reply leaves it open");
      }
    }
  }

  // Adds this round's acknowledged commands to the sample that later rounds re-check.
  void KeepSample() {
    for (Record& record : round_records_) {
      if (record.fate != Fate::kAcknowledged) continue;
      ++earlier_seen_;
      if (earlier_sample_.size() < kEarlierSampleMax) {
        earlier_sample_.push_back(std::move(record));
      } else if (uint64_t slot = rng_() % earlier_seen_; slot < kEarlierSampleMax) {
        earlier_sample_[slot] = std::move(record);
      }
    }
    round_records_.clear();
  }

  // ---- Clean restart: the state before SIGTERM and after the next start must be identical.

  std::vector<std::string> StateTargets() const {
    std::vector<std::string> targets = {"/healthz", "/v1/holds?limit=1000",
                                        std::string("/v1/groups/") + kGroupId, "/v1/policies"};
    for (const std::string& id : customers_) {
      for (const char* part : {"", "/orders", "/invoices"}) {
        targets.push_back("/v1/customers/" + id + part);
      }
    }
    return targets;
  }

  void Capture() {
    captured_.clear();
    for (const std::string& target : StateTargets()) {
      captured_.emplace_back(target, json::serialize(GetJson(target)));
    }
  }

  void CompareWithCaptured() {
    for (const auto& [target, before] : captured_) {
      std::string after = json::serialize(GetJson(target));
      if (after == before) continue;
      size_t at = std::mismatch(before.begin(), before.end(), after.begin(), after.end()).first -
                  before.begin();
      size_t from = at > 80 ? at - 80 : 0;
      Fail("after a clean stop (SIGTERM) and restart, GET " + target +
           " differs from before the stop, first at byte " + std::to_string(at) +
           ":\n  before: ..." + Quote(before.substr(from, 240)) + "\n  after:  ..." +
           Quote(after.substr(from, 240)));
    }
  }

  // ---- Progress.

  void PrintTraffic(const RoundStats& stats) const {
    std::string refusals;
    for (const auto& [code, count] : stats.refusals) {
      refusals += (refusals.empty() ? " (" : ", ") + code + " " + std::to_string(count);
    }
    if (!refusals.empty()) refusals += ")";
    std::printf(
        "round %d/%d: %lld ms of traffic: %zu acknowledged, %zu refused%s, %zu unknown; %s\n",
        round_, options_.rounds, static_cast<long long>(stats.traffic_ms), stats.acknowledged,
        stats.refused, refusals.c_str(), stats.unknown,
        options_.no_crash  ? "clients stopped (no kill)"
        : options_.standby ? "kill -9 of the active server"
                           : "kill -9, restart");
    std::printf("  decisions so far: %s\n", tally_.Text().c_str());
    std::fflush(stdout);
  }

  void PrintChecks(const RoundStats& stats) const {
    std::string ending = "clean stop and verify ok";
    if (options_.standby) {
      ending = "the standby took over in " + std::to_string(stats.takeover_ms) + " ms" +
               (round_ == options_.rounds ? "; clean stop and verify ok" : "");
    }
    std::printf(
        "round %d/%d: replays checked %zu (+%zu from earlier rounds); unknown re-sent: %zu "
        "replayed, %zu applied fresh, %zu refused; accounts checked %zu; %s\n",
        round_, options_.rounds, stats.replays_checked, stats.earlier_checked,
        stats.unknown_replayed, stats.unknown_fresh, stats.unknown_refused, stats.accounts_checked,
        ending.c_str());
    std::fflush(stdout);
  }

  Options options_;
  Rng rng_;
  std::string work_dir_, token_;
  std::array<std::string, 2> data_dirs_;  // The second one is a standby pair's.
  int active_ = 0;                        // The current server's data directory.
  bool remove_work_dir_ = false;
  ServerProcess server_;
  ServerProcess standby_{&FailureContext::standby_pid};
  uint16_t standby_port_ = 0;
  int server_starts_ = 0;
  uint16_t port_ = 0;
  std::optional<HttpClient> client_;  // The checking thread's connection to the current server.
  int round_ = 0;
  Model model_;
  DecisionTally tally_;
  std::vector<ClientSlot> slots_;
  std::vector<std::string> customers_;
  std::vector<Record> round_records_;  // Acknowledged and unknown commands of this round.
  std::vector<Record> earlier_sample_;
  uint64_t earlier_seen_ = 0;
  uint64_t max_acknowledged_seq_ = 0;  // Over every round.
  uint64_t restart_seq_ = 0;           // The server's last event seq right after the restart.
  std::vector<std::pair<std::string, std::string>> captured_;  // GET target, body.
};

}  // namespace
}  // namespace crash

int main(int argc, char** argv) {
  // A write to a connection the killed server left behind must be an error, not a signal.
  ::signal(SIGPIPE, SIG_IGN);
  crash::Options options;
  CLI::App app{"Crash test: kill -9 `creditline serve` under load; nothing acknowledged is lost"};
  app.add_option("--binary", options.binary, "Path to the creditline executable")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--rounds", options.rounds, "Kill and restart rounds")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  app.add_option("--seed", options.seed, "Seed of every random choice")->capture_default_str();
  app.add_option("--clients", options.clients, "Concurrent keep-alive clients")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--work-dir", options.work_dir,
                 "Directory for the data and logs (default: a new one under /tmp, removed when "
                 "the test passes)");
  app.add_flag("--snapshot-args", options.snapshot_args,
               "Pass --snapshot-every-events and --snapshot-every-seconds to serve");
  app.add_flag("--no-crash", options.no_crash,
               "Stop the clients instead of killing the server (checks the harness itself)");
  CLI::Option* store = app.add_option(
      "--store", options.store_url,
      "Keep the journal in PostgreSQL (postgresql://...) instead of the data directory");
  app.add_flag("--standby", options.standby,
               "Run a standby pair on --store; at each kill the standby must take over")
      ->needs(store);
  CLI11_PARSE(app, argc, argv);
  options.binary = std::filesystem::absolute(options.binary).string();
  crash::Harness(std::move(options)).Run();
  return 0;
}
