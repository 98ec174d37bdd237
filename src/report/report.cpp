#include "report/report.hpp"

// GCC 12 reports a false -Wmaybe-uninitialized inside std::variant<..., std::string> when
// rows are built from initializer lists. Clang has no such warning.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <array>
#include <cmath>

namespace creditline::report {
namespace {

constexpr const char* kBandNames[kUtilizationBandCount] = {"no_limit", "0-50",   "50-75",
                                                           "75-90",    "90-100", "100+"};

std::string Code(Currency currency) { return std::string(currency.code()); }

// The currencies in use, in index order.
std::vector<Currency> Currencies(const State& state) {
  std::vector<Currency> out;
  const auto& totals = state.aggregates().totals();
  for (size_t i = 0; i < totals.size(); ++i) {
    if (totals[i].accounts > 0) out.push_back(Currency::FromIndex(static_cast<uint8_t>(i)));
  }
  return out;
}

int64_t Utilization(int64_t exposure_minor, int64_t limit_minor) {
  return UtilizationBp(exposure_minor, limit_minor);
}

Table DimensionTable(const State& state, Dimension dimension, const char* name) {
  Table table{name,
              {"name", "currency", "accounts", "limit_minor", "exposure_minor", "available_minor",
               "receivables_minor", "utilization_bp"}};
  std::vector<BucketTotals> buckets = state.aggregates().buckets(dimension);
  std::erase_if(buckets, [](const BucketTotals& b) { return b.accounts == 0; });
  std::sort(buckets.begin(), buckets.end(), [](const BucketTotals& a, const BucketTotals& b) {
    return a.currency.code() != b.currency.code() ? a.currency.code() < b.currency.code()
                                                  : a.name < b.name;
  });
  for (const BucketTotals& b : buckets) {
    table.rows.push_back({b.name, Code(b.currency), b.accounts, b.limit_minor, b.exposure_minor,
                          b.limit_minor - b.exposure_minor, b.receivables_minor,
                          Utilization(b.exposure_minor, b.limit_minor)});
  }
  return table;
}

std::array<int64_t, kAgingBucketCount> AgingOf(const State& state, Currency currency, Date today) {
  std::array<int64_t, kAgingBucketCount> buckets{};
  for (const auto& [day, amount] : state.aggregates().due(currency)) {
    buckets[AgingBucket(today.days - day)] += amount;
  }
  return buckets;
}

std::vector<Cell> AgingCells(const std::array<int64_t, kAgingBucketCount>& buckets) {
  std::vector<Cell> cells;
  int64_t total = 0;
  for (int64_t amount : buckets) cells.push_back(amount), total += amount;
  cells.push_back(total);
  return cells;
}

std::vector<std::string> AgingColumns(std::vector<std::string> leading) {
  for (const char* column : kAgingColumns) leading.push_back(column);
  leading.push_back("total_minor");
  return leading;
}

void AgingRowOf(const State& state, const Account& account, Date today, Table& table) {
  std::array<int64_t, kAgingBucketCount> buckets{};
  const StableVector<Invoice>& invoices = state.invoice_slots();
  for (uint32_t i = account.invoices.first; i != kNone; i = invoices[i].account_links.next) {
    buckets[AgingBucket(DaysBetween(invoices[i].due_on, today))] += invoices[i].open_minor;
  }
  std::vector<Cell> row = {account.ref.customer_id, account.ref.segment, Code(account.currency)};
  for (Cell& cell : AgingCells(buckets)) row.push_back(std::move(cell));
  table.rows.push_back(std::move(row));
}

}  // namespace

size_t AgingBucket(int32_t days_past_due) {
  if (days_past_due <= 0) return 0;
  if (days_past_due <= 30) return 1;
  if (days_past_due <= 60) return 2;
  if (days_past_due <= 90) return 3;
  return 4;
}

const Table* Report::Find(const std::string& section) const {
  for (const Table& table : tables) {
    if (table.name == section) return &table;
  }
  return nullptr;
}

Report Portfolio(const State& state, const ReportOptions& options) {
  Report report{"portfolio", options.today, {}};
  Table totals{"totals",
               {"currency", "accounts", "limit_minor", "exposure_minor", "available_minor",
                "orders_minor", "receivables_minor", "unapplied_minor", "utilization_bp"}};
  Table bands{"utilization_bands", {"currency", "band", "accounts"}};
  for (Currency currency : Currencies(state)) {
    const PortfolioTotals& t = state.aggregates().totals()[currency.index()];
    totals.rows.push_back({Code(currency), t.accounts, t.limit_minor, t.exposure_minor,
                           t.limit_minor - t.exposure_minor, t.orders_minor, t.receivables_minor,
                           t.unapplied_minor, Utilization(t.exposure_minor, t.limit_minor)});
    for (size_t band = 0; band < kUtilizationBandCount; ++band) {
      bands.rows.push_back({Code(currency), std::string(kBandNames[band]), t.bands[band]});
    }
  }
  report.tables = {std::move(totals), std::move(bands),
                   DimensionTable(state, Dimension::kGrade, "by_grade"),
                   DimensionTable(state, Dimension::kIndustry, "by_industry"),
                   DimensionTable(state, Dimension::kRegion, "by_region")};
  return report;
}

Report Aging(const State& state, const ReportOptions& options) {
  Report report{"aging", options.today, {}};
  Table totals{"totals", AgingColumns({"currency"})};
  for (Currency currency : Currencies(state)) {
    std::vector<Cell> row = {Code(currency)};
    for (Cell& cell : AgingCells(AgingOf(state, currency, options.today))) {
      row.push_back(std::move(cell));
    }
    totals.rows.push_back(std::move(row));
  }
  Table customers{"customers", AgingColumns({"customer_id", "segment", "currency"})};
  auto add_customer = [&](const Customer& customer) {
    for (uint32_t slot : customer.accounts) {
      AgingRowOf(state, state.accounts()[slot], options.today, customers);
    }
  };
  if (!options.customer_id.empty()) {
    if (const Customer* customer = state.FindCustomer(options.customer_id)) add_customer(*customer);
  } else {
    for (const Customer* customer : state.ListCustomers({}, options.after, options.limit)) {
      add_customer(*customer);
    }
  }
  report.tables = {std::move(totals), std::move(customers)};
  return report;
}

Report Overdue(const State& state, const ReportOptions& options) {
  Report report{"overdue", options.today, {}};
  bool more = false;
  const DueIndex::Position* after = options.overdue_after ? &*options.overdue_after : nullptr;
  std::vector<DueKey> page =
      state.due_index().PageDueBefore(options.today, after, options.limit, &more);
  Table table{"invoices",
              {"invoice_id", "customer_id", "segment", "currency", "amount_minor", "open_minor",
               "issued_on", "due_on", "days_past_due"}};
  table.rows.reserve(page.size());
  const StableVector<Invoice>& invoices = state.invoice_slots();
  for (const DueKey& key : page) {
    const Invoice& invoice = invoices[key.slot];
    const Account& account = state.accounts()[invoice.account];
    table.rows.push_back({invoice.invoice_id, account.ref.customer_id, account.ref.segment,
                          Code(account.currency), invoice.amount_minor, invoice.open_minor,
                          FormatDate(invoice.issued_on), FormatDate(invoice.due_on),
                          int64_t{DaysBetween(invoice.due_on, options.today)}});
  }
  std::string next;
  if (more) next = FormatOverdueCursor({page.back().due_days, page.back().created_seq});
  Table summary{"summary", {"overdue_invoices", "listed", "next_after"}};
  summary.rows.push_back({static_cast<int64_t>(state.due_index().CountDueBefore(options.today)),
                          static_cast<int64_t>(page.size()), next});
  report.tables = {std::move(summary), std::move(table)};
  return report;
}

std::string FormatOverdueCursor(const DueIndex::Position& position) {
  return FormatDate(Date{position.due_days}) + "." + std::to_string(position.created_seq);
}

Result<DueIndex::Position> ParseOverdueCursor(std::string_view text) {
  Error bad = MakeError(ErrorCode::kInvalidArgument,
                        "after must be the next_after of an overdue page (YYYY-MM-DD.N)", "after");
  size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot + 1 == text.size() || text.size() - dot - 1 > 19) {
    return bad;
  }
  Result<Date> due = ParseDate(text.substr(0, dot));
  if (!due.ok()) return bad;
  uint64_t seq = 0;
  for (char c : text.substr(dot + 1)) {
    if (c < '0' || c > '9') return bad;
    seq = seq * 10 + static_cast<uint64_t>(c - '0');
  }
  return DueIndex::Position{due->days, seq};
}

