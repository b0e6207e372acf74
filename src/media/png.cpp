// PNG via libpng, configured as torchvision's decode_png(mode=RGB).
// ref: https://github.com/pytorch/vision/blob/main/torchvision/csrc/io/image/cpu/decode_png.cpp
//
// libpng reports fatal errors by longjmp to png_jmpbuf. As in jpeg.cpp, all state the jump could
// skip lives in one heap-allocated PngState created before setjmp.
#include <bit>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <png.h>

#include "media/codecs.h"

namespace internvl::media::detail {
namespace {

struct PngState {
  png_structp png = nullptr;
  png_infop info = nullptr;
  const unsigned char* data = nullptr;
  std::size_t size = 0;
  std::size_t pos = 0;
  std::string message;
  Status header_status;
  Decoded out;
  std::vector<png_bytep> rows;  // [height]
};

void on_error(png_structp png, png_const_charp message) {
  auto* s = static_cast<PngState*>(png_get_error_ptr(png));
  s->message = message ? message : "unknown libpng error";
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // ancillary-chunk trouble is not an error

void read_bytes(png_structp png, png_bytep out, png_size_t count) {
  auto* s = static_cast<PngState*>(png_get_io_ptr(png));
  if (count > s->size - s->pos) png_error(png, "image is incomplete or truncated");
  std::memcpy(out, s->data + s->pos, count);
  s->pos += count;
}

std::string find_exif(png_structp png, png_infop info) {
#ifdef PNG_eXIf_SUPPORTED
  png_uint_32 n = 0;
  png_bytep exif = nullptr;
  if (png_get_eXIf_1(png, info, &n, &exif) != 0 && exif != nullptr && n > 0) {
    return std::string(reinterpret_cast<const char*>(exif), n);
  }
#else
  (void)png;
  (void)info;
#endif
  return {};
}

}  // namespace

Result<Decoded> decode_png(std::string_view bytes, const ImageDecodeOptions& options,
                           std::string_view what) {
  auto state = std::make_unique<PngState>();
  PngState* s = state.get();
  s->data = reinterpret_cast<const unsigned char*>(bytes.data());
  s->size = bytes.size();
  s->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, s, on_error, on_warning);
  if (s->png == nullptr) return internal_error("cannot create a libpng reader for '", what, "'");
  s->info = png_create_info_struct(s->png);
  if (s->info == nullptr) {
    png_destroy_read_struct(&s->png, nullptr, nullptr);
    return internal_error("cannot create a libpng info struct for '", what, "'");
  }

  if (setjmp(png_jmpbuf(s->png)) != 0) {
    png_destroy_read_struct(&s->png, &s->info, nullptr);
    return corrupt("cannot decode PNG '", what, "': ", s->message);
  }

  png_set_read_fn(s->png, s, read_bytes);
  png_read_info(s->png, s->info);
  png_uint_32 width = 0, height = 0;
  int bit_depth = 0, color_type = 0, interlace = 0;
  png_get_IHDR(s->png, s->info, &width, &height, &bit_depth, &color_type, &interlace, nullptr,
               nullptr);
  s->header_status = check_dimensions(width, height, options, what, "PNG");
  if (!s->header_status.ok()) {
    png_destroy_read_struct(&s->png, &s->info, nullptr);
    return s->header_status;
  }

  // The same transformations as torchvision in RGB mode: tRNS of gray/RGB images is ignored,
  // a palette's tRNS becomes alpha and is then stripped like any alpha channel.
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(s->png);
  if (interlace == PNG_INTERLACE_ADAM7) png_set_interlace_handling(s->png);
  if (color_type != PNG_COLOR_TYPE_RGB) {
    const bool is_palette = (color_type & PNG_COLOR_MASK_PALETTE) != 0;
    const bool has_color = (color_type & PNG_COLOR_MASK_COLOR) != 0;
    bool has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) != 0;
    if (is_palette) {
      png_set_palette_to_rgb(s->png);
      has_alpha = true;
    } else if (!has_color) {
      png_set_gray_to_rgb(s->png);
    }
    if (has_alpha) png_set_strip_alpha(s->png);
  }
  if (bit_depth == 16 && std::endian::native == std::endian::little) png_set_swap(s->png);
  png_read_update_info(s->png, s->info);

  const int out_depth = png_get_bit_depth(s->png, s->info);
  if (png_get_channels(s->png, s->info) != 3 || (out_depth != 8 && out_depth != 16)) {
    png_error(s->png, "unexpected pixel layout after conversion to RGB");
  }
  const std::size_t row_bytes = png_get_rowbytes(s->png, s->info);
  if (row_bytes != static_cast<std::size_t>(width) * 3 * (out_depth / 8)) {
    png_error(s->png, "unexpected row size after conversion to RGB");
  }
  allocate_image(s->out.image, static_cast<int>(width), static_cast<int>(height), out_depth);
  s->rows.resize(height);
  auto* base = out_depth == 8 ? s->out.image.rgb8.data()
                              : reinterpret_cast<std::uint8_t*>(s->out.image.rgb16.data());
  for (png_uint_32 y = 0; y < height; ++y) s->rows[y] = base + static_cast<std::size_t>(y) * row_bytes;
  png_read_image(s->png, s->rows.data());
  if (options.apply_exif_orientation) s->out.exif = find_exif(s->png, s->info);
  png_destroy_read_struct(&s->png, &s->info, nullptr);
  return std::move(s->out);
}

}  // namespace internvl::media::detail
