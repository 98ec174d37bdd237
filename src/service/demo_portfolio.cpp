#include "service/demo_portfolio.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "core/state.hpp"

namespace creditline::service {
namespace {

// SplitMix64: the standard library's distributions differ between implementations, and the
// demo must be the same everywhere.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int Between(int low, int high) {  // Inclusive.
    return low + static_cast<int>(Next() % static_cast<uint64_t>(high - low + 1));
  }
  bool Chance(int percent) { return Between(1, 100) <= percent; }
  template <class T, size_t N>
  const T& Pick(const std::array<T, N>& items) {
    return items[Next() % N];
  }

 private:
  uint64_t state_;
};

constexpr std::array<const char*, 24> kNamePrefixes = {
    "Jinhai", "Lotus",     "Huaxin",     "Mingde",    "Everbright", "Dongfang",
    "Tianyu", "Hengtai",   "Changjiang", "Zhongxing", "Baoli",      "Ruifeng",
    "Xinghe", "Yongsheng", "Kaida",      "Haitong",   "Shengda",    "Longwei",
    "Fuxing", "Guanghua",  "Anping",     "Jiahe",     "Weiming",    "Sanyuan"};

struct Industry {
  const char* code;
  const char* noun;
};
constexpr std::array<Industry, 10> kIndustries = {{{"metals", "Steel Trading"},
                                                   {"electronics", "Electronics"},
                                                   {"logistics", "Logistics"},
                                                   {"textiles", "Textiles"},
                                                   {"chemicals", "Chemical"},
                                                   {"machinery", "Machinery"},
                                                   {"food", "Foods"},
                                                   {"construction", "Construction"},
                                                   {"pharma", "Pharmaceutical"},
                                                   {"retail", "Retail"}}};
constexpr std::array<const char*, 6> kRegions = {"East China",    "North China", "South China",
                                                 "Central China", "West China",  "Northeast"};
constexpr std::array<const char*, 14> kCities = {
    "Shanghai", "Ningbo", "Suzhou",   "Shenzhen", "Tianjin",  "Wuhan", "Chengdu",
    "Qingdao",  "Xiamen", "Hangzhou", "Dalian",   "Changsha", "Hefei", "Nanjing"};
constexpr std::array<const char*, 4> kSuffixes = {"Co., Ltd.", "Group", "Industrial Co.",
                                                  "Holdings"};

