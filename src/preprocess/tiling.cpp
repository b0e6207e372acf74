#include "preprocess/tiling.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace internvl::preprocess {

// ref: transformers/models/got_ocr2/image_processing_got_ocr2.py
//      get_all_supported_aspect_ratios / get_optimal_tiled_canvas
std::vector<std::pair<int, int>> candidate_grids(int min_tiles, int max_tiles) {
  std::vector<std::pair<int, int>> grids;
  for (int cols = 1; cols <= max_tiles; ++cols) {
    for (int rows = 1; rows <= max_tiles; ++rows) {
      const std::int64_t n = static_cast<std::int64_t>(cols) * rows;
      if (n <= max_tiles && n >= min_tiles) grids.emplace_back(cols, rows);
    }
  }
  // Python's sorted() is stable: equal products keep the cols-outer order.
  std::stable_sort(grids.begin(), grids.end(), [](const auto& a, const auto& b) {
    return a.first * a.second < b.first * b.second;
  });
  return grids;
}

TileGrid choose_tile_grid(int width, int height, int min_tiles, int max_tiles, int tile_width,
                          int tile_height) {
  const double aspect = static_cast<double>(width) / height;
  const double area = static_cast<double>(width) * height;
  double best_diff = std::numeric_limits<double>::infinity();
  TileGrid best;
  for (const auto& [cols, rows] : candidate_grids(min_tiles, max_tiles)) {
    const double diff = std::fabs(aspect - static_cast<double>(cols) / rows);
    if (diff < best_diff) {
      best_diff = diff;
      best.cols = cols;
      best.rows = rows;
    } else if (diff == best_diff) {
      // Python evaluates 0.5 * th * tw * cols * rows left to right in floats.
      const double canvas = 0.5 * tile_height * tile_width * cols * rows;
      if (area > canvas) {
        best.cols = cols;
        best.rows = rows;
      }
    }
  }
  best.thumbnail = best.cols * best.rows != 1;
  return best;
}

}  // namespace internvl::preprocess
