// Tests for core/codec: every event round-trips, every malformed record is refused (never a
// crash), and command fingerprints tell every field apart.
#include "core/codec.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace creditline {
namespace {

template <class T>
constexpr bool kIsEnum = std::is_enum_v<T>;

// Fills every field of a value with distinct, non-default contents: optionals present,
// vectors with two items, enums away from their first value. `counter` makes each leaf differ.
class Populator {
 public:
  template <class T>
  void Fill(T& value) {
    ++counter_;
    if constexpr (std::is_same_v<T, bool>) {
      value = true;
    } else if constexpr (kIsEnum<T>) {
      value = static_cast<T>(1 + counter_ % (EnumLimit(T{}) - 1));
    } else if constexpr (std::is_same_v<T, uint8_t>) {
      value = static_cast<uint8_t>(counter_);
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      // Negative and wide values exercise sign and byte order.
      value = static_cast<T>(-(int64_t{counter_} * 1'000'003) - (int64_t{1} << 40));
    } else if constexpr (std::is_integral_v<T>) {
      value = static_cast<T>(static_cast<uint64_t>(counter_) * 0x0102030405060708ULL);
    } else if constexpr (std::is_same_v<T, std::string>) {
      value = "v" + std::to_string(counter_) + "-信用";
    } else if constexpr (std::is_same_v<T, Currency>) {
      value = Currency::FromIndex(static_cast<uint8_t>(1 + counter_ % 15));
    } else if constexpr (std::is_same_v<T, Date>) {
      value = Date{20000 + counter_};
    } else if constexpr (std::is_same_v<T, Money>) {
      value = Money{int64_t{counter_} * 100 + 7, Currency::FromIndex(counter_ % 16)};
    } else if constexpr (std::is_same_v<T, Reasons>) {
      value = Reasons();
      value.Add(Reason{ReasonCode::kCreditLimitExceeded, RuleAction::kHold});
      value.Add(Reason{ReasonCode::kGroupLimitExceeded, RuleAction::kReject});
      value.Add(Reason{ReasonCode::kUtilizationWarning, RuleAction::kWarn});
    } else if constexpr (IsOptional<T>::value) {
      value.emplace();
      Fill(*value);
    } else if constexpr (IsVector<T>::value) {
      value.clear();
      Fill(value.emplace_back());
      Fill(value.emplace_back());
    } else {
      value.Fields([&](const char*, auto& field) { Fill(field); });
    }
  }

 private:
  int counter_ = 0;
};

// Counts and changes the leaves of a value, for "every field matters" tests. An optional is a
// leaf (its presence) plus its contents; a vector likewise (its length) plus its items.
class Mutator {
 public:
  explicit Mutator(size_t target) : target_(target) {}

  template <class T>
  void Visit(T& value) {
    if constexpr (std::is_same_v<T, Money>) {
      if (Hit()) ++value.minor;
      if (Hit()) value.currency = Currency::FromIndex((value.currency.index() + 1) % 16);
    } else if constexpr (IsOptional<T>::value) {
      if (Hit()) {
        if (value) {
          value.reset();
        } else {
          value.emplace();
        }
        return;
      }
      if (value) Visit(*value);
    } else if constexpr (IsVector<T>::value) {
      if (Hit()) {
        value.emplace_back();
        return;
      }
      for (auto& item : value) Visit(item);
    } else if constexpr (std::is_class_v<T> && !std::is_same_v<T, std::string> &&
                         !std::is_same_v<T, Currency> && !std::is_same_v<T, Date> &&
                         !std::is_same_v<T, Reasons>) {
      value.Fields([&](const char*, auto& field) { Visit(field); });
    } else if (Hit()) {
      Change(value);
    }
  }

  size_t leaves() const { return seen_; }
  bool changed() const { return changed_; }

 private:
  bool Hit() {
    bool hit = seen_++ == target_;
    changed_ = changed_ || hit;
    return hit;
  }

