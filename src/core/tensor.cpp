#include "core/tensor.h"

#include "core/check.h"

#include <cstdlib>
#include <cstring>

#include "core/half.h"
#include "core/str.h"

namespace internvl {

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kF32: return 4;
    case DType::kF16: return 2;
    case DType::kBF16: return 2;
    case DType::kU8: return 1;
    case DType::kI32: return 4;
    case DType::kI64: return 8;
  }
  return 0;
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF32: return "f32";
    case DType::kF16: return "f16";
    case DType::kBF16: return "bf16";
    case DType::kU8: return "u8";
    case DType::kI32: return "i32";
    case DType::kI64: return "i64";
  }
  return "?";
}

static std::int64_t count(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

Tensor Tensor::empty(DType dtype, std::vector<std::int64_t> shape) {
  for (auto d : shape) INTERNVL_CHECK(d >= 0, "negative dimension in ", shape_str(shape));
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  std::size_t bytes = static_cast<std::size_t>(count(t.shape_)) * dtype_size(dtype);
  std::size_t rounded = (bytes + 63) / 64 * 64;
  if (rounded == 0) rounded = 64;
  void* p = std::aligned_alloc(64, rounded);
  INTERNVL_CHECK(p != nullptr, "out of memory allocating ", bytes, " bytes");
  t.storage_ = std::shared_ptr<const void>(p, [](const void* q) { std::free(const_cast<void*>(q)); });
  t.data_ = p;
  return t;
}

Tensor Tensor::zeros(DType dtype, std::vector<std::int64_t> shape) {
  Tensor t = empty(dtype, std::move(shape));
  std::memset(t.data_, 0, t.nbytes());
  return t;
}

Tensor Tensor::borrow(DType dtype, std::vector<std::int64_t> shape, const void* data,
                      std::shared_ptr<const void> owner) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.storage_ = std::move(owner);
  // Borrowed weights are read-only by contract; the const is dropped only to share one type.
  t.data_ = const_cast<void*>(data);
  return t;
}

std::int64_t Tensor::dim(int i) const {
  int n = ndim();
  if (i < 0) i += n;
  INTERNVL_CHECK(i >= 0 && i < n, "dim ", i, " out of range for shape ", shape_str(shape_));
  return shape_[static_cast<std::size_t>(i)];
}

std::int64_t Tensor::numel() const { return data_ ? count(shape_) : 0; }

Tensor Tensor::reshape(std::vector<std::int64_t> shape) const {
  INTERNVL_CHECK(count(shape) == numel(), "reshape ", shape_str(shape_), " -> ", shape_str(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::slice_rows(std::int64_t begin, std::int64_t end) const {
  INTERNVL_CHECK(ndim() >= 1 && begin >= 0 && begin <= end && end <= shape_[0], "slice_rows ",
                 begin, ":", end, " of ", shape_str(shape_));
  Tensor t = *this;
  std::size_t row_bytes = shape_[0] == 0 ? 0 : nbytes() / static_cast<std::size_t>(shape_[0]);
  t.shape_[0] = end - begin;
  t.data_ = static_cast<char*>(data_) + static_cast<std::size_t>(begin) * row_bytes;
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = empty(dtype_, shape_);
  if (nbytes()) std::memcpy(t.data_, data_, nbytes());
  return t;
}

Tensor Tensor::to_f32() const {
  if (dtype_ == DType::kF32) return clone();
  Tensor t = empty(DType::kF32, shape_);
  float* out = t.data<float>();
  std::int64_t n = numel();
  switch (dtype_) {
    case DType::kBF16: {
      auto* in = data<std::uint16_t>();
      for (std::int64_t i = 0; i < n; ++i) out[i] = bf16_to_f32(in[i]);
      break;
    }
    case DType::kF16: {
      auto* in = data<std::uint16_t>();
      for (std::int64_t i = 0; i < n; ++i) out[i] = f16_to_f32(in[i]);
      break;
    }
    case DType::kU8: {
      auto* in = data<std::uint8_t>();
      for (std::int64_t i = 0; i < n; ++i) out[i] = in[i];
      break;
    }
    case DType::kI32: {
      auto* in = data<std::int32_t>();
      for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]);
      break;
    }
    case DType::kI64: {
      auto* in = data<std::int64_t>();
      for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]);
      break;
    }
    case DType::kF32: break;
  }
  return t;
}

}  // namespace internvl
