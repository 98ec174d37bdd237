// EncodeSnapshot and DecodeSnapshot (snapshot.hpp): the State in the encoding of codec.hpp.
//
// Layout after the version byte (counts are u32 unless noted):
//   last_seq      u64
//   policies      count, Policy...
//   FX rates      pair count, then per pair: from (u8), to (u8), count, FxRateEntry...
//   customers     count, Customer... in id order
//   accounts      count, Account... in slot order
//   groups        count, then per group: id, name, currency, limit, exposure, count, member slots
//   orders        free slots (count, u32...), live count, Order... in slot order; hold queue ends
//   invoices      free slots (count, u32...), live count, Invoice... in slot order
//   idempotency   ordinal of the first record (u64), count, IdempotencyRecord... oldest first
//   assessment    Scorecard, AssessmentPolicy, count, LimitRequest..., count, RecoveryPlan...
//   monitoring    MonitorState (alert rules, alerts, trend, cumulative counters)
// Left out and rebuilt on decode: every id index, customer_order_, expiry_index_,
// idempotency_index_, hold_count_, the portfolio aggregates with the due-date index, and each
// account's pending limit request marks. These top-level counts are bounded
// by what the rest of the input can hold, not by kCodecVectorItemsMax, which is sized for one
// event, not a portfolio.
//
// The decoder trusts nothing: besides lengths and enum ranges (the codec's Read), it checks every
// slot index and list link, that every open item is on exactly its account's list, that running
// totals equal their items, and the value ranges later arithmetic relies on. A snapshot that
// passes is a state that Decide, Apply and the queries can run on without tripping an assertion.
#include "core/snapshot.hpp"

#include <algorithm>
#include <cassert>
#include <functional>
#include <utility>
#include <vector>

#include "core/codec.hpp"

