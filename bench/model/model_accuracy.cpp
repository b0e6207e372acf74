#include "model_accuracy.h"

#include <cmath>
#include <random>

#include "model/internvl_model.h"
#include "model/quantize.h"

namespace internvl::bench {

namespace {

struct Prompt {
  std::string name;
  std::vector<std::int32_t> ids;
  Tensor pixels;
};

Tensor random_pixels(const io::ModelConfig& c, std::int64_t tiles, std::uint64_t seed) {
  Tensor px = Tensor::empty(DType::kF32, {tiles, 3, c.vision.image_height, c.vision.image_width});
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (std::int64_t i = 0; i < px.numel(); ++i) px.data<float>()[i] = dist(rng);
  return px;
}

std::vector<Prompt> prompts(const io::ModelConfig& c, int image_tiles, int video_frames) {
  const std::int32_t img = c.image_token_id;
  const std::vector<std::int32_t> head = {151644, 872, 198}, tail = {151645, 198, 151644, 77091, 198};
  auto run = [&](std::vector<std::int32_t>& ids, int tiles) {
    ids.push_back(151665);
    for (int t = 0; t < tiles * c.tokens_per_tile(); ++t) ids.push_back(img);
    ids.push_back(151666);
  };
  std::vector<Prompt> out;
  Prompt text{"text", head, {}};
  std::mt19937_64 rng(5);
  for (int i = 0; i < 40; ++i) text.ids.push_back(static_cast<std::int32_t>(1000 + rng() % 140000));
  text.ids.insert(text.ids.end(), tail.begin(), tail.end());
  out.push_back(text);
  Prompt image{"image", head, random_pixels(c, image_tiles, 11)};
  run(image.ids, image_tiles);
  for (std::int32_t id : {74785, 419, 2168, 13}) image.ids.push_back(id);
  image.ids.insert(image.ids.end(), tail.begin(), tail.end());
  out.push_back(image);
  // Video: "Frame{i}: <img>...</img>\n" per frame (one tile each), as the chat template renders it.
  Prompt video{"video", head, random_pixels(c, video_frames, 12)};
  for (int f = 0; f < video_frames; ++f) {
    for (std::int32_t id : {4034, static_cast<std::int32_t>(16 + f % 10), 25}) video.ids.push_back(id);
    run(video.ids, 1);
    video.ids.push_back(198);
  }
  for (std::int32_t id : {3838, 943, 315, 6552, 30}) video.ids.push_back(id);
  video.ids.insert(video.ids.end(), tail.begin(), tail.end());
  out.push_back(video);
  return out;
}

std::vector<float> last_logits(const model::InternVLModel& m, const Prompt& p) {
  const std::int64_t n = static_cast<std::int64_t>(p.ids.size()), h = m.config().text.hidden_size;
  Tensor emb = m.embed(p.ids.data(), n);
  if (p.pixels.defined()) {
    Tensor feats = m.image_features(p.pixels);
    (void)m.merge_image_features(p.ids.data(), n, feats, emb);
  }
  model::KvCache cache = m.new_cache();
  model::RopeState rope = m.new_rope_state();
  rope.update(n);
  Tensor last;
  for (std::int64_t c0 = 0; c0 < n; c0 += 2048) {
    const std::int64_t c1 = std::min<std::int64_t>(n, c0 + 2048);
    Tensor x = emb.slice_rows(c0, c1).clone();
    m.decode({model::DecoderSeq{&cache, &rope, c1 - c0}}, x);
    if (c1 == n) last = x.slice_rows(c1 - c0 - 1, c1 - c0).clone();
  }
  Tensor lg = m.logits(last.data<float>(), 1);
  (void)h;
  return std::vector<float>(lg.data<float>(), lg.data<float>() + lg.numel());
}

AccuracyRow compare(const std::string& mode, const Prompt& p, const std::vector<float>& ref,
                    const std::vector<float>& got) {
  AccuracyRow r;
  r.mode = mode;
  r.prompt = p.name;
  r.tokens = static_cast<std::int64_t>(p.ids.size());
  double ab = 0, aa = 0, bb = 0;
  std::size_t ia = 0, ib = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    ab += static_cast<double>(ref[i]) * got[i];
    aa += static_cast<double>(ref[i]) * ref[i];
    bb += static_cast<double>(got[i]) * got[i];
    r.max_abs_diff = std::max(r.max_abs_diff, static_cast<double>(std::fabs(ref[i] - got[i])));
    if (ref[i] > ref[ia]) ia = i;
    if (got[i] > got[ib]) ib = i;
  }
  r.cosine = ab / std::sqrt(aa * bb);
  r.same_argmax = ia == ib;
  return r;
}

}  // namespace

