// Safetensors checkpoints: one file or shards listed by model.safetensors.index.json,
// memory-mapped; tensors are borrowed views into the maps (no copies).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/file.h"
#include "core/tensor.h"
#include "internvl/status.h"

namespace internvl::io {

struct TensorEntry {
  std::string dtype_name;          // as stored: "BF16", "F16", "F32", "I64", ...
  bool dtype_supported = false;    // BF16 / F16 / F32
  DType dtype = DType::kF32;       // valid when dtype_supported
  std::vector<std::int64_t> shape;
  const std::uint8_t* data = nullptr;
  std::size_t nbytes = 0;
  std::size_t elem_size = 0;          // bytes per element of dtype_name
  /// True when `data` points into the file's memory map; false when the tensor was copied into
  /// aligned memory because its bytes in the file were not aligned to its element size.
  bool mapped = true;
  std::shared_ptr<const void> owner;  // keeps the map (or the copy) alive
};

class SafetensorsArchive {
 public:
  /// Opens `model.safetensors`, or the shards named by `model.safetensors.index.json`, in `dir`.
  static Result<SafetensorsArchive> open_dir(const std::string& dir);
  /// Opens one safetensors file.
  static Result<SafetensorsArchive> open_file(const std::string& path);
  /// Parses a safetensors header from an in-memory buffer (fuzzing, tests).
  static Status validate_header(std::string_view bytes, std::string_view what);

  bool contains(std::string_view name) const { return entries_.count(std::string(name)) > 0; }
  /// nullptr when absent.
  const TensorEntry* find(std::string_view name) const;
  /// All tensor names, sorted.
  std::vector<std::string> names() const;
  /// A borrowed Tensor; errors name the tensor and its file when absent or of an unsupported dtype.
  Result<Tensor> tensor(std::string_view name) const;
  /// Total bytes of all tensors.
  std::size_t total_bytes() const;
  /// Drops this process's pages of a tensor nothing will read again (quantized, or copied out
  /// of the map); the file stays in the page cache and a later read faults it back in. A tensor
  /// held in a copy (not `mapped`) is left alone: dropping its pages would zero it.
  static void release_pages(const TensorEntry& e);

 private:
  Status add_file(const std::string& path);
  std::map<std::string, TensorEntry, std::less<>> entries_;
  std::map<std::string, std::string, std::less<>> origin_;  // tensor -> file path, for messages
};

}  // namespace internvl::io
