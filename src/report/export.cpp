#include "report/export.hpp"

// GCC 12 reports a false -Wmaybe-uninitialized inside std::variant<..., std::string> when
// rows are built from initializer lists. Clang has no such warning.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace creditline::report {
namespace {

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string CellText(const Cell& cell) {
  if (const int64_t* number = std::get_if<int64_t>(&cell)) return std::to_string(*number);
  if (const double* decimal = std::get_if<double>(&cell)) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.10g", *decimal);
    return buffer;
  }
  return std::get<std::string>(cell);
}

std::vector<Cell> FinancialsRow(const Customer& c, const Financials& f) {
  Cell score = f.external_score ? Cell{std::to_string(*f.external_score)} : Cell{std::string()};
  return {c.customer_id,
          f.period,
          std::string(f.currency.code()),
          FormatAmount(f.revenue_minor, f.currency),
          FormatAmount(f.net_profit_minor, f.currency),
          FormatAmount(f.equity_minor, f.currency),
          FormatAmount(f.total_assets_minor, f.currency),
          FormatAmount(f.current_assets_minor, f.currency),
          FormatAmount(f.current_liabilities_minor, f.currency),
          f.external_rating,
          score};
}

// Excel limits a worksheet name to 31 characters.
constexpr size_t kSheetNameBytesMax = 31;

}  // namespace

std::string CsvHeader(const std::vector<std::string>& columns) {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvField(columns[i]);
  }
  out += "\r\n";
  return out;
}

void AppendCsvRows(const std::vector<std::vector<Cell>>& rows, std::string* out) {
  for (const std::vector<Cell>& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) *out += ',';
      *out += CsvField(CellText(row[i]));
    }
    *out += "\r\n";
  }
}

std::string ToCsv(const Table& table) {
  std::string out = CsvHeader(table.columns);
  AppendCsvRows(table.rows, &out);
  return out;
}

Result<std::unique_ptr<XlsxWriter>> XlsxWriter::Open(bool constant_memory) {
  // libxlsxwriter writes to a file; a private temporary file is read back and removed.
  std::unique_ptr<XlsxWriter> writer(new XlsxWriter());
  std::snprintf(writer->path_, sizeof writer->path_, "/tmp/creditline-report-XXXXXX");
  int fd = ::mkstemp(writer->path_);
  if (fd < 0) return MakeError(ErrorCode::kInternal, "cannot create a temporary file");
  ::close(fd);
  lxw_workbook_options options{};
  options.constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE;
  writer->workbook_ = workbook_new_opt(writer->path_, &options);
  if (writer->workbook_ == nullptr) {
    ::unlink(writer->path_);
    writer->path_[0] = '\0';
    return MakeError(ErrorCode::kInternal, "cannot create the workbook");
  }
  writer->bold_ = workbook_add_format(writer->workbook_);
  format_set_bold(writer->bold_);
  return writer;
}

XlsxWriter::~XlsxWriter() {
  if (workbook_ != nullptr) workbook_close(workbook_);
  if (path_[0] != '\0') ::unlink(path_);
}

void XlsxWriter::AddSheet(const std::string& name, const std::vector<std::string>& columns) {
  sheet_ = workbook_add_worksheet(workbook_, name.substr(0, kSheetNameBytesMax).c_str());
  for (size_t c = 0; c < columns.size(); ++c) {
    worksheet_write_string(sheet_, 0, static_cast<lxw_col_t>(c), columns[c].c_str(), bold_);
  }
  next_row_ = 1;
}

void XlsxWriter::AddRows(const std::vector<std::vector<Cell>>& rows) {
  for (const std::vector<Cell>& cells : rows) {
    auto row = static_cast<lxw_row_t>(next_row_++);
    for (size_t c = 0; c < cells.size(); ++c) {
      auto col = static_cast<lxw_col_t>(c);
      const Cell& cell = cells[c];
      if (const int64_t* number = std::get_if<int64_t>(&cell)) {
        // Excel holds numbers as doubles: exact up to 2^53 minor units (90 trillion).
        worksheet_write_number(sheet_, row, col, static_cast<double>(*number), nullptr);
      } else if (const double* decimal = std::get_if<double>(&cell)) {
        worksheet_write_number(sheet_, row, col, *decimal, nullptr);
      } else {
        worksheet_write_string(sheet_, row, col, std::get<std::string>(cell).c_str(), nullptr);
      }
    }
  }
}

Result<std::string> XlsxWriter::Finish() {
  lxw_error closed = workbook_close(workbook_);
  workbook_ = nullptr;
  std::ifstream in(path_, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (closed != LXW_NO_ERROR) {
    return MakeError(ErrorCode::kInternal,
                     std::string("cannot write the workbook: ") + lxw_strerror(closed));
  }
  return bytes.str();
}

Result<std::string> ToXlsx(const Report& report) {
  CL_ASSIGN_OR_RETURN(std::unique_ptr<XlsxWriter> writer, XlsxWriter::Open(false));
  for (const Table& table : report.tables) {
    writer->AddSheet(table.name, table.columns);
    writer->AddRows(table.rows);
  }
  return writer->Finish();
}

Result<Table> ExportEntity(const State& state, const std::string& entity) {
  Table table{entity, {}};
  if (entity == "customers") {
    table.columns = {"customer_id", "name",  "industry",           "region",
                     "currency",    "limit", "payment_terms_days", "grade"};
    for (const Customer* c : state.ListCustomers({}, "", state.customer_count())) {
      if (c->accounts.empty()) {
        table.rows.push_back({c->customer_id, c->name, c->industry, c->region, std::string(""),
                              std::string(""), std::string(""), std::string("")});
        continue;
      }
      const Account& a = state.accounts()[c->accounts.front()];
      table.rows.push_back(
          {c->customer_id, c->name, c->industry, c->region, std::string(a.currency.code()),
           FormatAmount(a.base_limit_minor, a.currency), int64_t{a.payment_terms_days}, a.grade});
    }
  } else if (entity == "limits") {
    table.columns = {"customer_id", "segment", "currency", "limit"};
    for (const Customer* c : state.ListCustomers({}, "", state.customer_count())) {
      for (uint32_t slot : c->accounts) {
        const Account& a = state.accounts()[slot];
        table.rows.push_back({a.ref.customer_id, a.ref.segment, std::string(a.currency.code()),
                              FormatAmount(a.base_limit_minor, a.currency)});
      }
    }
  } else if (entity == "invoices") {
    table.columns = {"invoice_id", "customer_id", "segment", "currency",
                     "amount",     "issued_on",   "due_on",  "open_amount"};
    for (const Invoice& i : state.invoice_slots()) {
      if (i.invoice_id.empty()) continue;
      const Account& a = state.accounts()[i.account];
      table.rows.push_back({i.invoice_id, a.ref.customer_id, a.ref.segment,
                            std::string(a.currency.code()),
                            FormatAmount(i.amount_minor, a.currency), FormatDate(i.issued_on),
                            FormatDate(i.due_on), FormatAmount(i.open_minor, a.currency)});
    }
  } else if (entity == "financials") {
    table.columns = {"customer_id",         "period",          "currency",      "revenue",
                     "net_profit",          "equity",          "total_assets",  "current_assets",
                     "current_liabilities", "external_rating", "external_score"};
    for (const Customer* c : state.ListCustomers({}, "", state.customer_count())) {
      for (const Financials& f : c->financials) table.rows.push_back(FinancialsRow(*c, f));
    }
  } else {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "entity must be customers, limits, invoices or financials (payments are not kept)",
        "entity");
  }
  return table;
}

}  // namespace creditline::report
