// Media decoding benchmark: per fixture image, the median decode time and megapixels per second;
// then video decode (all frames, and 8 sampled frames) for the two fixture clips.
// Usage: media_bench [fixtures_dir] [repeats]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/file.h"
#include "core/timer.h"
#include "media/image_decode.h"
#include "media/video.h"

namespace {

using internvl::Timer;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : INTERNVL_BENCH_FIXTURES_DIR;
  const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 15;
  const char* images[] = {"square_448.png", "rgba_640x480.png", "gray16_300x300.png",
                          "landscape_800x600.jpg", "wide_1920x1080.jpg", "progressive_640x360.jpg",
                          "cmyk_300x300.jpg", "photo_500x375.webp", "anim_300x200.gif",
                          "bitmap_333x222.bmp"};
  std::printf("%-26s %10s %10s %9s\n", "image", "bytes", "median ms", "MPix/s");
  for (const char* name : images) {
    auto bytes = internvl::read_file(internvl::path_join(dir, std::string("images/") + name));
    if (!bytes.ok()) {
      std::fprintf(stderr, "%s\n", bytes.status().to_string().c_str());
      return 1;
    }
    std::vector<double> ms;
    double mpix = 0;
    for (int r = 0; r < repeats; ++r) {
      Timer t;
      auto image = internvl::media::decode_image(*bytes, {}, name);
      ms.push_back(t.elapsed_ms());
      if (!image.ok()) {
        std::fprintf(stderr, "%s\n", image.status().to_string().c_str());
        return 1;
      }
      mpix = image->width * static_cast<double>(image->height) / 1e6;
    }
    const double m = median(ms);
    std::printf("%-26s %10zu %10.3f %9.1f\n", name, bytes->size(), m, mpix / (m / 1e3));
  }
  std::printf("\n%-32s %12s %12s\n", "video", "all frames", "8 sampled");
  for (const char* name : {"video/clip_37f_10fps_ffv1.mkv", "video/clip_37f_10fps_h264.mp4"}) {
    const std::string path = internvl::path_join(dir, name);
    std::vector<double> all_ms, some_ms;
    for (int r = 0; r < std::max(1, repeats / 3); ++r) {
      Timer t;
      auto all = internvl::media::decode_video_frames(path, {});
      all_ms.push_back(t.elapsed_ms());
      t.reset();
      auto some = internvl::media::decode_video_frames(path, {2, 6, 11, 16, 20, 25, 30, 34});
      some_ms.push_back(t.elapsed_ms());
      if (!all.ok() || !some.ok()) {
        std::fprintf(stderr, "%s: decode failed\n", name);
        return 1;
      }
    }
    std::printf("%-32s %9.2f ms %9.2f ms\n", name, median(all_ms), median(some_ms));
  }
  return 0;
}
