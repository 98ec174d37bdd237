// Reports (JSON, CSV, XLSX), the customer statement (same formats) and activity feed, entity
// export (CSV) and CSV import.
#include <algorithm>
#include <iterator>
#include <limits>

#include "http/handlers.hpp"
#include "http/json_output.hpp"
#include "report/export.hpp"
#include "report/report.hpp"
#include "report/statement.hpp"
#include "service/import.hpp"

namespace creditline::http {
namespace json = boost::json;
using service::Role;

namespace {

constexpr const char* kXlsxType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

json::value CellJson(const report::Cell& cell) {
  if (const int64_t* number = std::get_if<int64_t>(&cell)) return *number;
  if (const double* decimal = std::get_if<double>(&cell)) return *decimal;
  const std::string& text = std::get<std::string>(cell);
  return text.empty() ? json::value(nullptr) : json::value(text);
}

json::object ReportJson(const report::Report& r) {
  json::object out{{"report", r.name}, {"as_of", FormatDate(r.as_of)}};
  for (const report::Table& table : r.tables) {
    json::array rows;
    for (const std::vector<report::Cell>& row : table.rows) {
      json::object item;
      for (size_t i = 0; i < row.size(); ++i) item[table.columns[i]] = CellJson(row[i]);
      rows.push_back(std::move(item));
    }
    out[table.name] = std::move(rows);
  }
  return out;
}

HttpResponse Attachment(std::string body, const char* type, const std::string& file_name) {
  HttpResponse response{200, std::move(body), type, {}};
  response.headers.emplace_back("Content-Disposition",
                                "attachment; filename=\"" + file_name + "\"");
  return response;
}

Result<report::ReportOptions> ReadOptions(Call& call) {
  report::ReportOptions options;
  CL_ASSIGN_OR_RETURN(int64_t limit, QueryInteger(call, "limit", 100, 1, report::kReportRowsMax));
  CL_ASSIGN_OR_RETURN(int64_t window,
                      QueryInteger(call, "window_days", 90, 1, report::kDsoWindowDaysMax));
  CL_ASSIGN_OR_RETURN(int64_t days, QueryInteger(call, "days", 400, 1, kTrendDaysMax));
  options.limit = static_cast<size_t>(limit);
  options.window_days = static_cast<int32_t>(window);
  options.days = static_cast<int32_t>(days);
  if (call.query.count("customer_id")) options.customer_id = call.query["customer_id"];
  if (call.query.count("after")) options.after = call.query["after"];
  return options;
}

// The whole overdue list as CSV or XLSX, read from the engine a page at a time so that no
// single read holds the engine for long; pages follow each other by the keyset cursor, so an
// invoice that stays open is listed exactly once however the list changes in between.
struct OverdueExport {
  Api& api;
  Reply reply;
  bool xlsx = false;
  Date today;
  std::optional<DueIndex::Position> after;
  size_t rows = 0;
  std::string csv;
  std::unique_ptr<report::XlsxWriter> workbook;
};

// Rows per engine read: orders are served between two reads (docs/performance.md has the cost).
constexpr size_t kOverdueExportPageRows = 20'000;
// A response status that only travels between an engine read and its continuation.
constexpr unsigned kOverduePageRead = 102;

void ReadOverduePage(const std::shared_ptr<OverdueExport>& job);

HttpResponse OverduePage(OverdueExport& job, service::EngineContext& context) {
  bool first = job.rows == 0 && !job.after;
  if (first) job.today = context.stamp.today;
  report::ReportOptions options;
  options.today = job.today;
  options.limit = kOverdueExportPageRows;
  options.overdue_after = job.after;
  report::Report page = report::Overdue(context.state, options);
  const report::Table& summary = page.tables.front();
  const report::Table& invoices = page.tables.back();
  if (first && job.xlsx) {
    auto count = static_cast<size_t>(std::get<int64_t>(summary.rows.front().front()));
    if (count > report::kXlsxRowsMax) {
      return ErrorResponse(MakeError(ErrorCode::kPayloadTooLarge,
                                     std::to_string(count) +
                                         " overdue invoices are more than a worksheet holds; "
                                         "use format=csv",
                                     "format"));
    }
  }
  if (first) {
    if (job.xlsx) {
      job.workbook->AddSheet(invoices.name, invoices.columns);
    } else {
      job.csv = report::CsvHeader(invoices.columns);
    }
  }
  if (job.xlsx) {
    job.workbook->AddRows(invoices.rows);
  } else {
    report::AppendCsvRows(invoices.rows, &job.csv);
  }
  job.rows += invoices.rows.size();
  const std::string& next = std::get<std::string>(summary.rows.front().back());
  if (next.empty()) return HttpResponse{200, "", "", {}};
  job.after = report::ParseOverdueCursor(next).value();
  return HttpResponse{kOverduePageRead, "", "", {}};
}

void FinishOverdueExport(OverdueExport& job) {
  std::string base = "overdue-" + FormatDate(job.today) + "-invoices";
  if (!job.xlsx) return job.reply(Attachment(std::move(job.csv), "text/csv", base + ".csv"));
  Result<std::string> bytes = job.workbook->Finish();
  if (!bytes.ok()) return job.reply(ErrorResponse(bytes.error()));
  job.reply(Attachment(std::move(*bytes), kXlsxType, base + ".xlsx"));
}

void ReadOverduePage(const std::shared_ptr<OverdueExport>& job) {
  job->api.Query(
      [job](HttpResponse response) {
        if (response.status == kOverduePageRead) return ReadOverduePage(job);
        if (response.status != 200) return job->reply(std::move(response));
        FinishOverdueExport(*job);
      },
      [job](service::EngineContext& context) { return OverduePage(*job, context); });
}

void ExportOverdue(Api& api, bool xlsx, Reply reply) {
  auto job = std::make_shared<OverdueExport>(OverdueExport{api, std::move(reply), xlsx});
  if (xlsx) {
    Result<std::unique_ptr<report::XlsxWriter>> workbook = report::XlsxWriter::Open(true);
    if (!workbook.ok()) return job->reply(ErrorResponse(workbook.error()));
    job->workbook = std::move(*workbook);
  }
  ReadOverduePage(job);
}
HttpResponse RenderReport(const report::Report& built, const std::string& format,
                          const std::string& section, const std::string& base);

void GetReport(Api& api, Call&& call, Reply reply) {
  std::string name = call.params.at(0);
  Result<report::ReportOptions> options = ReadOptions(call);
  if (!options.ok()) return reply(ErrorResponse(options.error()));
  std::string format = call.query.count("format") ? call.query["format"] : "json";
  if (format != "json" && format != "csv" && format != "xlsx") {
    return reply(ErrorResponse(
        MakeError(ErrorCode::kInvalidArgument, "format must be json, csv or xlsx", "format")));
  }
  if (name == "overdue" && !options->after.empty()) {
    Result<DueIndex::Position> after = report::ParseOverdueCursor(options->after);
    if (!after.ok()) return reply(ErrorResponse(after.error()));
    options->overdue_after = *after;
  }
  // An overdue export without limit or after is the whole list, however long.
  if (name == "overdue" && format != "json" && !call.query.count("limit") &&
      options->after.empty() && !call.query.count("section")) {
    return ExportOverdue(api, format == "xlsx", std::move(reply));
  }
  std::string section = call.query.count("section") ? call.query["section"] : "";
  api.Query(std::move(reply),
            [name, options = *options, format, section](service::EngineContext& context) mutable {
              options.today = context.stamp.today;
              Result<report::Report> built = report::Build(context.state, name, options);
              if (!built.ok()) return ErrorResponse(built.error());
              return RenderReport(*built, format, section, name + "-" + FormatDate(options.today));
            });
}

// A report as JSON, CSV (one section) or XLSX (every section); `format` and `section` are
// checked before.
HttpResponse RenderReport(const report::Report& built, const std::string& format,
                          const std::string& section, const std::string& base) {
  if (format == "xlsx") {
    Result<std::string> bytes = report::ToXlsx(built);
    if (!bytes.ok()) return ErrorResponse(bytes.error());
    return Attachment(std::move(*bytes), kXlsxType, base + ".xlsx");
  }
  if (format == "csv") {
    const report::Table* table = section.empty() ? &built.tables.front() : built.Find(section);
    if (table == nullptr) {
      return ErrorResponse(MakeError(ErrorCode::kInvalidArgument,
                                     "report " + built.name + " has no section '" + section + "'",
                                     "section"));
    }
    return Attachment(report::ToCsv(*table), "text/csv", base + "-" + table->name + ".csv");
  }
  return JsonResponse(200, ReportJson(built));
}

Result<std::optional<Date>> DateParameter(const Call& call, const char* name) {
  auto found = call.query.find(name);
  if (found == call.query.end() || found->second.empty()) return std::optional<Date>();
  Result<Date> date = ParseDate(found->second);
  if (!date.ok()) return MakeError(ErrorCode::kInvalidDate, date.error().message, name);
  return std::optional<Date>(*date);
}

// The slot of the account, or the error a request for it gets.
Result<uint32_t> FindAccount(const State& state, const AccountRef& ref) {
  const Customer* customer = state.FindCustomer(ref.customer_id);
  if (customer == nullptr) {
    return MakeError(ErrorCode::kCustomerNotFound, "no customer " + ref.customer_id, "customer_id");
  }
  for (uint32_t slot : customer->accounts) {
    if (state.accounts()[slot].ref.segment == ref.segment) return slot;
  }
  return MakeError(ErrorCode::kAccountNotFound, "no account " + AccountKey(ref), "segment");
}

// The statement's window: [from, to], by default the 365 days to the business date.
Result<std::pair<Date, Date>> StatementWindow(std::optional<Date> from, std::optional<Date> to,
                                              Date today) {
  Date last = to.value_or(today);
  Date first = from.value_or(AddDays(last, 1 - report::kStatementDaysDefault));
  if (last > today) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "to must not be after the business date " + FormatDate(today), "to");
  }
  if (first > last) return MakeError(ErrorCode::kInvalidArgument, "from is after to", "from");
  if (DaysBetween(first, last) >= report::kStatementDaysMax) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "a statement covers at most " + std::to_string(report::kStatementDaysMax) + " days",
        "from");
  }
  return std::pair{first, last};
}

