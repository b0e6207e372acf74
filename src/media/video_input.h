// Internal: an opened FFmpeg demuxer over a file or a memory buffer, through our own AVIOContext.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "internvl/status.h"

extern "C" {
#include <libavformat/avformat.h>
}

namespace internvl::media::detail {

/// Where the bytes come from: a seekable file or a buffer the caller keeps alive.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Reads up to n bytes; 0 at the end.
  virtual int read(std::uint8_t* buf, int n) = 0;
  /// fseek-like; returns the new position or a negative value on failure.
  virtual std::int64_t seek(std::int64_t offset, int whence) = 0;
  virtual std::int64_t size() const = 0;
};

/// A demuxer with its video stream chosen. Closes everything it opened.
class VideoInput {
 public:
  ~VideoInput();
  VideoInput(const VideoInput&) = delete;
  VideoInput& operator=(const VideoInput&) = delete;

  /// Opens `path`; errors name it.
  static Result<std::unique_ptr<VideoInput>> open_file(const std::string& path);
  /// Opens a buffer that must outlive the VideoInput; `what` names it in errors.
  static Result<std::unique_ptr<VideoInput>> open_bytes(std::string_view bytes, std::string_view what);

  AVFormatContext* format() const { return fmt_; }
  AVStream* stream() const { return fmt_->streams[stream_index_]; }
  int stream_index() const { return stream_index_; }
  const std::string& what() const { return what_; }

 private:
  VideoInput() = default;
  static Result<std::unique_ptr<VideoInput>> open(std::unique_ptr<ByteSource> source,
                                                  std::string what, const char* url_hint);

  std::unique_ptr<ByteSource> source_;
  AVFormatContext* fmt_ = nullptr;
  AVIOContext* avio_ = nullptr;
  int stream_index_ = -1;
  std::string what_;
};

/// FFmpeg's message for an error code.
std::string av_error_text(int code);

}  // namespace internvl::media::detail