namespace creditline {
namespace {

using int128 = __int128;

// Stored dates come from commands with dates in [kDateMin, kDateMax], at most shifted by payment
// terms; one calendar span either side keeps all date arithmetic far from int32 overflow.
constexpr int32_t kDateSpanDays = kDateMax.days - kDateMin.days;
constexpr size_t kFxPairBytesMin = 2 + 4;  // from, to, entry count.

Error Corrupt(std::string message) {
  return MakeError(ErrorCode::kCorruptRecord, "snapshot " + std::move(message));
}

Error Malformed(const Reader& reader, const char* part) {
  return Corrupt(std::string("is malformed in its ") + part + " near byte " +
                 std::to_string(reader.position()));
}

// An id from a possibly corrupted snapshot, bounded for an error message.
std::string Quoted(const std::string& id) { return "'" + id.substr(0, 80) + "'"; }

bool IsStoredDate(Date date) {
  return date.days >= kDateMin.days - kDateSpanDays && date.days <= kDateMax.days + kDateSpanDays;
}

bool IsAmount(int64_t minor, int64_t minor_min) {
  return minor >= minor_min && minor <= kAmountMinorMax;
}

// Items go through the codec's Write and Read, except Group: its member list can outnumber
// kCodecVectorItemsMax, so it is written here with a count bounded by the input instead.
template <class T>
void WriteItem(StringSink& sink, const T& item) {
  Write(sink, item);
}
template <class T>
void ReadItem(Reader& reader, T& item) {
  Read(reader, item);
}
void WriteItem(StringSink& sink, const Group& group);
void ReadItem(Reader& reader, Group& group);

// An item with every string and vector empty and every optional absent: no T encodes shorter.
template <class T>
T ShortestItem() {
  return T{};
}
template <>
Policy ShortestItem<Policy>() {
  Policy policy;
  policy.name.clear();  // The only default that is not empty.
  return policy;
}

template <class T>
size_t EncodedBytesMin() {
  static const size_t bytes = [] {
    StringSink sink;
    WriteItem(sink, ShortestItem<T>());
    return sink.bytes().size();
  }();
  return bytes;
}

template <class Items>
void WriteCount(StringSink& sink, const Items& items) {
  assert(items.size() < kNone);
  WriteFixed<StringSink, uint32_t>(sink, static_cast<uint32_t>(items.size()));
}

template <class Items>
void WriteAll(StringSink& sink, const Items& items) {
  WriteCount(sink, items);
  for (const auto& item : items) WriteItem(sink, item);
}

// Reads a count of items that take at least `item_bytes_min` bytes each. A count the rest of
// the input cannot hold fails the reader, so a corrupted count never sizes an allocation.
uint32_t ReadCount(Reader& reader, size_t item_bytes_min) {
  uint32_t count = 0;
  if (ReadFixed(reader, &count) && count > reader.remaining() / item_bytes_min) reader.Fail();
  return reader.failed() ? 0 : count;
}

// Reads what WriteAll wrote into a vector or a deque.
template <class Items>
void ReadAll(Reader& reader, Items* items) {
  using T = typename Items::value_type;
  uint32_t count = ReadCount(reader, EncodedBytesMin<T>());
  items->clear();
  items->resize(count);
  for (T& item : *items) {
    ReadItem(reader, item);
    if (reader.failed()) return;
  }
}

void WriteItem(StringSink& sink, const Group& group) {
  Write(sink, group.group_id), Write(sink, group.name), Write(sink, group.currency);
  Write(sink, group.limit_minor), Write(sink, group.exposure_minor);
  WriteAll(sink, group.members);
}

void ReadItem(Reader& reader, Group& group) {
  Read(reader, group.group_id), Read(reader, group.name), Read(reader, group.currency);
  Read(reader, group.limit_minor), Read(reader, group.exposure_minor);
  ReadAll(reader, &group.members);
}

// A slab is written as its free list and then its live items in slot order; free slots hold a
// default item, as Apply leaves them.
template <class Items>
void WriteSlab(StringSink& sink, const Items& items, const std::vector<uint32_t>& free) {
  WriteAll(sink, free);
  std::vector<bool> is_free(items.size(), false);
  for (uint32_t slot : free) is_free[slot] = true;
  WriteFixed<StringSink, uint32_t>(sink, static_cast<uint32_t>(items.size() - free.size()));
  for (size_t slot = 0; slot < items.size(); ++slot) {
    if (!is_free[slot]) Write(sink, items[slot]);
  }
}

// Reads what WriteSlab wrote; `live` marks the slots that hold an item.
template <class Items>
Status ReadSlab(Reader& reader, const char* part, Items* items,
                std::vector<uint32_t>* free, std::vector<bool>* live) {
  ReadAll(reader, free);
  using T = typename Items::value_type;
  uint32_t live_count = ReadCount(reader, EncodedBytesMin<T>());
  if (reader.failed()) return Malformed(reader, part);
  uint64_t slots = uint64_t{live_count} + free->size();
  if (slots >= kNone) return Corrupt(std::string("has too many ") + part);
  live->assign(slots, true);
  for (uint32_t slot : *free) {
    if (slot >= slots || !(*live)[slot]) {
      return Corrupt(std::string("has a bad free slot in its ") + part);
    }
    (*live)[slot] = false;
  }
  items->clear();
  items->reserve(slots);
  for (size_t slot = 0; slot < slots && !reader.failed(); ++slot) {
    T& item = items->emplace_back();
    if ((*live)[slot]) Read(reader, item);
  }
  if (reader.failed()) return Malformed(reader, part);
  return Status::Ok();
}

// Walks a list from its ends, refusing a link out of range, a slot seen before (a cycle, or an
// item on two lists of the same kind), a previous link that does not point back, or a last end
// that is not where the walk stopped. `visit(slot)` returns false to refuse an item.
template <class Items, class T, class Visit>
bool WalkList(const Items& items, const ListEnds& ends, ListLinks T::*links,
              std::vector<bool>& seen, Visit visit) {
  uint32_t previous = kNone;
  for (uint32_t slot = ends.first; slot != kNone; slot = (items[slot].*links).next) {
    if (slot >= items.size() || seen[slot] || (items[slot].*links).previous != previous) {
      return false;
    }
    seen[slot] = true;
    if (!visit(slot)) return false;
    previous = slot;
  }
  return ends.last == previous;
}

// Each of these says what is wrong with one decoded item, or returns nullptr.
const char* LimitItemsProblem(const Account& a) {
  for (const TemporaryLimit& limit : a.temporary_limits) {
    if (!IsAmount(limit.amount_minor, 1) || !IsStoredDate(limit.valid_from) ||
        !IsStoredDate(limit.valid_to)) {
      return "a temporary limit is out of range";
    }
  }
  for (const Collateral& item : a.collateral) {
    if (!IsAmount(item.amount_minor, 1) || !IsStoredDate(item.valid_to)) {
      return "a collateral item is out of range";
    }
  }
  for (const DayAmount& day : a.ordered_by_day) {
    if (!IsStoredDate(day.day) || day.amount_minor < 0) return "its quota window is out of range";
  }
  return nullptr;
}

const char* BehaviourProblem(const Behaviour& b) {
  if (b.paid_minor < 0 || b.paid_on_time_minor < 0 || b.paid_on_time_minor > b.paid_minor ||
      b.late_day_minor < 0) {
    return "its payment behaviour is out of range";
  }
  if (b.months.size() > kBehaviourMonthsKept) return "it keeps too many months";
  for (size_t i = 0; i < b.months.size(); ++i) {
    const MonthActivity& m = b.months[i];
    if ((i > 0 && m.month <= b.months[i - 1].month) || m.max_days_late < 0 ||
        m.invoiced_minor < 0 || m.exposure_day_minor < 0) {
      return "its monthly activity is out of order or range";
    }
  }
  if ((b.opened_on != kNoDate && !IsStoredDate(b.opened_on)) ||
      (b.exposure_since != kNoDate && !IsStoredDate(b.exposure_since))) {
    return "its behaviour dates are bad";
  }
  return nullptr;
}

const char* AccountProblem(const Account& a, size_t policy_count, uint64_t last_seq) {
  if (a.key != AccountKey(a.ref)) return "its key does not match its reference";
  if (!a.currency.valid()) return "it has no valid currency";
  if (a.policy >= policy_count) return "its policy slot is out of range";
  if (!IsAmount(a.base_limit_minor, 0)) return "its limit is out of range";
  if (a.payment_terms_days < 0 || a.payment_terms_days > kDateSpanDays) {
    return "its payment terms are out of range";
  }
  if (a.review_on != kNoDate && !IsStoredDate(a.review_on)) return "its review date is bad";
  if (a.unapplied_credit_minor < 0 || a.written_off_minor < 0) return "a total is negative";
  if (a.score < -1 || a.score > 100) return "its score is out of range";
  if (a.reviewed_on != kNoDate && !IsStoredDate(a.reviewed_on)) return "its reviewed date is bad";
  if (const char* problem = BehaviourProblem(a.behaviour)) return problem;
  if (a.utilization_level > 2) return "its utilization alert level is out of range";
  // Strictly increasing seqs, none beyond the state's last event.
  if (std::adjacent_find(a.history.begin(), a.history.end(), std::greater_equal<uint64_t>()) !=
          a.history.end() ||
      (!a.history.empty() && (a.history.front() == 0 || a.history.back() > last_seq))) {
    return "its history index is out of order or beyond the journal";
  }
  return LimitItemsProblem(a);
}

const char* OrderProblem(const Order& o, size_t account_count) {
  if (o.order_id.empty()) return "it has no id";
  if (o.account >= account_count) return "its account slot is out of range";
  if (!o.requested.currency.valid() || !o.decision.currency.valid()) return "a currency is bad";
  if (!IsAmount(o.amount_minor, 1) || o.expires_at < 0) return "its amount or expiry is bad";
  if (o.status == OrderStatus::kHeld) {
    return o.reserved_minor == 0 && o.invoiced_minor == 0 ? nullptr : "it is held but reserves";
  }
  // An open order reserves what is not invoiced yet; a later decrease relies on it.
  if (o.invoiced_minor < 0 || o.invoiced_minor > o.amount_minor ||
      o.reserved_minor != o.amount_minor - o.invoiced_minor) {
    return "its reservation is not its amount less what is invoiced";
  }
  if (o.hold_links.previous != kNone || o.hold_links.next != kNone) {
    return "it is open but linked into the hold queue";
  }
  return nullptr;
}

const char* InvoiceProblem(const Invoice& i, size_t account_count) {
  if (i.invoice_id.empty()) return "it has no id";
  if (i.account >= account_count) return "its account slot is out of range";
  if (!i.original.currency.valid()) return "its currency is bad";
  if (!IsAmount(i.amount_minor, 1) || i.open_minor <= 0 || i.open_minor > i.amount_minor) {
    return "its amounts are out of range";
  }
  if (!IsStoredDate(i.issued_on) || !IsStoredDate(i.due_on)) return "its dates are out of range";
  if (i.overdue_level > 2) return "its overdue alert level is out of range";
  return nullptr;
}

const char* FxPairProblem(uint8_t from, uint8_t to, const std::vector<FxRateEntry>& entries) {
  if (!Currency::FromIndex(from).valid() || !Currency::FromIndex(to).valid() || from == to) {
    return "an FX pair has bad currencies";
  }
  if (entries.empty()) return "an FX pair has no rates";
  for (size_t i = 0; i < entries.size(); ++i) {
    const FxRateEntry& entry = entries[i];
    if (!IsStoredDate(entry.effective_on) || entry.rate_scaled <= 0 ||
        entry.rate_scaled > kFxRateScaledMax) {
      return "an FX rate is out of range";
    }
    if (i > 0 && entries[i - 1].effective_on >= entry.effective_on) {
      return "FX rates are out of date order";
    }
  }
  return nullptr;
}

}  // namespace

// Friend of State: reads and writes its private parts. Encode is one pass over the state;
// decoding reads each part, indexes and checks it, then checks what spans parts.
class StateCodec {
 public:
  static std::string Encode(const State& s);
  static Status Decode(std::string_view bytes, State* state);

