// Writes safetensors files: an 8-byte little-endian header length, a JSON header mapping each
// tensor to {dtype, shape, data_offsets}, then the tensors back to back. The header is padded with
// spaces so the data section starts 8-byte aligned (the format allows trailing whitespace).
// Large checkpoints can be sharded, with a model.safetensors.index.json as the Hub writes it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "internvl/status.h"

namespace internvl::io {

/// Fills bytes [offset, offset + n) of a tensor's data into out (streaming generation).
using TensorFill = std::function<void(std::uint64_t offset, std::uint8_t* out, std::size_t n)>;

/// One tensor to write: either `data` (borrowed, nbytes() bytes) or `fill`.
struct TensorWriteSpec {
  std::string name;
  std::string dtype;                // "BF16", "F16", "F32", "U8", "I8", "I32", "I64", ...
  std::vector<std::int64_t> shape;  // row-major, outermost first
  const void* data = nullptr;
  TensorFill fill;

  /// Bytes of the tensor's data (0 for an unknown dtype).
  std::uint64_t nbytes() const;
};

struct SafetensorsWriteOptions {
  /// 0: one file `<stem>.safetensors`. Otherwise tensors are packed in order into shards of at
  /// most this many bytes (a tensor larger than that gets a shard of its own), named
  /// `<stem>-0000i-of-0000n.safetensors`, plus `<stem>.safetensors.index.json`.
  std::uint64_t max_shard_bytes = 0;
  /// Written as the header's "__metadata__" (string values, as the format requires).
  std::map<std::string, std::string> metadata;
  /// File stem, "model" for Hub layouts.
  std::string stem = "model";
};

/// Bytes element of a safetensors dtype name; 0 when unknown.
std::size_t safetensors_dtype_size(const std::string& dtype);

/// Total bytes the files for `tensors` will take (data + headers), for disk-space checks.
std::uint64_t safetensors_bytes(const std::vector<TensorWriteSpec>& tensors);

/// Writes the tensors into `dir` (which must exist). Errors name the file or tensor.
Status write_safetensors(const std::string& dir, const std::vector<TensorWriteSpec>& tensors,
                         const SafetensorsWriteOptions& options = {});

/// Free bytes for an unprivileged writer on the filesystem holding `path` (statvfs).
Result<std::uint64_t> free_disk_bytes(const std::string& path);

/// An error naming both numbers when `path`'s filesystem has fewer than `needed` free bytes.
Status check_free_disk(const std::string& path, std::uint64_t needed, std::string_view what);

}  // namespace internvl::io
