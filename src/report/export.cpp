#include "report/export.hpp"

// GCC 12 reports a false -Wmaybe-uninitialized inside std::variant<..., std::string> when
// rows are built from initializer lists.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

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

// Excel limits a worksheet name to 31 characters.
constexpr size_t kSheetNameBytesMax = 31;

}  // namespace

std::string ToCsv(const Table& table) {
  std::string out;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvField(table.columns[i]);
  }
  out += "\r\n";
  for (const std::vector<Cell>& row : table.rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out += ',';
      out += CsvField(CellText(row[i]));
    }
    out += "\r\n";
  }
  return out;
}

Result<std::string> ToXlsx(const Report& report) {
  // libxlsxwriter writes to a file; a private temporary file is read back and removed.
  char path[] = "/tmp/creditline-report-XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0) return MakeError(ErrorCode::kInternal, "cannot create a temporary file");
  ::close(fd);
  lxw_workbook* workbook = workbook_new(path);
  if (workbook == nullptr) {
    ::unlink(path);
    return MakeError(ErrorCode::kInternal, "cannot create the workbook");
  }
  lxw_format* bold = workbook_add_format(workbook);
  format_set_bold(bold);
  for (const Table& table : report.tables) {
    std::string name = table.name.substr(0, kSheetNameBytesMax);
    lxw_worksheet* sheet = workbook_add_worksheet(workbook, name.c_str());
    for (size_t c = 0; c < table.columns.size(); ++c) {
      worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), table.columns[c].c_str(), bold);
    }
    for (size_t r = 0; r < table.rows.size(); ++r) {
      auto row = static_cast<lxw_row_t>(r + 1);
      for (size_t c = 0; c < table.rows[r].size(); ++c) {
        auto col = static_cast<lxw_col_t>(c);
        const Cell& cell = table.rows[r][c];
        if (const int64_t* number = std::get_if<int64_t>(&cell)) {
          // Excel holds numbers as doubles: exact up to 2^53 minor units (90 trillion).
          worksheet_write_number(sheet, row, col, static_cast<double>(*number), nullptr);
        } else if (const double* decimal = std::get_if<double>(&cell)) {
          worksheet_write_number(sheet, row, col, *decimal, nullptr);
        } else {
          worksheet_write_string(sheet, row, col, std::get<std::string>(cell).c_str(), nullptr);
        }
      }
    }
  }
  lxw_error closed = workbook_close(workbook);
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  ::unlink(path);
  if (closed != LXW_NO_ERROR) {
    return MakeError(ErrorCode::kInternal,
                     std::string("cannot write the workbook: ") + lxw_strerror(closed));
  }
  return bytes.str();
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
      table.rows.push_back({c->customer_id, c->name, c->industry, c->region,
                            std::string(a.currency.code()),
                            FormatAmount(a.base_limit_minor, a.currency),
                            int64_t{a.payment_terms_days}, a.grade});
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
                            std::string(a.currency.code()), FormatAmount(i.amount_minor, a.currency),
                            FormatDate(i.issued_on), FormatDate(i.due_on),
                            FormatAmount(i.open_minor, a.currency)});
    }
  } else {
    return MakeError(ErrorCode::kInvalidArgument,
                     "entity must be customers, limits or invoices (payments are not kept)",
                     "entity");
  }
  return table;
}

}  // namespace creditline::report
