// libFuzzer target: the .npy reader (header dict, dtype, shape, payload size). A parsed tensor
// must hold exactly the bytes its shape and dtype say, and must survive re-encoding.
// Run: npy_fuzz -max_total_time=60 corpus/
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/check.h"
#include "io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto t = internvl::io::parse_npy(bytes, "fuzz");
  if (t.ok()) {
    auto again = internvl::io::encode_npy(*t);
    if (again.ok()) {
      auto back = internvl::io::parse_npy(*again, "re-encoded");
      INTERNVL_CHECK(back.ok(), "a re-encoded tensor does not parse: ", back.status().to_string());
      INTERNVL_CHECK(back->shape() == t->shape(), "shape changed in a round trip");
      INTERNVL_CHECK(back->nbytes() == t->nbytes(), "size changed in a round trip");
    }
  }
  return 0;
}