Result<std::vector<AccuracyRow>> measure_accuracy(const std::string& model_dir, int image_tiles,
                                                  int video_frames, const std::vector<std::string>& modes) {
  std::vector<AccuracyRow> rows;
  std::vector<std::vector<float>> ref;
  std::vector<Prompt> ps;
  {
    INTERNVL_ASSIGN_OR_RETURN(auto m, model::InternVLModel::load(model_dir));
    ps = prompts(m->config(), image_tiles, video_frames);
    for (const auto& p : ps) ref.push_back(last_logits(*m, p));
    for (const auto& mode : modes) {
      if (mode != "bf16") continue;
      m->set_compute(kernels::Compute::kBF16);
      for (std::size_t i = 0; i < ps.size(); ++i) rows.push_back(compare("bf16", ps[i], ref[i], last_logits(*m, ps[i])));
      m->set_compute(kernels::Compute::kF32);
    }
  }
  for (const auto& mode : modes) {
    if (mode == "bf16") continue;
    model::LoadOptions lo;
    INTERNVL_ASSIGN_OR_RETURN(lo.quant, model::parse_quant(mode));
    INTERNVL_ASSIGN_OR_RETURN(auto m, model::InternVLModel::load(model_dir, lo));
    for (std::size_t i = 0; i < ps.size(); ++i) rows.push_back(compare(mode, ps[i], ref[i], last_logits(*m, ps[i])));
  }
  return rows;
}

Result<std::vector<AccuracyRow>> compare_checkpoints(const std::string& dir_a, const std::string& dir_b,
                                                     int image_tiles, int video_frames) {
  std::vector<AccuracyRow> rows;
  std::vector<std::vector<float>> ref;
  std::vector<Prompt> ps;
  {
    INTERNVL_ASSIGN_OR_RETURN(auto a, model::InternVLModel::load(dir_a));
    ps = prompts(a->config(), image_tiles, video_frames);
    for (const auto& p : ps) ref.push_back(last_logits(*a, p));
  }
  INTERNVL_ASSIGN_OR_RETURN(auto b, model::InternVLModel::load(dir_b));
  for (std::size_t i = 0; i < ps.size(); ++i) rows.push_back(compare("b vs a", ps[i], ref[i], last_logits(*b, ps[i])));
  return rows;
}

Result<std::vector<std::pair<std::string, double>>> weight_quant_error(const std::string& model_dir) {
  INTERNVL_ASSIGN_OR_RETURN(auto m, model::InternVLModel::load(model_dir));
  std::vector<std::pair<std::string, double>> out;
  for (auto fmt : {kernels::WeightFormat::kQ8_0, kernels::WeightFormat::kQ4_0}) {
    double err = 0, ref = 0;
    for (const auto& l : m->weights().text.layers) {
      for (const model::Linear* lin : {&l.q, &l.o, &l.up, &l.down}) {
        const kernels::WeightMatrix& w = lin->w;
        std::shared_ptr<const void> owner;
        kernels::WeightMatrix q = model::quantize_matrix(w, fmt, &owner);
        std::vector<float> a(static_cast<std::size_t>(w.cols)), b(a.size());
        for (std::int64_t r = 0; r < w.rows; r += 61) {  // a sample of rows
          w.row_to_f32(r, a.data());
          q.row_to_f32(r, b.data());
          for (std::size_t i = 0; i < a.size(); ++i) {
            err += static_cast<double>(a[i] - b[i]) * (a[i] - b[i]);
            ref += static_cast<double>(a[i]) * a[i];
          }
        }
      }
    }
    out.emplace_back(kernels::weight_format_name(fmt), std::sqrt(err / ref));
  }
  return out;
}

}  // namespace internvl::bench
