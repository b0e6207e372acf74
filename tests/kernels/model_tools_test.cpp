// The tools around the kernels: the safetensors writer, random checkpoints (written and loaded
// back), quantization on load of the tiny fixture models, saving and reloading a quantized
// directory, and the bf16 compute mode. Accuracy of real-size shapes is measured by
// bench/model (docs/performance.md); here the bounds are loose sanity limits for tiny models.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/file.h"
#include "io/safetensors.h"
#include "io/safetensors_writer.h"
#include "kernels/attention.h"
#include "kernel_test_util.h"
#include "model/internvl_model.h"
#include "model/quantized_save.h"
#include "model/random_checkpoint.h"
#include "support/fixtures.h"

namespace internvl::test {
namespace {

// ---- helpers ----

std::vector<float> last_logits(const model::InternVLModel& m, const std::vector<std::int32_t>& ids,
                               const Tensor& pixels) {
  const std::int64_t n = static_cast<std::int64_t>(ids.size()), h = m.config().text.hidden_size;
  Tensor emb = m.embed(ids.data(), n);
  if (pixels.defined()) {
    Tensor feats = m.image_features(pixels);
    Status st = m.merge_image_features(ids.data(), n, feats, emb);
    EXPECT_TRUE(st.ok()) << st.to_string();
  }
  model::KvCache cache = m.new_cache();
  model::RopeState rope = m.new_rope_state();
  rope.update(n);
  m.decode({model::DecoderSeq{&cache, &rope, n}}, emb);
  Tensor lg = m.logits(emb.data<float>() + (n - 1) * h, 1);
  return std::vector<float>(lg.data<float>(), lg.data<float>() + lg.numel());
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

// A prompt of text ids around `tiles` image-token runs, and random pixels for them.
std::pair<std::vector<std::int32_t>, Tensor> prompt(const model::InternVLModel& m, int tiles) {
  std::vector<std::int32_t> ids = {151644, 872, 198};
  for (int t = 0; t < tiles * m.config().tokens_per_tile(); ++t) ids.push_back(m.config().image_token_id);
  for (std::int32_t id : {74785, 419, 2168, 13, 151645, 198, 151644, 77091, 198}) ids.push_back(id);
  Tensor px;
  if (tiles > 0) {
    const auto& v = m.config().vision;
    px = Tensor::empty(DType::kF32, {tiles, 3, v.image_height, v.image_width});
    auto r = randn(static_cast<std::size_t>(px.numel()), 77);
    std::copy(r.begin(), r.end(), px.data<float>());
  }
  return {ids, px};
}

// ---- safetensors writer ----

TEST(SafetensorsWriter, RoundTripsDataFillsAndShards) {
  std::vector<float> a = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
  std::vector<std::uint8_t> b = {1, 2, 3};  // odd size: later offsets are unaligned, as allowed
  std::vector<io::TensorWriteSpec> specs;
  specs.push_back({"a", "F32", {2, 3}, a.data(), {}});
  specs.push_back({"b", "U8", {3}, b.data(), {}});
  io::TensorWriteSpec c{"c.weight", "BF16", {4, 5}, nullptr, {}};
  c.fill = [](std::uint64_t off, std::uint8_t* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(off + i);
  };
  specs.push_back(c);
  for (std::uint64_t shard : {std::uint64_t{0}, std::uint64_t{16}}) {
    std::string dir = make_temp_dir("st-writer");
    io::SafetensorsWriteOptions opts;
    opts.max_shard_bytes = shard;
    opts.metadata.insert_or_assign("format", std::string("pt"));
    ASSERT_TRUE(io::write_safetensors(dir, specs, opts).ok());
    if (shard == 0) {
      auto bytes = read_file(path_join(dir, "model.safetensors"));
      ASSERT_TRUE(bytes.ok());
      std::uint64_t hl = 0;
      for (int i = 7; i >= 0; --i) hl = (hl << 8) | static_cast<std::uint8_t>((*bytes)[i]);
      EXPECT_EQ((8 + hl) % 8, 0u) << "data section must start 8-byte aligned";
    } else {
      EXPECT_TRUE(file_exists(path_join(dir, "model.safetensors.index.json")));
      EXPECT_TRUE(file_exists(path_join(dir, "model-00003-of-00003.safetensors")));
    }
    auto archive = io::SafetensorsArchive::open_dir(dir);
    ASSERT_TRUE(archive.ok()) << archive.status().to_string();
    auto ta = archive->tensor("a");
    ASSERT_TRUE(ta.ok());
    EXPECT_EQ(ta->shape(), (std::vector<std::int64_t>{2, 3}));
    EXPECT_EQ(0, std::memcmp(ta->raw(), a.data(), sizeof(float) * a.size()));
    const io::TensorEntry* eb = archive->find("b");
    ASSERT_NE(eb, nullptr);
    EXPECT_EQ(eb->dtype_name, "U8");
    EXPECT_EQ(0, std::memcmp(eb->data, b.data(), 3));
    auto tc = archive->tensor("c.weight");
    ASSERT_TRUE(tc.ok());
    for (int i = 0; i < 40; ++i) ASSERT_EQ(static_cast<const std::uint8_t*>(tc->raw())[i], i);
    std::filesystem::remove_all(dir);
  }
}

TEST(SafetensorsWriter, RefusesWhenTheDiskIsShort) {
  std::string dir = make_temp_dir("st-disk");
  auto avail = io::free_disk_bytes(dir);
  ASSERT_TRUE(avail.ok());
  Status st = io::check_free_disk(dir, *avail + (1ull << 50), "the test checkpoint");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find(std::to_string(*avail + (1ull << 50))), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("are free"), std::string::npos) << st.message();
  std::filesystem::remove_all(dir);
}

// ---- random checkpoints ----

TEST(RandomCheckpoint, WritesALoadableCompleteModelDirectory) {
  for (const char* name : {"tiny-internvl3-qwen2", "tiny-internvl35-qwen3"}) {
    const std::string config = fixture_path(std::string("models/") + name + "/config.json");
    std::string dir = make_temp_dir("random-ckpt");
    model::RandomCheckpointOptions opts;
    opts.seed = 7;
    Status st = model::make_random_checkpoint(config, dir, opts);
    ASSERT_TRUE(st.ok()) << st.to_string();
    for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                          "chat_template.jinja", "processor_config.json", "generation_config.json"}) {
      EXPECT_TRUE(file_exists(path_join(dir, f))) << f;
    }
    auto m = model::InternVLModel::load(dir);
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    // Every stored tensor is one the loader expects, and the values have the documented scales.
    auto archive = io::SafetensorsArchive::open_dir(dir);
    ASSERT_TRUE(archive.ok());
    const auto& tw = (*m)->weights().text;
    EXPECT_EQ(tw.final_norm[0], 1.0f);
    EXPECT_EQ((*m)->weights().vision.layers[0].lambda1[3], bf16_to_f32(f32_to_bf16(0.1f)));  // stored bf16
    std::vector<float> row(static_cast<std::size_t>(tw.embed.cols));
    double ss = 0;
    std::int64_t cnt = 0;
    for (std::int64_t r = 0; r < 200; ++r) {
      tw.embed.row_to_f32(r * 97, row.data());
      for (float v : row) ss += v * v, ++cnt;
    }
    EXPECT_NEAR(std::sqrt(ss / static_cast<double>(cnt)), 0.02, 0.002);
    auto [ids, px] = prompt(**m, 1);
    auto lg = last_logits(**m, ids, px);
    for (float v : lg) ASSERT_TRUE(std::isfinite(v));
    // Same seed, same bytes; another seed, other values.
    std::string dir2 = make_temp_dir("random-ckpt");
    ASSERT_TRUE(model::make_random_checkpoint(config, dir2, opts).ok());
    EXPECT_EQ(*read_file(path_join(dir, "model.safetensors")), *read_file(path_join(dir2, "model.safetensors")));
    opts.seed = 8;
    opts.dtype = std::string("f16");
    ASSERT_TRUE(model::make_random_checkpoint(config, dir2, opts).ok());
    auto m2 = model::InternVLModel::load(dir2);
    ASSERT_TRUE(m2.ok()) << m2.status().to_string();
    EXPECT_EQ((*m2)->weights().text.embed.format, kernels::WeightFormat::kF16);
    EXPECT_LT(cosine(lg, last_logits(**m2, ids, px)), 0.999);
    std::filesystem::remove_all(dir);
    std::filesystem::remove_all(dir2);
  }
}