  template <class T>
  static void Change(T& value) {
    if constexpr (std::is_same_v<T, bool>) {
      value = !value;
    } else if constexpr (kIsEnum<T>) {
      value = static_cast<T>((static_cast<int>(value) + 1) % EnumLimit(T{}));
    } else if constexpr (std::is_integral_v<T>) {
      value = static_cast<T>(value + 1);
    } else if constexpr (std::is_same_v<T, std::string>) {
      value += "x";
    } else if constexpr (std::is_same_v<T, Currency>) {
      value = Currency::FromIndex(value.valid() ? (value.index() + 1) % 16 : 0);
    } else if constexpr (std::is_same_v<T, Date>) {
      ++value.days;
    } else if constexpr (std::is_same_v<T, Reasons>) {
      value.Add(Reason{ReasonCode::kDayQuota, RuleAction::kWarn});
    }
  }

  size_t target_;
  size_t seen_ = 0;
  bool changed_ = false;
};

template <class T>
T Populated() {
  T value{};
  Populator().Fill(value);
  return value;
}

template <class T>
size_t LeafCount(T value) {
  Mutator counter(SIZE_MAX);
  counter.Visit(value);
  return counter.leaves();
}

Event EnvelopeWith(EventBody body) {
  Event event;
  event.seq = 42;
  event.time = 1'773'131'415'926;
  event.today = Date{20522};
  event.actor = "credit.manager@example.com";
  event.idempotency_key = "erp:order:SO-1001";
  event.fingerprint = 0xFEDCBA9876543210ULL;
  event.body = std::move(body);
  return event;
}

template <size_t I = 0>
void ForEachEventBody(const std::function<void(const EventBody&)>& check) {
  if constexpr (I < std::variant_size_v<EventBody>) {
    check(EventBody(std::in_place_index<I>, Populated<std::variant_alternative_t<I, EventBody>>()));
    ForEachEventBody<I + 1>(check);
  }
}

template <size_t I = 0>
void ForEachCommand(const std::function<void(size_t, const Command&)>& check) {
  if constexpr (I < std::variant_size_v<Command>) {
    check(I, Command(std::in_place_index<I>, Populated<std::variant_alternative_t<I, Command>>()));
    ForEachCommand<I + 1>(check);
  }
}

void ExpectCorrupt(std::string_view bytes, const std::string& what) {
  Result<Event> decoded = DecodeEvent(bytes);
  ASSERT_FALSE(decoded.ok()) << what << " was accepted";
  EXPECT_EQ(decoded.error().code, ErrorCode::kCorruptRecord) << what;
}

// Offset of the event body's variant index in an encoding of EnvelopeWith(...).
size_t BodyIndexOffset(const Event& event) {
  return 1 + 8 + 8 + 4 + (4 + event.actor.size()) + (4 + event.idempotency_key.size()) + 8;
}

// The offset of the only byte in which two encodings of the same length differ.
size_t OnlyDifference(const std::string& a, const std::string& b) {
  EXPECT_EQ(a.size(), b.size());
  size_t found = SIZE_MAX;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i] == b[i]) continue;
    EXPECT_EQ(found, SIZE_MAX) << "more than one byte differs";
    found = i;
  }
  EXPECT_NE(found, SIZE_MAX);
  return found;
}

void WriteU32(std::string& bytes, size_t offset, uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<char>(value >> (8 * i));
}

Decision SampleDecision() {
  Decision d;
  d.outcome = Outcome::kHeld;
  d.reasons.Add(Reason{ReasonCode::kReviewExpired, RuleAction::kWarn});
  d.reasons.Add(Reason{ReasonCode::kCreditLimitExceeded, RuleAction::kHold});
  d.currency = Currency::Of("CNY");
  d.amount_minor = 50'000'00;
  d.limit_minor = 100'000'00;
  d.effective_limit_minor = 120'000'00;
  d.orders_open_minor = 40'000'00;
  d.receivables_open_minor = 45'000'00;
  d.unapplied_credit_minor = 1'000'00;
  d.exposure_before_minor = 84'000'00;
  d.available_before_minor = 36'000'00;
  d.available_after_minor = -14'000'00;
  d.utilization_after_bp = 11'166;
  d.overdue_minor = 3'000'00;
  d.days_past_due = 12;
  d.in_group = true;
  d.group_limit_minor = 500'000'00;
  d.group_exposure_before_minor = 300'000'00;
  d.group_available_after_minor = 150'000'00;
  return d;
}