Report Dso(const State& state, const ReportOptions& options) {
  // DSO = open receivables / invoiced in the window * window days. The invoiced amount is the
  // difference of the cumulative invoicing total between now and the trend point at the start
  // of the window (or the oldest point, shortening the window, for a young portfolio).
  Report report{"dso", options.today, {}};
  Table table{
      "dso",
      {"currency", "receivables_minor", "invoiced_in_window_minor", "window_days", "dso_days"}};
  const MonitorState& m = state.monitor();
  Date start = AddDays(options.today, -options.window_days);
  for (Currency currency : Currencies(state)) {
    int64_t receivables = state.aggregates().totals()[currency.index()].receivables_minor;
    int64_t invoiced_now = 0;
    for (const CurrencyAmount& total : m.invoiced_totals) {
      if (total.currency == currency) invoiced_now = total.amount_minor;
    }
    const TrendPoint* base = nullptr;
    for (const TrendPoint& point : m.trend) {
      if (point.currency != currency) continue;
      if (base == nullptr || point.day <= start) base = &point;
    }
    int64_t invoiced = invoiced_now - (base != nullptr ? base->invoiced_total_minor : 0);
    int32_t window = base != nullptr ? std::max(DaysBetween(base->day, options.today), 1) : 0;
    if (base == nullptr || invoiced <= 0) {
      table.rows.push_back(
          {Code(currency), receivables, invoiced, int64_t{window}, std::string("")});
      continue;
    }
    double dso = static_cast<double>(receivables) / static_cast<double>(invoiced) * window;
    table.rows.push_back(
        {Code(currency), receivables, invoiced, int64_t{window}, std::round(dso * 10) / 10});
  }
  report.tables = {std::move(table)};
  return report;
}

