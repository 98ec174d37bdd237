#include "service/import.hpp"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "core/codec.hpp"
#include "core/ids.hpp"

namespace creditline::service {
namespace {

// Progress is reported every this many rows: often enough to see, rarely enough to be free.
constexpr size_t kProgressEveryRows = 100'000;

bool IsUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    if (c < 0x80) {
      extra = 0;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
    } else {
      return false;
    }
    if (extra > 0 && i + extra >= text.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

Result<std::string> FromGb18030(std::string_view bytes) {
  iconv_t cd = ::iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return MakeError(ErrorCode::kInternal, "the GB18030 decoder is not available");
  }
  std::string out(bytes.size() * 2 + 16, '\0');
  char* in_ptr = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  while (in_left > 0) {
    if (::iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) != static_cast<size_t>(-1)) continue;
    if (errno == E2BIG) {
      size_t used = out.size() - out_left;
      out.resize(out.size() * 2);
      out_ptr = out.data() + used;
      out_left = out.size() - used;
      continue;
    }
    ::iconv_close(cd);
    return MakeError(ErrorCode::kInvalidArgument,
                     "the file is neither UTF-8 nor GB18030: bad byte at offset " +
                         std::to_string(bytes.size() - in_left),
                     "encoding");
  }
  ::iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// RFC 4180 records with the line each starts on. Cells are views into the decoded text; a
// cell that is not a plain slice of it (a doubled quote, text after a closing quote) is
// unescaped into storage owned by the record, so a million rows cost no allocation per cell.
struct CsvRecord {
  uint64_t line = 0;
  std::vector<std::string_view> fields;
  std::deque<std::string> unescaped;  // A deque: growing it moves no earlier cell.
};

// Reads one record after another, skipping blank lines.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {}

  // False at the end of the text; an error for a quote that is never closed.
  Result<bool> Next(CsvRecord& record) {
    while (i_ < text_.size()) {
      record.line = line_;
      record.fields.clear();
      record.unescaped.clear();
      CL_RETURN_IF_ERROR(ReadRecord(record));
      bool blank = record.fields.size() == 1 && record.fields[0].empty();
      if (!blank) return true;
    }
    return false;
  }

 private:
  static bool EndsField(char c) { return c == ',' || c == '\r' || c == '\n'; }

  Status ReadRecord(CsvRecord& record) {
    while (true) {
      size_t start = i_;
      if (i_ < text_.size() && text_[i_] == '"') {
        CL_RETURN_IF_ERROR(ReadQuoted(record));
      } else {
        while (i_ < text_.size() && !EndsField(text_[i_])) ++i_;
        record.fields.push_back(text_.substr(start, i_ - start));
      }
      if (i_ >= text_.size()) return Status::Ok();
      char c = text_[i_++];
      if (c == ',') continue;
      if (c == '\r' && i_ < text_.size() && text_[i_] == '\n') ++i_;
      ++line_;
      return Status::Ok();
    }
  }

  // A quoted cell: a view of its inside when it is plain, else an unescaped copy. Text after
  // the closing quote belongs to the cell, as a quote there is an ordinary character.
  Status ReadQuoted(CsvRecord& record) {
    uint64_t line = record.line;
    size_t inside = ++i_;
    std::string* copy = nullptr;
    while (true) {
      if (i_ >= text_.size()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "line " + std::to_string(line) + ": a quote is never closed");
      }
      char c = text_[i_++];
      if (c == '"' && i_ < text_.size() && text_[i_] == '"') {
        if (copy == nullptr)
          copy = &record.unescaped.emplace_back(text_.substr(inside, i_ - 1 - inside));
        copy->push_back('"');
        ++i_;
      } else if (c == '"') {
        break;
      } else {
        if (c == '\n') ++line_;
        if (copy != nullptr) copy->push_back(c);
      }
    }
    if (i_ < text_.size() && !EndsField(text_[i_])) {
      if (copy == nullptr)
        copy = &record.unescaped.emplace_back(text_.substr(inside, i_ - 1 - inside));
      while (i_ < text_.size() && !EndsField(text_[i_])) copy->push_back(text_[i_++]);
    }
    record.fields.push_back(copy != nullptr ? std::string_view(*copy)
                                            : text_.substr(inside, i_ - 1 - inside));
    return Status::Ok();
  }

  std::string_view text_;
  size_t i_ = 0;
  uint64_t line_ = 1;
};

