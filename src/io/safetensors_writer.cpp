#include "io/safetensors_writer.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/file.h"
#include "core/json.h"
#include "core/str.h"

namespace internvl::io {

namespace {

// Bytes generated per fill call when streaming a tensor.
constexpr std::size_t kChunkBytes = 16u << 20;

std::string header_json(const std::vector<const TensorWriteSpec*>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  Json h = Json::object();
  if (!metadata.empty()) {
    Json m = Json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    h["__metadata__"] = m;
  }
  std::uint64_t off = 0;
  for (const TensorWriteSpec* t : tensors) {
    std::uint64_t n = t->nbytes();
    h[t->name] = Json{{"dtype", t->dtype}, {"shape", t->shape}, {"data_offsets", {off, off + n}}};
    off += n;
  }
  std::string text = dump_json(h);
  // Pad so that 8 + header length is a multiple of 8: the data section starts aligned.
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');
  return text;
}

class OutFile {
 public:
  static Result<OutFile> create(const std::string& path) {
    OutFile f;
    f.path_ = path;
    f.f_ = std::fopen(path.c_str(), "wb");
    if (!f.f_) return io_error("cannot create '", path, "': ", std::strerror(errno));
    return f;
  }
  OutFile() = default;
  OutFile(OutFile&& o) noexcept : f_(o.f_), path_(std::move(o.path_)) { o.f_ = nullptr; }
  OutFile& operator=(OutFile&&) = delete;
  ~OutFile() {
    if (f_) std::fclose(f_);
  }
  Status write(const void* p, std::size_t n) {
    if (n > 0 && std::fwrite(p, 1, n, f_) != n) {
      return io_error("cannot write '", path_, "': ", std::strerror(errno));
    }
    return Status();
  }
  Status close() {
    int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0) return io_error("cannot write '", path_, "': ", std::strerror(errno));
    return Status();
  }

 private:
  std::FILE* f_ = nullptr;
  std::string path_;
};

Status write_one(const std::string& path, const std::vector<const TensorWriteSpec*>& tensors,
                 const std::map<std::string, std::string>& metadata) {
  std::string header = header_json(tensors, metadata);
  INTERNVL_ASSIGN_OR_RETURN(OutFile f, OutFile::create(path));
  std::uint8_t len[8];
  std::uint64_t hl = header.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<std::uint8_t>(hl >> (8 * i));
  INTERNVL_RETURN_IF_ERROR(f.write(len, 8));
  INTERNVL_RETURN_IF_ERROR(f.write(header.data(), header.size()));
  std::unique_ptr<std::uint8_t[]> chunk;
  for (const TensorWriteSpec* t : tensors) {
    const std::uint64_t n = t->nbytes();
    if (t->data) {
      INTERNVL_RETURN_IF_ERROR(f.write(t->data, static_cast<std::size_t>(n)));
      continue;
    }
    if (!t->fill) return invalid_argument("tensor '", t->name, "' has neither data nor a fill function");
    if (!chunk) chunk.reset(new std::uint8_t[kChunkBytes]);
    for (std::uint64_t off = 0; off < n; off += kChunkBytes) {
      std::size_t len_i = static_cast<std::size_t>(std::min<std::uint64_t>(kChunkBytes, n - off));
      t->fill(off, chunk.get(), len_i);
      INTERNVL_RETURN_IF_ERROR(f.write(chunk.get(), len_i));
    }
  }
  return f.close();
}

std::string shard_name(const std::string& stem, std::size_t i, std::size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "-%05zu-of-%05zu.safetensors", i + 1, n);
  return stem + buf;
}

}  // namespace

std::size_t safetensors_dtype_size(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "BF16" || dtype == "F16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" || dtype == "F8_E5M2") return 1;
  return 0;
}

std::uint64_t TensorWriteSpec::nbytes() const {
  std::uint64_t n = safetensors_dtype_size(dtype);
  for (std::int64_t d : shape) n *= static_cast<std::uint64_t>(d);
  return n;
}

std::uint64_t safetensors_bytes(const std::vector<TensorWriteSpec>& tensors) {
  std::uint64_t n = 0;
  for (const auto& t : tensors) n += t.nbytes() + 160 + t.name.size();  // data + header entry
  return n + 4096;
}

Status write_safetensors(const std::string& dir, const std::vector<TensorWriteSpec>& tensors,
                         const SafetensorsWriteOptions& options) {
  if (!is_directory(dir)) return not_found("output directory '", dir, "' does not exist");
  for (const auto& t : tensors) {
    if (safetensors_dtype_size(t.dtype) == 0) {
      return invalid_argument("tensor '", t.name, "' has unknown safetensors dtype '", t.dtype, "'");
    }
    for (std::int64_t d : t.shape) {
      if (d < 0) return invalid_argument("tensor '", t.name, "' has a negative dimension");
    }
  }
  // Plan shards in the given order.
  std::vector<std::vector<const TensorWriteSpec*>> shards(1);
  std::uint64_t cur = 0;
  for (const auto& t : tensors) {
    std::uint64_t n = t.nbytes();
    if (options.max_shard_bytes > 0 && cur > 0 && cur + n > options.max_shard_bytes) {
      shards.emplace_back();
      cur = 0;
    }
    shards.back().push_back(&t);
    cur += n;
  }
  if (options.max_shard_bytes == 0 || shards.size() == 1) {
    return write_one(path_join(dir, options.stem + ".safetensors"), shards[0], options.metadata);
  }
  Json weight_map = Json::object();
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    std::string name = shard_name(options.stem, i, shards.size());
    INTERNVL_RETURN_IF_ERROR(write_one(path_join(dir, name), shards[i], options.metadata));
    for (const TensorWriteSpec* t : shards[i]) {
      weight_map[t->name] = name;
      total += t->nbytes();
    }
  }
  Json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
  return write_file(path_join(dir, options.stem + ".safetensors.index.json"), dump_json(index, 2) + "\n");
}

Result<std::uint64_t> free_disk_bytes(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) {
    return io_error("cannot query free space of '", path, "': ", std::strerror(errno));
  }
  return static_cast<std::uint64_t>(st.f_bavail) * static_cast<std::uint64_t>(st.f_frsize);
}

Status check_free_disk(const std::string& path, std::uint64_t needed, std::string_view what) {
  INTERNVL_ASSIGN_OR_RETURN(std::uint64_t avail, free_disk_bytes(path));
  if (avail < needed) {
    return resource_exhausted(what, " needs ", needed, " bytes (", human_bytes(static_cast<double>(needed)),
                              ") in '", path, "' but only ", avail, " bytes (",
                              human_bytes(static_cast<double>(avail)), ") are free");
  }
  return Status();
}

}  // namespace internvl::io
