#include "cli/prompt.h"

#include <CLI/CLI.hpp>

#include "core/str.h"
#include "media/media_source.h"

namespace internvl::cli {

void MediaFlags::add_to(CLI::App& app) {
  image_opt_ = app.add_option("--image", images, "image: path, file:// or http(s) URL, data: URI (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  video_opt_ = app.add_option("--video", videos, "video: path or URL (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

std::vector<MediaArg> MediaFlags::in_order(const CLI::App& app) const {
  std::vector<MediaArg> out;
  std::size_t ni = 0, nv = 0;
  for (const CLI::Option* opt : app.parse_order()) {
    if (opt == image_opt_ && ni < images.size()) out.push_back({MediaArg::Kind::kImage, images[ni++]});
    if (opt == video_opt_ && nv < videos.size()) out.push_back({MediaArg::Kind::kVideo, videos[nv++]});
  }
  // Values that did not come through parse_order (e.g. from a config file) keep their kind order.
  for (; ni < images.size(); ++ni) out.push_back({MediaArg::Kind::kImage, images[ni]});
  for (; nv < videos.size(); ++nv) out.push_back({MediaArg::Kind::kVideo, videos[nv]});
  return out;
}

Result<ContentPart> load_media(const MediaArg& arg, const app::MediaOptions& options,
                               const preprocess::VideoProcessorConfig& video_config) {
  media::MediaSourceOptions source;
  if (arg.kind == MediaArg::Kind::kImage) {
    return app::load_image_part(arg.source, source, options.min_tiles, options.max_tiles);
  }
  return app::load_video_part(arg.source, source, app::video_sampling(options, kDefaultVideoFrames), video_config);
}

Result<std::vector<ContentPart>> load_all_media(const std::vector<MediaArg>& args, const app::MediaOptions& options,
                                                const preprocess::VideoProcessorConfig& video_config) {
  std::vector<ContentPart> parts;
  for (const MediaArg& a : args) {
    INTERNVL_ASSIGN_OR_RETURN(ContentPart p, load_media(a, options, video_config));
    parts.push_back(std::move(p));
  }
  return parts;
}

namespace {

int count_kind(const std::vector<ContentPart>& parts, ContentPart::Type t) {
  int n = 0;
  for (const ContentPart& p : parts) n += p.type == t ? 1 : 0;
  return n;
}

std::string plural(int n, std::string_view word) { return str_cat(n, " ", word, n == 1 ? "" : "s"); }

}  // namespace

Result<std::vector<ContentPart>> build_user_content(std::string_view prompt, std::vector<ContentPart> media) {
  // Split the prompt at the markers.
  struct Piece {
    bool marker;
    ContentPart::Type type;
    std::string text;
  };
  std::vector<Piece> pieces;
  int image_markers = 0, video_markers = 0;
  std::size_t pos = 0;
  while (pos <= prompt.size()) {
    const std::size_t i = prompt.find(kImageMarker, pos);
    const std::size_t v = prompt.find(kVideoMarker, pos);
    const std::size_t at = std::min(i, v);
    if (at == std::string_view::npos) {
      pieces.push_back({false, ContentPart::Type::kText, std::string(prompt.substr(pos))});
      break;
    }
    pieces.push_back({false, ContentPart::Type::kText, std::string(prompt.substr(pos, at - pos))});
    const bool is_image = at == i;
    pieces.push_back({true, is_image ? ContentPart::Type::kImage : ContentPart::Type::kVideo, ""});
    (is_image ? image_markers : video_markers) += 1;
    pos = at + (is_image ? kImageMarker : kVideoMarker).size();
  }

  std::vector<ContentPart> out;
  if (image_markers == 0 && video_markers == 0) {
    out = std::move(media);
    if (!prompt.empty()) out.push_back(ContentPart::text_part(std::string(prompt)));
    if (out.empty()) return invalid_argument("nothing to ask: give a prompt (-p TEXT), an image or a video");
    return out;
  }

  const int images = count_kind(media, ContentPart::Type::kImage);
  const int videos = count_kind(media, ContentPart::Type::kVideo);
  if (images != image_markers) {
    return invalid_argument("the prompt has ", plural(image_markers, "<image> marker"), " but ",
                            plural(images, "image"), (images == 1 ? " was" : " were"), " given");
  }
  if (videos != video_markers) {
    return invalid_argument("the prompt has ", plural(video_markers, "<video> marker"), " but ",
                            plural(videos, "video"), (videos == 1 ? " was" : " were"), " given");
  }
  std::vector<ContentPart> by_kind[2];
  for (ContentPart& p : media) by_kind[p.type == ContentPart::Type::kImage ? 0 : 1].push_back(std::move(p));
  std::size_t next[2] = {0, 0};
  for (Piece& piece : pieces) {
    if (!piece.marker) {
      if (!piece.text.empty()) out.push_back(ContentPart::text_part(std::move(piece.text)));
      continue;
    }
    const int k = piece.type == ContentPart::Type::kImage ? 0 : 1;
    out.push_back(std::move(by_kind[k][next[k]++]));
  }
  return out;
}

}  // namespace internvl::cli
