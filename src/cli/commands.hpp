// Subcommands of the `creditline` executable. Each Add*Command registers a CLI11 subcommand
// whose callback does the work and sets the process exit code. Single-threaded.
#pragma once

#include <CLI/CLI.hpp>

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

}  // namespace creditline::cli