std::string_view Trim(std::string_view text) {
  auto space = [](unsigned char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  return text;
}

struct EntitySpec {
  const char* name;
  std::vector<std::string_view> required, optional;
};

const EntitySpec kSpecs[] = {
    {"customers",
     {"customer_id", "name", "currency", "limit"},
     {"industry", "region", "payment_terms_days", "grade", "review_on"}},
    {"limits", {"customer_id", "currency", "limit"}, {"segment", "reason"}},
    {"invoices",
     {"invoice_id", "customer_id", "currency", "amount", "issued_on"},
     {"segment", "due_on", "order_id", "open_amount"}},
    {"payments",
     {"payment_id", "customer_id", "currency", "amount", "received_on"},
     {"segment", "invoice_id"}},
    {"financials",
     {"customer_id", "period", "currency", "revenue", "net_profit", "equity", "total_assets",
      "current_assets", "current_liabilities"},
     {"external_rating", "external_score"}},
};

// The header's columns: names in file order, found by a short linear search (a file has at
// most a dozen), so reading a cell allocates nothing.
struct Columns {
  std::vector<std::string> names;

  std::optional<size_t> Find(std::string_view name) const {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return i;
    }
    return std::nullopt;
  }
};

// One row's cells by column name, and the reading of typed values from them.
class RowReader {
 public:
  RowReader(const Columns& columns, const CsvRecord& record) : columns_(columns), record_(record) {}

  std::string_view Text(std::string_view column) const {
    std::optional<size_t> found = columns_.Find(column);
    if (!found || *found >= record_.fields.size()) return {};
    return Trim(record_.fields[*found]);
  }
  Result<std::string> Id(std::string_view column, bool required) const {
    std::string_view id = Text(column);
    if (id.empty() && !required) return std::string();
    CL_RETURN_IF_ERROR(ValidateId(id, column.data()));
    return std::string(id);
  }
  Result<Money> Amount(std::string_view column) const {
    CL_ASSIGN_OR_RETURN(Currency currency, Currency::Parse(Text("currency")));
    std::string_view text = Text(column);
    if (text.empty()) {
      return MakeError(ErrorCode::kMissingField, std::string(column) + " is empty",
                       std::string(column));
    }
    Result<Money> money = ParseMoney(text, currency);
    if (!money.ok())
      return MakeError(money.error().code, money.error().message, std::string(column));
    return money;
  }
  Result<Date> DateOf(std::string_view column, bool required) const {
    std::string_view text = Text(column);
    if (text.empty() && !required) return kNoDate;
    Result<Date> date = ParseDate(text);
    if (!date.ok()) {
      std::string field(column);
      return MakeError(ErrorCode::kInvalidDate, field + " must be YYYY-MM-DD", field);
    }
    return date;
  }

 private:
  const Columns& columns_;
  const CsvRecord& record_;
};

Result<Command> CustomerRow(const RowReader& row, std::string* id) {
  CreateCustomer c;
  CL_ASSIGN_OR_RETURN(c.customer_id, row.Id("customer_id", true));
  c.name = row.Text("name");
  CL_RETURN_IF_ERROR(ValidateText(c.name, "name", true));
  c.industry = row.Text("industry"), c.region = row.Text("region");
  CL_RETURN_IF_ERROR(ValidateText(c.industry, "industry", false));
  CL_RETURN_IF_ERROR(ValidateText(c.region, "region", false));
  OpenAccount account;
  account.account = AccountRef{c.customer_id, ""};
  CL_ASSIGN_OR_RETURN(Money limit, row.Amount("limit"));
  account.currency = limit.currency;
  account.limit_minor = limit.minor;
  std::string_view terms = row.Text("payment_terms_days");
  if (!terms.empty()) {
    if (terms.size() > 4 || !std::all_of(terms.begin(), terms.end(), ::isdigit)) {
      return MakeError(ErrorCode::kInvalidArgument, "payment_terms_days must be 0..3650",
                       "payment_terms_days");
    }
    account.payment_terms_days = std::stoi(std::string(terms));
  }
  account.grade = row.Text("grade");
  CL_ASSIGN_OR_RETURN(account.review_on, row.DateOf("review_on", false));
  c.account = account;
  *id = c.customer_id;
  return Command{c};
}

Result<Command> LimitRow(const RowReader& row, std::string* id) {
  SetLimit c;
  CL_ASSIGN_OR_RETURN(c.account.customer_id, row.Id("customer_id", true));
  CL_ASSIGN_OR_RETURN(c.account.segment, row.Id("segment", false));
  CL_ASSIGN_OR_RETURN(c.limit, row.Amount("limit"));
  c.reason = row.Text("reason");
  if (c.reason.empty()) c.reason = "import";
  *id = c.account.customer_id + ":" + c.account.segment;
  return Command{c};
}