Event SampleOrderDecided() {
  ReserveOrder order{"SO-1001", AccountRef{"C001", "EU"}, Money{50'000'00, Currency::Of("CNY")},
                     1'773'200'000'000};
  return EnvelopeWith(OrderDecided{order, 50'000'00, SampleDecision()});
}

Event SamplePayment() {
  RecordPayment payment{"PAY-1", AccountRef{"C001", ""}, "", Money{700, Currency::Of("USD")},
                        Date{20522}};
  return EnvelopeWith(
      PaymentRecorded{payment, 4986, {Allocation{"INV-1", 3000}, Allocation{"INV-2", 1986}}, 0});
}

TEST(CodecTest, EveryEventBodyRoundTrips) {
  size_t count = 0;
  ForEachEventBody([&](const EventBody& body) {
    SCOPED_TRACE(std::string(EventName(body)));
    Event event = EnvelopeWith(body);
    std::string bytes = EncodeEvent(event);
    Result<Event> decoded = DecodeEvent(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded->body.index(), body.index());
    EXPECT_TRUE(*decoded == event);
    EXPECT_EQ(EncodeEvent(*decoded), bytes);
    ++count;
  });
  EXPECT_EQ(count, std::variant_size_v<EventBody>);
}

TEST(CodecTest, PopulatedValuesHaveEveryOptionalAndVectorFilled) {
  // Guards the generic round trip above: it must not test empty defaults.
  UpdateCustomer update = Populated<UpdateCustomer>();
  ASSERT_TRUE(update.name && update.tags);
  EXPECT_EQ(update.tags->size(), 2u);
  WriteOff write_off = Populated<WriteOff>();
  ASSERT_TRUE(write_off.amount.has_value());
  EXPECT_TRUE(write_off.amount->currency.valid());
  SetPolicy policy = Populated<SetPolicy>();
  EXPECT_TRUE(policy.policy.max_order_value && policy.policy.month_quota);
  OrderDecided decided = Populated<OrderDecided>();
  EXPECT_EQ(decided.decision.reasons.size(), 3u);
  EXPECT_NE(decided.decision.outcome, Outcome::kApproved);
}

TEST(CodecTest, HandWrittenEventsRoundTrip) {
  for (const Event& event : {SampleOrderDecided(), SamplePayment(),
                             EnvelopeWith(ReservationsExpired{{"SO-1", "SO-2", "SO-3"}}),
                             EnvelopeWith(WrittenOff{WriteOff{"WO-1", "INV-1", std::nullopt, ""},
                                                     AccountRef{"C001", ""}, 12345})}) {
    SCOPED_TRACE(std::string(EventName(event.body)));
    Result<Event> decoded = DecodeEvent(EncodeEvent(event));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_TRUE(*decoded == event);
  }
  Result<Event> decoded = DecodeEvent(EncodeEvent(SampleOrderDecided()));
  ASSERT_TRUE(decoded.ok());
  const Decision& decision = std::get<OrderDecided>(decoded->body).decision;
  ASSERT_EQ(decision.reasons.size(), 2u);
  EXPECT_EQ(decision.reasons[1].code, ReasonCode::kCreditLimitExceeded);
  EXPECT_EQ(decision.reasons[1].action, RuleAction::kHold);
  EXPECT_EQ(decision.available_after_minor, -14'000'00);
  EXPECT_EQ(decision.currency, Currency::Of("CNY"));
}

