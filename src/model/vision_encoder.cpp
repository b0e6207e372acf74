#include "model/vision_encoder.h"

#include <cmath>
#include <cstring>

#include "kernels/activation.h"
#include "kernels/attention.h"
#include "kernels/buffer.h"
#include "kernels/norm.h"
#include "model/linear.h"

namespace internvl::model {

namespace {

// PyTorch's cubic convolution weights for fraction t (A = -0.75).
void cubic_weights(float t, float w[4]) {
  constexpr float A = -0.75f;
  auto c1 = [](float x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };          // |x| <= 1
  auto c2 = [](float x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };    // 1 < |x| < 2
  w[0] = c2(t + 1.0f);
  w[1] = c1(t);
  w[2] = c1(1.0f - t);
  w[3] = c2(2.0f - t);
}

// Separable bicubic resize of a [in_h, in_w, d] grid to [out_h, out_w, d] (align_corners=False,
// no antialias, border taps clamped), as torch.nn.functional.interpolate(mode="bicubic").
std::vector<float> bicubic_resize(const float* in, int in_h, int in_w, int d, int out_h, int out_w) {
  std::vector<float> out(static_cast<std::size_t>(out_h) * out_w * d, 0.0f);
  const float sh = static_cast<float>(in_h) / static_cast<float>(out_h);
  const float sw = static_cast<float>(in_w) / static_cast<float>(out_w);
  for (int oy = 0; oy < out_h; ++oy) {
    float ry = sh * (static_cast<float>(oy) + 0.5f) - 0.5f;
    int iy = static_cast<int>(std::floor(ry));
    float wy[4];
    cubic_weights(ry - static_cast<float>(iy), wy);
    for (int ox = 0; ox < out_w; ++ox) {
      float rx = sw * (static_cast<float>(ox) + 0.5f) - 0.5f;
      int ix = static_cast<int>(std::floor(rx));
      float wx[4];
      cubic_weights(rx - static_cast<float>(ix), wx);
      float* o = out.data() + (static_cast<std::size_t>(oy) * out_w + ox) * d;
      for (int c = 0; c < d; ++c) {
        float acc = 0;
        for (int a = 0; a < 4; ++a) {
          int y = std::min(std::max(iy - 1 + a, 0), in_h - 1);
          float row = 0;
          for (int b = 0; b < 4; ++b) {
            int x = std::min(std::max(ix - 1 + b, 0), in_w - 1);
            row += wx[b] * in[(static_cast<std::size_t>(y) * in_w + x) * d + c];
          }
          acc += wy[a] * row;
        }
        o[c] = acc;
      }
    }
  }
  return out;
}

void vision_norm(const io::VisionConfig& c, const std::vector<float>& w, const std::vector<float>& b,
                 const float* x, std::int64_t rows, float* out) {
  if (c.norm_type == io::NormType::kLayerNorm) {
    kernels::layer_norm(x, w.data(), b.empty() ? nullptr : b.data(), static_cast<float>(c.norm_eps),
                        rows, c.hidden_size, out);
  } else {
    kernels::rms_norm(x, w.data(), static_cast<float>(c.norm_eps), rows, c.hidden_size, out);
  }
}

// One encoder layer over h [n_tiles * n_tok, D], in place. Buffers come from the thread's arena
// (the caller's ArenaScope frees them), so a steady state allocates nothing.
void vision_layer(const io::VisionConfig& c, const VisionLayerWeights& w, std::int64_t n_tiles,
                  std::int64_t n_tok, float* h, kernels::Compute compute) {
  const std::int64_t d = c.hidden_size, rows = n_tiles * n_tok;
  kernels::Arena& arena = kernels::thread_arena();
  const std::size_t mark = arena.mark();
  float* a = arena.alloc<float>(static_cast<std::size_t>(rows * d));  // [rows, D] normed input, later attention output
  float* q = arena.alloc<float>(static_cast<std::size_t>(rows * d));  // [rows, D]
  float* k = arena.alloc<float>(static_cast<std::size_t>(rows * d));
  float* v = arena.alloc<float>(static_cast<std::size_t>(rows * d));
  vision_norm(c, w.norm1_w, w.norm1_b, h, rows, a);
  linear(w.q, a, rows, q, compute);
  linear(w.k, a, rows, k, compute);
  linear(w.v, a, rows, v, compute);
  if (c.use_qk_norm) {  // over the full D, before the head split
    kernels::rms_norm(q, w.q_norm.data(), static_cast<float>(c.norm_eps), rows, d, q);
    kernels::rms_norm(k, w.k_norm.data(), static_cast<float>(c.norm_eps), rows, d, k);
  }
  kernels::AttentionShape s;
  s.n_q = s.n_kv = n_tok;
  s.n_heads = s.n_kv_heads = c.num_heads;
  s.head_dim = c.head_dim();
  s.q_stride = s.kv_stride = s.o_stride = d;
  s.causal = false;
  s.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim()));
  for (std::int64_t t = 0; t < n_tiles; ++t) {
    std::int64_t off = t * n_tok * d;
    kernels::attention(q + off, k + off, v + off, s, a + off, compute);
  }
  float* o = q;  // q is dead after attention: [rows, D]
  linear(w.o, a, rows, o, compute);
  kernels::scale_add(o, w.lambda1.data(), rows, d, h);
  vision_norm(c, w.norm2_w, w.norm2_b, h, rows, a);
  float* m = arena.alloc<float>(static_cast<std::size_t>(rows * c.intermediate_size));  // [rows, I]
  linear(w.fc1, a, rows, m, compute);
  kernels::gelu_erf(m, rows * c.intermediate_size);
  linear(w.fc2, m, rows, o, compute);
  kernels::scale_add(o, w.lambda2.data(), rows, d, h);
  arena.rewind(mark);
}

}  // namespace

