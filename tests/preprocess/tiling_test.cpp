#include "preprocess/tiling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace internvl::preprocess {
namespace {

TEST(Tiling, CandidateOrderMatchesReference) {
  // Spec 5.3: cols outer, rows inner, stable sort by product.
  const std::vector<std::pair<int, int>> expected = {
      {1, 1},  {1, 2},  {2, 1},  {1, 3}, {3, 1}, {1, 4},  {2, 2}, {4, 1}, {1, 5},
      {5, 1},  {1, 6},  {2, 3},  {3, 2}, {6, 1}, {1, 7},  {7, 1}, {1, 8}, {2, 4},
      {4, 2},  {8, 1},  {1, 9},  {3, 3}, {9, 1}, {1, 10}, {2, 5}, {5, 2}, {10, 1},
      {1, 11}, {11, 1}, {1, 12}, {2, 6}, {3, 4}, {4, 3},  {6, 2}, {12, 1}};
  EXPECT_EQ(candidate_grids(1, 12), expected);
  const auto some = candidate_grids(3, 4);
  const std::vector<std::pair<int, int>> expected34 = {{1, 3}, {3, 1}, {1, 4}, {2, 2}, {4, 1}};
  EXPECT_EQ(some, expected34);
  EXPECT_TRUE(candidate_grids(5, 4).empty());
}

struct Example {
  int w, h, cols, rows, tiles;
};

TEST(Tiling, WorkedExamplesFromSpec) {
  const Example examples[] = {{640, 480, 4, 3, 13},  {448, 448, 1, 1, 1},  {1000, 1000, 3, 3, 10},
                              {1920, 1080, 4, 2, 9}, {500, 300, 3, 2, 7},  {300, 500, 2, 3, 7},
                              {800, 200, 4, 1, 5},   {2000, 300, 7, 1, 8}, {896, 448, 2, 1, 3}};
  for (const Example& e : examples) {
    const TileGrid g = choose_tile_grid(e.w, e.h, 1, 12, 448);
    EXPECT_EQ(g.cols, e.cols) << e.w << "x" << e.h;
    EXPECT_EQ(g.rows, e.rows) << e.w << "x" << e.h;
    EXPECT_EQ(g.num_tiles(), e.tiles) << e.w << "x" << e.h;
    EXPECT_EQ(g.thumbnail, e.tiles > 1);
    // Text tokens incl. <img></img>, as the spec lists them (e.g. 640x480 -> 3330).
    EXPECT_EQ(num_image_tokens(g, 256) + 2, 256 * e.tiles + 2);
  }
  EXPECT_EQ(num_image_tokens(choose_tile_grid(640, 480, 1, 12, 448), 256) + 2, 3330);
}

TEST(Tiling, GoldenGridsAndOverrides) {
  // From goldens/image_processor/cases.json (num_patches).
  EXPECT_EQ(choose_tile_grid(800, 600, 1, 6, 448).num_tiles(), 7);
  EXPECT_EQ(choose_tile_grid(800, 600, 1, 1, 448).num_tiles(), 1);
  EXPECT_EQ(choose_tile_grid(800, 600, 3, 12, 448).num_tiles(), 13);
  EXPECT_EQ(choose_tile_grid(300, 1000, 1, 12, 448).num_tiles(), 4);
  EXPECT_EQ(choose_tile_grid(300, 1000, 3, 12, 448).num_tiles(), 4);
  EXPECT_EQ(choose_tile_grid(64, 48, 1, 12, 448).num_tiles(), 13);
  EXPECT_EQ(choose_tile_grid(600, 300, 1, 12, 448).num_tiles(), 3);
  EXPECT_EQ(choose_tile_grid(640, 360, 1, 12, 448).num_tiles(), 3);
  EXPECT_EQ(choose_tile_grid(500, 375, 1, 12, 448).num_tiles(), 13);
  // A minimum forces more tiles: for a square image with min 3 the first exact match is 2x2.
  const TileGrid sq = choose_tile_grid(500, 500, 3, 12, 448);
  EXPECT_EQ(sq.cols, 2);
  EXPECT_EQ(sq.rows, 2);
  // max 1: never a thumbnail.
  const TileGrid one = choose_tile_grid(1920, 1080, 1, 1, 448);
  EXPECT_EQ(one.num_tiles(), 1);
  EXPECT_FALSE(one.thumbnail);
  // No candidates: the reference's default (1, 1).
  EXPECT_EQ(choose_tile_grid(1920, 1080, 5, 4, 448).num_tiles(), 1);
}

TEST(Tiling, TieBreakPrefersMoreTilesOnlyWhileImageIsLarge) {
  // 1000x1000: 1x1, 2x2, 3x3 all have diff 0. 2x2 replaces 1x1 (area 1e6 > 0.5*448^2*4),
  // 3x3 replaces 2x2 (1e6 > 0.5*448^2*9 = 903,168).
  EXPECT_EQ(choose_tile_grid(1000, 1000, 1, 12, 448).cols, 3);
  // 900x900 = 810,000 < 903,168: stays at 2x2.
  EXPECT_EQ(choose_tile_grid(900, 900, 1, 12, 448).cols, 2);
  // 448x448 = 200,704 is not > 0.5*448^2*4 = 401,408: stays 1x1.
  EXPECT_EQ(choose_tile_grid(448, 448, 1, 12, 448).cols, 1);
  // Tie on exact float equality: 896x448 (r=2) ties 2x1 and 4x2; 401,408 is not > 802,816.
  const TileGrid g = choose_tile_grid(896, 448, 1, 12, 448);
  EXPECT_EQ(g.cols, 2);
  EXPECT_EQ(g.rows, 1);
}

TEST(Tiling, MatchesBruteForceOverManySizes) {
  // An independent transcription of get_optimal_tiled_canvas over a grid of sizes.
  for (int w = 1; w <= 2000; w += 37) {
    for (int h = 1; h <= 2000; h += 41) {
      double best = std::numeric_limits<double>::infinity();
      int bc = 1, br = 1;
      for (int n = 1; n <= 12; ++n)
        for (int c = 1; c <= 12; ++c)
          for (int r = 1; r <= 12; ++r) {
            if (c * r != n) continue;
            const double d = std::fabs(static_cast<double>(w) / h - static_cast<double>(c) / r);
            if (d < best) {
              best = d;
              bc = c;
              br = r;
            } else if (d == best && static_cast<double>(w) * h > 0.5 * 448 * 448 * c * r) {
              bc = c;
              br = r;
            }
          }
      const TileGrid g = choose_tile_grid(w, h, 1, 12, 448);
      ASSERT_EQ(g.cols, bc) << w << "x" << h;
      ASSERT_EQ(g.rows, br) << w << "x" << h;
    }
  }
}

}  // namespace
}  // namespace internvl::preprocess
