#include "test_encoders.h"

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <gif_lib.h>
#include <jpeglib.h>
#include <png.h>
#include <webp/encode.h>

#include "core/check.h"

namespace internvl::media::test_enc {
namespace {

void png_write_cb(png_structp png, png_bytep data, png_size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), n);
}
void png_flush_cb(png_structp) {}

void put_le24(std::string& s, std::uint32_t v) {
  s.push_back(static_cast<char>(v & 0xFF));
  s.push_back(static_cast<char>((v >> 8) & 0xFF));
  s.push_back(static_cast<char>((v >> 16) & 0xFF));
}
void put_le32(std::string& s, std::uint32_t v) {
  put_le24(s, v);
  s.push_back(static_cast<char>(v >> 24));
}
void put_chunk(std::string& s, const char* fourcc, const std::string& payload) {
  s.append(fourcc, 4);
  put_le32(s, static_cast<std::uint32_t>(payload.size()));
  s += payload;
  if (payload.size() % 2) s.push_back('\0');
}

}  // namespace

std::string encode_png(const PngSpec& spec) {
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  INTERNVL_CHECK(png && info);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    INTERNVL_CHECK(false, "libpng write failed");
  }
  png_set_write_fn(png, &out, png_write_cb, png_flush_cb);
  png_set_IHDR(png, info, spec.width, spec.height, spec.bit_depth, spec.color_type,
               spec.interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  std::vector<png_color> pal;
  for (std::size_t i = 0; i + 2 < spec.palette.size(); i += 3) {
    pal.push_back({spec.palette[i], spec.palette[i + 1], spec.palette[i + 2]});
  }
  if (!pal.empty()) png_set_PLTE(png, info, pal.data(), static_cast<int>(pal.size()));
  if (!spec.trns.empty()) {
    png_set_tRNS(png, info, spec.trns.data(), static_cast<int>(spec.trns.size()), nullptr);
  }
  if (!spec.exif.empty()) {
    png_set_eXIf_1(png, info, static_cast<png_uint_32>(spec.exif.size()),
                   reinterpret_cast<png_bytep>(const_cast<char*>(spec.exif.data())));
  }
  png_write_info(png, info);
  const std::size_t row_bytes = png_get_rowbytes(png, info);
  INTERNVL_CHECK(spec.raw.size() == row_bytes * spec.height, "raw size ", spec.raw.size());
  std::vector<png_bytep> rows(spec.height);
  for (int y = 0; y < spec.height; ++y) rows[y] = const_cast<png_bytep>(spec.raw.data() + y * row_bytes);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

std::string encode_jpeg(const JpegSpec& spec) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr jerr{};
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buf, &size);
  cinfo.image_width = spec.width;
  cinfo.image_height = spec.height;
  cinfo.input_components = spec.components;
  cinfo.in_color_space = spec.components == 1 ? JCS_GRAYSCALE : spec.components == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  if (spec.components == 4) jpeg_set_colorspace(&cinfo, spec.ycck ? JCS_YCCK : JCS_CMYK);
  jpeg_set_quality(&cinfo, spec.quality, TRUE);
  if (spec.progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  if (!spec.exif.empty()) {
    std::string app1 = std::string("Exif\0\0", 6) + spec.exif;
    jpeg_write_marker(&cinfo, JPEG_APP0 + 1, reinterpret_cast<const JOCTET*>(app1.data()),
                      static_cast<unsigned>(app1.size()));
  }
  const std::size_t stride = static_cast<std::size_t>(spec.width) * spec.components;
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(spec.pixels.data() + cinfo.next_scanline * stride);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::string out(reinterpret_cast<const char*>(buf), size);
  std::free(buf);
  return out;
}

std::vector<std::uint8_t> decode_jpeg_native(const std::string& jpeg, int* components) {
  jpeg_decompress_struct cinfo{};
  jpeg_error_mgr jerr{};
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(jpeg.data()), jpeg.size());
  jpeg_read_header(&cinfo, TRUE);
  jpeg_start_decompress(&cinfo);
  *components = cinfo.output_components;
  const std::size_t stride = static_cast<std::size_t>(cinfo.output_width) * cinfo.output_components;
  std::vector<std::uint8_t> out(stride * cinfo.output_height);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out.data() + cinfo.output_scanline * stride;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return out;
}

namespace {
int gif_write_cb(GifFileType* gif, const GifByteType* data, int n) {
  static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(data), n);
  return n;
}
ColorMapObject* make_map(const std::vector<std::uint8_t>& rgb) {
  const int n = static_cast<int>(rgb.size() / 3);
  std::vector<GifColorType> colors(n);
  for (int i = 0; i < n; ++i) colors[i] = {rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]};
  return GifMakeMapObject(n, colors.data());
}
}  // namespace

