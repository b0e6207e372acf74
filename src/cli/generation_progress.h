// What `run` and `chat` show while the engine encodes media and prefills: an activity line with
// the number of tiles to encode, erased when the first token arrives.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/progress.h"
#include "internvl/engine.h"

namespace internvl::cli {

/// Tiles the media of `parts` will give (images through the tile planner, one per video frame).
int count_tiles(const Engine& engine, const std::vector<ContentPart>& parts);

/// A Progress shown while a turn with `tiles` tiles is encoded and prefilled; nullptr when the
/// turn is small enough to need none or `enabled` is false.
std::unique_ptr<Progress> prefill_progress(bool enabled, int tiles);

}  // namespace internvl::cli