Result<Command> InvoiceRow(const RowReader& row, std::string* id) {
  CreateInvoice c;
  CL_ASSIGN_OR_RETURN(c.invoice_id, row.Id("invoice_id", true));
  CL_ASSIGN_OR_RETURN(c.account.customer_id, row.Id("customer_id", true));
  CL_ASSIGN_OR_RETURN(c.account.segment, row.Id("segment", false));
  CL_ASSIGN_OR_RETURN(c.order_id, row.Id("order_id", false));
  CL_ASSIGN_OR_RETURN(c.amount, row.Amount("amount"));
  CL_ASSIGN_OR_RETURN(c.issued_on, row.DateOf("issued_on", true));
  CL_ASSIGN_OR_RETURN(c.due_on, row.DateOf("due_on", false));
  // The open amount is what an export writes beside the amount; an import creates the invoice
  // whole (open = amount) and only checks that the column could be true of it.
  if (!row.Text("open_amount").empty()) {
    CL_ASSIGN_OR_RETURN(Money open, row.Amount("open_amount"));
    if (open.minor < 0 || open.minor > c.amount.minor) {
      return MakeError(ErrorCode::kInvalidAmount, "open_amount must be 0..amount", "open_amount");
    }
  }
  *id = c.invoice_id;
  return Command{c};
}

// A financial figure in major units: `signed_ok` for profit and equity, which may be negative.
Result<int64_t> FinancialAmount(const RowReader& row, const std::string& column, bool signed_ok) {
  CL_ASSIGN_OR_RETURN(Money money, row.Amount(column));
  if (money.minor < (signed_ok ? -kAmountMinorMax : 0) || money.minor > kAmountMinorMax) {
    return MakeError(ErrorCode::kInvalidAmount,
                     column + (signed_ok ? " must be within ±10^15 minor units"
                                         : " must be 0..10^15 minor units"),
                     column);
  }
  return money.minor;
}

Result<Command> FinancialsRow(const RowReader& row, std::string* id) {
  RecordFinancials c;
  Financials& f = c.financials;
  CL_ASSIGN_OR_RETURN(c.customer_id, row.Id("customer_id", true));
  CL_ASSIGN_OR_RETURN(f.period, row.Id("period", true));
  CL_ASSIGN_OR_RETURN(f.currency, Currency::Parse(row.Text("currency")));
  CL_ASSIGN_OR_RETURN(f.revenue_minor, FinancialAmount(row, "revenue", false));
  CL_ASSIGN_OR_RETURN(f.net_profit_minor, FinancialAmount(row, "net_profit", true));
  CL_ASSIGN_OR_RETURN(f.equity_minor, FinancialAmount(row, "equity", true));
  CL_ASSIGN_OR_RETURN(f.total_assets_minor, FinancialAmount(row, "total_assets", false));
  CL_ASSIGN_OR_RETURN(f.current_assets_minor, FinancialAmount(row, "current_assets", false));
  CL_ASSIGN_OR_RETURN(f.current_liabilities_minor,
                      FinancialAmount(row, "current_liabilities", false));
  f.external_rating = row.Text("external_rating");
  std::string score(row.Text("external_score"));
  if (!score.empty()) {
    if (score.size() > 3 || !std::all_of(score.begin(), score.end(), ::isdigit) ||
        std::stoi(score) > 100) {
      return MakeError(ErrorCode::kInvalidArgument, "external_score must be 0..100",
                       "external_score");
    }
    f.external_score = std::stoi(score);
  }
  CL_RETURN_IF_ERROR(ValidateFinancials(f));
  *id = c.customer_id + ":" + f.period;
  return Command{c};
}

Result<Command> PaymentRow(const RowReader& row, std::string* id) {
  RecordPayment c;
  CL_ASSIGN_OR_RETURN(c.payment_id, row.Id("payment_id", true));
  CL_ASSIGN_OR_RETURN(c.account.customer_id, row.Id("customer_id", true));
  CL_ASSIGN_OR_RETURN(c.account.segment, row.Id("segment", false));
  CL_ASSIGN_OR_RETURN(c.invoice_id, row.Id("invoice_id", false));
  CL_ASSIGN_OR_RETURN(c.amount, row.Amount("amount"));
  CL_ASSIGN_OR_RETURN(c.received_on, row.DateOf("received_on", true));
  *id = c.payment_id;
  return Command{c};
}

void AddProblem(std::vector<RowProblem>& problems, size_t& count, RowProblem problem) {
  ++count;
  if (problems.size() < kImportProblemsListedMax) problems.push_back(std::move(problem));
}

