// A driver for the fuzz targets without libFuzzer, for CI: built with the normal compiler and
// libraries, it runs a target's LLVMFuzzerTestOneInput over every seed of its corpus, then over
// random mutations of the seeds (bit flips, byte changes, insertions, deletions, splices) until
// a fixed time has passed. The coverage-guided runs under ASan and UBSan need the clang build
// (scripts/fuzz), which does not fit CI's time; this keeps every target's entry point and its
// invariants exercised on each change. A crash or a broken invariant aborts the process after
// the input that caused it is written to ./fuzz-smoke-crash-<pid> (docs/hardening.md).
//
//   fuzz_smoke_TARGET [--seconds N] [--seed N] CORPUS_DIR
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

// Mutated inputs stay below this: the targets' interesting inputs are small.
constexpr size_t kInputBytesMax = 64 * 1024;
// Edits applied to a seed per mutated input, at most.
constexpr int kEditsMax = 8;

// The input being run, for the crash handler.
const std::string* g_current = nullptr;

void OnCrash(int signal) {
  char name[64];
  std::snprintf(name, sizeof name, "fuzz-smoke-crash-%d", static_cast<int>(getpid()));
  if (g_current != nullptr) {
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ssize_t ignored = write(fd, g_current->data(), g_current->size());
      (void)ignored;
      close(fd);
    }
    static const char kMessage[] = "fuzz-smoke: the failing input is in ./fuzz-smoke-crash-<pid>\n";
    ssize_t ignored = write(2, kMessage, sizeof kMessage - 1);
    (void)ignored;
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

void Run(const std::string& input) {
  g_current = &input;
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  g_current = nullptr;
}

std::string Mutate(const std::vector<std::string>& seeds, std::mt19937_64& random) {
  std::string input = seeds[random() % seeds.size()];
  int edits = 1 + static_cast<int>(random() % kEditsMax);
  for (int i = 0; i < edits; ++i) {
    size_t at = input.empty() ? 0 : random() % input.size();
    switch (random() % 6) {
      case 0:  // Flip a bit.
        if (!input.empty()) input[at] = static_cast<char>(input[at] ^ (1 << (random() % 8)));
        break;
      case 1:  // An interesting byte: bounds, separators, digits.
        if (!input.empty()) {
          static constexpr char kBytes[] = {0, 1, '\x7f', '\x80', '\xff', '"', ',', ':',
                                            '{', '}', '[', ']', '\n', '-', '9', '0'};
          input[at] = kBytes[random() % sizeof kBytes];
        }
        break;
      case 2:  // Insert random bytes.
        input.insert(at, std::string(1 + random() % 8, static_cast<char>(random())));
        break;
      case 3:  // Delete a run.
        if (!input.empty()) input.erase(at, 1 + random() % 16);
        break;
      case 4: {  // Splice in a piece of another seed.
        const std::string& other = seeds[random() % seeds.size()];
        if (other.empty()) break;
        size_t from = random() % other.size();
        input.insert(at, other.substr(from, 1 + random() % 64));
        break;
      }
      default:  // Duplicate a piece of the input itself.
        if (!input.empty()) input.insert(at, input.substr(random() % input.size(), 32));
        break;
    }
  }
  if (input.size() > kInputBytesMax) input.resize(kInputBytesMax);
  return input;
}

int Usage() {
  std::fprintf(stderr, "usage: fuzz_smoke_TARGET [--seconds N] [--seed N] CORPUS_DIR\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 10;
  uint64_t seed = 1;
  std::string corpus;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--seconds" || arg == "--seed") && i + 1 < argc) {
      char* end = nullptr;
      double value = std::strtod(argv[++i], &end);
      if (*end != '\0' || value < 0) return Usage();
      if (arg == "--seconds") seconds = value;
      if (arg == "--seed") seed = static_cast<uint64_t>(value);
    } else if (corpus.empty() && !arg.starts_with("--")) {
      corpus = arg;
    } else {
      return Usage();
    }
  }
  if (corpus.empty()) return Usage();
  std::vector<std::string> seeds;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(corpus, error)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (error || seeds.empty()) {
    std::fprintf(stderr, "fuzz-smoke: no seeds in %s\n", corpus.c_str());
    return 2;
  }
  std::signal(SIGABRT, OnCrash);
  std::signal(SIGSEGV, OnCrash);
  std::signal(SIGBUS, OnCrash);
  std::signal(SIGFPE, OnCrash);
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  auto begin = std::chrono::steady_clock::now();
  for (const std::string& input : seeds) Run(input);
  std::mt19937_64 random(seed);
  uint64_t runs = seeds.size();
  auto deadline = begin + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 64; ++i, ++runs) Run(Mutate(seeds, random));
  }
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::printf("fuzz-smoke: %zu seeds and %llu inputs in all, %.1f s, nothing found\n",
              seeds.size(), static_cast<unsigned long long>(runs), took);
  return 0;
}