TEST(RandomCheckpoint, RejectsBadArguments) {
  model::RandomCheckpointOptions opts;
  opts.dtype = std::string("int3");
  std::string dir = make_temp_dir("random-ckpt");
  Status st = model::make_random_checkpoint(fixture_path("models/tiny-internvl3-qwen2/config.json"), dir, opts);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("int3"), std::string::npos);
  opts.dtype = std::string("bf16");
  st = model::make_random_checkpoint(path_join(dir, "missing.json"), dir, opts);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

// ---- quantization and compute modes on the tiny fixtures ----

TEST(Quantized, TinyModelsRunQuantizedAndStayClose) {
  for (const char* name : {"tiny-internvl3-qwen2", "tiny-internvl35-qwen3"}) {
    auto ref_model = model::InternVLModel::load(model_dir(name));
    ASSERT_TRUE(ref_model.ok());
    auto [ids, px] = prompt(**ref_model, 2);
    auto ref = last_logits(**ref_model, ids, px);
    for (auto q : {model::QuantType::kQ8, model::QuantType::kQ4}) {
      model::LoadOptions lo;
      lo.quant = q;
      auto m = model::InternVLModel::load(model_dir(name), lo);
      ASSERT_TRUE(m.ok()) << m.status().to_string();
      EXPECT_EQ((*m)->quant(), q) << name;
      EXPECT_FALSE((*m)->weights().quantized.empty());
      auto got = last_logits(**m, ids, px);
      const double cos = cosine(ref, got);
      // Tiny models have 16-64 wide rows (1-2 blocks): errors average out less than at real size.
      EXPECT_GT(cos, q == model::QuantType::kQ8 ? 0.999 : 0.95) << name << " " << model::quant_name(q);
      EXPECT_LT(cos, 1.0 - 1e-12) << "quantization changed nothing: " << name;
    }
  }
}

