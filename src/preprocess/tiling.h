// InternVL dynamic tiling: choose a grid of tiles whose aspect ratio is closest to the image's,
// as GotOcr2's get_optimal_tiled_canvas does (reference spec section 5.3).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace internvl::preprocess {

/// Largest tile count accepted per image (config or request): bounds the canvas memory
/// (128 tiles of 448x448 are 77 MB of uint8 and 308 MB of float32 pixel values).
inline constexpr int kMaxTilesLimit = 128;

/// A tiling of one image: `cols` x `rows` tiles cut from the resized canvas, row-major, plus
/// a thumbnail of the whole image last when the grid has more than one tile.
struct TileGrid {
  int cols = 1;
  int rows = 1;
  bool thumbnail = false;

  /// Tiles this image contributes to pixel_values (grid + thumbnail).
  int num_tiles() const { return cols * rows + (thumbnail ? 1 : 0); }
  bool operator==(const TileGrid&) const = default;
};

/// Every (cols, rows) with min_tiles <= cols*rows <= max_tiles, in the reference's order:
/// cols outer, rows inner, then stably sorted by cols*rows.
std::vector<std::pair<int, int>> candidate_grids(int min_tiles, int max_tiles);

/// The grid for a width x height image and tile_width x tile_height tiles; exact float ties go
/// to the later candidate while the image covers more than half of its canvas. No candidate
/// (min_tiles > max_tiles) gives 1x1, as in the reference.
TileGrid choose_tile_grid(int width, int height, int min_tiles, int max_tiles, int tile_width,
                          int tile_height);

/// Square tiles (InternVL uses 448).
inline TileGrid choose_tile_grid(int width, int height, int min_tiles, int max_tiles,
                                 int tile_size) {
  return choose_tile_grid(width, height, min_tiles, max_tiles, tile_size, tile_size);
}

/// <IMG_CONTEXT> tokens for an image tiled as `grid` (tiles x image_seq_length).
inline std::int64_t num_image_tokens(const TileGrid& grid, int image_seq_length) {
  return static_cast<std::int64_t>(grid.num_tiles()) * image_seq_length;
}

}  // namespace internvl::preprocess
