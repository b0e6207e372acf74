// `internvl preprocess`: what the processor makes of images and videos, without the model's
// weights: each image's tile grid, tiles and image tokens, each video's frames, the prompt's
// token count, and (--dump) the float32 pixel_values [tiles, 3, 448, 448] the vision tower gets.
//
//   internvl preprocess -m DIR --image photo.jpg --max-tiles 6 --dump pixels.npy
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/processor_only.h"
#include "cli/prompt.h"
#include "core/str.h"
#include "io/npy.h"
#include "media/media_source.h"
#include "media/video.h"
#include "preprocess/image_processor.h"

namespace internvl::cli {

namespace {

constexpr const char* kName = "preprocess";

// Describes one loaded medium as JSON.
Result<Json> describe(const MediaArg& arg, const ContentPart& part, const preprocess::ProcessorConfig& cfg,
                      int image_seq_length) {
  Json j = Json::object();
  j["type"] = arg.kind == MediaArg::Kind::kImage ? "image" : "video";
  j["source"] = media::describe_source(arg.source);
  if (part.type == ContentPart::Type::kImage) {
    const Image& img = part.image->image;
    preprocess::TileOptions t;
    t.min_tiles = part.image->min_tiles;
    t.max_tiles = part.image->max_tiles;
    INTERNVL_ASSIGN_OR_RETURN(preprocess::TileGrid grid, preprocess::plan_image_tiles(img.width, img.height, cfg.image, t));
    j["width"] = img.width;
    j["height"] = img.height;
    j["grid"] = Json::array({grid.cols, grid.rows});
    j["thumbnail"] = grid.thumbnail;
    j["tiles"] = grid.num_tiles();
    j["image_tokens"] = preprocess::num_image_tokens(grid, image_seq_length);
  } else {
    const auto frames = static_cast<std::int64_t>(part.video->frames.size());
    // The video's own frame count, for the "8 of 37" line (a second read; this is a diagnostic).
    auto bytes = media::load_media_bytes(arg.source, media::MediaSourceOptions{});
    if (bytes.ok()) {
      auto info = media::probe_video_bytes(*bytes, arg.source);
      if (info.ok()) {
        j["video_frames"] = info->num_frames;
        j["video_fps"] = info->fps;
      }
    }
    j["frames"] = frames;
    j["tiles"] = frames;
    j["image_tokens"] = frames * image_seq_length;
  }
  return j;
}

void print_text(const Json& report) {
  int i = 0;
  for (const Json& m : report["media"]) {
    ++i;
    if (m["type"] == "image") {
      const bool thumb = m["thumbnail"].get<bool>();
      std::printf("image %d: %s  %dx%d -> %dx%d grid%s = %d tiles, %lld image tokens\n", i,
                  m["source"].get<std::string>().c_str(), m["width"].get<int>(), m["height"].get<int>(),
                  m["grid"][0].get<int>(), m["grid"][1].get<int>(), thumb ? " + thumbnail" : "", m["tiles"].get<int>(),
                  m["image_tokens"].get<long long>());
    } else {
      std::string of = m.contains("video_frames") ? str_cat(" of ", m["video_frames"].get<long long>()) : "";
      std::printf("video %d: %s  %lld%s frames = %lld tiles, %lld image tokens\n", i,
                  m["source"].get<std::string>().c_str(), m["frames"].get<long long>(), of.c_str(),
                  m["tiles"].get<long long>(), m["image_tokens"].get<long long>());
    }
  }
  std::printf("total: %lld tiles, %lld image tokens, %lld prompt tokens; pixel_values %s\n",
              report["tiles"].get<long long>(), report["image_tokens"].get<long long>(),
              report["prompt_tokens"].get<long long>(),
              shape_str(report["pixel_values_shape"].get<std::vector<std::int64_t>>()).c_str());
}

}  // namespace

int cmd_preprocess(int argc, char** argv) {
  CLI::App app("Shows the tile grid and token counts the processor gives images and videos (no weights "
               "loaded); --dump writes the float32 pixel_values [tiles, 3, 448, 448] as .npy. "
               "Videos default to 8 sampled frames (--num-frames 0 = all).",
               "internvl preprocess");
  app::Options opts;
  app::CliOptions cli(&opts, {app::OptionGroup::kMedia});
  cli.add_to(app);
  app.add_option("-m,--model", opts.model.model_dir, "model directory (processor config, tokenizer)")
      ->envname("INTERNVL_MODEL");
  MediaFlags media;
  media.add_to(app);
  std::string prompt, dump;
  bool json = false;
  app.add_option("-p,--prompt", prompt, "text of the user turn (for the prompt token count)");
  app.add_option("--dump", dump, "write pixel_values to this .npy file");
  app.add_flag("--json", json, "print one JSON object");
  if (auto rc = parse_command_line(app, argc, argv)) return *rc;
  if (Status st = cli.apply(); !st.ok()) return report_usage_error(kName, st);
  const std::vector<MediaArg> args = media.in_order(app);
  if (args.empty()) return report_usage_error(kName, invalid_argument("give at least one --image or --video"));

  auto impl = load_processor_only(opts.model.model_dir);
  if (!impl.ok()) return report_error(kName, impl.status());
  const processor::Processor& proc = *(*impl)->processor;
  auto parts = load_all_media(args, opts.media, proc.config().video);
  if (!parts.ok()) return report_error(kName, parts.status());

  Json report = Json::object();
  report["media"] = Json::array();
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto d = describe(args[i], (*parts)[i], proc.config(), proc.config().image_seq_length);
    if (!d.ok()) return report_error(kName, d.status());
    report["media"].push_back(std::move(d).value());
  }
  auto content = build_user_content(prompt, std::move(parts).value());
  if (!content.ok()) return report_error(kName, content.status());
  auto prepared = (*impl)->process({Message{"user", std::move(content).value()}}, GenerationOptions{});
  if (!prepared.ok()) return report_error(kName, prepared.status());
  std::int64_t tiles = 0, tokens = 0;
  for (const Json& m : report["media"]) {
    tiles += m["tiles"].get<std::int64_t>();
    tokens += m["image_tokens"].get<std::int64_t>();
  }
  report["tiles"] = tiles;
  report["image_tokens"] = tokens;
  report["prompt_tokens"] = prepared->ids.size();
  report["pixel_values_shape"] = prepared->pixel_values.shape();
  if (prepared->pixel_values.dim(0) != tiles) {
    return report_error(kName, internal_error("the processor made ", prepared->pixel_values.dim(0), " tiles, the plan ",
                                              tiles));
  }
  if (!dump.empty()) {
    if (Status st = io::save_npy(dump, prepared->pixel_values); !st.ok()) return report_error(kName, st);
    report["dump"] = dump;
  }
  if (json) {
    std::printf("%s\n", dump_json(report).c_str());
  } else {
    print_text(report);
    if (!dump.empty()) std::printf("wrote %s\n", dump.c_str());
  }
  return 0;
}

}  // namespace internvl::cli