void GetStatement(Api& api, Call&& call, Reply reply) {
  AccountRef ref{call.params.at(0), call.query.count("segment") ? call.query["segment"] : ""};
  std::string format = call.query.count("format") ? call.query["format"] : "json";
  if (format != "json" && format != "csv" && format != "xlsx") {
    return reply(ErrorResponse(
        MakeError(ErrorCode::kInvalidArgument, "format must be json, csv or xlsx", "format")));
  }
  std::string section = call.query.count("section") ? call.query["section"] : "";
  if (!section.empty() &&
      std::find(std::begin(report::kStatementSections), std::end(report::kStatementSections),
                section) == std::end(report::kStatementSections)) {
    return reply(ErrorResponse(MakeError(
        ErrorCode::kInvalidArgument, "the statement has no section '" + section + "'", "section")));
  }
  Result<std::optional<Date>> from = DateParameter(call, "from");
  if (!from.ok()) return reply(ErrorResponse(from.error()));
  Result<std::optional<Date>> to = DateParameter(call, "to");
  if (!to.ok()) return reply(ErrorResponse(to.error()));
  service::EventFeed* feed = &api.engine().feed();
  api.Query(std::move(reply), [ref, format, section, from = *from, to = *to,
                               feed](service::EngineContext& context) {
    const State& state = context.state;
    Result<std::pair<Date, Date>> window = StatementWindow(from, to, context.stamp.today);
    if (!window.ok()) return ErrorResponse(window.error());
    Result<uint32_t> slot = FindAccount(state, ref);
    if (!slot.ok()) return ErrorResponse(slot.error());
    Result<std::vector<Event>> events = feed->Get(state.accounts()[*slot].history);
    if (!events.ok()) return ErrorResponse(events.error());
    report::StatementOptions options{ref, window->first, window->second, context.stamp.today};
    Result<report::Report> built = report::BuildStatement(state, options, *events);
    if (!built.ok()) return ErrorResponse(built.error());
    std::string base = "statement-" + AccountKey(ref) + "-" + FormatDate(options.to);
    std::replace(base.begin(), base.end(), '/', '-');
    return RenderReport(*built, format, section, base);
  });
}

