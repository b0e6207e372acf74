// probe_video / decode_video_frames: FFmpeg decode loop and swscale conversion to RGB24.
#include "media/video.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include "core/str.h"
#include "media/video_input.h"

namespace internvl::media {
namespace {

using detail::av_error_text;
using detail::VideoInput;

struct CodecDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDeleter {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;

double rational(AVRational r) { return r.num > 0 && r.den > 0 ? av_q2d(r) : 0.0; }

// Counts the video stream's packets: for containers that do not store a frame count (MKV,
// WebM, raw streams). One packet is one frame for the codecs such containers carry.
Result<std::int64_t> count_packets(VideoInput& in) {
  PacketPtr pkt(av_packet_alloc());
  if (!pkt) return resource_exhausted("out of memory reading '", in.what(), "'");
  std::int64_t n = 0;
  while (av_read_frame(in.format(), pkt.get()) >= 0) {
    n += pkt->stream_index == in.stream_index();
    av_packet_unref(pkt.get());
  }
  return n;
}

Result<VideoInfo> probe(VideoInput& in) {
  const AVStream* st = in.stream();
  const AVCodecParameters* par = st->codecpar;
  VideoInfo info;
  info.width = par->width;
  info.height = par->height;
  info.codec = avcodec_get_name(par->codec_id);
  const char* pix = av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format));
  info.pixel_format = pix ? pix : "unknown";
  info.fps = rational(st->avg_frame_rate);
  if (info.fps == 0) info.fps = rational(st->r_frame_rate);
  info.num_frames = st->nb_frames;
  if (info.num_frames <= 0) {
    INTERNVL_ASSIGN_OR_RETURN(info.num_frames, count_packets(in));
  }
  if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
    info.duration_s = static_cast<double>(st->duration) * rational(st->time_base);
  } else if (in.format()->duration != AV_NOPTS_VALUE && in.format()->duration > 0) {
    info.duration_s = static_cast<double>(in.format()->duration) / AV_TIME_BASE;
  } else if (info.fps > 0) {
    info.duration_s = static_cast<double>(info.num_frames) / info.fps;
  }
  return info;
}

// Converts decoded frames to packed RGB24, reusing the scaler and the padded scratch frame.
class RgbConverter {
 public:
  Result<Image> convert(const AVFrame* f, const VideoDecodeOptions& options, std::string_view what,
                        std::int64_t index) {
    const int w = f->width, h = f->height;
    if (w <= 0 || h <= 0) return corrupt("video '", what, "' frame ", index, " has no size");
    const std::int64_t pixels = static_cast<std::int64_t>(w) * h;
    if (options.max_pixels_per_frame > 0 && pixels > options.max_pixels_per_frame) {
      return out_of_range("video '", what, "' frame ", index, " is ", w, "x", h,
                          " pixels, over the limit of ", options.max_pixels_per_frame,
                          " (VideoDecodeOptions::max_pixels_per_frame)");
    }
    const auto format = static_cast<AVPixelFormat>(f->format);
    sws_.reset(sws_getCachedContext(sws_.release(), w, h, format, w, h, AV_PIX_FMT_RGB24,
                                    SWS_BILINEAR, nullptr, nullptr, nullptr));
    if (!sws_) {
      const char* name = av_get_pix_fmt_name(format);
      return unsupported("video '", what, "': cannot convert pixel format ",
                         name ? name : "unknown", " to RGB");
    }
    const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format);
    if (desc != nullptr && !(desc->flags & AV_PIX_FMT_FLAG_RGB) && desc->nb_components >= 3) {
      // YUV: the frame's own matrix (BT.601 when unspecified) and range; RGB out is full range.
      const int space = f->colorspace == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : f->colorspace;
      const int src_full = f->color_range == AVCOL_RANGE_JPEG ||
                           std::strncmp(desc->name, "yuvj", 4) == 0;
      sws_setColorspaceDetails(sws_.get(), sws_getCoefficients(space), src_full,
                               sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
    }
    if (!rgb_ || rgb_->width != w || rgb_->height != h) {
      rgb_.reset(av_frame_alloc());
      if (!rgb_) return resource_exhausted("out of memory decoding '", what, "'");
      rgb_->format = AV_PIX_FMT_RGB24;
      rgb_->width = w;
      rgb_->height = h;
      // Padded rows: swscale's SIMD paths may write past a tightly packed row.
      if (av_frame_get_buffer(rgb_.get(), 64) < 0) {
        rgb_.reset();
        return resource_exhausted("out of memory for a ", w, "x", h, " frame of '", what, "'");
      }
    }
    if (sws_scale(sws_.get(), f->data, f->linesize, 0, h, rgb_->data, rgb_->linesize) != h) {
      return internal_error("video '", what, "': swscale failed on frame ", index);
    }
    Image image;
    image.width = w;
    image.height = h;
    image.bit_depth = 8;
    image.rgb8.resize(static_cast<std::size_t>(pixels) * 3);
    const std::size_t row = static_cast<std::size_t>(w) * 3;
    for (int y = 0; y < h; ++y) {
      std::memcpy(image.rgb8.data() + y * row, rgb_->data[0] + static_cast<std::ptrdiff_t>(y) * rgb_->linesize[0], row);
    }
    return image;
  }