TEST(CodecTest, AnInvalidCurrencyRoundTripsAsInvalid) {
  // A Decision for an empty check carries no currency; it must survive the journal.
  Event event = EnvelopeWith(OrderDecided{});
  Result<Event> decoded = DecodeEvent(EncodeEvent(event));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_FALSE(std::get<OrderDecided>(decoded->body).decision.currency.valid());
  EXPECT_TRUE(*decoded == event);
}

TEST(CodecTest, TruncationAtEveryOffsetIsRefused) {
  size_t prefixes = 0;
  ForEachEventBody([&](const EventBody& body) {
    SCOPED_TRACE(std::string(EventName(body)));
    std::string bytes = EncodeEvent(EnvelopeWith(body));
    for (size_t length = 0; length < bytes.size(); ++length) {
      ExpectCorrupt(std::string_view(bytes).substr(0, length),
                    "a prefix of " + std::to_string(length) + " bytes");
      ++prefixes;
    }
  });
  EXPECT_GT(prefixes, 1000u);
}

TEST(CodecTest, TrailingBytesAreRefused) {
  std::string bytes = EncodeEvent(SampleOrderDecided());
  ExpectCorrupt(bytes + '\0', "one trailing zero byte");
  ExpectCorrupt(bytes + bytes, "two records back to back");
}

TEST(CodecTest, WrongCodecVersionIsRefused) {
  std::string bytes = EncodeEvent(SampleOrderDecided());
  ASSERT_EQ(static_cast<uint8_t>(bytes[0]), kEventCodecVersion);
  for (int version : {0, kEventCodecVersion + 1, 0xFF}) {
    std::string changed = bytes;
    changed[0] = static_cast<char>(version);
    ExpectCorrupt(changed, "version " + std::to_string(version));
  }
  ExpectCorrupt("", "an empty record");
}

TEST(CodecTest, BadVariantIndexIsRefused) {
  Event event = SampleOrderDecided();
  std::string bytes = EncodeEvent(event);
  size_t offset = BodyIndexOffset(event);
  ASSERT_EQ(static_cast<uint8_t>(bytes[offset]), event.body.index());
  for (uint16_t index :
       {uint16_t{std::variant_size_v<EventBody>}, uint16_t{0x0100}, uint16_t{0xFFFF}}) {
    std::string changed = bytes;
    changed[offset] = static_cast<char>(index & 0xFF);
    changed[offset + 1] = static_cast<char>(index >> 8);
    ExpectCorrupt(changed, "variant index " + std::to_string(index));
  }
  // A valid index for another alternative misreads the rest: refused, never a crash.
  for (uint16_t index = 0; index < std::variant_size_v<EventBody>; ++index) {
    if (index == event.body.index()) continue;
    std::string changed = bytes;
    changed[offset] = static_cast<char>(index);
    Result<Event> decoded = DecodeEvent(changed);
    if (decoded.ok()) {
      EXPECT_EQ(EncodeEvent(*decoded), changed) << "index " << index;
    }
  }
}

