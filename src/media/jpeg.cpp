// JPEG via libjpeg-turbo, configured as torchvision's decode_jpeg(mode=RGB).
// ref: https://github.com/pytorch/vision/blob/main/torchvision/csrc/io/image/cpu/decode_jpeg.cpp
//
// libjpeg reports fatal errors through error_exit, which must not return: we longjmp back to
// decode_jpeg. Every object the jump could skip lives in one heap-allocated JpegState created
// before setjmp, so no C++ destructor is bypassed and nothing read after the jump is a local
// modified after setjmp.
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE
#include <cstring>
#include <memory>
#include <vector>

#include <jpeglib.h>

#include "media/codecs.h"

namespace internvl::media::detail {
namespace {

// Progressive files can hold thousands of tiny scans that each cost a full pass over the
// coefficients (a CPU bomb); libjpeg-turbo's own fuzzers stop at 500 scans.
constexpr int kMaxScans = 500;
constexpr JOCTET kEoiBuffer[1] = {JPEG_EOI};

struct JpegState {
  jpeg_decompress_struct cinfo{};
  jpeg_error_mgr err{};
  jpeg_source_mgr src{};
  jpeg_progress_mgr progress{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = {};
  bool created = false;
  Status header_status;
  Decoded out;
  std::vector<JSAMPLE> cmyk_line;  // [width, 4]
};

JpegState* state_of(j_common_ptr cinfo) { return static_cast<JpegState*>(cinfo->client_data); }

[[noreturn]] void on_error_exit(j_common_ptr cinfo) {
  JpegState* s = state_of(cinfo);
  cinfo->err->format_message(cinfo, s->message);
  std::longjmp(s->jump, 1);
}

// Warnings (corrupt data that libjpeg can work around) are not errors, as in torchvision; they
// must not reach stderr either.
void on_output_message(j_common_ptr) {}

[[noreturn]] void fail(j_decompress_ptr cinfo, const char* message) {
  JpegState* s = state_of(reinterpret_cast<j_common_ptr>(cinfo));
  std::snprintf(s->message, sizeof(s->message), "%s", message);
  std::longjmp(s->jump, 1);
}

void on_progress(j_common_ptr cinfo) {
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxScans) fail(d, "too many progressive scans");
}

void init_source(j_decompress_ptr) {}
void term_source(j_decompress_ptr) {}

// Running out of data is an error, as in torchvision (whose error text we keep): unlike
// jpeg_mem_src we insert no fake EOI, so truncated files, even those missing only the final
// EOI marker, are refused rather than decoded with grey rows.
boolean fill_input_buffer(j_decompress_ptr cinfo) { fail(cinfo, "image is incomplete or truncated"); }

void skip_input_data(j_decompress_ptr cinfo, long num_bytes) {
  if (num_bytes <= 0) return;
  jpeg_source_mgr* src = cinfo->src;
  if (src->bytes_in_buffer < static_cast<std::size_t>(num_bytes)) {
    src->next_input_byte = kEoiBuffer;  // a lone EOI code, as torchvision does
    src->bytes_in_buffer = 1;
  } else {
    src->next_input_byte += num_bytes;
    src->bytes_in_buffer -= static_cast<std::size_t>(num_bytes);
  }
}

// Adobe CMYK as libjpeg returns it (inverted): channel = k * (255 - inv) / 255 with Pillow's
// rounding, exactly torchvision's clamped_cmyk_rgb_convert(k, 255 - c).
inline std::uint8_t cmyk_channel(int k, int cmy_inverted) {
  int v = k * (255 - cmy_inverted) + 128;
  v = ((v >> 8) + v) >> 8;
  int r = k - v;
  return static_cast<std::uint8_t>(r < 0 ? 0 : (r > 255 ? 255 : r));
}

void cmyk_line_to_rgb(const JSAMPLE* cmyk, int width, std::uint8_t* rgb) {
  for (int x = 0; x < width; ++x) {
    int k = cmyk[4 * x + 3];
    rgb[3 * x + 0] = cmyk_channel(k, cmyk[4 * x + 0]);
    rgb[3 * x + 1] = cmyk_channel(k, cmyk[4 * x + 1]);
    rgb[3 * x + 2] = cmyk_channel(k, cmyk[4 * x + 2]);
  }
}

std::string find_exif(j_decompress_ptr cinfo) {
  for (jpeg_saved_marker_ptr m = cinfo->marker_list; m != nullptr; m = m->next) {
    if (m->marker != JPEG_APP0 + 1 || m->data_length <= 6) continue;
    if (std::memcmp(m->data, "Exif\0\0", 6) != 0) continue;  // APP1 also carries XMP
    return std::string(reinterpret_cast<const char*>(m->data) + 6, m->data_length - 6);
  }
  return {};
}

}  // namespace

Result<Decoded> decode_jpeg(std::string_view bytes, const ImageDecodeOptions& options,
                            std::string_view what) {
  auto state = std::make_unique<JpegState>();
  JpegState* s = state.get();
  s->cinfo.err = jpeg_std_error(&s->err);
  s->err.error_exit = on_error_exit;
  s->err.output_message = on_output_message;
  s->cinfo.client_data = s;

  if (setjmp(s->jump) != 0) {
    if (s->created) jpeg_destroy_decompress(&s->cinfo);
    return corrupt("cannot decode JPEG '", what, "': ", s->message);
  }

  jpeg_create_decompress(&s->cinfo);
  s->created = true;
  s->src.init_source = init_source;
  s->src.fill_input_buffer = fill_input_buffer;
  s->src.skip_input_data = skip_input_data;
  s->src.resync_to_restart = jpeg_resync_to_restart;
  s->src.term_source = term_source;
  s->src.next_input_byte = reinterpret_cast<const JOCTET*>(bytes.data());
  s->src.bytes_in_buffer = bytes.size();
  s->cinfo.src = &s->src;
  s->progress.progress_monitor = on_progress;
  s->cinfo.progress = &s->progress;
  if (options.apply_exif_orientation) jpeg_save_markers(&s->cinfo, JPEG_APP0 + 1, 0xFFFF);

  jpeg_read_header(&s->cinfo, TRUE);
  s->header_status =
      check_dimensions(s->cinfo.image_width, s->cinfo.image_height, options, what, "JPEG");
  if (!s->header_status.ok()) {
    jpeg_destroy_decompress(&s->cinfo);
    return s->header_status;
  }

  // libjpeg cannot convert CMYK/YCCK to RGB itself: decode as CMYK and convert each line.
  const bool cmyk = s->cinfo.jpeg_color_space == JCS_CMYK || s->cinfo.jpeg_color_space == JCS_YCCK;
  s->cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_calc_output_dimensions(&s->cinfo);
  jpeg_start_decompress(&s->cinfo);

  const int width = static_cast<int>(s->cinfo.output_width);
  const int height = static_cast<int>(s->cinfo.output_height);
  if (s->cinfo.output_components != (cmyk ? 4 : 3)) fail(&s->cinfo, "unexpected output components");
  allocate_image(s->out.image, width, height, 8);
  if (cmyk) s->cmyk_line.resize(static_cast<std::size_t>(width) * 4);

  const std::size_t stride = static_cast<std::size_t>(width) * 3;
  while (s->cinfo.output_scanline < s->cinfo.output_height) {
    std::uint8_t* row = s->out.image.rgb8.data() + s->cinfo.output_scanline * stride;
    JSAMPROW target = cmyk ? s->cmyk_line.data() : row;
    if (jpeg_read_scanlines(&s->cinfo, &target, 1) != 1) fail(&s->cinfo, "no scanline read");
    if (cmyk) cmyk_line_to_rgb(s->cmyk_line.data(), width, row);
  }
  if (options.apply_exif_orientation) s->out.exif = find_exif(&s->cinfo);
  jpeg_finish_decompress(&s->cinfo);
  jpeg_destroy_decompress(&s->cinfo);
  s->created = false;
  return std::move(s->out);
}

}  // namespace internvl::media::detail