std::vector<float> vision_position_embeddings(const io::VisionConfig& c, const VisionWeights& w,
                                              int grid_h, int grid_w) {
  const int d = c.hidden_size;
  const int src_h = c.image_height / c.patch_height, src_w = c.image_width / c.patch_width;
  // The reference adds the stored table as is only for the native patch count on a square input.
  if (grid_h * grid_w == src_h * src_w && grid_h == grid_w) return w.pos;
  std::vector<float> out(static_cast<std::size_t>(1 + grid_h * grid_w) * d);
  std::memcpy(out.data(), w.pos.data(), sizeof(float) * d);  // CLS position kept
  std::vector<float> grid = bicubic_resize(w.pos.data() + d, src_h, src_w, d, grid_h, grid_w);
  std::memcpy(out.data() + d, grid.data(), sizeof(float) * grid.size());
  return out;
}

Tensor vision_embeddings(const io::VisionConfig& c, const VisionWeights& w, const Tensor& pixels,
                         kernels::Compute compute) {
  const std::int64_t n_tiles = pixels.dim(0), ch = pixels.dim(1), img_h = pixels.dim(2), img_w = pixels.dim(3);
  const int ph = c.patch_height, pw = c.patch_width;
  const int gh = static_cast<int>(img_h / ph), gw = static_cast<int>(img_w / pw);
  const std::int64_t n_patch = static_cast<std::int64_t>(gh) * gw, n_tok = n_patch + 1, d = c.hidden_size;
  const std::int64_t kdim = ch * ph * pw;
  // im2col: each patch flattened as (channel, row, col), the conv kernel's layout.
  Tensor cols = Tensor::empty(DType::kF32, {n_tiles * n_patch, kdim});
  const float* px = pixels.data<float>();
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < n_tiles * n_patch; ++r) {
    std::int64_t t = r / n_patch, p = r % n_patch, gy = p / gw, gx = p % gw;
    float* dst = cols.data<float>() + r * kdim;
    for (std::int64_t cc = 0; cc < ch; ++cc) {
      for (int y = 0; y < ph; ++y) {
        const float* src = px + ((t * ch + cc) * img_h + gy * ph + y) * img_w + gx * pw;
        std::memcpy(dst + (cc * ph + y) * pw, src, sizeof(float) * pw);
      }
    }
  }
  Tensor patches = linear(w.patch, cols.data<float>(), n_tiles * n_patch, compute);  // [n_tiles*n_patch, D]
  std::vector<float> pos = vision_position_embeddings(c, w, gh, gw);
  Tensor out = Tensor::empty(DType::kF32, {n_tiles, n_tok, d});
  for (std::int64_t t = 0; t < n_tiles; ++t) {
    float* o = out.data<float>() + t * n_tok * d;
    for (std::int64_t i = 0; i < d; ++i) o[i] = w.cls[static_cast<std::size_t>(i)] + pos[static_cast<std::size_t>(i)];
    const float* src = patches.data<float>() + t * n_patch * d;
    for (std::int64_t i = 0; i < n_patch * d; ++i) o[d + i] = src[i] + pos[static_cast<std::size_t>(d + i)];
  }
  return out;
}

Tensor vision_forward(const io::VisionConfig& c, const VisionWeights& w, const Tensor& pixels,
                      const VisionRunOptions& options) {
  INTERNVL_CHECK(pixels.ndim() == 4 && pixels.dim(1) == c.num_channels, "pixels ", shape_str(pixels.shape()));
  kernels::ArenaScope scope;
  Tensor h = vision_embeddings(c, w, pixels, options.compute);
  const std::int64_t n_tiles = h.dim(0), n_tok = h.dim(1);
  if (options.hidden_states) options.hidden_states->push_back(h.clone());
  int n_layers = options.n_layers < 0 ? c.num_layers : std::min(options.n_layers, c.num_layers);
  for (int i = 0; i < n_layers; ++i) {
    vision_layer(c, w.layers[static_cast<std::size_t>(i)], n_tiles, n_tok, h.data<float>(), options.compute);
    if (options.hidden_states) options.hidden_states->push_back(h.clone());
  }
  if (options.final_norm && !w.final_norm_w.empty()) {
    vision_norm(c, w.final_norm_w, w.final_norm_b, h.data<float>(), n_tiles * n_tok, h.data<float>());
  }
  return h;
}

}  // namespace internvl::model