TEST(CodecTest, BadEnumBytesAreRefused) {
  // Find each enum's byte by encoding two values that differ only there.
  auto status_event = [](AccountStatus status) {
    return EncodeEvent(EnvelopeWith(SetStatus{AccountRef{"C001", ""}, status, "late"}));
  };
  std::string active = status_event(AccountStatus::kActive);
  size_t offset = OnlyDifference(active, status_event(AccountStatus::kBlocked));
  for (int value : {int{EnumLimit(AccountStatus{})}, 0x7F, 0xFF}) {
    std::string changed = active;
    changed[offset] = static_cast<char>(value);
    ExpectCorrupt(changed, "account status " + std::to_string(value));
  }

  auto decided = [](Outcome outcome, ReasonCode code, RuleAction action) {
    Event event = SampleOrderDecided();
    Decision& decision = std::get<OrderDecided>(event.body).decision;
    decision.outcome = outcome;
    decision.reasons = Reasons();
    decision.reasons.Add(Reason{code, action});
    return EncodeEvent(event);
  };
  std::string base = decided(Outcome::kHeld, ReasonCode::kDayQuota, RuleAction::kHold);
  struct Case {
    std::string other;
    uint8_t limit;
    const char* what;
  } cases[] = {
      {decided(Outcome::kRejected, ReasonCode::kDayQuota, RuleAction::kHold), EnumLimit(Outcome{}),
       "outcome"},
      {decided(Outcome::kHeld, ReasonCode::kMonthQuota, RuleAction::kHold), EnumLimit(ReasonCode{}),
       "reason code"},
      {decided(Outcome::kHeld, ReasonCode::kDayQuota, RuleAction::kWarn), EnumLimit(RuleAction{}),
       "rule action"},
  };
  for (const Case& c : cases) {
    size_t at = OnlyDifference(base, c.other);
    std::string changed = base;
    changed[at] = static_cast<char>(c.limit);
    ExpectCorrupt(changed, std::string(c.what) + " at its limit");
    changed[at] = static_cast<char>(c.limit - 1);
    EXPECT_TRUE(DecodeEvent(changed).ok()) << c.what << " at its largest valid value";
  }
}

TEST(CodecTest, BadBoolOptionalAndCurrencyBytesAreRefused) {
  auto invoice = [](bool close_order, Date due_on, Currency currency) {
    CreateInvoice c{
        "INV-1",    AccountRef{"C001", ""}, "SO-1", Money{100, currency}, Date{20500}, due_on,
        close_order};
    return EncodeEvent(EnvelopeWith(InvoiceCreated{c, 100, Date{20530}, 100, 0, 0}));
  };
  std::string base = invoice(false, Date{20530}, Currency::Of("CNY"));
  size_t bool_at = OnlyDifference(base, invoice(true, Date{20530}, Currency::Of("CNY")));
  std::string changed = base;
  changed[bool_at] = 2;
  ExpectCorrupt(changed, "bool byte 2");

  size_t currency_at = OnlyDifference(base, invoice(false, Date{20530}, Currency::Of("USD")));
  for (int index : {16, 0x80, 0xFE}) {
    changed = base;
    changed[currency_at] = static_cast<char>(index);
    ExpectCorrupt(changed, "currency index " + std::to_string(index));
  }

  auto write_off = [](std::optional<Money> amount) {
    return EncodeEvent(
        EnvelopeWith(WrittenOff{WriteOff{"WO-1", "INV-1", amount, ""}, AccountRef{"C001", ""}, 5}));
  };
  std::string absent = write_off(std::nullopt);
  std::string present = write_off(Money{5, Currency::Of("CNY")});
  // The presence byte is the first difference; 2 is neither absent nor present.
  size_t presence_at = 0;
  while (absent[presence_at] == present[presence_at]) ++presence_at;
  changed = absent;
  changed[presence_at] = 2;
  ExpectCorrupt(changed, "presence byte 2");
  changed[presence_at] = 1;  // Claims a Money that is not there.
  ExpectCorrupt(changed, "presence without a value");
}