std::string encode_gif(int screen_w, int screen_h, const std::vector<std::uint8_t>& palette,
                       int background, const std::vector<GifFrame>& frames) {
  std::string out;
  int err = 0;
  GifFileType* gif = EGifOpen(&out, gif_write_cb, &err);
  INTERNVL_CHECK(gif != nullptr);
  EGifSetGifVersion(gif, true);
  ColorMapObject* global = make_map(palette);
  INTERNVL_CHECK(EGifPutScreenDesc(gif, screen_w, screen_h, 8, background, global) == GIF_OK);
  GifFreeMapObject(global);
  for (const GifFrame& f : frames) {
    if (f.transparent >= 0) {
      GraphicsControlBlock gcb{DISPOSAL_UNSPECIFIED, false, 0, f.transparent};
      GifByteType ext[4];
      EGifGCBToExtension(&gcb, ext);
      INTERNVL_CHECK(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, ext) == GIF_OK);
    }
    ColorMapObject* local = f.local_palette.empty() ? nullptr : make_map(f.local_palette);
    INTERNVL_CHECK(EGifPutImageDesc(gif, f.left, f.top, f.width, f.height, f.interlace, local) == GIF_OK);
    if (local) GifFreeMapObject(local);
    auto put_row = [&](int y) {
      INTERNVL_CHECK(EGifPutLine(gif, const_cast<GifPixelType*>(f.indices.data() + y * f.width), f.width) == GIF_OK);
    };
    if (f.interlace) {
      const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
      for (int p = 0; p < 4; ++p) {
        for (int y = start[p]; y < f.height; y += step[p]) put_row(y);
      }
    } else {
      for (int y = 0; y < f.height; ++y) put_row(y);
    }
  }
  INTERNVL_CHECK(EGifCloseFile(gif, &err) == GIF_OK);
  return out;
}

std::string encode_webp_lossless_rgba(int width, int height, const std::vector<std::uint8_t>& rgba) {
  uint8_t* data = nullptr;
  const std::size_t n = WebPEncodeLosslessRGBA(rgba.data(), width, height, width * 4, &data);
  INTERNVL_CHECK(n > 0);
  std::string out(reinterpret_cast<const char*>(data), n);
  WebPFree(data);
  return out;
}

std::string encode_webp_animation(int width, int height, const std::vector<std::uint8_t>& frame0,
                                  const std::vector<std::uint8_t>& frame1) {
  std::string body = "WEBP";
  std::string vp8x;
  vp8x.push_back(0x02 | 0x10);  // animation, alpha
  vp8x.append(3, '\0');
  put_le24(vp8x, width - 1);
  put_le24(vp8x, height - 1);
  put_chunk(body, "VP8X", vp8x);
  std::string anim;
  put_le32(anim, 0xFF0000FF);  // background (B, G, R, A order in the file)
  anim.append(2, '\0');        // loop forever
  put_chunk(body, "ANIM", anim);
  for (const auto* frame : {&frame0, &frame1}) {
    const std::string still = encode_webp_lossless_rgba(width, height, *frame);
    std::string anmf;
    put_le24(anmf, 0);
    put_le24(anmf, 0);
    put_le24(anmf, width - 1);
    put_le24(anmf, height - 1);
    put_le24(anmf, 100);  // duration ms
    anmf.push_back(0x02);  // do not blend, do not dispose
    anmf += still.substr(12);  // the VP8L chunk of the still file
    put_chunk(body, "ANMF", anmf);
  }
  std::string out = "RIFF";
  put_le32(out, static_cast<std::uint32_t>(body.size()));
  return out + body;
}

std::string encode_webp_with_exif(int width, int height, const std::vector<std::uint8_t>& rgba,
                                  const std::string& exif) {
  std::string body = "WEBP";
  std::string vp8x;
  vp8x.push_back(0x08 | 0x10);  // EXIF, alpha
  vp8x.append(3, '\0');
  put_le24(vp8x, width - 1);
  put_le24(vp8x, height - 1);
  put_chunk(body, "VP8X", vp8x);
  body += encode_webp_lossless_rgba(width, height, rgba).substr(12);
  put_chunk(body, "EXIF", exif);
  std::string out = "RIFF";
  put_le32(out, static_cast<std::uint32_t>(body.size()));
  return out + body;
}

std::string exif_with_orientation(int orientation, bool little_endian) {
  std::string s;
  auto u16 = [&](int v) {
    if (little_endian) {
      s.push_back(static_cast<char>(v & 0xFF));
      s.push_back(static_cast<char>(v >> 8));
    } else {
      s.push_back(static_cast<char>(v >> 8));
      s.push_back(static_cast<char>(v & 0xFF));
    }
  };
  auto u32 = [&](std::uint32_t v) {
    if (little_endian) {
      u16(v & 0xFFFF);
      u16(v >> 16);
    } else {
      u16(v >> 16);
      u16(v & 0xFFFF);
    }
  };
  s += little_endian ? std::string("II*\0", 4) : std::string("MM\0*", 4);
  u32(8);       // IFD0 offset
  u16(2);       // two entries: an unrelated one first, then the orientation
  u16(0x010F);  // Make, ASCII, 4 bytes inline
  u16(2);
  u32(4);
  s += std::string("ACME", 4);
  u16(0x0112);  // Orientation, SHORT, 1
  u16(3);
  u32(1);
  u16(orientation);
  u16(0);
  u32(0);       // no next IFD
  return s;
}

}  // namespace internvl::media::test_enc
