// GIF via giflib: the first frame, composed as torchvision's decode_gif composes frame 0.
// ref: https://github.com/pytorch/vision/blob/main/torchvision/csrc/io/image/cpu/decode_gif.cpp
//
// torchvision slurps every frame and returns [n_frames, 3, H, W]; the issue and the spec ask for
// the first frame, so we read records only up to the first image (a later corrupt frame does
// not fail us, and an animation never costs more than one frame of memory).
// Frame 0 is drawn over a canvas of max(screen, frame) size filled with the screen's background
// colour (black without a global colour map); its transparent pixels keep that background.
// Where torchvision reads out of bounds (background or pixel index past the colour map, a frame
// that extends past the canvas) we use black and clip instead.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include <gif_lib.h>

#include "media/codecs.h"

namespace internvl::media::detail {
namespace {

struct Reader {
  const GifByteType* data;
  std::size_t size;
  std::size_t pos;
};

int read_bytes(GifFileType* gif, GifByteType* out, int len) {
  auto* r = static_cast<Reader*>(gif->UserData);
  if (len <= 0) return 0;
  const std::size_t n = std::min(static_cast<std::size_t>(len), r->size - r->pos);
  std::memcpy(out, r->data + r->pos, n);
  r->pos += n;
  return static_cast<int>(n);
}

struct GifCloser {
  void operator()(GifFileType* gif) const {
    int err = 0;
    DGifCloseFile(gif, &err);
  }
};

const char* gif_error(int code) {
  const char* s = GifErrorString(code);
  return s ? s : "unknown giflib error";
}

GifColorType color_at(const ColorMapObject* map, int index) {
  if (map == nullptr || index < 0 || index >= map->ColorCount) return GifColorType{0, 0, 0};
  return map->Colors[index];
}

}  // namespace

Result<Decoded> decode_gif(std::string_view bytes, const ImageDecodeOptions& options,
                           std::string_view what) {
  Reader reader{reinterpret_cast<const GifByteType*>(bytes.data()), bytes.size(), 0};
  int err = D_GIF_SUCCEEDED;
  std::unique_ptr<GifFileType, GifCloser> gif(DGifOpen(&reader, read_bytes, &err));
  if (!gif) return corrupt("cannot decode GIF '", what, "': ", gif_error(err));
  GifFileType* g = gif.get();
  auto fail = [&](const char* stage) {
    return corrupt("cannot decode GIF '", what, "': ", stage, ": ", gif_error(g->Error));
  };

  GraphicsControlBlock gcb{DISPOSAL_UNSPECIFIED, false, 0, NO_TRANSPARENT_COLOR};
  bool have_gcb = false;
  while (true) {
    GifRecordType type = UNDEFINED_RECORD_TYPE;
    if (DGifGetRecordType(g, &type) == GIF_ERROR) return fail("reading a record");
    if (type == TERMINATE_RECORD_TYPE) return corrupt("GIF '", what, "' contains no image");
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* ext = nullptr;
      if (DGifGetExtension(g, &code, &ext) == GIF_ERROR) return fail("reading an extension");
      // Like DGifSavedExtensionToGCB: the first graphics control block before the image counts;
      // a malformed one (length != 4) leaves the defaults.
      if (code == GRAPHICS_EXT_FUNC_CODE && ext != nullptr && !have_gcb) {
        have_gcb = true;
        DGifExtensionToGCB(ext[0], ext + 1, &gcb);
      }
      while (ext != nullptr) {
        if (DGifGetExtensionNext(g, &ext) == GIF_ERROR) return fail("reading an extension");
      }
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(g) == GIF_ERROR) return fail("reading the image descriptor");
    break;
  }

  const GifImageDesc desc = g->Image;
  const int out_w = std::max<int>(g->SWidth, desc.Width);
  const int out_h = std::max<int>(g->SHeight, desc.Height);
  INTERNVL_RETURN_IF_ERROR(check_dimensions(out_w, out_h, options, what, "GIF"));
  if (desc.Width <= 0 || desc.Height <= 0) {
    return corrupt("GIF '", what, "' has an empty first frame ", desc.Width, "x", desc.Height);
  }
  const ColorMapObject* cmap = desc.ColorMap ? desc.ColorMap : g->SColorMap;
  if (cmap == nullptr) return corrupt("GIF '", what, "' has neither a global nor a local colour map");

  Decoded out;
  allocate_image(out.image, out_w, out_h, 8);
  const GifColorType bg =
      g->SColorMap ? color_at(g->SColorMap, g->SBackGroundColor) : GifColorType{0, 0, 0};
  std::uint8_t* px = out.image.rgb8.data();
  for (std::size_t i = 0, n = static_cast<std::size_t>(out_w) * out_h; i < n; ++i) {
    px[3 * i] = bg.Red;
    px[3 * i + 1] = bg.Green;
    px[3 * i + 2] = bg.Blue;
  }

  // Interlaced frames store rows in four passes: every 8th from 0, every 8th from 4, every 4th
  // from 2, every 2nd from 1.
  static constexpr int kPassStart[4] = {0, 4, 2, 1};
  static constexpr int kPassStep[4] = {8, 8, 4, 2};
  std::vector<GifPixelType> line(static_cast<std::size_t>(desc.Width));
  auto draw_row = [&](int y) {
    const int oy = desc.Top + y;
    if (oy < 0 || oy >= out_h) return;
    for (int x = 0; x < desc.Width; ++x) {
      const int ox = desc.Left + x;
      if (ox < 0 || ox >= out_w) continue;
      const int c = line[static_cast<std::size_t>(x)];
      if (c == gcb.TransparentColor) continue;
      const GifColorType rgb = color_at(cmap, c);
      std::uint8_t* p = px + (static_cast<std::size_t>(oy) * out_w + ox) * 3;
      p[0] = rgb.Red;
      p[1] = rgb.Green;
      p[2] = rgb.Blue;
    }
  };
  const int passes = desc.Interlace ? 4 : 1;
  for (int pass = 0; pass < passes; ++pass) {
    const int start = desc.Interlace ? kPassStart[pass] : 0;
    const int step = desc.Interlace ? kPassStep[pass] : 1;
    for (int y = start; y < desc.Height; y += step) {
      if (DGifGetLine(g, line.data(), desc.Width) == GIF_ERROR) return fail("reading pixels");
      draw_row(y);
    }
  }
  return out;
}

}  // namespace internvl::media::detail