TEST(CodecTest, OversizedLengthsAreRefusedWithoutAllocating) {
  Event event = SampleOrderDecided();
  std::string bytes = EncodeEvent(event);
  const size_t actor_length_at = 1 + 8 + 8 + 4;
  for (uint32_t length : {kCodecStringBytesMax + 1, uint32_t{0x7FFFFFFF}, uint32_t{0xFFFFFFFF}}) {
    std::string changed = bytes;
    WriteU32(changed, actor_length_at, length);
    ExpectCorrupt(changed, "string length " + std::to_string(length));
  }
  // Within the bound but past the end of the record.
  std::string changed = bytes;
  WriteU32(changed, actor_length_at, static_cast<uint32_t>(bytes.size()));
  ExpectCorrupt(changed, "string length past the end");

  Event expired = EnvelopeWith(ReservationsExpired{{"SO-1"}});
  std::string list = EncodeEvent(expired);
  const size_t count_at = BodyIndexOffset(expired) + 2;
  for (uint32_t count :
       {kCodecVectorItemsMax + 1, uint32_t{0xFFFFFFFF}, uint32_t{2}, uint32_t{1000}}) {
    changed = list;
    WriteU32(changed, count_at, count);
    ExpectCorrupt(changed, "vector count " + std::to_string(count));
  }

  // Reasons hold at most kCapacity items.
  Event decided = SampleOrderDecided();
  std::string with_reasons = EncodeEvent(decided);
  std::get<OrderDecided>(decided.body)
      .decision.reasons.Add(Reason{ReasonCode::kDayQuota, RuleAction::kHold});
  std::string with_more = EncodeEvent(decided);
  size_t reasons_at = 0;
  while (with_reasons[reasons_at] == with_more[reasons_at]) ++reasons_at;
  changed = with_reasons;
  changed[reasons_at] = static_cast<char>(Reasons::kCapacity + 1);
  ExpectCorrupt(changed, "reason count 14");
}

TEST(CodecTest, RandomCorruptionNeverCrashes) {
  std::mt19937_64 random(20260310);
  std::vector<std::string> records;
  ForEachEventBody(
      [&](const EventBody& body) { records.push_back(EncodeEvent(EnvelopeWith(body))); });
  size_t refused = 0, accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = records[random() % records.size()];
    int flips = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < flips; ++i) bytes[random() % bytes.size()] = static_cast<char>(random());
    Result<Event> decoded = DecodeEvent(bytes);
    if (decoded.ok()) {
      ++accepted;
      // Whatever is accepted is canonical: it encodes back to the same bytes.
      EXPECT_EQ(EncodeEvent(*decoded), bytes);
    } else {
      ++refused;
      EXPECT_EQ(decoded.error().code, ErrorCode::kCorruptRecord);
    }
  }
  EXPECT_GT(refused, 0u);
  EXPECT_GT(accepted, 0u);
}

TEST(FingerprintTest, EqualCommandsHaveEqualFingerprints) {
  ForEachCommand([](size_t, const Command& command) {
    Command copy = command;
    EXPECT_EQ(Fingerprint(copy), Fingerprint(command)) << CommandName(command);
  });
}

TEST(FingerprintTest, EveryFieldChangesTheFingerprint) {
  size_t mutations = 0;
  ForEachCommand([&](size_t, const Command& command) {
    SCOPED_TRACE(std::string(CommandName(command)));
    std::visit(
        [&](const auto& original) {
          size_t leaves = LeafCount(original);
          for (size_t target = 0; target < leaves; ++target) {
            auto changed = original;
            Mutator mutator(target);
            mutator.Visit(changed);
            ASSERT_TRUE(mutator.changed());
            ASSERT_FALSE(changed == original) << "leaf " << target;
            EXPECT_NE(Fingerprint(Command(changed)), Fingerprint(command)) << "leaf " << target;
            ++mutations;
          }
        },
        command);
  });
  EXPECT_GT(mutations, 100u);
}

TEST(FingerprintTest, CommandTypesWithTheSameContentDiffer) {
  std::vector<uint64_t> fingerprints;
  ForEachCommand([&](size_t, const Command& command) {
    std::visit(
        [&](const auto& alternative) {
          using T = std::decay_t<decltype(alternative)>;
          fingerprints.push_back(Fingerprint(Command(T{})));
        },
        command);
  });
  std::sort(fingerprints.begin(), fingerprints.end());
  EXPECT_EQ(std::adjacent_find(fingerprints.begin(), fingerprints.end()), fingerprints.end());
  EXPECT_EQ(fingerprints.size(), std::variant_size_v<Command>);
  // ReleaseHold and RejectHold have the same fields; the type tells them apart.
  EXPECT_NE(Fingerprint(ReleaseHold{"SO-1", "ok"}), Fingerprint(RejectHold{"SO-1", "ok"}));
}

