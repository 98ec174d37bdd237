// Fuzzes snapshot decoding (core/snapshot.hpp): any bytes must be refused with an error, or
// decode into a state whose snapshot decodes again to the same StateHash and the same bytes.
#include <cstdint>

#include "core/snapshot.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace creditline;
  State state;
  if (!DecodeSnapshot(fuzz::Bytes(data, size), &state).ok()) return 0;
  std::string encoded = EncodeSnapshot(state);
  State again;
  Status decoded = DecodeSnapshot(encoded, &again);
  if (!decoded.ok()) fuzz::Fail("a re-encoded snapshot is refused: " + decoded.error().message);
  if (again.StateHash() != state.StateHash()) fuzz::Fail("a snapshot round trip changes the hash");
  if (EncodeSnapshot(again) != encoded) fuzz::Fail("a snapshot round trip changes its bytes");
  return 0;
}
