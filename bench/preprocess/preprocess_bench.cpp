// Preprocessing timings on one core: decode + tile + normalize of a 1920x1080 JPEG (the
// fixture), its parts, and one video frame. Prints min / median over repeats.
//
//   preprocess_bench [image.jpg] [repeats]
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "core/timer.h"
#include "media/image_decode.h"
#include "preprocess/image_processor.h"
#include "preprocess/normalize.h"
#include "preprocess/resize.h"
#include "preprocess/video_processor.h"

using namespace internvl;
using namespace internvl::preprocess;

namespace {

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

// Wall time min/median, and the thread's CPU time (user + system) min: on a shared machine
// the CPU time is the steadier number.
void report(const char* what, int repeats, const std::function<void()>& fn) {
  fn();  // warm-up
  std::vector<double> wall, cpu;
  for (int i = 0; i < repeats; ++i) {
    const double c0 = thread_cpu_ms();
    Timer t;
    fn();
    wall.push_back(t.elapsed_ms());
    cpu.push_back(thread_cpu_ms() - c0);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  std::printf("%-40s wall min %7.2f  median %7.2f   cpu min %7.2f  median %7.2f ms\n", what,
              wall.front(), wall[wall.size() / 2], cpu.front(), cpu[cpu.size() / 2]);
}

ImageProcessorConfig internvl_config() {
  ImageProcessorConfig cfg;
  cfg.pixels.height = cfg.pixels.width = 448;
  cfg.pixels.image_mean = {0.485, 0.456, 0.406};
  cfg.pixels.image_std = {0.229, 0.224, 0.225};
  return cfg;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1] : std::string(INTERNVL_FIXTURES_DIR) + "/images/wide_1920x1080.jpg";
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 15;
  set_num_threads(1);
  // Keep freed memory in the process, as a long-running server's allocator does once warm:
  // otherwise every call pays fresh page faults for its megabyte buffers.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum
  mallopt(M_TRIM_THRESHOLD, 512 << 20);

  auto decoded = media::load_image_file(path);
  if (!decoded.ok()) {
    std::fprintf(stderr, "%s\n", decoded.status().to_string().c_str());
    return 1;
  }
  const Image image = std::move(decoded).value();
  const ImageProcessorConfig cfg = internvl_config();
  const TileGrid grid = choose_tile_grid(image.width, image.height, 1, 12, 448);
  std::printf("%s: %dx%d -> grid %dx%d, %d tiles, 1 thread\n", path.c_str(), image.width,
              image.height, grid.cols, grid.rows, grid.num_tiles());

  report("decode (media::load_image_file)", repeats, [&] { (void)media::load_image_file(path); });
  report("resize to canvas", repeats,
         [&] { (void)resize_bicubic_aa(image, grid.cols * 448, grid.rows * 448); });
  report("resize thumbnail", repeats, [&] { (void)resize_bicubic_aa(image, 448, 448); });
  Tensor raw;
  report("tile_image (resizes + crops)", repeats, [&] { raw = tile_image(image, cfg)->pixels; });
  report("normalize_tiles", repeats, [&] { (void)normalize_tiles(raw, cfg.pixels); });
  report("preprocess_image (tile + normalize)", repeats,
         [&] { (void)preprocess_image(image, cfg); });
  report("decode + preprocess_image", repeats, [&] {
    auto img = media::load_image_file(path);
    (void)preprocess_image(*img, cfg);
  });

  VideoProcessorConfig vcfg;
  vcfg.pixels = cfg.pixels;
  Image frame;
  frame.width = 320;
  frame.height = 240;
  frame.rgb8.assign(320 * 240 * 3, 0);
  for (std::size_t i = 0; i < frame.rgb8.size(); ++i)
    frame.rgb8[i] = static_cast<std::uint8_t>(i * 7);
  const std::vector<Image> frames(8, frame);
  report("video: 8 frames 320x240 -> 448x448", repeats,
         [&] { (void)preprocess_video_frames(frames, vcfg); });
  return 0;
}
