// `creditline import`, `creditline export`, `creditline benchmark import` and
// `creditline benchmark reports`.
//
// Import and export work on a data directory offline, like `verify` and `backup`: import
// recovers the state, runs the rows through an engine with the journal (so its events are
// journaled exactly as the API would write them) and stops, taking a closing snapshot.
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/storage.hpp"
#include "report/export.hpp"
#include "report/report.hpp"
#include "service/calendar.hpp"
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

// What one import did, or why it did nothing.
struct ImportRun {
  std::optional<Error> error;      // The file or the store could not be read.
  service::ImportOutcome outcome;  // problem_count > 0: rejected, nothing imported.
  double seconds = 0;
};

// An offline import takes its snapshot when it stops, in this process, and none before: a
// snapshot forked right after a million-row batch costs more than it saves, as the child's
// copy-on-write pages are copied while the journal commits and the state is freed.
service::SnapshotSchedule ImportSnapshotSchedule() {
  service::SnapshotSchedule schedule;
  schedule.every_events = 0;
  schedule.every_ms = 0;
  return schedule;
}

// Reads, decodes and parses the file: the part of an import that needs no state.
Result<service::ParsedImport> ParseFile(const DataToolOptions& options) {
  CL_ASSIGN_OR_RETURN(service::Encoding encoding, service::ParseEncoding(options.encoding));
  CL_ASSIGN_OR_RETURN(std::string bytes, ReadFile(options.file));
  CL_ASSIGN_OR_RETURN(std::string text, service::DecodeToUtf8(bytes, encoding));
  bytes.clear();
  bytes.shrink_to_fit();
  return service::ParseImport(options.entity, text);
}

ImportRun ImportFile(const DataToolOptions& options, bool show_progress) {
  Clock::time_point begin = Clock::now();
  ImportRun run;
  auto failed = [&run](const Error& error) {
    run.error = error;
    return run;
  };
  Result<std::unique_ptr<service::DataDirLock>> lock =
      service::DataDirLock::Acquire(options.data_dir);
  if (!lock.ok()) return failed(lock.error());
  // The file is parsed on a second thread while this one recovers the state: neither needs
  // the other, and each takes seconds for a million rows.
  std::future<Result<service::ParsedImport>> parsing =
      std::async(std::launch::async, [&options] { return ParseFile(options); });
  Result<OpenedStore> opened =
      OpenAndRecover(options.data_dir, options.store_url, ImportSnapshotSchedule(), 3);
  Result<service::ParsedImport> parsed = parsing.get();
  if (!parsed.ok()) return failed(parsed.error());
  if (!opened.ok()) return failed(opened.error());
  if (show_progress) {
    std::fprintf(stderr, "read %zu rows from %s\n", parsed->rows.size() + parsed->problem_count,
                 options.file.c_str());
  }
  Result<service::BusinessCalendar> calendar = service::BusinessCalendar::ForZone("UTC");
  service::Engine engine(*calendar, std::move(opened->state), std::move(opened->durability));
  engine.Start();
  std::promise<service::ImportOutcome> done;
  std::future<service::ImportOutcome> outcome_future = done.get_future();
  auto shared = std::make_shared<service::ParsedImport>(std::move(*parsed));
  std::string actor = options.actor;
  service::ImportProgress progress;
  if (show_progress) {
    progress = [](const char* phase, size_t done_rows, size_t total) {
      std::fprintf(stderr, "%s %zu of %zu rows\n", phase, done_rows, total);
    };
  }
  engine.Submit(
      [&done, shared, actor, progress](service::EngineContext& context) -> service::Continuation {
        Envelope envelope{"", actor, context.stamp.time, context.stamp.today};
        auto outcome = std::make_shared<service::ImportOutcome>(service::ApplyImport(
            context.state, std::move(*shared), envelope, context.events, progress));
        return [&done, outcome](bool durable) {
          if (!durable) {
            outcome->problems.push_back({0, "", "the journal failed"});
            ++outcome->problem_count;
          }
          done.set_value(std::move(*outcome));
        };
      });
  run.outcome = outcome_future.get();
  engine.Stop();
  run.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  return run;
}

