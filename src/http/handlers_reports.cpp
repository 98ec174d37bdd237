// Reports (JSON, CSV, XLSX), entity export (CSV) and CSV import.
#include "http/handlers.hpp"
#include "http/json_output.hpp"
#include "report/export.hpp"
#include "report/report.hpp"
#include "service/import.hpp"

namespace creditline::http {
namespace json = boost::json;
using service::Role;

namespace {

constexpr const char* kXlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

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

void GetReport(Api& api, Call&& call, Reply reply) {
  std::string name = call.params.at(0);
  Result<report::ReportOptions> options = ReadOptions(call);
  if (!options.ok()) return reply(ErrorResponse(options.error()));
  std::string format = call.query.count("format") ? call.query["format"] : "json";
  if (format != "json" && format != "csv" && format != "xlsx") {
    return reply(ErrorResponse(
        MakeError(ErrorCode::kInvalidArgument, "format must be json, csv or xlsx", "format")));
  }
  std::string section = call.query.count("section") ? call.query["section"] : "";
  api.Query(std::move(reply), [name, options = *options, format,
                               section](service::EngineContext& context) mutable {
    options.today = context.stamp.today;
    Result<report::Report> built = report::Build(context.state, name, options);
    if (!built.ok()) return ErrorResponse(built.error());
    std::string base = name + "-" + FormatDate(options.today);
    if (format == "xlsx") {
      Result<std::string> bytes = report::ToXlsx(*built);
      if (!bytes.ok()) return ErrorResponse(bytes.error());
      return Attachment(std::move(*bytes), kXlsxType, base + ".xlsx");
    }
    if (format == "csv") {
      const report::Table* table =
          section.empty() ? &built->tables.front() : built->Find(section);
      if (table == nullptr) {
        return ErrorResponse(MakeError(ErrorCode::kInvalidArgument,
                                       "report " + name + " has no section '" + section + "'",
                                       "section"));
      }
      return Attachment(report::ToCsv(*table), "text/csv",
                        base + "-" + table->name + ".csv");
    }
    return JsonResponse(200, ReportJson(*built));
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
  return JsonResponse(422, json::object{{"error", std::move(error)},
                                        {"bad_rows", count},
                                        {"rows", ProblemsJson(problems)}});
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
  api.Query(std::move(reply), [parsed = std::move(*parsed),
                               envelope](service::EngineContext& context) mutable {
    envelope.time = context.stamp.time;
    envelope.today = context.stamp.today;
    std::string entity = parsed.entity;
    service::ImportOutcome outcome =
        service::ApplyImport(context.state, std::move(parsed), envelope, context.events);
    if (outcome.problem_count > 0) return Rejected(outcome.problem_count, outcome.problems);
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
  api.AddWithoutIdempotencyKey("POST", "/v1/imports", Role::kCreditManager, PostImport);
}

}  // namespace creditline::http
