// libFuzzer target: decode_image on arbitrary bytes. Any input must give an image or a Status;
// a small pixel limit keeps each run cheap without skipping the header paths.
// Run: image_decode_fuzz -max_total_time=60 corpus/ tests/fixtures/images/
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/check.h"
#include "media/image_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  internvl::media::ImageDecodeOptions options;
  options.max_pixels = 1 << 20;
  // Alternate EXIF handling on the first byte so both paths are explored.
  options.apply_exif_orientation = size > 0 && (data[0] & 1) != 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto image = internvl::media::decode_image(bytes, options, "fuzz");
  if (image.ok()) {
    const std::size_t n = static_cast<std::size_t>(image->width) * image->height * 3;
    INTERNVL_CHECK(image->width > 0 && image->height > 0);
    INTERNVL_CHECK((image->bit_depth == 16 ? image->rgb16.size() : image->rgb8.size()) == n);
    INTERNVL_CHECK(static_cast<std::int64_t>(image->width) * image->height <= options.max_pixels);
  }
  return 0;
}