 private:
  StateCodec(std::string_view bytes, State& state) : reader_(bytes), s_(state) {}

  static size_t EstimateBytes(const State& s);
  static void WriteFx(StringSink& sink, const FxTable& fx);
  static void WriteIdempotency(StringSink& sink, const IdempotencyLog& log);

  Status Run();
  Status ReadPolicies();
  Status ReadFx();
  Status ReadCustomers();
  Status ReadAccounts();
  Status ReadGroups();
  Status ReadOrders();
  void IndexExpiries();
  Status ReadInvoices();
  Status ReadIdempotency();
  Status ReadMonitor();
  Status CheckCustomerAccounts() const;
  Status CheckAccountLists();
  Status CheckOrderList(uint32_t account_slot, std::vector<bool>& seen);
  Status CheckInvoiceList(uint32_t account_slot, std::vector<bool>& seen);
  Status CheckHoldQueue();
  Status CheckGroups() const;
  Status ReadAssessment();
  Status ReadLimitRequests();
  Status ReadRecoveryPlans();

  Reader reader_;
  State& s_;
  std::vector<bool> live_orders_, live_invoices_;
  size_t orders_listed_ = 0, invoices_listed_ = 0, held_listed_ = 0;
};

std::string StateCodec::Encode(const State& s) {
  StringSink sink;
  sink.Reserve(EstimateBytes(s));
  WriteFixed<StringSink, uint8_t>(sink, kSnapshotCodecVersion);
  WriteFixed(sink, s.last_seq_);
  WriteAll(sink, s.policies_);
  WriteFx(sink, s.fx_);
  WriteCount(sink, s.customer_order_);
  for (const std::string& id : s.customer_order_) Write(sink, s.customers_.find(id)->second);
  WriteAll(sink, s.accounts_);
  WriteAll(sink, s.groups_);
  WriteSlab(sink, s.orders_, s.free_orders_);
  Write(sink, s.hold_queue_);
  WriteSlab(sink, s.invoices_, s.free_invoices_);
  WriteIdempotency(sink, s.idempotency_log_);
  Write(sink, s.scorecard_), Write(sink, s.assessment_policy_);
  WriteAll(sink, s.limit_requests_);
  WriteAll(sink, s.recovery_plans_);
  Write(sink, s.monitor_);
  return std::move(sink.bytes());
}

namespace {

// Each entity's fixed part plus a typical amount of text.
template <class T>
size_t TypicalBytes(size_t count, size_t text_bytes) {
  return count * (EncodedBytesMin<T>() + text_bytes);
}

}  // namespace

size_t StateCodec::EstimateBytes(const State& s) {
  // A guess somewhat high costs nothing; a low one costs one regrowth (a copy) of the output.
  size_t slots = 0;
  for (const auto& [pair, entries] : s.fx_.entries()) slots += 3 * entries.size();
  for (const Group& group : s.groups_) slots += group.members.size();
  size_t bytes = 64 + 4 * (slots + s.free_orders_.size() + s.free_invoices_.size()) +
                 TypicalBytes<Policy>(s.policies_.size(), 16) +
                 TypicalBytes<Customer>(s.customers_.size(), 48) +
                 TypicalBytes<Account>(s.accounts_.size(), 24) +
                 TypicalBytes<Group>(s.groups_.size(), 32) +
                 TypicalBytes<Order>(s.order_index_.size(), 16) +
                 TypicalBytes<Invoice>(s.invoice_index_.size(), 24) +
                 TypicalBytes<IdempotencyRecord>(s.idempotency_log_.size(), 24);
  return bytes + bytes / 8;
}

void StateCodec::WriteFx(StringSink& sink, const FxTable& fx) {
  WriteCount(sink, fx.entries());
  for (const auto& [pair, entries] : fx.entries()) {
    WriteFixed(sink, pair.first), WriteFixed(sink, pair.second);
    WriteAll(sink, entries);
  }
}

Status StateCodec::Decode(std::string_view bytes, State* state) {
  State decoded(state->options_);
  CL_RETURN_IF_ERROR(StateCodec(bytes, decoded).Run());
  // Moving keeps the idempotency records in place (the log's records never move), so the
  // index's views into them stay valid.
  *state = std::move(decoded);
  return Status::Ok();
}

Status StateCodec::Run() {
  uint8_t version = 0;
  if (!ReadFixed(reader_, &version) || version != kSnapshotCodecVersion) {
    return Corrupt("has unknown codec version " + std::to_string(version));
  }
  ReadFixed(reader_, &s_.last_seq_);
  CL_RETURN_IF_ERROR(ReadPolicies());
  CL_RETURN_IF_ERROR(ReadFx());
  CL_RETURN_IF_ERROR(ReadCustomers());
  CL_RETURN_IF_ERROR(ReadAccounts());
  CL_RETURN_IF_ERROR(ReadGroups());
  CL_RETURN_IF_ERROR(ReadOrders());
  CL_RETURN_IF_ERROR(ReadInvoices());
  CL_RETURN_IF_ERROR(ReadIdempotency());
  CL_RETURN_IF_ERROR(ReadAssessment());
  CL_RETURN_IF_ERROR(ReadMonitor());
  if (!reader_.at_end()) return Corrupt("has trailing bytes");
  CL_RETURN_IF_ERROR(CheckCustomerAccounts());
  CL_RETURN_IF_ERROR(CheckAccountLists());
  CL_RETURN_IF_ERROR(CheckHoldQueue());
  CL_RETURN_IF_ERROR(CheckGroups());
  s_.RebuildAggregates(s_.monitor_.last_day);
  return Status::Ok();
}

Status StateCodec::ReadPolicies() {
  ReadAll(reader_, &s_.policies_);
  if (reader_.failed()) return Malformed(reader_, "policies");
  if (s_.policies_.empty()) return Corrupt("has no policy");
  s_.policy_index_.clear();
  for (uint32_t slot = 0; slot < s_.policies_.size(); ++slot) {
    const Policy& policy = s_.policies_[slot];
    Status valid = ValidatePolicy(policy);
    if (!valid.ok()) return Corrupt("has an invalid policy: " + valid.error().message);
    if (!s_.policy_index_.emplace(policy.name, slot).second) {
      return Corrupt("has policy " + Quoted(policy.name) + " twice");
    }
  }
  return Status::Ok();
}

Status StateCodec::ReadFx() {
  uint32_t pairs = ReadCount(reader_, kFxPairBytesMin);
  int previous_pair = -1;
  for (uint32_t i = 0; i < pairs; ++i) {
    uint8_t from = 0, to = 0;
    std::vector<FxRateEntry> entries;
    ReadFixed(reader_, &from), ReadFixed(reader_, &to);
    ReadAll(reader_, &entries);
    if (reader_.failed()) break;
    if (const char* problem = FxPairProblem(from, to, entries)) return Corrupt(problem);
    int pair = from * 256 + to;  // The table's key order.
    if (pair <= previous_pair) return Corrupt("has FX pairs out of order");
    previous_pair = pair;
    Currency from_currency = Currency::FromIndex(from), to_currency = Currency::FromIndex(to);
    for (const FxRateEntry& entry : entries) {
      s_.fx_.Set(from_currency, to_currency, entry.effective_on, entry.rate_scaled);
    }
  }
  if (reader_.failed()) return Malformed(reader_, "FX rates");
  return Status::Ok();
}

Status StateCodec::ReadCustomers() {
  uint32_t count = ReadCount(reader_, EncodedBytesMin<Customer>());
  s_.customers_.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    Customer customer;
    Read(reader_, customer);
    if (reader_.failed()) break;
    // Written in id order, so the ordered set fills at its end, and a repeat shows at once.
    if (customer.customer_id.empty() ||
        (!s_.customer_order_.empty() && customer.customer_id <= *s_.customer_order_.rbegin())) {
      return Corrupt("has customer " + Quoted(customer.customer_id) + " out of id order");
    }
    for (size_t i = 0; i < customer.financials.size(); ++i) {
      if (!ValidateFinancials(customer.financials[i]).ok() ||
          customer.financials.size() > kFinancialPeriodsKept ||
          (i > 0 && customer.financials[i].period <= customer.financials[i - 1].period)) {
        return Corrupt("has customer " + Quoted(customer.customer_id) + " with bad financials");
      }
    }
    s_.customer_order_.emplace_hint(s_.customer_order_.end(), customer.customer_id);
    std::string id = customer.customer_id;
    s_.customers_.emplace(std::move(id), std::move(customer));
  }
  if (reader_.failed()) return Malformed(reader_, "customers");
  return Status::Ok();
}