Result<Columns> ReadHeader(const EntitySpec& spec, const CsvRecord& header) {
  Columns columns;
  for (std::string_view cell : header.fields) {
    std::string name(Trim(cell));
    bool known =
        std::find(spec.required.begin(), spec.required.end(), name) != spec.required.end() ||
        std::find(spec.optional.begin(), spec.optional.end(), name) != spec.optional.end();
    if (!known) {
      return MakeError(ErrorCode::kUnknownField,
                       "line 1: unknown column '" + name + "' for " + spec.name, name);
    }
    if (columns.Find(name)) {
      return MakeError(ErrorCode::kInvalidArgument, "line 1: column '" + name + "' twice", name);
    }
    columns.names.push_back(std::move(name));
  }
  for (std::string_view name : spec.required) {
    if (!columns.Find(name)) {
      return MakeError(ErrorCode::kMissingField,
                       "line 1: the column '" + std::string(name) + "' is missing",
                       std::string(name));
    }
  }
  return columns;
}

}  // namespace

Result<Encoding> ParseEncoding(std::string_view text) {
  if (text == "auto" || text.empty()) return Encoding::kAuto;
  if (text == "utf-8" || text == "utf8" || text == "UTF-8") return Encoding::kUtf8;
  if (text == "gbk" || text == "gb18030" || text == "GBK" || text == "GB18030") {
    return Encoding::kGb18030;
  }
  return MakeError(ErrorCode::kInvalidArgument, "encoding must be auto, utf-8, gbk or gb18030",
                   "encoding");
}

Result<std::string> DecodeToUtf8(std::string_view bytes, Encoding encoding) {
  bool bom = bytes.starts_with(kUtf8Bom);
  if (bom) bytes.remove_prefix(kUtf8Bom.size());
  if (encoding == Encoding::kGb18030) return FromGb18030(bytes);
  if (bom || IsUtf8(bytes)) {
    if (!IsUtf8(bytes)) {
      return MakeError(ErrorCode::kInvalidArgument, "the file is not valid UTF-8", "encoding");
    }
    return std::string(bytes);
  }
  if (encoding == Encoding::kUtf8) {
    return MakeError(ErrorCode::kInvalidArgument, "the file is not valid UTF-8", "encoding");
  }
  return FromGb18030(bytes);
}

Result<ParsedImport> ParseImport(const std::string& entity, std::string_view utf8) {
  const EntitySpec* spec = nullptr;
  for (const EntitySpec& candidate : kSpecs) {
    if (entity == candidate.name) spec = &candidate;
  }
  if (spec == nullptr) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "entity must be customers, limits, invoices, payments or financials",
                     "entity");
  }
  CsvReader reader(utf8);
  CsvRecord header;
  CL_ASSIGN_OR_RETURN(bool has_header, reader.Next(header));
  if (!has_header) return MakeError(ErrorCode::kMissingField, "the file has no header line");
  CL_ASSIGN_OR_RETURN(Columns columns, ReadHeader(*spec, header));
  ParsedImport parsed{entity, {}, {}, 0};
  // Rows are about as many as lines: reserving for them saves the copies of a growing vector.
  size_t lines_estimate = static_cast<size_t>(std::count(utf8.begin(), utf8.end(), '\n'));
  parsed.rows.reserve(std::min(lines_estimate + 1, kImportRowsMax));
  absl::flat_hash_set<std::string> seen;
  seen.reserve(std::min(lines_estimate + 1, kImportRowsMax));
  CsvRecord record;
  size_t rows = 0;
  while (true) {
    CL_ASSIGN_OR_RETURN(bool more, reader.Next(record));
    if (!more) break;
    if (++rows > kImportRowsMax) {
      return MakeError(ErrorCode::kPayloadTooLarge, "the file has more than 5,000,000 rows");
    }
    if (record.fields.size() != header.fields.size()) {
      AddProblem(parsed.problems, parsed.problem_count,
                 {record.line, "",
                  "has " + std::to_string(record.fields.size()) + " fields, the header " +
                      std::to_string(header.fields.size())});
      continue;
    }
    RowReader row(columns, record);
    std::string id;
    Result<Command> command = entity == "customers"    ? CustomerRow(row, &id)
                              : entity == "limits"     ? LimitRow(row, &id)
                              : entity == "invoices"   ? InvoiceRow(row, &id)
                              : entity == "financials" ? FinancialsRow(row, &id)
                                                       : PaymentRow(row, &id);
    if (!command.ok()) {
      AddProblem(parsed.problems, parsed.problem_count,
                 {record.line, command.error().field, command.error().message});
      continue;
    }
    if (!seen.insert(id).second) {
      AddProblem(parsed.problems, parsed.problem_count,
                 {record.line, "", "repeats the id '" + id + "' of an earlier row"});
      continue;
    }
    // Limits and financials are compared with what is there instead: a corrected file
    // imported again must apply, not collide with the key of the first import.
    bool keyed = entity != "limits" && entity != "financials";
    std::string key = keyed ? "import:" + entity + ":" + id : "";
    parsed.rows.push_back(ImportRow{record.line, std::move(key), std::move(command).value()});
  }
  return parsed;
}

