#include "cli/commands.hpp"

namespace creditline::cli {
namespace {
int exit_code = 0;
}  // namespace

int ExitCode() { return exit_code; }
void SetExitCode(int code) { exit_code = code; }

}  // namespace creditline::cli