TEST(FingerprintTest, StringBoundariesAreNotAmbiguous) {
  EXPECT_NE(Fingerprint(CancelOrder{"ab", "c"}), Fingerprint(CancelOrder{"a", "bc"}));
  EXPECT_NE(Fingerprint(CancelOrder{"", "abc"}), Fingerprint(CancelOrder{"abc", ""}));
  CreateCustomer one{"C1", "n", "", "", {"a", "b"}};
  CreateCustomer two{"C1", "n", "", "", {"ab"}};
  EXPECT_NE(Fingerprint(one), Fingerprint(two));
  UpdateCustomer absent{"C1", std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  UpdateCustomer empty{"C1", std::string(), std::nullopt, std::nullopt, std::nullopt};
  EXPECT_NE(Fingerprint(absent), Fingerprint(empty));
}

TEST(FingerprintTest, TheEnvelopeIsNotPartOfTheFingerprint) {
  // Retries carry a new time and maybe another actor; the command is what is compared.
  Command command = ReserveOrder{"SO-1", AccountRef{"C1", ""}, Money{100, Currency::Of("CNY")}, 0};
  Command same = ReserveOrder{"SO-1", AccountRef{"C1", ""}, Money{100, Currency::Of("CNY")}, 0};
  EXPECT_EQ(Fingerprint(command), Fingerprint(same));
  EXPECT_EQ(HashOf(std::string("abc")), HashOf(std::string("abc")));
  EXPECT_NE(HashOf(std::string("abc")), HashOf(std::string("abd")));
}

TEST(FingerprintTest, DigestsNeverChange) {
  // Fingerprints are journaled and compared with retries that may reach a later version, so
  // the digest of given bytes is fixed forever: short writes, a write across blocks, a command.
  std::string long_text(200, ' ');
  for (size_t i = 0; i < long_text.size(); ++i) long_text[i] = static_cast<char>(i * 7);
  EXPECT_EQ(HashOf(std::string("ab")), 0xe6d7a3e89ad9f24fULL);
  EXPECT_EQ(HashOf(long_text), 0xd9492d8f6fce4212ULL);
  Command command = ReserveOrder{"SO-1", AccountRef{"C1", ""}, Money{100, Currency::Of("CNY")}, 0};
  EXPECT_EQ(Fingerprint(command), 0x918cf1124847e098ULL);
}

// The varint form (UsesVarints): what the idempotency log keeps in memory.
template <class T>
T VarintRoundTrip(const T& value, size_t* bytes = nullptr) {
  VarintSink sink;
  Write(sink, value);
  if (bytes != nullptr) *bytes = sink.bytes().size();
  VarintReader reader(sink.bytes());
  T decoded{};
  Read(reader, decoded);
  EXPECT_FALSE(reader.failed());
  EXPECT_TRUE(reader.at_end());
  return decoded;
}

TEST(VarintCodecTest, IntegersRoundTripAtTheirExtremes) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{63}, int64_t{-64}, int64_t{64},
                    int64_t{-65}, INT64_MAX, INT64_MIN, int64_t{123'456'789}}) {
    EXPECT_EQ(VarintRoundTrip(v), v);
  }
  for (uint64_t v : {uint64_t{0}, uint64_t{127}, uint64_t{128}, UINT64_MAX}) {
    EXPECT_EQ(VarintRoundTrip(v), v);
  }
  for (int32_t v : {INT32_MIN, INT32_MAX, -2, 2}) EXPECT_EQ(VarintRoundTrip(v), v);
  for (uint8_t v : {uint8_t{0}, uint8_t{127}, uint8_t{128}, uint8_t{255}}) {
    EXPECT_EQ(VarintRoundTrip(v), v);
  }
  for (int8_t v : {int8_t{-128}, int8_t{127}, int8_t{0}}) EXPECT_EQ(VarintRoundTrip(v), v);
  // Small magnitudes are short, whatever the sign; the widest take ceil(bits / 7) bytes.
  size_t bytes = 0;
  VarintRoundTrip(int64_t{-64}, &bytes);
  EXPECT_EQ(bytes, 1u);
  VarintRoundTrip(int64_t{64}, &bytes);
  EXPECT_EQ(bytes, 2u);
  VarintRoundTrip(INT64_MIN, &bytes);
  EXPECT_EQ(bytes, 10u);
  VarintRoundTrip(UINT32_MAX, &bytes);
  EXPECT_EQ(bytes, 5u);
}

