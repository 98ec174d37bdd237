// The `creditline` executable: one binary, one subcommand per task, each with --help.
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/review.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Creditline: real-time customer credit limit management"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "creditline 0.1.0");
  creditline::cli::AddDemoCommand(app);
  creditline::cli::AddServeCommands(app);
  creditline::cli::AddBenchmarkCommand(app);
  creditline::cli::AddReviewCommand(app);
  creditline::cli::AddDataToolCommands(app);
  CLI11_PARSE(app, argc, argv);
  return creditline::cli::ExitCode();
}
