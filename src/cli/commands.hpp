// Subcommands of the `creditline` executable. Each Add*Command registers a CLI11 subcommand
// whose callback does the work and sets the process exit code. Single-threaded.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "core/error.hpp"

namespace creditline::cli {

void AddDemoCommand(CLI::App& app);
void AddBenchmarkCommand(CLI::App& app);
void AddServeCommands(CLI::App& app);                 // init, serve, user
void AddUserCommands(CLI::App& app);                  // user add|passwd|list
void AddHttpBenchmarkCommand(CLI::App& benchmark);    // benchmark http
void AddStoreBenchmarkCommands(CLI::App& benchmark);  // benchmark durable, recovery
void AddReportBenchmarkCommand(CLI::App& benchmark);  // benchmark reports
void AddImportBenchmarkCommand(CLI::App& benchmark);  // benchmark import
void AddDataToolCommands(CLI::App& app);              // import, export

// The exit code set by the subcommand that ran (0 unless it failed).
int ExitCode();
void SetExitCode(int code);
// Prints the error to stderr; returns its CLI exit code.
int Fail(const Error& error);
// Records a change the CLI made to tokens or users in the data directory's admin audit log, as
// the server records those made through the API; the actor is "cli:" and the operating system's
// user. A record that cannot be written is reported and sets the exit code.
void RecordAdminChange(const std::string& data_dir, const char* command,
                       const std::string& subject, boost::json::object after);

}  // namespace creditline::cli