Status StateCodec::ReadAccounts() {
  ReadAll(reader_, &s_.accounts_);
  if (reader_.failed()) return Malformed(reader_, "accounts");
  s_.account_index_.reserve(s_.accounts_.size());
  for (uint32_t slot = 0; slot < s_.accounts_.size(); ++slot) {
    const Account& account = s_.accounts_[slot];
    if (const char* problem = AccountProblem(account, s_.policies_.size(), s_.last_seq_)) {
      return Corrupt("has account " + Quoted(account.key) + " where " + problem);
    }
    if (!s_.account_index_.emplace(account.key, slot).second) {
      return Corrupt("has account " + Quoted(account.key) + " twice");
    }
  }
  return Status::Ok();
}

Status StateCodec::ReadGroups() {
  ReadAll(reader_, &s_.groups_);
  if (reader_.failed()) return Malformed(reader_, "groups");
  for (uint32_t slot = 0; slot < s_.groups_.size(); ++slot) {
    const Group& group = s_.groups_[slot];
    if (!group.currency.valid() || !IsAmount(group.limit_minor, 0)) {
      return Corrupt("has group " + Quoted(group.group_id) + " with a bad currency or limit");
    }
    if (!s_.group_index_.emplace(group.group_id, slot).second) {
      return Corrupt("has group " + Quoted(group.group_id) + " twice");
    }
  }
  return Status::Ok();
}

