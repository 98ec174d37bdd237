// `creditline import`, `creditline export` and `creditline benchmark reports`.
//
// Import and export work on a data directory offline, like `verify` and `backup`: import
// recovers the state, runs the rows through an engine with the journal (so its events are
// journaled exactly as the API would write them) and stops, taking a closing snapshot.
#include <chrono>
#include <cstdio>
#include <algorithm>
#include <fstream>
#include <future>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/storage.hpp"
#include "report/export.hpp"
#include "report/report.hpp"
#include "service/data_dir.hpp"
#include "service/import.hpp"

namespace creditline::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct DataToolOptions {
  std::string data_dir = "data";
  std::string store_url;
  std::string entity, file, encoding = "auto", actor = "cli:import";
};

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kInvalidArgument, "cannot read " + path, "file");
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void PrintProblems(const std::vector<service::RowProblem>& problems, size_t count) {
  for (const service::RowProblem& p : problems) {
    std::fprintf(stderr, "line %llu%s%s: %s\n", static_cast<unsigned long long>(p.line),
                 p.field.empty() ? "" : ": ", p.field.c_str(), p.message.c_str());
  }
  if (count > problems.size()) {
    std::fprintf(stderr, "... and %zu more bad rows\n", count - problems.size());
  }
  std::fprintf(stderr, "import rejected: %zu bad rows; nothing was imported\n", count);
}

void RunImport(const DataToolOptions& options) {
  Clock::time_point begin = Clock::now();
  Result<service::Encoding> encoding = service::ParseEncoding(options.encoding);
  if (!encoding.ok()) return SetExitCode(Fail(encoding.error()));
  Result<std::string> bytes = ReadFile(options.file);
  if (!bytes.ok()) return SetExitCode(Fail(bytes.error()));
  Result<std::string> text = service::DecodeToUtf8(*bytes, *encoding);
  if (!text.ok()) return SetExitCode(Fail(text.error()));
  Result<service::ParsedImport> parsed = service::ParseImport(options.entity, *text);
  if (!parsed.ok()) return SetExitCode(Fail(parsed.error()));
  std::fprintf(stderr, "read %zu rows from %s\n", parsed->rows.size() + parsed->problem_count,
               options.file.c_str());
  Result<std::unique_ptr<service::DataDirLock>> lock =
      service::DataDirLock::Acquire(options.data_dir);
  if (!lock.ok()) return SetExitCode(Fail(lock.error()));
  Result<OpenedStore> opened = OpenAndRecover(options.data_dir, options.store_url, {}, 3);
  if (!opened.ok()) return SetExitCode(Fail(opened.error()));
  Result<service::BusinessCalendar> calendar = service::BusinessCalendar::ForZone("UTC");
  service::Engine engine(*calendar, std::move(opened->state), std::move(opened->durability));
  engine.Start();
  std::promise<service::ImportOutcome> done;
  std::future<service::ImportOutcome> outcome_future = done.get_future();
  auto shared = std::make_shared<service::ParsedImport>(std::move(*parsed));
  std::string actor = options.actor;
  engine.Submit([&done, shared, actor](service::EngineContext& context) -> service::Continuation {
    Envelope envelope{"", actor, context.stamp.time, context.stamp.today};
    auto outcome = std::make_shared<service::ImportOutcome>(service::ApplyImport(
        context.state, std::move(*shared), envelope, context.events,
        [](const char* phase, size_t done_rows, size_t total) {
          std::fprintf(stderr, "%s %zu of %zu rows\n", phase, done_rows, total);
        }));
    return [&done, outcome](bool durable) {
      if (!durable) outcome->problems.push_back({0, "", "the journal failed"});
      done.set_value(std::move(*outcome));
    };
  });
  service::ImportOutcome outcome = outcome_future.get();
  engine.Stop();
  if (outcome.problem_count > 0) {
    PrintProblems(outcome.problems, outcome.problem_count);
    return SetExitCode(InfoOf(ErrorCode::kImportRejected).cli_exit_code);
  }
  double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  std::printf("imported %zu %s, %zu unchanged, in %.1f s\n", outcome.imported,
              options.entity.c_str(), outcome.unchanged, seconds);
}

void RunExport(const DataToolOptions& options) {
  Result<std::unique_ptr<service::DataDirLock>> lock =
      service::DataDirLock::Acquire(options.data_dir);
  if (!lock.ok()) return SetExitCode(Fail(lock.error()));
  Result<OpenedStore> opened = OpenAndRecover(options.data_dir, options.store_url, {}, 3);
  if (!opened.ok()) return SetExitCode(Fail(opened.error()));
  Result<report::Table> table = report::ExportEntity(opened->state, options.entity);
  if (!table.ok()) return SetExitCode(Fail(table.error()));
  std::string csv = report::ToCsv(*table);
  std::ofstream out(options.file, std::ios::binary | std::ios::trunc);
  out << csv;
  if (!out.flush()) {
    return SetExitCode(Fail(MakeError(ErrorCode::kStorageError, "cannot write " + options.file)));
  }
  std::fprintf(stderr, "exported %zu %s to %s\n", table->rows.size(), options.entity.c_str(),
               options.file.c_str());
}