// The embedding table (untied) and decoder layer 0 get one step more precision than the rest.
TEST(Quantized, FirstLayerAndEmbeddingGetMorePrecision) {
  using F = kernels::WeightFormat;
  using model::MatrixRole;
  constexpr auto kQ8 = model::QuantType::kQ8, kQ4 = model::QuantType::kQ4;
  EXPECT_EQ(model::quant_target_format(kQ8, MatrixRole::kText, 64, F::kBF16), F::kQ8_0);
  EXPECT_EQ(model::quant_target_format(kQ4, MatrixRole::kText, 64, F::kBF16), F::kQ4_0);
  EXPECT_EQ(model::quant_target_format(kQ4, MatrixRole::kLmHead, 64, F::kBF16), F::kQ4_0);
  EXPECT_EQ(model::quant_target_format(kQ4, MatrixRole::kVision, 64, F::kF32), F::kQ4_0);
  for (auto role : {MatrixRole::kTextFirstLayer, MatrixRole::kEmbedding}) {
    EXPECT_EQ(model::quant_target_format(kQ8, role, 64, F::kBF16), F::kBF16);
    EXPECT_EQ(model::quant_target_format(kQ8, role, 64, F::kF32), F::kF32);
    EXPECT_EQ(model::quant_target_format(kQ4, role, 64, F::kBF16), F::kQ8_0);
    EXPECT_EQ(model::quant_target_format(kQ4, role, 48, F::kBF16), F::kBF16);  // not whole blocks
  }
  EXPECT_EQ(model::quant_target_format(model::QuantType::kNone, MatrixRole::kText, 64, F::kBF16), F::kBF16);

  // On a loaded model (tiny qwen2: 32-wide text rows, embeddings tied to the head, so the table
  // is quantized like the head).
  for (auto q : {kQ8, kQ4}) {
    model::LoadOptions lo;
    lo.quant = q;
    auto m = model::InternVLModel::load(model_dir("tiny-internvl3-qwen2"), lo);
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    const model::TextWeights& t = (*m)->weights().text;
    ASSERT_GE(t.layers.size(), 2u);
    const F bulk = q == kQ8 ? F::kQ8_0 : F::kQ4_0;
    EXPECT_EQ(t.layers[0].q.w.format, q == kQ8 ? F::kBF16 : F::kQ8_0);
    EXPECT_EQ(t.layers[0].down.w.format, q == kQ8 ? F::kBF16 : F::kQ8_0);
    EXPECT_EQ(t.layers.back().q.w.format, bulk);
    EXPECT_EQ(t.layers.back().down.w.format, bulk);
    EXPECT_TRUE(t.lm_head_tied);
    EXPECT_EQ(t.embed.format, bulk);
  }
}

