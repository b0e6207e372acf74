// Slow references for the resize tests, written from torch's loops directly (per-output ranges
// and weights as UpSampleKernel.cpp stores them, one output value at a time, HWC, no windows).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/image.h"

namespace internvl::preprocess::testref {

struct Ranges {
  std::vector<int> xmin, xsize;
  std::vector<std::vector<double>> w;  // normalized double weights per output
  double wt_max = 0;
};

inline double cubic(double x) {
  const double a = -0.5;
  x = std::fabs(x);
  if (x < 1) return std::fma(std::fma(a + 2, x, -(a + 3)) * x, x, 1.0);
  if (x < 2) return std::fma(std::fma(std::fma(a, x, -5 * a), x, 8 * a), x, -4 * a);
  return 0;
}

inline Ranges ranges(int in, int out) {
  Ranges r;
  const double scale = static_cast<double>(in) / out;
  const double support = scale >= 1 ? 2 * scale : 2.0;
  const int kmax = static_cast<int>(std::ceil(support)) * 2 + 1;
  const double invscale = scale >= 1 ? 1 / scale : 1.0;
  for (int i = 0; i < out; ++i) {
    const double center = scale * (i + 0.5);
    const int xmin =
        std::max(static_cast<int>(static_cast<std::int64_t>(center - support + 0.5)), 0);
    int xsize = std::min(static_cast<int>(center + support + 0.5), in) - xmin;
    xsize = std::clamp(xsize, 0, kmax);
    std::vector<double> w(xsize);
    double total = 0;
    for (int j = 0; j < xsize; ++j) total += (w[j] = cubic((j + xmin - center + 0.5) * invscale));
    for (double& v : w) {
      v /= total;
      r.wt_max = std::max(r.wt_max, v);
    }
    r.xmin.push_back(xmin);
    r.xsize.push_back(xsize);
    r.w.push_back(std::move(w));
  }
  return r;
}

// One uint8 pass along x (horizontal) or y of an interleaved RGB8 image.
inline std::vector<std::uint8_t> pass_u8(const std::vector<std::uint8_t>& src, int w, int h,
                                         int out, bool horizontal) {
  const Ranges r = ranges(horizontal ? w : h, out);
  int prec = 0;
  while (prec < 22 && static_cast<int>(0.5 + r.wt_max * (1 << (prec + 1))) < (1 << 15)) ++prec;
  const int ow = horizontal ? out : w;
  const int oh = horizontal ? h : out;
  std::vector<std::uint8_t> dst(static_cast<std::size_t>(ow) * oh * 3);
  for (int y = 0; y < oh; ++y) {
    for (int x = 0; x < ow; ++x) {
      for (int c = 0; c < 3; ++c) {
        const int o = horizontal ? x : y;
        int acc = 1 << (prec - 1);
        for (int j = 0; j < r.xsize[o]; ++j) {
          const double v = r.w[o][j] * (1 << prec);
          const int wq = v < 0 ? static_cast<int>(-0.5 + v) : static_cast<int>(0.5 + v);
          const int sx = horizontal ? r.xmin[o] + j : x;
          const int sy = horizontal ? y : r.xmin[o] + j;
          acc += src[(static_cast<std::size_t>(sy) * w + sx) * 3 + c] * wq;
        }
        dst[(static_cast<std::size_t>(y) * ow + x) * 3 + c] =
            static_cast<std::uint8_t>(std::clamp(acc >> prec, 0, 255));
      }
    }
  }
  return dst;
}

/// torch's uint8 antialiased bicubic: horizontal pass, then vertical, skipping unchanged sizes.
inline Image resize_u8(const Image& in, int ow, int oh) {
  std::vector<std::uint8_t> cur = in.rgb8;
  int w = in.width;
  if (ow != w) {
    cur = pass_u8(cur, w, in.height, ow, true);
    w = ow;
  }
  if (oh != in.height) cur = pass_u8(cur, w, in.height, oh, false);
  Image out;
  out.width = ow;
  out.height = oh;
  out.rgb8 = std::move(cur);
  return out;
}

/// The same filter in double without quantization or intermediate rounding, per channel
/// ([oh, ow, 3]); for 8-bit or 16-bit sources.
inline std::vector<double> resize_exact(const Image& in, int ow, int oh) {
  const bool wide = in.bit_depth == 16;
  auto px = [&](int x, int y, int c) {
    const std::size_t i = (static_cast<std::size_t>(y) * in.width + x) * 3 + c;
    return wide ? static_cast<double>(in.rgb16[i]) : static_cast<double>(in.rgb8[i]);
  };
  const Ranges rx = ranges(in.width, ow);
  const Ranges ry = ranges(in.height, oh);
  std::vector<double> tmp(static_cast<std::size_t>(in.height) * ow * 3);
  for (int y = 0; y < in.height; ++y)
    for (int x = 0; x < ow; ++x)
      for (int c = 0; c < 3; ++c) {
        double acc = 0;
        if (ow == in.width) {
          acc = px(x, y, c);
        } else {
          for (int j = 0; j < rx.xsize[x]; ++j) acc += rx.w[x][j] * px(rx.xmin[x] + j, y, c);
        }
        tmp[(static_cast<std::size_t>(y) * ow + x) * 3 + c] = acc;
      }
  std::vector<double> out(static_cast<std::size_t>(oh) * ow * 3);
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x)
      for (int c = 0; c < 3; ++c) {
        double acc = 0;
        if (oh == in.height) {
          acc = tmp[(static_cast<std::size_t>(y) * ow + x) * 3 + c];
        } else {
          for (int j = 0; j < ry.xsize[y]; ++j)
            acc += ry.w[y][j] * tmp[(static_cast<std::size_t>(ry.xmin[y] + j) * ow + x) * 3 + c];
        }
        out[(static_cast<std::size_t>(y) * ow + x) * 3 + c] = acc;
      }
  return out;
}

}  // namespace internvl::preprocess::testref