 private:
  std::unique_ptr<SwsContext, SwsDeleter> sws_;
  FramePtr rgb_;
};

// Decodes the stream in order, handing each frame with its index to `on_frame`, which returns
// false to stop early. Packets that fail to decode are skipped.
template <typename OnFrame>
Status decode_all(VideoInput& in, const VideoDecodeOptions& options, OnFrame&& on_frame) {
  const AVCodecParameters* par = in.stream()->codecpar;
  const AVCodec* codec = avcodec_find_decoder(par->codec_id);
  if (codec == nullptr) {
    return unsupported("video '", in.what(), "' uses codec ", avcodec_get_name(par->codec_id),
                       ", which this FFmpeg cannot decode");
  }
  std::unique_ptr<AVCodecContext, CodecDeleter> ctx(avcodec_alloc_context3(codec));
  if (!ctx) return resource_exhausted("out of memory decoding '", in.what(), "'");
  int rc = avcodec_parameters_to_context(ctx.get(), par);
  if (rc < 0) return corrupt("video '", in.what(), "' has bad codec parameters: ", av_error_text(rc));
  ctx->thread_count = std::max(0, options.threads);
  // Refuse oversized streams before the decoder allocates its first frame; max_pixels also makes
  // FFmpeg itself reject frames that grow mid-stream.
  const std::int64_t coded = static_cast<std::int64_t>(par->width) * par->height;
  if (options.max_pixels_per_frame > 0) {
    if (coded > options.max_pixels_per_frame) {
      return out_of_range("video '", in.what(), "' is ", par->width, "x", par->height,
                          " pixels per frame, over the limit of ", options.max_pixels_per_frame,
                          " (VideoDecodeOptions::max_pixels_per_frame)");
    }
    ctx->max_pixels = options.max_pixels_per_frame;
  }
  rc = avcodec_open2(ctx.get(), codec, nullptr);
  if (rc < 0) return corrupt("cannot open the ", codec->name, " decoder for '", in.what(), "': ", av_error_text(rc));

  PacketPtr pkt(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  if (!pkt || !frame) return resource_exhausted("out of memory decoding '", in.what(), "'");
  std::int64_t index = 0;
  bool stop = false;
  Status status;
  auto drain = [&]() {
    while (!stop && avcodec_receive_frame(ctx.get(), frame.get()) >= 0) {
      Result<bool> more = on_frame(frame.get(), index++);
      av_frame_unref(frame.get());
      if (!more.ok()) {
        status = more.status();
        stop = true;
      } else if (!*more) {
        stop = true;
      }
    }
  };
  // A read error other than EOF (a truncated file) ends the stream; what decoded so far counts.
  while (!stop && av_read_frame(in.format(), pkt.get()) >= 0) {
    if (pkt->stream_index == in.stream_index()) {
      avcodec_send_packet(ctx.get(), pkt.get());  // a corrupt packet is skipped
      drain();
    }
    av_packet_unref(pkt.get());
  }
  if (!stop) {
    avcodec_send_packet(ctx.get(), nullptr);
    drain();
  }
  INTERNVL_RETURN_IF_ERROR(status);
  if (index == 0) return corrupt("video '", in.what(), "' has no decodable frames");
  return Status();
}

Result<std::vector<Image>> decode_frames(VideoInput& in, const std::vector<std::int64_t>& indices,
                                         const VideoDecodeOptions& options) {
  if (options.max_frames <= 0) return invalid_argument("VideoDecodeOptions::max_frames must be positive");
  if (static_cast<std::int64_t>(indices.size()) > options.max_frames) {
    return out_of_range(indices.size(), " frames requested from '", in.what(),
                        "', over the limit of ", options.max_frames, " (VideoDecodeOptions::max_frames)");
  }
  std::map<std::int64_t, std::vector<std::size_t>> wanted;  // frame index -> output slots
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] < 0) return invalid_argument("negative frame index ", indices[i], " for '", in.what(), "'");
    wanted[indices[i]].push_back(i);
  }
  const std::int64_t last = wanted.empty() ? -1 : wanted.rbegin()->first;
  std::vector<Image> out(indices.size());
  RgbConverter converter;
  std::int64_t seen = 0;
  Status st = decode_all(in, options, [&](const AVFrame* f, std::int64_t index) -> Result<bool> {
    seen = index + 1;
    if (indices.empty()) {
      if (index >= options.max_frames) {
        return out_of_range("video '", in.what(), "' has more than ", options.max_frames,
                            " frames (VideoDecodeOptions::max_frames); ask for selected indices");
      }
      INTERNVL_ASSIGN_OR_RETURN(Image im, converter.convert(f, options, in.what(), index));
      out.push_back(std::move(im));
      return true;
    }
    auto it = wanted.find(index);
    if (it != wanted.end()) {
      INTERNVL_ASSIGN_OR_RETURN(Image im, converter.convert(f, options, in.what(), index));
      for (std::size_t k = 1; k < it->second.size(); ++k) out[it->second[k]] = im;
      out[it->second[0]] = std::move(im);
    }
    return index < last;
  });
  INTERNVL_RETURN_IF_ERROR(st);
  if (!indices.empty() && seen <= last) {
    return out_of_range("frame index ", last, " is past the end of '", in.what(), "' (", seen,
                        " frames decoded)");
  }
  return out;
}

}  // namespace

Result<VideoInfo> probe_video(const std::string& path) {
  INTERNVL_ASSIGN_OR_RETURN(auto in, VideoInput::open_file(path));
  return probe(*in);
}

Result<VideoInfo> probe_video_bytes(std::string_view bytes, std::string_view what) {
  INTERNVL_ASSIGN_OR_RETURN(auto in, VideoInput::open_bytes(bytes, what));
  return probe(*in);
}

Result<std::vector<Image>> decode_video_frames(const std::string& path,
                                               const std::vector<std::int64_t>& indices,
                                               const VideoDecodeOptions& options) {
  INTERNVL_ASSIGN_OR_RETURN(auto in, VideoInput::open_file(path));
  return decode_frames(*in, indices, options);
}

Result<std::vector<Image>> decode_video_frames_from_bytes(std::string_view bytes,
                                                          const std::vector<std::int64_t>& indices,
                                                          const VideoDecodeOptions& options,
                                                          std::string_view what) {
  INTERNVL_ASSIGN_OR_RETURN(auto in, VideoInput::open_bytes(bytes, what));
  return decode_frames(*in, indices, options);
}

}  // namespace internvl::media
