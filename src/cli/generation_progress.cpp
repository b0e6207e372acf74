#include "cli/generation_progress.h"

#include "core/str.h"
#include "preprocess/image_processor.h"
#include "runtime/engine_impl.h"

namespace internvl::cli {

int count_tiles(const Engine& engine, const std::vector<ContentPart>& parts) {
  const auto& cfg = engine.impl().processor->config().image;
  int tiles = 0;
  for (const ContentPart& p : parts) {
    if (p.type == ContentPart::Type::kImage && p.image) {
      preprocess::TileOptions t;
      t.min_tiles = p.image->min_tiles;
      t.max_tiles = p.image->max_tiles;
      auto n = preprocess::num_image_tiles(p.image->image.width, p.image->image.height, cfg, t);
      tiles += n.ok() ? *n : 1;
    } else if (p.type == ContentPart::Type::kVideo && p.video) {
      tiles += static_cast<int>(p.video->frames.size());
    }
  }
  return tiles;
}

std::unique_ptr<Progress> prefill_progress(bool enabled, int tiles) {
  if (!enabled) return nullptr;
  std::string label = tiles > 0 ? str_cat("encoding ", tiles, tiles == 1 ? " tile" : " tiles", " and prefilling")
                                : std::string("prefilling");
  return std::make_unique<Progress>(true, std::move(label), 700);
}

}  // namespace internvl::cli
