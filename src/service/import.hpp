// Import of customers, limits, invoices, payments and financials from CSV files, as an ERP exports
// them.
//
// Bytes are decoded to UTF-8 first: UTF-8 with or without a byte-order mark, or GBK/GB18030
// (what Excel in China writes), detected or named. Every row is turned into the command the
// API would send and validated against the state before anything is applied; any bad row
// rejects the whole file, and every bad row is reported with its line number and reason.
// Rows carry idempotency keys derived from their ids, and rows whose entity is already there
// unchanged are skipped, so importing the same file again changes nothing. Pure functions of
// their inputs except Apply, which executes commands on the state it is given (on the engine
// thread, or offline).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/state.hpp"

namespace creditline::service {

enum class Encoding : uint8_t { kAuto, kUtf8, kGb18030 };
Result<Encoding> ParseEncoding(std::string_view text);  // "auto", "utf-8", "gbk", "gb18030"
// Decodes to UTF-8. Auto: a UTF-8 BOM or valid UTF-8 is UTF-8, anything else GB18030.
Result<std::string> DecodeToUtf8(std::string_view bytes, Encoding encoding);

inline constexpr const char* kImportEntities[] = {"customers", "limits", "invoices", "payments",
                                                  "financials"};
// A file holds at most this many rows, bounding the memory of one all-or-nothing import.
inline constexpr size_t kImportRowsMax = 5'000'000;
// At most this many bad rows are listed; the count covers them all.
inline constexpr size_t kImportProblemsListedMax = 1'000;

struct RowProblem {
  uint64_t line = 0;  // 1-based line in the file where the row starts.
  std::string field;  // The column, when one is to blame.
  std::string message;
};

struct ImportRow {
  uint64_t line = 0;
  std::string idempotency_key;  // "import:<entity>:<id>".
  Command command;
};

struct ParsedImport {
  std::string entity;
  std::vector<ImportRow> rows;
  std::vector<RowProblem> problems;
  size_t problem_count = 0;
};

// Parses and checks the rows on their own (columns, ids, amounts, dates, repeated ids).
// `utf8` is the decoded text.
Result<ParsedImport> ParseImport(const std::string& entity, std::string_view utf8);

struct ImportOutcome {
  size_t rows = 0, imported = 0, unchanged = 0;
  uint64_t first_seq = 0, last_seq = 0;  // The events written; 0 when none.
  std::vector<RowProblem> problems;      // Not empty: nothing was imported.
  size_t problem_count = 0;
};

using ImportProgress = std::function<void(const char* phase, size_t done, size_t total)>;

// Validates every row against `state`, then, when all are good, executes them in file order.
// Events go to `events`. `progress` (may be empty) is called every so many rows.
ImportOutcome ApplyImport(State& state, ParsedImport parsed, const Envelope& envelope,
                          std::vector<Event>* events, const ImportProgress& progress = {});

}  // namespace creditline::service
