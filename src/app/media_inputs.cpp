#include "app/media_inputs.h"

#include "core/str.h"
#include "media/image_decode.h"
#include "media/video.h"
#include "preprocess/video_sampling.h"

namespace internvl::app {

Result<ContentPart> load_image_part(std::string_view source, const media::MediaSourceOptions& options,
                                    std::optional<int> min_tiles, std::optional<int> max_tiles) {
  INTERNVL_ASSIGN_OR_RETURN(Image img, media::load_image(source, options));
  return ContentPart::image_part(std::move(img), min_tiles, max_tiles);
}

Result<ContentPart> load_video_part(std::string_view source, const media::MediaSourceOptions& options,
                                    const VideoSampling& sampling, const preprocess::VideoProcessorConfig& config) {
  const std::string what = media::describe_source(source);
  INTERNVL_ASSIGN_OR_RETURN(std::string bytes, media::load_media_bytes(source, options));
  INTERNVL_ASSIGN_OR_RETURN(media::VideoInfo info, media::probe_video_bytes(bytes, what));
  preprocess::FrameSampling s;
  s.num_frames = sampling.num_frames;
  s.fps = sampling.fps;
  if (sampling.num_frames || sampling.fps) s.do_sample_frames = true;
  auto idx = preprocess::video_frame_indices(info.num_frames, info.fps, config, s);
  if (!idx.ok()) return idx.status().with_context(what);
  if (static_cast<int>(idx->size()) > sampling.max_frames) {
    return out_of_range(what, ": ", idx->size(), " frames would be used, more than the limit of ",
                        sampling.max_frames, " (sample fewer with num_frames or fps)");
  }
  media::VideoDecodeOptions dec;
  dec.max_frames = sampling.max_frames;
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Image> frames, media::decode_video_frames_from_bytes(bytes, *idx, dec, what));
  if (frames.empty()) return invalid_argument(what, ": no decodable frames");
  return ContentPart::video_part(std::move(frames));
}

namespace {

Result<std::string> source_of(const Json& part, std::initializer_list<const char*> keys, std::string_view where) {
  for (const char* k : keys) {
    if (!part.contains(k)) continue;
    const Json& v = part[k];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("url") && v["url"].is_string()) return v["url"].get<std::string>();
    return invalid_argument(where, ": '", k, "' must be a string");
  }
  std::string names;
  for (const char* k : keys) names += std::string(names.empty() ? "" : ", ") + "'" + k + "'";
  return invalid_argument(where, " needs one of ", names);
}

}  // namespace

Result<std::vector<Message>> parse_messages(const Json& messages, const ConversationMedia& media) {
  if (!messages.is_array()) return invalid_argument("'messages' must be a list");
  std::vector<Message> out;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Json& m = messages[i];
    std::string where = str_cat("messages[", i, "]");
    if (!m.is_object()) return invalid_argument(where, " must be an object");
    if (!m.contains("role") || !m["role"].is_string()) return invalid_argument(where, " needs a string 'role'");
    Message msg;
    msg.role = m["role"].get<std::string>();
    if (!m.contains("content") || m["content"].is_null()) {
      out.push_back(std::move(msg));
      continue;
    }
    const Json& content = m["content"];
    if (content.is_string()) {
      msg.content.push_back(ContentPart::text_part(content.get<std::string>()));
    } else if (content.is_array()) {
      for (std::size_t j = 0; j < content.size(); ++j) {
        const Json& part = content[j];
        std::string pw = str_cat(where, ".content[", j, "]");
        if (!part.is_object() || !part.contains("type") || !part["type"].is_string()) {
          return invalid_argument(pw, " needs a string 'type'");
        }
        const std::string type = part["type"].get<std::string>();
        if (type == "text") {
          if (!part.contains("text") || !part["text"].is_string()) return invalid_argument(pw, " needs a string 'text'");
          msg.content.push_back(ContentPart::text_part(part["text"].get<std::string>()));
        } else if (type == "image") {
          INTERNVL_ASSIGN_OR_RETURN(std::string src, source_of(part, {"url", "path", "image", "base64"}, pw));
          auto p = load_image_part(src, media.source);
          if (!p.ok()) return p.status().with_context(pw);
          msg.content.push_back(std::move(p).value());
        } else if (type == "video") {
          INTERNVL_ASSIGN_OR_RETURN(std::string src, source_of(part, {"url", "path", "video"}, pw));
          auto p = load_video_part(src, media.source, media.video, media.video_config);
          if (!p.ok()) return p.status().with_context(pw);
          msg.content.push_back(std::move(p).value());
        } else {
          return invalid_argument(pw, ": unsupported content type '", type, "' (text, image, video)");
        }
      }
    } else {
      return invalid_argument(where, ".content must be a string or a list of parts");
    }
    out.push_back(std::move(msg));
  }
  return out;
}

}  // namespace internvl::app