struct Grade {
  const char* name;
  int share_percent;                  // Of the portfolio.
  int limit_low_k, limit_high_k;      // Limit range, thousands of CNY.
  int on_time_percent;                // Invoices paid by the due date.
  int late_days_low, late_days_high;  // How late the others pay.
  int never_pays_percent;             // Invoices left unpaid (the bad debts of the demo).
};
constexpr std::array<Grade, 5> kGrades = {{{"A", 18, 800, 5'000, 96, 1, 10, 0},
                                           {"B", 34, 300, 2'000, 88, 3, 25, 0},
                                           {"C", 28, 100, 900, 70, 10, 45, 2},
                                           {"D", 14, 50, 300, 50, 20, 80, 8},
                                           {"E", 6, 20, 150, 35, 30, 120, 15}}};

struct DemoCustomer {
  std::string id;
  const Grade* grade = nullptr;
  Currency currency;
  int64_t limit_minor = 0;
  int orders_per_month = 0;
};

// What happens on a later day.
struct Pending {
  enum Kind { kInvoice, kPayment, kHoldDecision, kLimitDecision } kind;
  std::string id;  // Order (invoice, hold decision), invoice (payment) or limit request.
  std::string customer_id;
  Money amount;
};

// Credit managers review the portfolio about once a month.
constexpr int32_t kReviewEveryDays = 30;
// They acknowledge alerts once a week; those of the last week stay open for the console.
constexpr int32_t kAcknowledgeAfterDays = 7;
// Sales ask for limit changes in the last days of the history; these wait for a credit manager.
constexpr int32_t kOpenRequestDays = 5;
// Customers drawn per limit request until one is active and has none pending.
constexpr int kLimitRequestPicksMax = 20;
// The default assessment policy's tier for credit managers (docs/assessment.md).
constexpr int64_t kManagerApprovesUpToMinor = 500'000'000;
// Limit requests: one every few working days over the year, decided a day or two later.
constexpr int kLimitRequestPercentPerDay = 30;

class Generator {
 public:
  Generator(Date today, uint64_t seed)
      : today_(today), random_(seed), last_review_{today.days - kDemoHistoryDays} {}

  Result<DemoPortfolio> Run() {
    Date first{today_.days - kDemoHistoryDays};
    StartDay(first);
    CL_RETURN_IF_ERROR(SetUp());
    for (Date day = first; day < today_; day = Date{day.days + 1}) {
      // The first day goes on from the set-up, so that event times never run backwards.
      if (day.days != first.days) StartDay(day);
      // The server's first tick of each business day: time-based alerts and the day's trend
      // point, so the portfolio trend covers the whole year of history.
      CL_RETURN_IF_ERROR(Execute("system:monitor", RunMonitor{}));
      CL_RETURN_IF_ERROR(RunDay(day));
    }
    portfolio_.open_holds = static_cast<int>(state_.Holds(10'000).size());
    portfolio_.events = std::move(events_);
    return std::move(portfolio_);
  }

 private:
  void StartDay(Date day) {
    env_.today = day;
    env_.time = int64_t{day.days} * kMsPerDay + 8 * 3'600'000;  // 08:00 UTC.
  }

  Result<CommandResult> Execute(const char* actor, const Command& command) {
    env_.idempotency_key = "seed-" + std::to_string(++keys_);
    env_.actor = actor;
    env_.time += random_.Between(1'000, 120'000);  // Commands spread over the working day.
    return state_.Execute(env_, command, &events_);
  }

  Status SetUp() {
    Policy standard;
    standard.tolerance_bp = 500;
    standard.max_days_past_due = 45;
    CL_RETURN_IF_ERROR(Execute("user:admin", SetPolicy{standard}));
    Policy strict;
    strict.name = "strict";
    strict.warning_bp = 7'000;
    strict.max_days_past_due = 15;
    strict.max_order_value = Money{20'000'000, Currency::Of("CNY")};
    CL_RETURN_IF_ERROR(Execute("user:admin", SetPolicy{strict}));
    Policy key_accounts;
    key_accounts.name = "key_accounts";
    key_accounts.tolerance_bp = 1'000;
    key_accounts.max_days_past_due = 60;
    CL_RETURN_IF_ERROR(Execute("user:admin", SetPolicy{key_accounts}));
    CL_RETURN_IF_ERROR(Execute("user:admin", SetFxRate{Currency::Of("USD"), Currency::Of("CNY"),
                                                       *ParseFxRate("7.12"), env_.today}));
    CL_RETURN_IF_ERROR(Execute("user:admin", SetFxRate{Currency::Of("EUR"), Currency::Of("CNY"),
                                                       *ParseFxRate("7.74"), env_.today}));
    for (int i = 0; i < kDemoCustomers; ++i) CL_RETURN_IF_ERROR(AddCustomer(i));
    return AddGroups();
  }

  const Grade& PickGrade() {
    int roll = random_.Between(1, 100);
    for (const Grade& grade : kGrades) {
      if (roll <= grade.share_percent) return grade;
      roll -= grade.share_percent;
    }
    return kGrades.back();
  }

  Status AddCustomer(int index) {
    DemoCustomer customer;
    customer.id = "C" + std::to_string(10'001 + index);
    customer.grade = &PickGrade();
    const Industry& industry = random_.Pick(kIndustries);
    // City and brand together are unique for the first 14 * 24 customers.
    std::string name = std::string(kCities[index % kCities.size()]) + " " +
                       kNamePrefixes[(index / kCities.size()) % kNamePrefixes.size()] + " " +
                       industry.noun + " " + random_.Pick(kSuffixes);
    // One account in ten trades in US dollars (exporters); the rest in yuan.
    customer.currency = Currency::Of(random_.Chance(10) ? "USD" : "CNY");
    int64_t limit_k = random_.Between(customer.grade->limit_low_k, customer.grade->limit_high_k);
    limit_k = limit_k / 10 * 10;
    if (customer.currency.code() == "USD") limit_k = limit_k / 7 / 10 * 10 + 10;
    customer.limit_minor = limit_k * 1'000 * 100;
    customer.orders_per_month = random_.Between(1, 6);
    OpenAccount open;
    open.account = AccountRef{customer.id, ""};
    open.currency = customer.currency;
    open.limit_minor = customer.limit_minor;
    open.payment_terms_days = random_.Pick(std::array<int32_t, 4>{30, 30, 45, 60});
    open.grade = customer.grade->name;
    open.policy = customer.grade->name[0] >= 'D'                         ? "strict"
                  : customer.grade->name[0] == 'A' && random_.Chance(40) ? "key_accounts"
                                                                         : "standard";
    open.review_on = Date{today_.days + random_.Between(-20, 300)};
    CreateCustomer create{customer.id, name, industry.code, random_.Pick(kRegions), {}, open};
    if (random_.Chance(20)) create.tags.push_back("strategic");
    if (random_.Chance(15)) create.tags.push_back("export");
    CL_RETURN_IF_ERROR(Execute("user:analyst", create));
    customers_.push_back(std::move(customer));
    ++portfolio_.customers;
    return Status::Ok();
  }

  Status AddGroups() {
    constexpr std::array<const char*, 8> kGroupNames = {
        "Huaxin Holdings", "Jinhai Group",  "Dongfang Industries", "Tianyu Capital",
        "Hengtai Group",   "Baoli Trading", "Xinghe Enterprises",  "Longwei Holdings"};
    size_t next = 0;
    for (size_t g = 0; g < kGroupNames.size(); ++g) {
      std::string group_id = "G-" + std::to_string(101 + g);
      std::vector<size_t> members;
      int64_t total = 0;
      for (int m = random_.Between(2, 4); m > 0 && next < customers_.size(); ++next) {
        if (customers_[next].currency.code() != "CNY") continue;
        members.push_back(next);
        total += customers_[next].limit_minor;
        --m;
      }
      // The group limit caps the members together below the sum of their own limits.
      int64_t limit = total * 7 / 10 / 1'000'000 * 1'000'000;
      CL_RETURN_IF_ERROR(
          Execute("user:credit_manager",
                  CreateGroup{group_id, kGroupNames[g], Money{limit, Currency::Of("CNY")}}));
      for (size_t member : members) {
        CL_RETURN_IF_ERROR(Execute("user:credit_manager",
                                   JoinGroup{AccountRef{customers_[member].id, ""}, group_id}));
      }
      next += static_cast<size_t>(random_.Between(5, 20));
    }
    return Status::Ok();
  }

  void Schedule(Date day, Pending pending) { pending_[day.days].push_back(std::move(pending)); }

  Status RunDay(Date day) {
    auto due = pending_.find(day.days);
    if (due != pending_.end()) {
      std::vector<Pending> work = std::move(due->second);
      pending_.erase(due);
      for (const Pending& item : work) CL_RETURN_IF_ERROR(Carry(day, item));
    }
    int weekday_index = (day.days + 3) % 7;  // 1970-01-01 was a Thursday (Monday is 0).
    if (weekday_index >= 5) return Status::Ok();
    if (weekday_index == 0) CL_RETURN_IF_ERROR(AcknowledgeAlerts(day));
    CL_RETURN_IF_ERROR(LimitRequests(day));
    if (day.days - last_review_.days >= kReviewEveryDays) {
      last_review_ = day;
      for (DemoCustomer& customer : customers_) CL_RETURN_IF_ERROR(Review(day, customer));
    }
    for (const DemoCustomer& customer : customers_) {
      // About orders_per_month orders over the ~21 working days of a month.
      if (random_.Between(1, 21) > customer.orders_per_month) continue;
      // Sales rarely push orders to a customer that is out of credit.
      CL_ASSIGN_OR_RETURN(AccountView view, state_.ViewAccount({customer.id, ""}, day));
      if (view.utilization_bp > 9'000 && !random_.Chance(25)) continue;
      CL_RETURN_IF_ERROR(PlaceOrder(day, customer));
    }
    return Status::Ok();
  }

  // The monthly credit review: late payers are put on hold or blocked and get lower limits;
  // customers who paid up are released; good payers near their limits get more credit.
  Status Review(Date day, DemoCustomer& customer) {
    CL_ASSIGN_OR_RETURN(AccountView view, state_.ViewAccount({customer.id, ""}, day));
    AccountStatus status = view.oldest_days_past_due > 120  ? AccountStatus::kBlocked
                           : view.oldest_days_past_due > 60 ? AccountStatus::kOnHold
                                                            : AccountStatus::kActive;
    if (status != view.status &&
        (status != AccountStatus::kActive || view.oldest_days_past_due <= 15)) {
      const char* reason = status == AccountStatus::kActive ? "overdue invoices settled"
                           : status == AccountStatus::kOnHold
                               ? "monthly review: invoices over 60 days past due"
                               : "monthly review: invoices over 120 days past due";
      CL_RETURN_IF_ERROR(
          Execute("user:credit_manager", SetStatus{{customer.id, ""}, status, reason}));
    }
    int64_t limit = 0;
    const char* reason = "";
    if (view.oldest_days_past_due > 45 && random_.Chance(50)) {
      limit = customer.limit_minor * 8 / 10;
      reason = "monthly review: late payments, limit reduced";
    } else if (view.oldest_days_past_due == 0 && view.utilization_bp > 8'000 &&
               random_.Chance(60)) {
      limit = customer.limit_minor * 12 / 10;
      reason = "monthly review: good payer near the limit, limit raised";
    }
    limit = limit / 1'000'000 * 1'000'000;
    if (limit > 0 && limit != customer.limit_minor) {
      CL_RETURN_IF_ERROR(
          Execute("user:credit_manager",
                  SetLimit{{customer.id, ""}, Money{limit, customer.currency}, reason}));
      customer.limit_minor = limit;
    }
    return Status::Ok();
  }

  // A credit manager acknowledges the alerts older than a week.
  Status AcknowledgeAlerts(Date day) {
    AlertFilter filter;
    filter.acknowledged = false;
    std::vector<uint64_t> old;
    for (const Alert& alert : state_.Alerts(filter, SIZE_MAX)) {
      if (alert.day.days > day.days - kAcknowledgeAfterDays) break;  // Alerts are in time order.
      old.push_back(alert.alert_id);
    }
    for (uint64_t alert_id : old) {
      CL_RETURN_IF_ERROR(Execute("user:manager", AcknowledgeAlert{alert_id}));
    }
    return Status::Ok();
  }

  // Sales ask for more credit for busy customers; a credit manager decides a day or two later,
  // except for the requests of the last days, which stay pending.
  Status LimitRequests(Date day) {
    bool recent = today_.days - day.days <= kOpenRequestDays;
    if (!recent && !random_.Chance(kLimitRequestPercentPerDay)) return Status::Ok();
    // An active customer without a request waiting (an account has one pending at most).
    const DemoCustomer* chosen = nullptr;
    for (int attempt = 0; attempt < kLimitRequestPicksMax && chosen == nullptr; ++attempt) {
      const DemoCustomer& candidate = customers_[random_.Next() % customers_.size()];
      CL_ASSIGN_OR_RETURN(AccountView view, state_.ViewAccount({candidate.id, ""}, day));
      LimitRequestFilter waiting{LimitRequestStatus::kPending, candidate.id};
      size_t next = 0;
      if (view.status == AccountStatus::kActive &&
          state_.ListLimitRequests(waiting, 0, 1, &next).empty()) {
        chosen = &candidate;
      }
    }
    if (chosen == nullptr) return Status::Ok();
    const DemoCustomer& customer = *chosen;
    std::string request_id = "LR-" + std::to_string(400'001 + limit_requests_++);
    bool temporary = random_.Chance(30);
    int64_t amount = temporary ? customer.limit_minor * random_.Between(10, 30) / 100
                               : customer.limit_minor * random_.Between(115, 150) / 100;
    amount = std::max<int64_t>(amount / 1'000'000 * 1'000'000, 1'000'000);
    RequestLimitChange request{request_id,
                               {customer.id, ""},
                               Money{amount, customer.currency},
                               temporary ? Date{day.days + random_.Between(30, 90)} : kNoDate,
                               temporary ? "seasonal peak: temporary increase for large orders"
                                         : "order volume growing; more headroom needed"};
    CL_RETURN_IF_ERROR(Execute("user:sales", request));
    if (!recent) {
      Schedule(Date{day.days + random_.Between(1, 2)},
               Pending{Pending::kLimitDecision, request_id, customer.id, request.amount});
    }
    return Status::Ok();
  }

  Status PlaceOrder(Date day, const DemoCustomer& customer) {
    std::string order_id = "SO-" + std::to_string(100'001 + portfolio_.orders++);
    int percent = random_.Between(3, 28);
    int64_t amount = customer.limit_minor * percent / 100 / 10'000 * 10'000 + 10'000;
    Money money{amount, customer.currency};
    CL_ASSIGN_OR_RETURN(CommandResult result,
                        Execute("user:sales", ReserveOrder{order_id, {customer.id, ""}, money}));
    Outcome outcome = result.decision ? result.decision->outcome : Outcome::kRejected;
    int days_left = today_.days - day.days;
    if (outcome == Outcome::kHeld) {
      // Holds of the last week stay in the queue for the demo's credit managers.
      if (days_left > 6) {
        Schedule(Date{day.days + random_.Between(1, 3)},
                 Pending{Pending::kHoldDecision, order_id, customer.id, money});
      }
    } else if (outcome != Outcome::kRejected) {
      // Most orders ship and are invoiced within two weeks; recent ones are still open.
      Schedule(Date{day.days + random_.Between(2, 14)},
               Pending{Pending::kInvoice, order_id, customer.id, money});
    }
    return Status::Ok();
  }

  Status Carry(Date day, const Pending& item) {
    if (item.kind == Pending::kLimitDecision) {
      // Amounts above the credit managers' approval tier go to an administrator.
      bool large = item.amount.minor > kManagerApprovesUpToMinor;
      bool approve = random_.Chance(70);
      DecideLimitRequest decide{
          item.id, approve,
          approve ? "payment record supports it" : "overdue balance; revisit next quarter",
          large ? "admin" : "credit_manager"};
      CL_RETURN_IF_ERROR(Execute(large ? "user:admin" : "user:manager", decide));
      return Status::Ok();
    }
    if (item.kind == Pending::kHoldDecision) {
      if (random_.Chance(60)) {
        CL_RETURN_IF_ERROR(Execute("user:credit_manager",
                                   ReleaseHold{item.id, "reviewed: payment history acceptable"}));
        Schedule(Date{day.days + random_.Between(2, 10)},
                 Pending{Pending::kInvoice, item.id, item.customer_id, item.amount});
      } else {
        CL_RETURN_IF_ERROR(
            Execute("user:credit_manager", RejectHold{item.id, "overdue balance too high"}));
      }
      return Status::Ok();
    }
    const DemoCustomer& customer = *FindCustomer(item.customer_id);
    if (item.kind == Pending::kInvoice) {
      std::string invoice_id = "INV-" + std::to_string(200'001 + portfolio_.invoices++);
      CL_ASSIGN_OR_RETURN(
          CommandResult invoiced,
          Execute(
              "system:erp",
              CreateInvoice{
                  invoice_id, {item.customer_id, ""}, item.id, item.amount, day, kNoDate, true}));
      const Grade& grade = *customer.grade;
      // Some invoices are only collected months late; a few are never paid.
      if (random_.Chance(grade.never_pays_percent)) {
        if (random_.Chance(70)) return Status::Ok();
        Schedule(Date{invoiced.due_on.days + random_.Between(90, 200)},
                 Pending{Pending::kPayment, invoice_id, item.customer_id, item.amount});
        return Status::Ok();
      }
      int delay = random_.Chance(grade.on_time_percent)
                      ? -random_.Between(0, 10)
                      : random_.Between(grade.late_days_low, grade.late_days_high);
      Schedule(Date{invoiced.due_on.days + delay},
               Pending{Pending::kPayment, invoice_id, item.customer_id, item.amount});
      return Status::Ok();
    }
    std::string payment_id = "PAY-" + std::to_string(300'001 + portfolio_.payments++);
    Result<CommandResult> paid =
        Execute("system:bank",
                RecordPayment{payment_id, {item.customer_id, ""}, item.id, item.amount, day});
    if (!paid.ok()) return paid.error();
    return Status::Ok();
  }

  const DemoCustomer* FindCustomer(const std::string& id) const {
    size_t index = static_cast<size_t>(std::stoi(id.substr(1)) - 10'001);
    return &customers_.at(index);
  }

  Date today_;
  Random random_;
  Date last_review_;  // The last monthly review.
  State state_;
  Envelope env_;
  std::vector<Event> events_;
  std::vector<DemoCustomer> customers_;
  std::map<int32_t, std::vector<Pending>> pending_;
  DemoPortfolio portfolio_;
  uint64_t keys_ = 0;
  int limit_requests_ = 0;
};

}  // namespace

Result<DemoPortfolio> GenerateDemoPortfolio(Date today, uint64_t seed) {
  return Generator(today, seed).Run();
}

}  // namespace creditline::service
