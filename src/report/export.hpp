// Report and entity export: CSV (RFC 4180, UTF-8) and XLSX (through libxlsxwriter, one
// worksheet per report section). Pure functions; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/state.hpp"
#include "report/report.hpp"

// libxlsxwriter's handles, declared here so that only export.cpp includes its headers.
struct lxw_workbook;
struct lxw_worksheet;
struct lxw_format;

namespace creditline::report {

// One table as CSV: a header line of column names, then one line per row.
std::string ToCsv(const Table& table);
// The parts of ToCsv, for a table written in pieces.
std::string CsvHeader(const std::vector<std::string>& columns);
void AppendCsvRows(const std::vector<std::vector<Cell>>& rows, std::string* out);
// The whole report as an XLSX workbook (bytes), one worksheet per section.
Result<std::string> ToXlsx(const Report& report);

// An XLSX workbook written a sheet and a batch of rows at a time, for lists too long to hold as
// one Table. With `constant_memory` libxlsxwriter flushes each row as it is written, so memory
// stays flat whatever the length. One writer per export; not thread-safe, but it may move
// between threads between calls.
class XlsxWriter {
 public:
  static Result<std::unique_ptr<XlsxWriter>> Open(bool constant_memory);
  ~XlsxWriter();
  XlsxWriter(const XlsxWriter&) = delete;
  XlsxWriter& operator=(const XlsxWriter&) = delete;

  // Starts a worksheet with a bold header row; later rows go to it.
  void AddSheet(const std::string& name, const std::vector<std::string>& columns);
  void AddRows(const std::vector<std::vector<Cell>>& rows);
  // Closes the workbook and returns its bytes.
  Result<std::string> Finish();

 private:
  XlsxWriter() = default;
  char path_[64] = {};
  ::lxw_workbook* workbook_ = nullptr;
  ::lxw_worksheet* sheet_ = nullptr;
  ::lxw_format* bold_ = nullptr;
  size_t next_row_ = 0;
};
// The most rows a worksheet holds (Excel's limit), less the header row.
inline constexpr size_t kXlsxRowsMax = 1'048'575;

// The entities `creditline import` reads, exported in the same columns (import.hpp), so an
// export imports back: customers (with their default account), limits (every account),
// invoices (open ones), financials (every period kept). Payments are not kept once applied, so they
// have no export.
inline constexpr const char* kExportEntities[] = {"customers", "limits", "invoices", "financials"};
Result<Table> ExportEntity(const State& state, const std::string& entity);

}  // namespace creditline::report