void RunImport(const DataToolOptions& options) {
  ImportRun run = ImportFile(options, true);
  if (run.error) return SetExitCode(Fail(*run.error));
  const service::ImportOutcome& outcome = run.outcome;
  if (outcome.problem_count > 0) {
    PrintProblems(outcome.problems, outcome.problem_count);
    return SetExitCode(InfoOf(ErrorCode::kImportRejected).cli_exit_code);
  }
  std::printf("imported %zu %s, %zu unchanged, in %.1f s\n", outcome.imported,
              options.entity.c_str(), outcome.unchanged, run.seconds);
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

struct ImportBenchmarkOptions {
  size_t rows = 1'000'000;
  size_t customers = 0;  // 0: as many as rows.
  int runs = 3;
  std::string dir;  // Where the files and data directories go; empty: a new temporary one.
};

double Median(std::vector<double> values);

// Writes `customers.csv` and `invoices.csv` as an ERP would export them.
Status WriteImportFiles(const std::filesystem::path& dir, size_t customers, size_t rows,
                        Date today) {
  std::ofstream out(dir / "customers.csv", std::ios::binary | std::ios::trunc);
  out << "customer_id,name,currency,limit,industry,region,payment_terms_days\n";
  const char* regions[] = {"east", "north", "south", "west"};
  for (size_t c = 0; c < customers; ++c) {
    out << 'C' << c << ",Customer " << c << " Ltd,CNY," << 100'000 + (c % 90) * 10'000
        << ".00,industry-" << c % 20 << ',' << regions[c % 4] << ',' << 30 + (c % 3) * 15 << '\n';
  }
  if (!out.flush()) return MakeError(ErrorCode::kStorageError, "cannot write customers.csv");
  out.close();
  out.open(dir / "invoices.csv", std::ios::binary | std::ios::trunc);
  out << "invoice_id,customer_id,currency,amount,issued_on\n";
  for (size_t i = 0; i < rows; ++i) {
    out << "INV" << i << ",C" << (i * 7919) % customers << ",CNY," << 100 + i % 5000 << '.'
        << (i % 10) << "0," << FormatDate(AddDays(today, -static_cast<int32_t>(i % 200))) << '\n';
  }
  if (!out.flush()) return MakeError(ErrorCode::kStorageError, "cannot write invoices.csv");
  return Status::Ok();
}

// Imports `entity` from `file` into `data_dir`; the seconds it took, or exits on failure.
std::optional<double> TimedImport(const std::string& data_dir, const std::string& entity,
                                  const std::filesystem::path& file) {
  DataToolOptions options;
  options.data_dir = data_dir;
  options.entity = entity;
  options.file = file.string();
  ImportRun run = ImportFile(options, false);
  if (run.error) {
    SetExitCode(Fail(*run.error));
    return std::nullopt;
  }
  if (run.outcome.problem_count > 0) {
    PrintProblems(run.outcome.problems, run.outcome.problem_count);
    SetExitCode(InfoOf(ErrorCode::kImportRejected).cli_exit_code);
    return std::nullopt;
  }
  return run.seconds;
}

void RunImportBenchmark(const ImportBenchmarkOptions& options) {
  size_t customers = options.customers == 0 ? options.rows : options.customers;
  std::filesystem::path root = options.dir;
  bool temporary = root.empty();
  if (temporary) {
    char pattern[] = "/tmp/creditline-import-bench-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
      return SetExitCode(Fail(MakeError(ErrorCode::kStorageError, "cannot create a directory")));
    }
    root = pattern;
  }
  Date today = DateOf(service::SystemNowMs(), 0);
  Clock::time_point begin = Clock::now();
  Status written = WriteImportFiles(root, customers, options.rows, today);
  if (!written.ok()) return SetExitCode(Fail(written.error()));
  std::fprintf(stderr, "wrote %zu customers and %zu invoices in %.1f s to %s\n", customers,
               options.rows, std::chrono::duration<double>(Clock::now() - begin).count(),
               root.c_str());
  std::vector<double> customer_s, invoice_s;
  for (int r = 0; r < options.runs; ++r) {
    std::string data_dir = (root / ("data-" + std::to_string(r))).string();
    std::filesystem::remove_all(data_dir);
    std::filesystem::create_directories(data_dir);
    Result<std::unique_ptr<store::Store>> created = OpenStore(data_dir, "", true);
    if (!created.ok()) return SetExitCode(Fail(created.error()));
    created->reset();
    std::optional<double> c = TimedImport(data_dir, "customers", root / "customers.csv");
    if (!c) return;
    std::optional<double> i = TimedImport(data_dir, "invoices", root / "invoices.csv");
    if (!i) return;
    std::fprintf(stderr, "run %d: customers %.2f s, invoices %.2f s\n", r + 1, *c, *i);
    customer_s.push_back(*c);
    invoice_s.push_back(*i);
    std::filesystem::remove_all(data_dir);
  }
  if (temporary) std::filesystem::remove_all(root);
  double c = Median(customer_s), i = Median(invoice_s);
  std::printf(
      "{\"suite\":\"import\",\"customers\":%zu,\"invoices\":%zu,\"runs\":%d,"
      "\"customers_seconds\":%.2f,\"invoices_seconds\":%.2f,"
      "\"customers_rows_per_second\":%.0f,\"invoices_rows_per_second\":%.0f}\n",
      customers, options.rows, options.runs, c, i, customers / c, options.rows / i);
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
    CreateCustomer customer{id, id,     "industry-" + std::to_string(c % 20), regions[c % 4],
                            {}, account};
    Result<CommandResult> done = state.Execute(env, customer);
    if (!done.ok()) return SetExitCode(Fail(done.error()));
  }
  for (size_t i = 0; i < options.invoices; ++i) {
    CreateInvoice invoice{"I" + std::to_string(i),
                          AccountRef{"C" + std::to_string(i % options.customers), ""}, "",
                          Money{int64_t(1000 + i % 5000) * 100, Currency::Of("CNY")},
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
  // The overdue list: its first page, a page from the middle (by cursor), and every page of
  // 20,000 in turn, as the whole-list export reads it.
  double overdue = time_ms([&] { return report::Overdue(state, report_options); });
  report::ReportOptions middle = report_options;
  middle.limit = state.due_index().size() / 2 + 1;
  report::Report half = report::Overdue(state, middle);
  std::string cursor = std::get<std::string>(half.tables.front().rows.front().back());
  if (!cursor.empty()) middle.overdue_after = report::ParseOverdueCursor(cursor).value();
  middle.limit = report_options.limit;
  double overdue_middle = time_ms([&] { return report::Overdue(state, middle); });
  size_t pages = 0;
  double overdue_all = time_ms([&] {
    report::ReportOptions walk = report_options;
    walk.limit = 20'000;
    report::Report page = report::Overdue(state, walk);
    for (pages = 1;; ++pages) {
      const std::string& next = std::get<std::string>(page.tables.front().rows.front().back());
      if (next.empty()) break;
      walk.overdue_after = report::ParseOverdueCursor(next).value();
      page = report::Overdue(state, walk);
    }
    return page;
  });
  std::printf(
      "median of %d runs: portfolio %.3f ms, aging %.3f ms, concentration %.1f ms, overdue "
      "first page of %zu %.3f ms, a middle page %.3f ms, all %zu pages of 20,000 %.1f ms\n",
      options.runs, portfolio, aging, concentration, report_options.limit, overdue, overdue_middle,
      pages, overdue_all);
  std::printf(
      "{\"suite\":\"reports\",\"customers\":%zu,\"invoices\":%zu,\"portfolio_ms\":%.3f,"
      "\"aging_ms\":%.3f,\"concentration_ms\":%.1f,\"overdue_page_ms\":%.3f,"
      "\"overdue_middle_page_ms\":%.3f,\"overdue_all_pages_ms\":%.1f}\n",
      options.customers, options.invoices, portfolio, aging, concentration, overdue, overdue_middle,
      overdue_all);
}

}  // namespace

