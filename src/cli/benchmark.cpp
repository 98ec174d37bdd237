#include "cli/commands.hpp"
namespace creditline::cli {
void AddBenchmarkCommand(CLI::App& app) { app.add_subcommand("benchmark", "bench"); }
}
