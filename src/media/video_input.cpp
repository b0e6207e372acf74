// VideoInput: FFmpeg demuxing over our own AVIOContext (file or memory), nested opens refused.
#include "media/video_input.h"

#include <cerrno>
#include <cstring>
#include <mutex>

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
}

#include "core/str.h"

namespace internvl::media::detail {
namespace {

constexpr int kAvioBufferSize = 64 * 1024;

class FileSource final : public ByteSource {
 public:
  explicit FileSource(std::FILE* f, std::int64_t size) : f_(f), size_(size) {}
  ~FileSource() override { std::fclose(f_); }
  int read(std::uint8_t* buf, int n) override {
    return static_cast<int>(std::fread(buf, 1, static_cast<std::size_t>(n), f_));
  }
  std::int64_t seek(std::int64_t offset, int whence) override {
    if (fseeko(f_, offset, whence) != 0) return -1;
    return ftello(f_);
  }
  std::int64_t size() const override { return size_; }

 private:
  std::FILE* f_;
  std::int64_t size_;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view data) : data_(data) {}
  int read(std::uint8_t* buf, int n) override {
    const std::size_t left = data_.size() - pos_;
    const std::size_t k = std::min(left, static_cast<std::size_t>(n));
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return static_cast<int>(k);
  }
  std::int64_t seek(std::int64_t offset, int whence) override {
    std::int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? static_cast<std::int64_t>(pos_)
                                                                    : size();
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) return -1;
    const std::int64_t target = base + offset;
    if (target < 0 || target > size()) return -1;
    pos_ = static_cast<std::size_t>(target);
    return target;
  }
  std::int64_t size() const override { return static_cast<std::int64_t>(data_.size()); }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

int read_cb(void* opaque, std::uint8_t* buf, int n) {
  const int r = static_cast<ByteSource*>(opaque)->read(buf, n);
  return r > 0 ? r : AVERROR_EOF;
}

std::int64_t seek_cb(void* opaque, std::int64_t offset, int whence) {
  auto* src = static_cast<ByteSource*>(opaque);
  if (whence & AVSEEK_SIZE) return src->size();
  const std::int64_t r = src->seek(offset, whence & ~AVSEEK_FORCE);
  return r < 0 ? AVERROR(EINVAL) : r;
}

// Playlists (HLS, DASH), concat lists and image sequences open further resources through
// io_open; refusing it keeps FFmpeg inside the one input we were given.
int refuse_io_open(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) {
  return AVERROR(EPERM);
}

void quiet_ffmpeg() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_QUIET); });
}

}  // namespace

std::string av_error_text(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof(buf));
  return buf;
}

VideoInput::~VideoInput() {
  if (fmt_ != nullptr) avformat_close_input(&fmt_);
  if (avio_ != nullptr) {
    av_freep(&avio_->buffer);
    avio_context_free(&avio_);
  }
}

Result<std::unique_ptr<VideoInput>> VideoInput::open_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    if (errno == ENOENT) return not_found("video file '", path, "' does not exist");
    return io_error("cannot open video '", path, "': ", std::strerror(errno));
  }
  std::int64_t size = -1;
  if (fseeko(f, 0, SEEK_END) == 0) size = ftello(f);
  if (size < 0 || fseeko(f, 0, SEEK_SET) != 0) {
    std::fclose(f);
    return io_error("cannot read video '", path, "' (not a seekable regular file?)");
  }
  return open(std::make_unique<FileSource>(f, size), path, path.c_str());
}

Result<std::unique_ptr<VideoInput>> VideoInput::open_bytes(std::string_view bytes,
                                                           std::string_view what) {
  return open(std::make_unique<MemorySource>(bytes), std::string(what), "");
}

Result<std::unique_ptr<VideoInput>> VideoInput::open(std::unique_ptr<ByteSource> source,
                                                     std::string what, const char* url_hint) {
  quiet_ffmpeg();
  std::unique_ptr<VideoInput> in(new VideoInput());
  in->source_ = std::move(source);
  in->what_ = std::move(what);
  if (in->source_->size() == 0) return corrupt("video '", in->what_, "' is empty (0 bytes)");

  auto* buffer = static_cast<unsigned char*>(av_malloc(kAvioBufferSize));
  if (buffer == nullptr) return resource_exhausted("out of memory opening video '", in->what_, "'");
  in->avio_ = avio_alloc_context(buffer, kAvioBufferSize, 0, in->source_.get(), read_cb, nullptr,
                                 seek_cb);
  if (in->avio_ == nullptr) {
    av_free(buffer);
    return resource_exhausted("out of memory opening video '", in->what_, "'");
  }
  in->fmt_ = avformat_alloc_context();
  if (in->fmt_ == nullptr) return resource_exhausted("out of memory opening video '", in->what_, "'");
  in->fmt_->pb = in->avio_;
  in->fmt_->flags |= AVFMT_FLAG_CUSTOM_IO;
  in->fmt_->io_open = refuse_io_open;
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "protocol_whitelist", "none", 0);
  // The file name only helps format probing (e.g. raw ".h264"); it is never opened.
  int rc = avformat_open_input(&in->fmt_, url_hint, nullptr, &opts);
  av_dict_free(&opts);
  if (rc < 0) {  // avformat_open_input freed fmt_
    return corrupt("'", in->what_, "' is not a video FFmpeg can read: ", av_error_text(rc));
  }
  rc = avformat_find_stream_info(in->fmt_, nullptr);
  if (rc < 0) {
    return corrupt("cannot read stream information of video '", in->what_, "': ", av_error_text(rc));
  }
  rc = av_find_best_stream(in->fmt_, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (rc < 0) {
    return unsupported("'", in->what_, "' has no video stream (",
                       in->fmt_->iformat ? in->fmt_->iformat->name : "unknown format", ")");
  }
  in->stream_index_ = rc;
  return in;
}

}  // namespace internvl::media::detail
