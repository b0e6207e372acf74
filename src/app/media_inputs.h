// Media sources -> message parts, shared by the program and the server: images and videos from
// paths, file:// URIs, http(s) URLs and data: URIs, decoded at the edge.
#pragma once

#include <optional>
#include <string_view>

#include "core/json.h"
#include "internvl/engine.h"
#include "media/media_source.h"
#include "preprocess/processor_config.h"

namespace internvl::app {

struct VideoSampling {
  std::optional<int> num_frames;  // frames to sample uniformly (the reference's num_frames)
  std::optional<double> fps;      // or frames per second of video
  int max_frames = 256;           // refuse videos that would give more frames than this
};

/// An image part from a source (path, file://, http(s) URL, data: URI, bare base64).
Result<ContentPart> load_image_part(std::string_view source, const media::MediaSourceOptions& options,
                                    std::optional<int> min_tiles = std::nullopt,
                                    std::optional<int> max_tiles = std::nullopt);

/// A video part: probes the video, picks frames as the reference video processor samples them
/// (all frames when neither num_frames nor fps is set), and decodes only those.
Result<ContentPart> load_video_part(std::string_view source, const media::MediaSourceOptions& options,
                                    const VideoSampling& sampling, const preprocess::VideoProcessorConfig& config);

/// Media loading policy for a JSON conversation.
struct ConversationMedia {
  media::MediaSourceOptions source;
  VideoSampling video;
  preprocess::VideoProcessorConfig video_config;
};

/// Transformers-format messages: [{"role", "content": "text" | [{"type": "text", "text"},
/// {"type": "image", "url"|"path"|"image"|"base64"}, {"type": "video", "url"|"path"|"video"}]}].
/// Errors name the message and part index.
Result<std::vector<Message>> parse_messages(const Json& messages, const ConversationMedia& media);

}  // namespace internvl::app