struct ReportBenchmarkOptions {
  size_t customers = 100'000;
  size_t invoices = 1'000'000;
  int runs = 5;
};

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void RunReportBenchmark(const ReportBenchmarkOptions& options) {
  State state;
  Envelope env{"", "benchmark", 1'800'000'000'000, DateOf(1'800'000'000'000, 0)};
  const char* grades[] = {"AAA", "AA", "A", "BBB", "BB", "B", "C"};
  const char* regions[] = {"east", "north", "south", "west"};
  Clock::time_point begin = Clock::now();
  for (size_t c = 0; c < options.customers; ++c) {
    std::string id = "C" + std::to_string(c);
    OpenAccount account{AccountRef{id, ""}, Currency::Of("CNY"), 1'000'000'00};
    account.grade = grades[c % 7];
    CreateCustomer customer{id, id, "industry-" + std::to_string(c % 20), regions[c % 4], {},
                            account};
    Result<CommandResult> done = state.Execute(env, customer);
    if (!done.ok()) return SetExitCode(Fail(done.error()));
  }
  for (size_t i = 0; i < options.invoices; ++i) {
    CreateInvoice invoice{"I" + std::to_string(i), AccountRef{"C" + std::to_string(i % options.customers), ""},
                          "", Money{int64_t(1000 + i % 5000) * 100, Currency::Of("CNY")},
                          AddDays(env.today, -static_cast<int32_t>(i % 200))};
    Result<CommandResult> done = state.Execute(env, invoice);
    if (!done.ok()) return SetExitCode(Fail(done.error()));
  }
  double build_s = std::chrono::duration<double>(Clock::now() - begin).count();
  std::printf("built %zu customers and %zu open invoices in %.1f s\n", options.customers,
              options.invoices, build_s);
  report::ReportOptions report_options;
  report_options.today = env.today;
  auto time_ms = [&](auto&& build) {
    std::vector<double> runs;
    for (int r = 0; r < options.runs; ++r) {
      Clock::time_point start = Clock::now();
      report::Report built = build();
      runs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      if (built.tables.empty()) std::abort();
    }
    return Median(runs);
  };
  double portfolio = time_ms([&] { return report::Portfolio(state, report_options); });
  double aging = time_ms([&] { return report::Aging(state, report_options); });
  double concentration = time_ms([&] { return report::Concentration(state, report_options); });
  double overdue = time_ms([&] { return report::Overdue(state, report_options); });
  std::printf("median of %d runs: portfolio %.3f ms, aging %.3f ms, concentration %.1f ms, "
              "overdue list %.1f ms\n",
              options.runs, portfolio, aging, concentration, overdue);
  std::printf("{\"suite\":\"reports\",\"customers\":%zu,\"invoices\":%zu,\"portfolio_ms\":%.3f,"
              "\"aging_ms\":%.3f,\"concentration_ms\":%.1f,\"overdue_ms\":%.1f}\n",
              options.customers, options.invoices, portfolio, aging, concentration, overdue);
}

}  // namespace

void AddDataToolCommands(CLI::App& app) {
  static DataToolOptions import_options;
  CLI::App* import = app.add_subcommand(
      "import", "Import customers, limits, invoices or payments from a CSV file (offline)");
  import->add_option("entity", import_options.entity, "customers, limits, invoices or payments")
      ->required()
      ->check(CLI::IsMember({"customers", "limits", "invoices", "payments"}));
  import->add_option("file", import_options.file, "The CSV file")->required();
  import->add_option("--data", import_options.data_dir, "Data directory")->capture_default_str();
  AddStoreOption(*import, import_options.store_url);
  import
      ->add_option("--encoding", import_options.encoding,
                   "auto (UTF-8 with or without BOM, else GB18030), utf-8, gbk or gb18030")
      ->capture_default_str();
  import->callback([] { RunImport(import_options); });

  static DataToolOptions export_options;
  CLI::App* exporter =
      app.add_subcommand("export", "Export customers, limits or open invoices as CSV (offline)");
  exporter->add_option("entity", export_options.entity, "customers, limits or invoices")
      ->required()
      ->check(CLI::IsMember({"customers", "limits", "invoices"}));
  exporter->add_option("file", export_options.file, "Output CSV file")->required();
  exporter->add_option("--data", export_options.data_dir, "Data directory")->capture_default_str();
  AddStoreOption(*exporter, export_options.store_url);
  exporter->callback([] { RunExport(export_options); });
}

void AddReportBenchmarkCommand(CLI::App& benchmark) {
  static ReportBenchmarkOptions options;
  CLI::App* reports = benchmark.add_subcommand(
      "reports", "Portfolio summary and aging over a generated portfolio, in process");
  reports->add_option("--customers", options.customers, "Customers (one account each)")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  reports->add_option("--invoices", options.invoices, "Open invoices")
      ->check(CLI::Range(0, 100'000'000))
      ->capture_default_str();
  reports->add_option("--runs", options.runs, "Timed runs per report (median)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  reports->callback([] { RunReportBenchmark(options); });
}

}  // namespace creditline::cli