Report Concentration(const State& state, const ReportOptions& options) {
  Report report{"concentration", options.today, {}};
  Table summary{"summary",
                {"currency", "accounts_with_exposure", "exposure_minor", "top_10_exposure_minor",
                 "top_10_share_bp", "hhi"}};
  Table top{"top", {"currency", "rank", "customer_id", "segment", "exposure_minor", "share_bp"}};
  for (Currency currency : Currencies(state)) {
    const PortfolioTotals& t = state.aggregates().totals()[currency.index()];
    std::vector<const Account*> exposed;
    for (const Account& account : state.accounts()) {
      if (account.currency == currency && account.ExposureMinor() > 0) exposed.push_back(&account);
    }
    size_t shown = std::min(exposed.size(), kConcentrationTop);
    std::partial_sort(exposed.begin(), exposed.begin() + shown, exposed.end(),
                      [](const Account* a, const Account* b) {
                        return a->ExposureMinor() != b->ExposureMinor()
                                   ? a->ExposureMinor() > b->ExposureMinor()
                                   : a->key < b->key;
                      });
    int64_t total = t.positive_exposure_minor, top_sum = 0;
    for (size_t i = 0; i < shown; ++i) {
      int64_t exposure = exposed[i]->ExposureMinor();
      top_sum += exposure;
      top.rows.push_back(
          {Code(currency), static_cast<int64_t>(i + 1), exposed[i]->ref.customer_id,
           exposed[i]->ref.segment, exposure,
           total > 0 ? static_cast<int64_t>(__int128{exposure} * 10'000 / total) : int64_t{0}});
    }
    // HHI on the 0..10,000 scale: the sum of squared percentage shares.
    double hhi = total > 0 ? static_cast<double>(t.exposure_squared) * 10'000.0 /
                                 (static_cast<double>(total) * static_cast<double>(total))
                           : 0.0;
    summary.rows.push_back(
        {Code(currency), static_cast<int64_t>(exposed.size()), total, top_sum,
         total > 0 ? static_cast<int64_t>(__int128{top_sum} * 10'000 / total) : int64_t{0},
         std::round(hhi * 100) / 100});
  }
  report.tables = {std::move(summary), std::move(top)};
  return report;
}

Report Holds(const State& state, const ReportOptions& options) {
  Report report{"holds", options.today, {}};
  Table queue{"queue", {"currency", "held_orders", "held_minor", "oldest_placed_at"}};
  struct Sum {
    int64_t count = 0, amount = 0;
    TimeMs oldest = 0;
  };
  std::array<Sum, 256> sums{};
  for (const OrderView& hold : state.Holds(state.hold_count())) {
    Sum& sum = sums[hold.currency.index()];
    ++sum.count;
    sum.amount += hold.amount_minor;
    if (sum.oldest == 0 || hold.placed_at < sum.oldest) sum.oldest = hold.placed_at;
  }
  for (size_t i = 0; i < sums.size(); ++i) {
    if (sums[i].count == 0) continue;
    queue.rows.push_back({Code(Currency::FromIndex(static_cast<uint8_t>(i))), sums[i].count,
                          sums[i].amount, FormatTimestamp(sums[i].oldest)});
  }
  const HoldCounters& c = state.monitor().holds;
  Table counters{
      "counters",
      {"created", "released", "rejected", "cancelled", "expired", "average_wait_minutes"}};
  int64_t decided = c.released + c.rejected;
  double average = decided > 0 ? static_cast<double>(c.wait_ms_total) / decided / 60'000.0 : 0.0;
  counters.rows.push_back(
      {c.created, c.released, c.rejected, c.cancelled, c.expired, std::round(average * 10) / 10});
  report.tables = {std::move(counters), std::move(queue)};
  return report;
}

Report Trend(const State& state, const ReportOptions& options) {
  Report report{"trend", options.today, {}};
  Table table{"days",
              {"day", "currency", "accounts", "limit_minor", "exposure_minor", "receivables_minor",
               "overdue_minor", "invoiced_total_minor"}};
  Date first = AddDays(options.today, -options.days);
  for (const TrendPoint& p : state.monitor().trend) {
    if (p.day < first) continue;
    table.rows.push_back({FormatDate(p.day), Code(p.currency), p.accounts, p.limit_minor,
                          p.exposure_minor, p.receivables_minor, p.overdue_minor,
                          p.invoiced_total_minor});
  }
  report.tables = {std::move(table)};
  return report;
}

Result<Report> Build(const State& state, const std::string& name, const ReportOptions& options) {
  if (name == "portfolio") return Portfolio(state, options);
  if (name == "aging") return Aging(state, options);
  if (name == "overdue") {
    if (options.after.empty() || options.overdue_after) return Overdue(state, options);
    CL_ASSIGN_OR_RETURN(DueIndex::Position after, ParseOverdueCursor(options.after));
    ReportOptions paged = options;
    paged.overdue_after = after;
    return Overdue(state, paged);
  }
  if (name == "dso") return Dso(state, options);
  if (name == "concentration") return Concentration(state, options);
  if (name == "holds") return Holds(state, options);
  if (name == "trend") return Trend(state, options);
  return MakeError(ErrorCode::kRouteNotFound, "no report '" + name + "'");
}

}  // namespace creditline::report
