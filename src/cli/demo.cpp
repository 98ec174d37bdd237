#include "cli/commands.hpp"
namespace creditline::cli {
void AddDemoCommand(CLI::App& app) { app.add_subcommand("demo", "demo"); }
}