namespace {

// True when the customer has the period with the same figures, or keeps newer periods only
// and would drop this one again at once.
bool FinancialsUnchanged(const State& state, const RecordFinancials& c) {
  const Customer* customer = state.FindCustomer(c.customer_id);
  if (customer == nullptr) return false;
  const std::vector<Financials>& periods = customer->financials;
  for (const Financials& period : periods) {
    if (period.period == c.financials.period) return period == c.financials;
  }
  return periods.size() >= kFinancialPeriodsKept && c.financials.period < periods.front().period;
}

// True when the row's entity is already there as the row has it: the row is skipped.
bool Unchanged(const State& state, const ImportRow& row, TimeMs now) {
  if (!row.idempotency_key.empty() && state.RemembersKey(row.idempotency_key, now)) return true;
  if (const auto* c = std::get_if<CreateCustomer>(&row.command)) {
    return state.FindCustomer(c->customer_id) != nullptr;
  }
  if (const auto* c = std::get_if<SetLimit>(&row.command)) {
    Result<AccountView> view = state.ViewAccount(c->account, kDateMin);
    return view.ok() && view->currency == c->limit.currency && view->limit_minor == c->limit.minor;
  }
  if (const auto* c = std::get_if<CreateInvoice>(&row.command)) {
    return state.HasOpenInvoice(c->invoice_id);
  }
  if (const auto* c = std::get_if<RecordFinancials>(&row.command)) {
    return FinancialsUnchanged(state, *c);
  }
  return false;
}

}  // namespace

ImportOutcome ApplyImport(State& state, ParsedImport parsed, const Envelope& envelope,
                          std::vector<Event>* events, const ImportProgress& progress) {
  ImportOutcome outcome;
  outcome.rows = parsed.rows.size() + parsed.problem_count;
  outcome.problems = std::move(parsed.problems);
  outcome.problem_count = parsed.problem_count;
  std::vector<bool> skip(parsed.rows.size(), false);
  for (size_t i = 0; i < parsed.rows.size(); ++i) {
    const ImportRow& row = parsed.rows[i];
    if (progress && i % kProgressEveryRows == 0) progress("validated", i, parsed.rows.size());
    if (Unchanged(state, row, envelope.time)) {
      skip[i] = true;
      continue;
    }
    Envelope env = envelope;
    env.idempotency_key = row.idempotency_key;
    Event event;
    Status decided = state.Decide(env, row.command, Fingerprint(row.command), &event);
    if (!decided.ok()) {
      AddProblem(outcome.problems, outcome.problem_count,
                 {row.line, decided.error().field, decided.error().message});
    }
  }
  if (outcome.problem_count > 0) return outcome;
  std::sort(outcome.problems.begin(), outcome.problems.end(),
            [](const RowProblem& a, const RowProblem& b) { return a.line < b.line; });
  for (size_t i = 0; i < parsed.rows.size(); ++i) {
    if (progress && i % kProgressEveryRows == 0) progress("imported", i, parsed.rows.size());
    if (skip[i]) {
      ++outcome.unchanged;
      continue;
    }
    Envelope env = envelope;
    env.idempotency_key = parsed.rows[i].idempotency_key;
    Result<CommandResult> result = state.Execute(env, parsed.rows[i].command, events);
    if (!result.ok()) {
      // Validation passed, so only a row depending on an earlier row of the same file can get
      // here (e.g. a sum overflowing); what came before it stays imported.
      AddProblem(outcome.problems, outcome.problem_count,
                 {parsed.rows[i].line, result.error().field, result.error().message});
      return outcome;
    }
    if (result->replayed) {
      ++outcome.unchanged;
      continue;
    }
    ++outcome.imported;
    if (outcome.first_seq == 0) outcome.first_seq = result->seq;
    outcome.last_seq = result->seq;
  }
  if (progress) progress("imported", parsed.rows.size(), parsed.rows.size());
  return outcome;
}

}  // namespace creditline::service