Status StateCodec::ReadOrders() {
  CL_RETURN_IF_ERROR(ReadSlab(reader_, "orders", &s_.orders_, &s_.free_orders_, &live_orders_));
  Read(reader_, s_.hold_queue_);
  if (reader_.failed()) return Malformed(reader_, "hold queue");
  s_.order_index_.reserve(s_.orders_.size() - s_.free_orders_.size());
  for (uint32_t slot = 0; slot < s_.orders_.size(); ++slot) {
    if (!live_orders_[slot]) continue;
    const Order& order = s_.orders_[slot];
    if (const char* problem = OrderProblem(order, s_.accounts_.size())) {
      return Corrupt("has order " + Quoted(order.order_id) + " where " + problem);
    }
    if (!s_.order_index_.emplace(order.order_id, slot).second) {
      return Corrupt("has order " + Quoted(order.order_id) + " twice");
    }
  }
  IndexExpiries();
  return Status::Ok();
}

void StateCodec::IndexExpiries() {
  // Sorted first, so that the ordered set fills at its end instead of searching per order.
  std::vector<std::pair<TimeMs, const std::string*>> expiring;
  for (uint32_t slot = 0; slot < s_.orders_.size(); ++slot) {
    const Order& order = s_.orders_[slot];
    if (live_orders_[slot] && order.expires_at != 0) {
      expiring.emplace_back(order.expires_at, &order.order_id);
    }
  }
  std::sort(expiring.begin(), expiring.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : *a.second < *b.second;
  });
  for (const auto& [expires_at, order_id] : expiring) {
    s_.expiry_index_.emplace_hint(s_.expiry_index_.end(), expires_at, *order_id);
  }
}

