// Fuzzes the decoding of journal records (core/codec.hpp DecodeEvent): any bytes must be either
// refused with an error or decoded into an event that encodes back to the same bytes.
#include <cstdint>

#include "core/codec.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace creditline;
  std::string_view bytes = fuzz::Bytes(data, size);
  Result<Event> event = DecodeEvent(bytes);
  if (!event.ok()) return 0;
  std::string encoded = EncodeEvent(*event);
  if (encoded != bytes) fuzz::Fail("a journal record decodes but encodes to other bytes");
  return 0;
}
