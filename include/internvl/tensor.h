// Tensor: a dtype, a row-major shape and a pointer to contiguous storage (owned or borrowed).
//
// Dimension legend (used in every shape comment):
//   n_tokens   tokens in a sequence (text positions, or patches+CLS inside the vision tower)
//   n_heads    attention heads; n_kv_heads key/value heads (GQA)
//   head_dim   width of one head; d_model hidden width (d_vision, d_text when both appear)
//   n_patches  patches per tile (1024 for 448x448 / 14); n_tiles tiles in a batch
//   d_ff       MLP width; n_vocab vocabulary size; n_batch sequences in a batch
// Shapes are written outermost first, like PyTorch: `Tensor q;  // [n_tokens, n_heads, head_dim]`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "internvl/status.h"

namespace internvl {

enum class DType : std::uint8_t { kF32, kF16, kBF16, kU8, kI32, kI64 };

/// Bytes per element.
std::size_t dtype_size(DType dtype);
/// "f32", "bf16", ...
const char* dtype_name(DType dtype);

class Tensor {
 public:
  Tensor() = default;

  /// Uninitialized, 64-byte aligned storage.
  static Tensor empty(DType dtype, std::vector<std::int64_t> shape);
  /// Zero-filled storage.
  static Tensor zeros(DType dtype, std::vector<std::int64_t> shape);
  /// A view of memory owned elsewhere (e.g. a memory-mapped file); `owner` keeps it alive.
  static Tensor borrow(DType dtype, std::vector<std::int64_t> shape, const void* data,
                       std::shared_ptr<const void> owner);

  /// False for a default-constructed tensor (which has no elements).
  bool defined() const { return data_ != nullptr; }
  DType dtype() const { return dtype_; }
  const std::vector<std::int64_t>& shape() const { return shape_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  /// Size of dimension i; negative i counts from the end.
  std::int64_t dim(int i) const;
  std::int64_t numel() const;
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype_); }

  template <typename T>
  T* data() {
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* data() const {
    return static_cast<const T*>(data_);
  }
  void* raw() { return data_; }
  const void* raw() const { return data_; }

  /// Same storage, new shape with the same element count.
  Tensor reshape(std::vector<std::int64_t> shape) const;
  /// Rows [begin, end) of the outermost dimension, sharing storage.
  Tensor slice_rows(std::int64_t begin, std::int64_t end) const;
  /// Deep copy into new storage. Not a copy constructor so the cost stays visible.
  Tensor clone() const;
  /// Converts to float32 (copy); f32 input is cloned.
  Tensor to_f32() const;

 private:
  DType dtype_ = DType::kF32;
  std::vector<std::int64_t> shape_;
  std::shared_ptr<const void> storage_;
  void* data_ = nullptr;
};

}  // namespace internvl
