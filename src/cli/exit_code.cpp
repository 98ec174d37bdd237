#include <cstdio>

#include "cli/commands.hpp"

namespace creditline::cli {
namespace {
int exit_code = 0;
}  // namespace

int ExitCode() { return exit_code; }
void SetExitCode(int code) { exit_code = code; }

int Fail(const Error& error) {
  std::fprintf(stderr, "creditline: %s\n", error.message.c_str());
  return InfoOf(error.code).cli_exit_code;
}

}  // namespace creditline::cli