json::value CellValue(const report::Cell& cell) {
  if (const int64_t* number = std::get_if<int64_t>(&cell)) return *number;
  if (const double* decimal = std::get_if<double>(&cell)) return *decimal;
  return json::string(std::get<std::string>(cell));
}

json::object HistoryEntryJson(const report::HistoryEntry& entry) {
  json::array changes;
  for (const report::FieldChange& change : entry.changes) {
    changes.push_back(json::object{{"field", change.field},
                                   {"before", CellValue(change.before)},
                                   {"after", CellValue(change.after)}});
  }
  return json::object{{"seq", entry.seq},
                      {"time", FormatTimestamp(entry.time)},
                      {"actor", entry.actor},
                      {"type", entry.type},
                      {"segment", entry.segment},
                      {"summary", entry.summary},
                      {"changes", std::move(changes)}};
}

void GetHistory(Api& api, Call&& call, Reply reply) {
  std::string customer_id = call.params.at(0);
  Result<int64_t> after =
      QueryInteger(call, "after", 0, 0, std::numeric_limits<int64_t>::max() / 10);
  if (!after.ok()) return reply(ErrorResponse(after.error()));
  Result<int64_t> limit = QueryInteger(call, "limit", kPageSizeDefault, 1, kPageSizeMax);
  if (!limit.ok()) return reply(ErrorResponse(limit.error()));
  service::EventFeed* feed = &api.engine().feed();
  api.Query(std::move(reply),
            [customer_id, after = static_cast<uint64_t>(*after),
             limit = static_cast<size_t>(*limit), feed](service::EngineContext& context) {
              const State& state = context.state;
              const Customer* customer = state.FindCustomer(customer_id);
              if (customer == nullptr) {
                return ErrorResponse(MakeError(ErrorCode::kCustomerNotFound,
                                               "no customer " + customer_id, "customer_id"));
              }
              // The customer's events: the union of its accounts' history indexes.
              std::vector<uint64_t> seqs;
              for (uint32_t slot : customer->accounts) {
                const std::vector<uint64_t>& history = state.accounts()[slot].history;
                std::vector<uint64_t> merged;
                std::merge(seqs.begin(), seqs.end(), history.begin(), history.end(),
                           std::back_inserter(merged));
                seqs = std::move(merged);
              }
              seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
              // The page needs the events from the first account's opening (for the figures before
              // each change) through the `limit`-th after `after`.
              size_t start = std::upper_bound(seqs.begin(), seqs.end(), after) - seqs.begin();
              size_t total = seqs.size();
              size_t end = std::min(total, start + limit);
              seqs.resize(end);
              Result<std::vector<Event>> events = feed->Get(seqs);
              if (!events.ok()) return ErrorResponse(events.error());
              Result<std::vector<report::HistoryEntry>> entries =
                  report::CustomerHistory(state, customer_id, *events, after, limit);
              if (!entries.ok()) return ErrorResponse(entries.error());
              json::array items;
              for (const report::HistoryEntry& entry : *entries)
                items.push_back(HistoryEntryJson(entry));
              json::value next = nullptr;
              if (!entries->empty() && end < total) next = entries->back().seq;
              return JsonResponse(200, json::object{{"customer_id", customer_id},
                                                    {"entries", std::move(items)},
                                                    {"next_after", std::move(next)}});
            });
}

