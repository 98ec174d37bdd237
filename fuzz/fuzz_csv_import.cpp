// Fuzzes CSV import (service/import.hpp): decoding from each encoding, parsing each entity and
// applying the rows to a small state with real customers. A refused file must change nothing.
//
// Input: one byte choosing the entity (low two bits) and the encoding (the next bits), then the
// file's bytes.
#include <cstdint>
#include <iterator>
#include <vector>

#include "fuzz_support.hpp"
#include "service/import.hpp"

// The small state's snapshot is built before the first input (from the demo portfolio, which
// takes seconds under the sanitizers), not counted against the first input's timeout.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  creditline::fuzz::SmallStateSnapshot();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace creditline;
  using namespace creditline::service;
  if (size < 1) return 0;
  const char* entity = kImportEntities[data[0] % std::size(kImportEntities)];
  constexpr Encoding kEncodings[] = {Encoding::kAuto, Encoding::kUtf8, Encoding::kGb18030};
  Encoding encoding = kEncodings[(data[0] / std::size(kImportEntities)) % std::size(kEncodings)];
  Result<std::string> utf8 = DecodeToUtf8(fuzz::Bytes(data + 1, size - 1), encoding);
  if (!utf8.ok()) return 0;
  Result<ParsedImport> parsed = ParseImport(entity, *utf8);
  if (!parsed.ok()) return 0;
  std::unique_ptr<State> state = fuzz::FreshSmallState();
  uint64_t hash = state->StateHash();
  uint64_t seq = state->last_seq();
  bool had_problems = !parsed->problems.empty();
  std::vector<Event> events;
  Envelope envelope{"", "fuzz", fuzz::kFuzzNowMs, fuzz::kFuzzToday};
  ImportOutcome outcome = ApplyImport(*state, std::move(*parsed), envelope, &events);
  if ((had_problems || !outcome.problems.empty()) &&
      (state->StateHash() != hash || state->last_seq() != seq || !events.empty())) {
    fuzz::Fail("a refused import changed the state");
  }
  if (outcome.problems.empty() && events.size() != outcome.imported) {
    fuzz::Fail("an import's events do not match its imported count");
  }
  return 0;
}
