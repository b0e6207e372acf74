#include "model/quantize.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/buffer.h"
#include "kernels/quant.h"

namespace internvl::model {

namespace {

// Storage of one matrix: values or quants, then scales, in one huge-page friendly block.
struct WeightStorage {
  explicit WeightStorage(std::size_t n) : bytes(n), p(static_cast<std::uint8_t*>(kernels::aligned_alloc_bytes(n))) {}
  ~WeightStorage() { kernels::aligned_free_bytes(p, bytes); }
  WeightStorage(const WeightStorage&) = delete;
  WeightStorage& operator=(const WeightStorage&) = delete;
  std::size_t bytes;
  std::uint8_t* p;
};

// memcpy in 8 MiB chunks over the threads: one memcpy leaves a large load bound by one core.
void parallel_copy(std::uint8_t* dst, const void* src, std::size_t n) {
  constexpr std::size_t kChunk = 8u << 20;
  const auto* s = static_cast<const std::uint8_t*>(src);
  const auto chunks = static_cast<std::int64_t>((n + kChunk - 1) / kChunk);
#pragma omp parallel for schedule(dynamic, 1) if (chunks > 1)
  for (std::int64_t c = 0; c < chunks; ++c) {
    const std::size_t b0 = static_cast<std::size_t>(c) * kChunk;
    std::memcpy(dst + b0, s + b0, std::min(n, b0 + kChunk) - b0);
  }
}

}  // namespace

const char* quant_name(QuantType q) {
  switch (q) {
    case QuantType::kNone: return "none";
    case QuantType::kQ8: return "q8";
    case QuantType::kQ4: return "q4";
  }
  return "?";
}

Result<QuantType> parse_quant(std::string_view text) {
  if (text == "none" || text.empty()) return QuantType::kNone;
  if (text == "q8" || text == "q8_0") return QuantType::kQ8;
  if (text == "q4" || text == "q4_0") return QuantType::kQ4;
  return invalid_argument("quantization '", text, "' is not one of none, q8, q4");
}

kernels::WeightFormat quant_target_format(QuantType quant, MatrixRole role, std::int64_t cols,
                                          kernels::WeightFormat current) {
  if (quant == QuantType::kNone) return current;
  const bool sensitive = role == MatrixRole::kTextFirstLayer || role == MatrixRole::kEmbedding;
  if (quant == QuantType::kQ8 && sensitive) return current;
  const kernels::WeightFormat f =
      quant == QuantType::kQ8 || sensitive ? kernels::WeightFormat::kQ8_0 : kernels::WeightFormat::kQ4_0;
  return kernels::quantizable(f, cols) ? f : current;
}

kernels::WeightMatrix quantize_matrix(const kernels::WeightMatrix& w, kernels::WeightFormat format,
                                      std::shared_ptr<const void>* owner) {
  INTERNVL_CHECK(kernels::quantizable(format, w.cols), "cannot quantize ", w.cols, " columns");
  kernels::WeightMatrix q;
  q.format = format;
  q.rows = w.rows;
  q.cols = w.cols;
  const std::int64_t rb = kernels::quant_row_bytes(format, w.cols), nb = w.cols / kernels::kQuantBlock;
  auto storage = std::make_shared<WeightStorage>(static_cast<std::size_t>(w.rows * (rb + 2 * nb)));
  auto* quants = storage->p;
  auto* scales = reinterpret_cast<std::uint16_t*>(storage->p + w.rows * rb);
#pragma omp parallel
  {
    std::vector<float> row(static_cast<std::size_t>(w.cols));
#pragma omp for schedule(static)
    for (std::int64_t r = 0; r < w.rows; ++r) {
      w.row_to_f32(r, row.data());
      kernels::quantize_row(format, row.data(), w.cols, quants + r * rb, scales + r * nb);
    }
  }
  q.data = quants;
  q.scales = scales;
  *owner = std::shared_ptr<const void>(storage, storage->p);
  return q;
}

kernels::WeightMatrix copy_matrix(const kernels::WeightMatrix& w, std::shared_ptr<const void>* owner) {
  const std::size_t values = static_cast<std::size_t>(w.rows * w.row_bytes());
  auto storage = std::make_shared<WeightStorage>(static_cast<std::size_t>(w.nbytes()));
  parallel_copy(storage->p, w.data, values);
  kernels::WeightMatrix c = w;
  c.data = storage->p;
  c.scales = nullptr;
  if (w.quantized()) {
    c.scales = storage->p + values;
    parallel_copy(storage->p + values, w.scales, storage->bytes - values);
  }
  *owner = std::shared_ptr<const void>(storage, storage->p);
  return c;
}

}  // namespace internvl::model
