// WebP via libwebp, as torchvision's decode_webp(mode=RGB): WebPDecodeRGB, alpha ignored.
// ref: https://github.com/pytorch/vision/blob/main/torchvision/csrc/io/image/cpu/decode_webp.cpp
// The reference refuses animated WebP; we return its first frame, composed by WebPAnimDecoder,
// with alpha dropped like every other format.
#include <cstring>
#include <memory>

#include <webp/decode.h>
#include <webp/demux.h>

#include "media/codecs.h"

namespace internvl::media::detail {
namespace {

struct DemuxDeleter {
  void operator()(WebPDemuxer* d) const { WebPDemuxDelete(d); }
};
struct AnimDeleter {
  void operator()(WebPAnimDecoder* d) const { WebPAnimDecoderDelete(d); }
};

std::string find_exif(std::string_view bytes) {
  WebPData data{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
  std::unique_ptr<WebPDemuxer, DemuxDeleter> demux(WebPDemux(&data));
  if (!demux) return {};
  WebPChunkIterator it;
  std::string exif;
  if (WebPDemuxGetChunk(demux.get(), "EXIF", 1, &it) != 0) {
    exif.assign(reinterpret_cast<const char*>(it.chunk.bytes), it.chunk.size);
    WebPDemuxReleaseChunkIterator(&it);
  }
  return exif;
}

Result<Decoded> decode_first_frame(std::string_view bytes, const ImageDecodeOptions& options,
                                   std::string_view what) {
  WebPData data{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
  WebPAnimDecoderOptions anim_options;
  if (WebPAnimDecoderOptionsInit(&anim_options) == 0) {
    return internal_error("libwebp version mismatch decoding '", what, "'");
  }
  anim_options.color_mode = MODE_RGBA;
  anim_options.use_threads = 0;
  std::unique_ptr<WebPAnimDecoder, AnimDeleter> dec(WebPAnimDecoderNew(&data, &anim_options));
  if (!dec) return corrupt("cannot decode animated WebP '", what, "': invalid animation");
  WebPAnimInfo info;
  if (WebPAnimDecoderGetInfo(dec.get(), &info) == 0) {
    return corrupt("cannot decode animated WebP '", what, "': no animation info");
  }
  // The canvas size is checked again here: WebPAnimDecoderNew allocated only its own canvas.
  INTERNVL_RETURN_IF_ERROR(check_dimensions(info.canvas_width, info.canvas_height, options, what,
                                            "WebP"));
  uint8_t* rgba = nullptr;
  int timestamp = 0;
  if (WebPAnimDecoderGetNext(dec.get(), &rgba, &timestamp) == 0 || rgba == nullptr) {
    return corrupt("cannot decode animated WebP '", what, "': first frame is invalid");
  }
  Decoded out;
  const int w = static_cast<int>(info.canvas_width), h = static_cast<int>(info.canvas_height);
  allocate_image(out.image, w, h, 8);
  const std::size_t n = static_cast<std::size_t>(w) * h;
  for (std::size_t i = 0; i < n; ++i) std::memcpy(&out.image.rgb8[3 * i], rgba + 4 * i, 3);
  return out;
}

}  // namespace

Result<Decoded> decode_webp(std::string_view bytes, const ImageDecodeOptions& options,
                            std::string_view what) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  WebPBitstreamFeatures features;
  const VP8StatusCode rc = WebPGetFeatures(data, bytes.size(), &features);
  if (rc != VP8_STATUS_OK) {
    return corrupt("cannot decode WebP '", what, "': invalid header (libwebp status ",
                   static_cast<int>(rc), ")");
  }
  INTERNVL_RETURN_IF_ERROR(check_dimensions(features.width, features.height, options, what, "WebP"));
  Result<Decoded> result = [&]() -> Result<Decoded> {
    if (features.has_animation) return decode_first_frame(bytes, options, what);
    Decoded out;
    allocate_image(out.image, features.width, features.height, 8);
    const int stride = features.width * 3;
    if (WebPDecodeRGBInto(data, bytes.size(), out.image.rgb8.data(), out.image.rgb8.size(),
                          stride) == nullptr) {
      return corrupt("cannot decode WebP '", what, "': corrupt or truncated bitstream");
    }
    return out;
  }();
  if (result.ok() && options.apply_exif_orientation) result->exif = find_exif(bytes);
  return result;
}

}  // namespace internvl::media::detail