Status StateCodec::ReadInvoices() {
  CL_RETURN_IF_ERROR(
      ReadSlab(reader_, "invoices", &s_.invoices_, &s_.free_invoices_, &live_invoices_));
  s_.invoice_index_.reserve(s_.invoices_.size() - s_.free_invoices_.size());
  for (uint32_t slot = 0; slot < s_.invoices_.size(); ++slot) {
    if (!live_invoices_[slot]) continue;
    const Invoice& invoice = s_.invoices_[slot];
    if (const char* problem = InvoiceProblem(invoice, s_.accounts_.size())) {
      return Corrupt("has invoice " + Quoted(invoice.invoice_id) + " where " + problem);
    }
    if (!s_.invoice_index_.emplace(invoice.invoice_id, slot).second) {
      return Corrupt("has invoice " + Quoted(invoice.invoice_id) + " twice");
    }
  }
  return Status::Ok();
}

void StateCodec::WriteIdempotency(StringSink& sink, const IdempotencyLog& log) {
  // Stored with the whole reply in the fixed-width form, as before the log kept it compact.
  WriteFixed(sink, log.first_ordinal());
  WriteCount(sink, log);
  IdempotencyRecord record;
  log.ForEach([&](const IdempotencyLog::Entry& entry) {
    record.key.assign(entry.key);
    record.fingerprint = entry.fingerprint;
    record.time = entry.time;
    record.result = IdempotencyLog::Reply(entry);
    Write(sink, record);
  });
}

Status StateCodec::ReadIdempotency() {
  uint64_t first_ordinal = 0;
  ReadFixed(reader_, &first_ordinal);
  uint32_t count = ReadCount(reader_, EncodedBytesMin<IdempotencyRecord>());
  IdempotencyLog& log = s_.idempotency_log_;
  log.clear();
  log.set_first_ordinal(first_ordinal);
  std::vector<IdempotencyLog::Position> positions;
  positions.reserve(count);
  IdempotencyRecord record;
  for (uint32_t i = 0; i < count; ++i) {
    record = IdempotencyRecord{};
    Read(reader_, record);
    if (reader_.failed()) break;
    if (record.result.decision && !record.result.decision->currency.valid()) {
      return Corrupt("has idempotency record " + Quoted(record.key) + " with a bad currency");
    }
    positions.push_back(log.Append(record.key, record.fingerprint, record.time, record.result));
  }
  if (reader_.failed()) return Malformed(reader_, "idempotency records");
  // A key used twice maps to its newest record, whose string the view must point into (the
  // older record is swept first), as State::Apply leaves it.
  s_.idempotency_index_.reserve(log.size());
  for (size_t i = positions.size(); i-- > 0;) {
    s_.idempotency_index_.try_emplace(log.At(positions[i]).index_key(), positions[i]);
  }
  return Status::Ok();
}

