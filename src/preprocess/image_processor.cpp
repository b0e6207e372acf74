#include "preprocess/image_processor.h"

#include <cstddef>
#include <cstdint>

#include "core/str.h"
#include "preprocess/normalize.h"
#include "preprocess/resize.h"

namespace internvl::preprocess {
namespace {

Status check_image(const Image& image) {
  if (image.empty()) {
    return invalid_argument("[preprocess_image] empty image (", image.width, "x", image.height,
                            ")");
  }
  if (!image_is_consistent(image)) {
    return invalid_argument("[preprocess_image] ", image.width, "x", image.height, " image with ",
                            image.bit_depth, "-bit depth has ", image.rgb8.size(), " 8-bit and ",
                            image.rgb16.size(),
                            " 16-bit values (expected width*height*3 of its depth)");
  }
  return Status::ok_status();
}

// Copies the w x h box at (x0, y0) of an interleaved image into channel planes [3, h, w].
template <typename Src, typename Dst>
void crop_to_chw(const std::vector<Src>& hwc, int image_width, int x0, int y0, int w, int h,
                 Dst* dst) {
  const std::size_t plane = static_cast<std::size_t>(w) * h;
  for (int y = 0; y < h; ++y) {
    const Src* row = hwc.data() + (static_cast<std::size_t>(y0 + y) * image_width + x0) * 3;
    Dst* r = dst + static_cast<std::size_t>(y) * w;
    Dst* g = r + plane;
    Dst* b = g + plane;
    for (int x = 0; x < w; ++x) {
      r[x] = static_cast<Dst>(row[3 * x + 0]);
      g[x] = static_cast<Dst>(row[3 * x + 1]);
      b[x] = static_cast<Dst>(row[3 * x + 2]);
    }
  }
}

// Writes the box of `image` as tile `index` of `out` ([n, 3, h, w], u8 or i32).
void put_tile(const Image& image, int x0, int y0, Tensor& out, std::int64_t index) {
  const int h = static_cast<int>(out.dim(2));
  const int w = static_cast<int>(out.dim(3));
  const std::size_t offset = static_cast<std::size_t>(index) * 3 * h * w;
  if (image.bit_depth == 16) {
    crop_to_chw(image.rgb16, image.width, x0, y0, w, h, out.data<std::int32_t>() + offset);
  } else {
    crop_to_chw(image.rgb8, image.width, x0, y0, w, h, out.data<std::uint8_t>() + offset);
  }
}

}  // namespace

Result<TileGrid> plan_image_tiles(int width, int height, const ImageProcessorConfig& cfg,
                                  const TileOptions& options) {
  if (width <= 0 || height <= 0) {
    return invalid_argument("[plan_image_tiles] image size ", width, "x", height,
                            " must be positive");
  }
  if (!options.crop_to_patches) return TileGrid{};
  const int min_tiles = options.min_tiles.value_or(cfg.min_patches);
  const int max_tiles = options.max_tiles.value_or(cfg.max_patches);
  if (min_tiles < 1 || min_tiles > kMaxTilesLimit) {
    return invalid_argument("[plan_image_tiles] min_tiles ", min_tiles, " must be in [1, ",
                            kMaxTilesLimit, "]");
  }
  if (max_tiles < min_tiles || max_tiles > kMaxTilesLimit) {
    return invalid_argument("[plan_image_tiles] max_tiles ", max_tiles, " must be in [min_tiles ",
                            min_tiles, ", ", kMaxTilesLimit, "]");
  }
  return choose_tile_grid(width, height, min_tiles, max_tiles, cfg.pixels.width, cfg.pixels.height);
}

Result<int> num_image_tiles(int width, int height, const ImageProcessorConfig& cfg,
                            const TileOptions& options) {
  INTERNVL_ASSIGN_OR_RETURN(TileGrid grid, plan_image_tiles(width, height, cfg, options));
  return grid.num_tiles();
}

Result<RawTiles> tile_image(const Image& image, const ImageProcessorConfig& cfg,
                            const TileOptions& options) {
  INTERNVL_RETURN_IF_ERROR(check_image(image));
  RawTiles out;
  INTERNVL_ASSIGN_OR_RETURN(out.grid, plan_image_tiles(image.width, image.height, cfg, options));
  const DType dtype = image.bit_depth == 16 ? DType::kI32 : DType::kU8;
  const int tw = cfg.pixels.width;
  const int th = cfg.pixels.height;

  if (!options.crop_to_patches) {
    // One tile: the image resized to the processor size (or left as is without do_resize).
    const Image resized = cfg.pixels.do_resize ? resize_bicubic_aa(image, tw, th) : Image{};
    const Image& tile = cfg.pixels.do_resize ? resized : image;
    out.pixels = Tensor::empty(dtype, {1, 3, tile.height, tile.width});
    put_tile(tile, 0, 0, out.pixels, 0);
    return out;
  }

  // The whole image is resized to the canvas and cut into tiles; the thumbnail is resized from
  // the original, not from the canvas. Tiles already have the processor size, so the
  // reference's per-tile resize that follows is a no-op.
  const TileGrid& g = out.grid;
  out.pixels = Tensor::empty(dtype, {g.num_tiles(), 3, th, tw});  // [n_tiles, 3, th, tw]
  ImageResizer resizer(image);  // the canvas and the thumbnail share its prepared source
  {
    const Image canvas = resizer.resize(g.cols * tw, g.rows * th);
    for (int k = 0; k < g.cols * g.rows; ++k) {
      put_tile(canvas, (k % g.cols) * tw, (k / g.cols) * th, out.pixels, k);
    }
  }
  if (g.thumbnail) put_tile(resizer.resize(tw, th), 0, 0, out.pixels, g.cols * g.rows);
  return out;
}

Result<ImageTiles> preprocess_image(const Image& image, const ImageProcessorConfig& cfg,
                                    const TileOptions& options) {
  INTERNVL_ASSIGN_OR_RETURN(RawTiles raw, tile_image(image, cfg, options));
  ImageTiles out;
  out.pixel_values = normalize_tiles(raw.pixels, cfg.pixels);
  out.grid = raw.grid;
  return out;
}

}  // namespace internvl::preprocess