TEST(Quantized, SavedDirectoryReloadsIdentically) {
  const std::string src = model_dir("tiny-internvl3-qwen2");
  for (auto q : {model::QuantType::kQ8, model::QuantType::kQ4}) {
    model::LoadOptions lo;
    lo.quant = q;
    auto m = model::InternVLModel::load(src, lo);  // quantized on load
    ASSERT_TRUE(m.ok());
    auto [ids, px] = prompt(**m, 1);
    auto before = last_logits(**m, ids, px);
    std::string out = make_temp_dir("quant-save");
    Status st = model::save_quantized(**m, src, out);
    ASSERT_TRUE(st.ok()) << st.to_string();
    auto re = model::InternVLModel::load(out);  // no quant option: read as stored
    ASSERT_TRUE(re.ok()) << re.status().to_string();
    EXPECT_EQ((*re)->quant(), q);
    EXPECT_EQ((*re)->weights().quantized.size(), (*m)->weights().quantized.size());
    EXPECT_EQ(before, last_logits(**re, ids, px)) << model::quant_name(q);
    for (const char* f : {"tokenizer.json", "chat_template.jinja", "processor_config.json"}) {
      EXPECT_TRUE(file_exists(path_join(out, f))) << f;
    }
    std::filesystem::remove_all(out);
  }
  // Saving a model that is not quantized is refused.
  auto plain = model::InternVLModel::load(src);
  ASSERT_TRUE(plain.ok());
  std::string out = make_temp_dir("quant-save-plain");
  EXPECT_FALSE(model::save_quantized(**plain, src, path_join(out, "q")).ok());
  std::filesystem::remove_all(out);
}

// True when p points into one of the archive's tensors (i.e. into the file mapping).
bool in_archive(const model::ModelWeights& w, const void* p) {
  const auto* b = static_cast<const std::uint8_t*>(p);
  for (const auto& n : w.archive.names()) {
    const io::TensorEntry* e = w.archive.find(n);
    if (b >= e->data && b < e->data + e->nbytes) return true;
  }
  return false;
}

// --mmap off copies the matrices out of the file mapping; the answers stay bit-identical, for
// stored, quantized-on-load and saved quantized weights.
TEST(LoadOptions, MmapOffCopiesWeightsAndGivesTheSameLogits) {
  for (const char* name : {"tiny-internvl3-qwen2", "tiny-internvl35-qwen3"}) {
    for (auto q : {model::QuantType::kNone, model::QuantType::kQ8, model::QuantType::kQ4}) {
      model::LoadOptions on, off;
      on.quant = off.quant = q;
      off.mmap = false;
      auto a = model::InternVLModel::load(model_dir(name), on);
      auto b = model::InternVLModel::load(model_dir(name), off);
      ASSERT_TRUE(a.ok() && b.ok()) << name;
      const kernels::WeightMatrix& wa = (*a)->weights().text.layers.back().gate.w;
      const kernels::WeightMatrix& wb = (*b)->weights().text.layers.back().gate.w;
      EXPECT_EQ(in_archive((*a)->weights(), wa.data), !wa.quantized()) << name;
      EXPECT_FALSE(in_archive((*b)->weights(), wb.data)) << name;
      auto [ids, px] = prompt(**a, 1);
      EXPECT_EQ(last_logits(**a, ids, px), last_logits(**b, ids, px)) << name << " " << model::quant_name(q);
      if (q == model::QuantType::kNone) continue;
      // A saved quantized directory: its quants are mapped unless mmap is off.
      std::string out = make_temp_dir("quant-mmap");
      ASSERT_TRUE(model::save_quantized(**a, model_dir(name), out).ok());
      auto c = model::InternVLModel::load(out, on);
      auto d = model::InternVLModel::load(out, off);
      ASSERT_TRUE(c.ok() && d.ok());
      ASSERT_FALSE((*c)->weights().quantized.empty());
      const kernels::WeightMatrix& wc = (*c)->weights().quantized[0].w;
      const kernels::WeightMatrix& wd = (*d)->weights().quantized[0].w;
      EXPECT_TRUE(in_archive((*c)->weights(), wc.data) && in_archive((*c)->weights(), wc.scales));
      EXPECT_FALSE(in_archive((*d)->weights(), wd.data) || in_archive((*d)->weights(), wd.scales));
      EXPECT_EQ(last_logits(**c, ids, px), last_logits(**d, ids, px)) << name << " saved " << model::quant_name(q);
      std::filesystem::remove_all(out);
    }
  }
}

