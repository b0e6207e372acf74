// Image -> pixel_values, as GotOcr2ImageProcessorFast does inside the InternVLProcessor:
// tile (resize the whole image to the grid's canvas, crop row-major, append a thumbnail of the
// original), then rescale + normalize every tile.
#pragma once

#include <optional>

#include "core/image.h"
#include "core/tensor.h"
#include "internvl/status.h"
#include "preprocess/processor_config.h"
#include "preprocess/tiling.h"

namespace internvl::preprocess {

/// Per-request overrides of the image processor settings.
struct TileOptions {
  std::optional<int> min_tiles;  // default: config min_patches
  std::optional<int> max_tiles;  // default: config max_patches
  bool crop_to_patches = true;   // the InternVLProcessor always tiles
};

/// Tiles before rescale/normalize, channels-first: what the reference's `pixels_u8` holds.
struct RawTiles {
  Tensor pixels;  // [n_tiles, 3, tile_h, tile_w]: u8, or i32 holding uint16 values (16-bit images)
  TileGrid grid;
};

/// Normalized tiles, ready for the vision tower.
struct ImageTiles {
  Tensor pixel_values;  // f32 [n_tiles, 3, tile_h, tile_w]
  TileGrid grid;
};

/// The grid an image of this size gets (no pixels touched); errors name the bad option.
Result<TileGrid> plan_image_tiles(int width, int height, const ImageProcessorConfig& cfg,
                                  const TileOptions& options = {});

/// Resizes and crops an image into tiles, stopping before rescale/normalize.
Result<RawTiles> tile_image(const Image& image, const ImageProcessorConfig& cfg,
                            const TileOptions& options = {});

/// The full image pipeline: tiles, then rescale + normalize.
Result<ImageTiles> preprocess_image(const Image& image, const ImageProcessorConfig& cfg,
                                    const TileOptions& options = {});

/// Number of tiles (pixel_values rows) an image of this size produces.
Result<int> num_image_tiles(int width, int height, const ImageProcessorConfig& cfg,
                            const TileOptions& options = {});

}  // namespace internvl::preprocess