Status StateCodec::ReadMonitor() {
  MonitorState& m = s_.monitor_;
  Read(reader_, m);
  if (reader_.failed()) return Malformed(reader_, "monitoring");
  Status rules = ValidateAlertRules(m.rules);
  if (!rules.ok()) return Corrupt("has invalid alert rules: " + rules.error().message);
  uint64_t previous = 0;
  for (const Alert& alert : m.alerts) {
    if (alert.alert_id <= previous || alert.alert_id > m.last_alert_id || !alert.currency.valid()) {
      return Corrupt("has alert " + std::to_string(alert.alert_id) + " out of order or invalid");
    }
    previous = alert.alert_id;
  }
  for (size_t i = 0; i < m.trend.size(); ++i) {
    if (!m.trend[i].currency.valid() || !IsStoredDate(m.trend[i].day) ||
        (i > 0 && m.trend[i].day < m.trend[i - 1].day)) {
      return Corrupt("has a trend point out of order or invalid");
    }
  }
  for (const CurrencyAmount& total : m.invoiced_totals) {
    if (!total.currency.valid() || total.amount_minor < 0) {
      return Corrupt("has an invalid cumulative invoiced total");
    }
  }
  if (m.last_day != kNoDate && !IsStoredDate(m.last_day)) return Corrupt("has a bad last day");
  return Status::Ok();
}

Status StateCodec::CheckCustomerAccounts() const {
  std::vector<bool> listed(s_.accounts_.size(), false);
  size_t listed_count = 0;
  for (const auto& [id, customer] : s_.customers_) {
    for (uint32_t slot : customer.accounts) {
      if (slot >= listed.size() || listed[slot] || s_.accounts_[slot].ref.customer_id != id) {
        return Corrupt("has customer " + Quoted(id) + " listing an account not its own");
      }
      listed[slot] = true;
      ++listed_count;
    }
  }
  if (listed_count != listed.size()) return Corrupt("has an account of no customer");
  return Status::Ok();
}

Status StateCodec::CheckAccountLists() {
  std::vector<bool> seen_orders(s_.orders_.size(), false);
  std::vector<bool> seen_invoices(s_.invoices_.size(), false);
  for (uint32_t slot = 0; slot < s_.accounts_.size(); ++slot) {
    CL_RETURN_IF_ERROR(CheckOrderList(slot, seen_orders));
    CL_RETURN_IF_ERROR(CheckInvoiceList(slot, seen_invoices));
  }
  if (orders_listed_ != s_.order_index_.size()) return Corrupt("has an order on no list");
  if (invoices_listed_ != s_.invoice_index_.size()) return Corrupt("has an invoice on no list");
  return Status::Ok();
}

Status StateCodec::CheckOrderList(uint32_t account_slot, std::vector<bool>& seen) {
  const Account& account = s_.accounts_[account_slot];
  uint32_t open = 0, held = 0;
  int128 reserved = 0;
  bool linked = WalkList(s_.orders_, account.orders, &Order::account_links, seen, [&](uint32_t i) {
    const Order& order = s_.orders_[i];
    if (!live_orders_[i] || order.account != account_slot) return false;
    ++(order.status == OrderStatus::kHeld ? held : open);
    reserved += order.reserved_minor;
    return true;
  });
  if (!linked) return Corrupt("has account " + Quoted(account.key) + " with a broken order list");
  if (open != account.open_orders || held != account.held_orders ||
      reserved != account.orders_open_minor) {
    return Corrupt("has account " + Quoted(account.key) + " whose totals differ from its orders");
  }
  orders_listed_ += open + held;
  held_listed_ += held;
  return Status::Ok();
}

Status StateCodec::CheckInvoiceList(uint32_t account_slot, std::vector<bool>& seen) {
  const Account& account = s_.accounts_[account_slot];
  uint32_t count = 0;
  int128 open = 0;
  bool linked =
      WalkList(s_.invoices_, account.invoices, &Invoice::account_links, seen, [&](uint32_t i) {
        const Invoice& invoice = s_.invoices_[i];
        if (!live_invoices_[i] || invoice.account != account_slot) return false;
        ++count;
        open += invoice.open_minor;
        return true;
      });
  if (!linked) return Corrupt("has account " + Quoted(account.key) + " with a broken invoice list");
  if (count != account.open_invoices || open != account.receivables_open_minor) {
    return Corrupt("has account " + Quoted(account.key) + " whose totals differ from its invoices");
  }
  invoices_listed_ += count;
  return Status::Ok();
}

Status StateCodec::CheckHoldQueue() {
  // Every held order is on its account's list (checked before); the queue must hold exactly
  // those, each once.
  std::vector<bool> seen(s_.orders_.size(), false);
  size_t count = 0;
  bool linked = WalkList(s_.orders_, s_.hold_queue_, &Order::hold_links, seen, [&](uint32_t i) {
    ++count;
    return live_orders_[i] && s_.orders_[i].status == OrderStatus::kHeld;
  });
  if (!linked || count != held_listed_) return Corrupt("has a broken hold queue");
  s_.hold_count_ = count;
  return Status::Ok();
}