TEST(ComputeMode, Bf16StaysCloseToF32) {
  for (const char* name : {"tiny-internvl3-qwen2", "tiny-internvl35-qwen3"}) {
    auto m = model::InternVLModel::load(model_dir(name));
    ASSERT_TRUE(m.ok());
    auto [ids, px] = prompt(**m, 2);
    auto ref = last_logits(**m, ids, px);
    (*m)->set_compute(kernels::Compute::kBF16);
    auto got = last_logits(**m, ids, px);
    EXPECT_GT(cosine(ref, got), 0.999) << name;
  }
}


// A bf16 KV cache holds what the AVX-512 BF16 attention path would round f32 keys and values to,
// so prefill and decode give bit-identical logits with either cache, at half the bytes. The tiny
// fixtures have head_dim 8, which that path does not take: this writes a random qwen3 model with
// head_dim 16. On CPUs without AVX-512 BF16 new_cache() stays f32 and the bf16 cache is widened
// on read, which is checked to stay close.
TEST(ComputeMode, Bf16KvCacheGivesTheSameLogits) {
  auto text = read_file(fixture_path("models/tiny-internvl35-qwen3/config.json"));
  ASSERT_TRUE(text.ok());
  const std::string from = "\"head_dim\": 8,";
  const std::size_t at = text->find(from);
  ASSERT_NE(at, std::string::npos);
  std::string config = *text;
  config.replace(at, from.size(), "\"head_dim\": 16,");
  const std::string dir = make_temp_dir("kv-bf16");
  ASSERT_TRUE(write_file(path_join(dir, "in.json"), config).ok());
  const std::string model_dir = path_join(dir, "model");
  ASSERT_TRUE(model::make_random_checkpoint(path_join(dir, "in.json"), model_dir, {}).ok());
  auto m = model::InternVLModel::load(model_dir);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  (*m)->set_compute(kernels::Compute::kBF16);
  const auto& c = (*m)->config().text;
  ASSERT_EQ(c.head_dim, 16);
  auto [ids, px] = prompt(**m, 1);

  // Prefill the prompt, then decode 3 tokens one at a time; every step's last-row logits.
  auto run = [&](model::KvCache cache) {
    std::vector<float> out;
    const std::int64_t h = c.hidden_size;
    model::RopeState rope = (*m)->new_rope_state();
    std::vector<std::int32_t> step = ids;
    for (int s = 0; s < 4; ++s) {
      const std::int64_t n = static_cast<std::int64_t>(step.size());
      Tensor emb = (*m)->embed(step.data(), n);
      if (s == 0) {
        Status st = (*m)->merge_image_features(step.data(), n, (*m)->image_features(px), emb);
        EXPECT_TRUE(st.ok()) << st.to_string();
      }
      rope.update(cache.size() + n);
      (*m)->decode({model::DecoderSeq{&cache, &rope, n}}, emb);
      Tensor lg = (*m)->logits(emb.data<float>() + (n - 1) * h, 1);
      out.insert(out.end(), lg.data<float>(), lg.data<float>() + lg.numel());
      step = {static_cast<std::int32_t>(100 + 7 * s)};
    }
    return std::make_pair(out, cache.nbytes());
  };
  auto cache = [&](model::KvFormat f) { return model::KvCache(c.num_layers, c.num_kv_heads, c.head_dim, f); };
  auto [f32_logits, f32_bytes] = run(cache(model::KvFormat::kF32));
  auto [bf16_logits, bf16_bytes] = run(cache(model::KvFormat::kBF16));
  EXPECT_EQ(bf16_bytes * 2, f32_bytes);
  if (kernels::attention_rounds_kv_to_bf16(c.head_dim, kernels::Compute::kBF16)) {
    EXPECT_EQ((*m)->new_cache().format(), model::KvFormat::kBF16);
    EXPECT_EQ(bf16_logits, f32_logits);
  } else {
    EXPECT_EQ((*m)->new_cache().format(), model::KvFormat::kF32);
    EXPECT_GT(cosine(f32_logits, bf16_logits), 0.999);
  }
  (*m)->set_compute(kernels::Compute::kF32);
  EXPECT_EQ((*m)->new_cache().format(), model::KvFormat::kF32);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace internvl::test