TEST(VarintCodecTest, EveryEventBodyRoundTripsAndIsShorter) {
  size_t count = 0;
  ForEachEventBody([&](const EventBody& body) {
    SCOPED_TRACE(std::string(EventName(body)));
    Event event = EnvelopeWith(body);
    size_t bytes = 0;
    Event decoded = VarintRoundTrip(event, &bytes);
    EXPECT_TRUE(decoded == event);
    StringSink fixed;
    Write(fixed, event);
    EXPECT_LT(bytes, fixed.bytes().size());
    ++count;
  });
  EXPECT_EQ(count, std::variant_size_v<EventBody>);
}

TEST(VarintCodecTest, TheSinkGrowsAndKeepsEveryByte) {
  // Written far past the first allocation, in a mix of integers and strings, and compared with
  // a plain byte-by-byte LEB128 encoding; clear() starts over with the same results.
  auto leb128 = [](uint64_t bits, std::string* out) {
    for (; bits >= 0x80; bits >>= 7) out->push_back(static_cast<char>(bits | 0x80));
    out->push_back(static_cast<char>(bits));
  };
  VarintSink sink;
  for (int round = 0; round < 2; ++round) {
    sink.clear();
    std::string expected;
    for (uint64_t i = 0; i < 5000; ++i) {
      uint64_t value = i * 0x9e3779b97f4a7c15ULL >> (i % 64);
      Write(sink, value);
      leb128(value, &expected);
      std::string text(i % 300, static_cast<char>('a' + i % 26));
      Write(sink, text);
      leb128(text.size(), &expected);
      expected += text;
    }
    Write(sink, std::string());
    expected.push_back('\0');
    EXPECT_EQ(sink.bytes(), expected);
  }
}

TEST(VarintCodecTest, MalformedVarintsAreRefused) {
  auto refused = [](std::string bytes, auto value) {
    VarintReader reader(bytes);
    Read(reader, value);
    return reader.failed();
  };
  // Eleven bytes for 64 bits, bits beyond the type, a truncated varint, a bad bool and enum.
  EXPECT_TRUE(refused(std::string(10, '\xFF') + '\x01', uint64_t{}));
  EXPECT_TRUE(refused("\xFF\xFF\x7F", uint8_t{}));
  EXPECT_TRUE(refused("\x80\x02", uint8_t{}));
  EXPECT_FALSE(refused("\x80\x01", uint8_t{}));
  EXPECT_TRUE(refused("\x80", uint32_t{}));
  EXPECT_TRUE(refused("", int64_t{}));
  EXPECT_TRUE(refused("\x02", bool{}));
  EXPECT_TRUE(refused("\x04", Outcome{}));
  // A string length past the input.
  EXPECT_TRUE(
      refused("\x05"
              "ab",
              std::string()));
}

TEST(VarintCodecTest, TheFixedFormIsUnchanged) {
  // Journals, snapshots, fingerprints and state hashes keep the fixed-width form.
  StringSink sink;
  Write(sink, int64_t{-2});
  Write(sink, std::string("ab"));
  EXPECT_EQ(sink.bytes(), std::string("\xFE\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x02\0\0\0ab", 14));
  EXPECT_EQ(HashOf(std::string("ab")), HashOf(std::string_view("ab")));
}

}  // namespace
}  // namespace creditline
