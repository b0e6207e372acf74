// From command-line media and prompt text to a user turn: media load through src/app (paths,
// file:// and http(s) URLs, data: URIs), and go before the text in the order given unless the
// prompt places them with <image> / <video> markers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "app/options.h"
#include "internvl/engine.h"
#include "internvl/status.h"
#include "preprocess/processor_config.h"

namespace CLI {
class App;
class Option;
}

namespace internvl::cli {

/// Frames sampled per video on the command line when neither --num-frames nor --fps is given.
inline constexpr int kDefaultVideoFrames = 8;

inline constexpr std::string_view kImageMarker = "<image>";
inline constexpr std::string_view kVideoMarker = "<video>";

/// One --image or --video argument.
struct MediaArg {
  enum class Kind { kImage, kVideo };
  Kind kind = Kind::kImage;
  std::string source;
};

/// The repeatable --image and --video flags of a command.
struct MediaFlags {
  std::vector<std::string> images, videos;
  /// Registers --image and --video.
  void add_to(CLI::App& app);
  /// The values after parsing, in the order they were given on the command line.
  std::vector<MediaArg> in_order(const CLI::App& app) const;

 private:
  const CLI::Option* image_opt_ = nullptr;
  const CLI::Option* video_opt_ = nullptr;
};

/// Decodes one media argument into a message part (tiles and frames as `options.media` says).
Result<ContentPart> load_media(const MediaArg& arg, const app::MediaOptions& options,
                               const preprocess::VideoProcessorConfig& video_config);

/// Decodes all of them, in order.
Result<std::vector<ContentPart>> load_all_media(const std::vector<MediaArg>& args, const app::MediaOptions& options,
                                                const preprocess::VideoProcessorConfig& video_config);

/// The content of a user turn. Without markers: every media part, then the text (if any).
/// With markers: the text split at each <image> / <video>, the i-th marker of a kind taking the
/// i-th medium of that kind; the counts must match exactly.
Result<std::vector<ContentPart>> build_user_content(std::string_view prompt, std::vector<ContentPart> media);

}  // namespace internvl::cli