void GetExport(Api& api, Call&& call, Reply reply) {
  std::string entity = call.params.at(0);
  api.Query(std::move(reply), [entity](service::EngineContext& context) {
    Result<report::Table> table = report::ExportEntity(context.state, entity);
    if (!table.ok()) return ErrorResponse(table.error());
    return Attachment(report::ToCsv(*table), "text/csv", entity + ".csv");
  });
}

json::array ProblemsJson(const std::vector<service::RowProblem>& problems) {
  json::array out;
  for (const service::RowProblem& p : problems) {
    out.push_back(json::object{{"line", p.line}, {"field", p.field}, {"message", p.message}});
  }
  return out;
}

HttpResponse Rejected(size_t count, const std::vector<service::RowProblem>& problems) {
  json::object error{{"code", "import_rejected"},
                     {"message", std::to_string(count) + " bad rows; nothing was imported"},
                     {"field", nullptr}};
  return JsonResponse(
      422, json::object{
               {"error", std::move(error)}, {"bad_rows", count}, {"rows", ProblemsJson(problems)}});
}

void PostImport(Api& api, Call&& call, Reply reply) {
  std::string entity = call.query.count("entity") ? call.query["entity"] : "";
  Result<service::Encoding> encoding =
      service::ParseEncoding(call.query.count("encoding") ? call.query["encoding"] : "auto");
  if (!encoding.ok()) return reply(ErrorResponse(encoding.error()));
  Result<std::string> text = service::DecodeToUtf8(call.request.body, *encoding);
  if (!text.ok()) return reply(ErrorResponse(text.error()));
  Result<service::ParsedImport> parsed = service::ParseImport(entity, *text);
  if (!parsed.ok()) return reply(ErrorResponse(parsed.error()));
  Envelope envelope{"", call.principal.actor(), 0, Date{}};
  api.Query(std::move(reply),
            [parsed = std::move(*parsed), envelope](service::EngineContext& context) mutable {
              envelope.time = context.stamp.time;
              envelope.today = context.stamp.today;
              std::string entity = parsed.entity;
              service::ImportOutcome outcome =
                  service::ApplyImport(context.state, std::move(parsed), envelope, context.events);
              if (outcome.problem_count > 0)
                return Rejected(outcome.problem_count, outcome.problems);
              return JsonResponse(200, json::object{{"entity", entity},
                                                    {"rows", outcome.rows},
                                                    {"imported", outcome.imported},
                                                    {"unchanged", outcome.unchanged},
                                                    {"first_seq", outcome.first_seq},
                                                    {"last_seq", outcome.last_seq}});
            });
}

}  // namespace

void AddReportRoutes(Api& api) {
  api.Add("GET", "/v1/reports/{report}", Role::kAnalyst, GetReport);
  api.Add("GET", "/v1/exports/{entity}", Role::kAnalyst, GetExport);
  api.Add("GET", "/v1/customers/{customer_id}/statement", Role::kAnalyst, GetStatement);
  api.Add("GET", "/v1/customers/{customer_id}/history", Role::kAnalyst, GetHistory);
  api.AddWithoutIdempotencyKey("POST", "/v1/imports", Role::kCreditManager, PostImport);
}

}  // namespace creditline::http
