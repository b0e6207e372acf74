#include "model_test_util.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "support/fixtures.h"

namespace internvl::test {

const model::InternVLModel& fixture_model(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<model::InternVLModel>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(name);
  if (it == cache.end()) {
    auto m = model::InternVLModel::load(model_dir(name));
    if (!m.ok()) {
      ADD_FAILURE() << "cannot load fixture model " << name << ": " << m.status().to_string();
      std::abort();
    }
    it = cache.emplace(name, std::move(m).value()).first;
  }
  return *it->second;
}

Tensor normalize_u8_tiles(const Tensor& u8) {
  static const float mean[3] = {0.48500001430511475f, 0.4560000002384186f, 0.4059999883174896f};
  static const float stdv[3] = {0.2290000021457672f, 0.2240000069141388f, 0.22499999403953552f};
  Tensor out = Tensor::empty(DType::kF32, u8.shape());
  const std::int64_t plane = u8.dim(2) * u8.dim(3);
  for (std::int64_t i = 0; i < u8.numel(); ++i) {
    int c = static_cast<int>((i / plane) % 3);
    out.data<float>()[i] = (static_cast<float>(u8.data<std::uint8_t>()[i]) / 255.0f - mean[c]) / stdv[c];
  }
  return out;
}

std::string golden_dir(const std::string& model) {
  return "goldens/models/" + (model == "tiny-internvl3-hub-layout" ? std::string("tiny-internvl3-qwen2") : model);
}

}  // namespace internvl::test