Status StateCodec::CheckGroups() const {
  std::vector<bool> member(s_.accounts_.size(), false);
  size_t members = 0;
  for (uint32_t slot = 0; slot < s_.groups_.size(); ++slot) {
    const Group& group = s_.groups_[slot];
    int128 exposure = 0;
    for (uint32_t account_slot : group.members) {
      if (account_slot >= member.size() || member[account_slot] ||
          s_.accounts_[account_slot].group != slot) {
        return Corrupt("has group " + Quoted(group.group_id) + " listing a non-member");
      }
      member[account_slot] = true;
      const Account& account = s_.accounts_[account_slot];
      exposure += int128{account.orders_open_minor} + account.receivables_open_minor -
                  account.unapplied_credit_minor;
    }
    if (exposure != group.exposure_minor) {
      return Corrupt("has group " + Quoted(group.group_id) + " whose exposure differs");
    }
    members += group.members.size();
  }
  size_t in_groups = std::count_if(s_.accounts_.begin(), s_.accounts_.end(),
                                   [](const Account& account) { return account.group != kNone; });
  if (in_groups != members) return Corrupt("has an account in a group that does not list it");
  return Status::Ok();
}

Status StateCodec::ReadAssessment() {
  Read(reader_, s_.scorecard_), Read(reader_, s_.assessment_policy_);
  if (reader_.failed()) return Malformed(reader_, "assessment configuration");
  Status valid = ValidateScorecard(s_.scorecard_);
  if (valid.ok()) valid = ValidateAssessmentPolicy(s_.assessment_policy_);
  if (!valid.ok()) return Corrupt("has an invalid assessment setting: " + valid.error().message);
  CL_RETURN_IF_ERROR(ReadLimitRequests());
  return ReadRecoveryPlans();
}

Status StateCodec::ReadLimitRequests() {
  ReadAll(reader_, &s_.limit_requests_);
  if (reader_.failed()) return Malformed(reader_, "limit requests");
  for (uint32_t slot = 0; slot < s_.limit_requests_.size(); ++slot) {
    const LimitRequest& request = s_.limit_requests_[slot];
    uint32_t account = s_.FindAccountSlot(request.account);
    if (request.request_id.empty() || account == kNone ||
        s_.accounts_[account].currency != request.currency || !IsAmount(request.amount_minor, 0) ||
        !IsAmount(request.limit_before_minor, 0)) {
      return Corrupt("has limit request " + Quoted(request.request_id) + " out of range");
    }
    if (!s_.limit_request_index_.emplace(request.request_id, slot).second) {
      return Corrupt("has limit request " + Quoted(request.request_id) + " twice");
    }
    if (request.status == LimitRequestStatus::kPending) {
      Account& pending = s_.accounts_[account];
      ++pending.pending_limit_requests;
      pending.pending_limit_request = slot;
    }
  }
  return Status::Ok();
}

Status StateCodec::ReadRecoveryPlans() {
  ReadAll(reader_, &s_.recovery_plans_);
  if (reader_.failed()) return Malformed(reader_, "recovery plans");
  size_t active = 0;
  for (uint32_t slot = 0; slot < s_.recovery_plans_.size(); ++slot) {
    const RecoveryPlan& plan = s_.recovery_plans_[slot];
    uint32_t account = s_.FindAccountSlot(plan.account);
    int128 total = 0;
    for (const Installment& installment : plan.installments) total += installment.amount_minor;
    bool bad = plan.plan_id.empty() || account == kNone || plan.installments.empty() ||
               plan.installments.size() > kInstallmentsPerPlanMax || total != plan.total_minor ||
               plan.paid_minor < 0 || plan.paid_minor > plan.total_minor;
    if (!bad && plan.status == RecoveryPlanStatus::kActive) {
      bad = s_.accounts_[account].recovery_plan != slot;
      ++active;
    }
    if (bad) return Corrupt("has recovery plan " + Quoted(plan.plan_id) + " out of range");
    if (!s_.recovery_plan_index_.emplace(plan.plan_id, slot).second) {
      return Corrupt("has recovery plan " + Quoted(plan.plan_id) + " twice");
    }
  }
  size_t linked = std::count_if(s_.accounts_.begin(), s_.accounts_.end(),
                                [](const Account& a) { return a.recovery_plan != kNone; });
  if (linked != active) return Corrupt("has an account linked to no active recovery plan");
  return Status::Ok();
}

std::string EncodeSnapshot(const State& state) { return StateCodec::Encode(state); }

Status DecodeSnapshot(std::string_view bytes, State* state) {
  return StateCodec::Decode(bytes, state);
}

}  // namespace creditline
