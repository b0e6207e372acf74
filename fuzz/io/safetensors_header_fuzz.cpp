// libFuzzer target: the safetensors header parser on arbitrary bytes (8-byte little-endian
// length, JSON header, tensor data offsets). Any input must give OK or an error Status; a
// header that validates must keep every tensor inside the buffer, which the parser checks
// itself, so the target only needs "no crash, no sanitizer report".
// Run: safetensors_header_fuzz -max_total_time=60 corpus/ tests/fixtures/models/*/
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)internvl::io::SafetensorsArchive::validate_header(bytes, "fuzz");
  return 0;
}