void AddDataToolCommands(CLI::App& app) {
  static DataToolOptions import_options;
  CLI::App* import = app.add_subcommand(
      "import",
      "Import customers, limits, invoices, payments or financials from a CSV file (offline)");
  import
      ->add_option("entity", import_options.entity,
                   "customers, limits, invoices, payments or financials")
      ->required()
      ->check(CLI::IsMember({"customers", "limits", "invoices", "payments", "financials"}));
  import->add_option("file", import_options.file, "The CSV file")->required();
  import->add_option("--data", import_options.data_dir, "Data directory")->capture_default_str();
  AddStoreOption(*import, import_options.store_url);
  import
      ->add_option("--encoding", import_options.encoding,
                   "auto (UTF-8 with or without BOM, else GB18030), utf-8, gbk or gb18030")
      ->capture_default_str();
  import->callback([] { RunImport(import_options);
});

static DataToolOptions export_options;
CLI::App* exporter = app.add_subcommand(
    "export", "Export customers, limits, open invoices or financials as CSV (offline)");
exporter->add_option("entity", export_options.entity, "customers, limits, invoices or financials")
    ->required()
    ->check(CLI::IsMember({"customers", "limits", "invoices", "financials"}));
exporter->add_option("file", export_options.file, "Output CSV file")->required();
exporter->add_option("--data", export_options.data_dir, "Data directory")->capture_default_str();
AddStoreOption(*exporter, export_options.store_url);
exporter->callback([] { RunExport(export_options); });
}  // namespace creditline::cli

void AddImportBenchmarkCommand(CLI::App& benchmark) {
  static ImportBenchmarkOptions options;
  CLI::App* import = benchmark.add_subcommand(
      "import",
      "Generate customer and invoice CSV files and time `creditline import` of each into a "
      "fresh data directory (median of the runs)");
  import->add_option("--rows", options.rows, "Invoice rows")
      ->check(CLI::Range(1, 5'000'000))
      ->capture_default_str();
  import->add_option("--customers", options.customers, "Customer rows (0: as many as --rows)")
      ->check(CLI::Range(0, 5'000'000))
      ->capture_default_str();
  import->add_option("--runs", options.runs, "Runs (median)")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  import->add_option("--dir", options.dir,
                     "Directory for the files and data directories (default: a temporary one, "
                     "removed after)");
  import->callback([] { RunImportBenchmark(options);
});
}

void AddReportBenchmarkCommand(CLI::App& benchmark) {
  static ReportBenchmarkOptions options;
  CLI::App* reports = benchmark.add_subcommand(
      "reports",
      "Portfolio, aging, concentration and overdue list pages over a generated portfolio, in "
      "process");
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
