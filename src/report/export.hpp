// Report and entity export: CSV (RFC 4180, UTF-8) and XLSX (through libxlsxwriter, one
// worksheet per report section). Pure functions; thread-safe.
#pragma once

#include <string>

#include "core/error.hpp"
#include "core/state.hpp"
#include "report/report.hpp"

namespace creditline::report {

// One table as CSV: a header line of column names, then one line per row.
std::string ToCsv(const Table& table);
// The whole report as an XLSX workbook (bytes), one worksheet per section.
Result<std::string> ToXlsx(const Report& report);

// The entities `creditline import` reads, exported in the same columns (import.hpp), so an
// export imports back: customers (with their default account), limits (every account),
// invoices (open ones). Payments are not kept once applied, so they have no export.
inline constexpr const char* kExportEntities[] = {"customers", "limits", "invoices"};
Result<Table> ExportEntity(const State& state, const std::string& entity);

}  // namespace creditline::report
