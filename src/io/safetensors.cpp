#include "io/safetensors.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <limits>

#include "core/json.h"
#include "core/log.h"
#include "core/str.h"

namespace internvl::io {

namespace {

// Header sizes above this are refused before allocating (real headers are a few MB).
constexpr std::uint64_t kMaxHeaderBytes = 100ull << 20;

struct ParsedHeader {
  struct Item {
    std::string name;
    TensorEntry entry;
    std::uint64_t begin = 0, end = 0;
  };
  std::vector<Item> items;
  std::size_t data_start = 0;
};

bool map_dtype(const std::string& name, DType* dtype, std::size_t* size) {
  if (name == "BF16") { *dtype = DType::kBF16; *size = 2; return true; }
  if (name == "F16") { *dtype = DType::kF16; *size = 2; return true; }
  if (name == "F32") { *dtype = DType::kF32; *size = 4; return true; }
  return false;
}

std::size_t other_dtype_size(const std::string& name) {
  if (name == "F64" || name == "I64" || name == "U64") return 8;
  if (name == "I32" || name == "U32") return 4;
  if (name == "I16" || name == "U16") return 2;
  if (name == "I8" || name == "U8" || name == "BOOL" || name == "F8_E4M3" || name == "F8_E5M2") return 1;
  return 0;
}

Result<ParsedHeader> parse_header(const std::uint8_t* bytes, std::size_t size, std::string_view what) {
  if (size < 8) {
    return corrupt("safetensors file ", what, " is truncated: ", size, " bytes, no header length");
  }
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  if (header_len > kMaxHeaderBytes || header_len > size - 8) {
    return corrupt("safetensors file ", what, " declares a ", header_len,
                   "-byte header but the file has ", size, " bytes (truncated or not safetensors)");
  }
  std::string_view text(reinterpret_cast<const char*>(bytes + 8), static_cast<std::size_t>(header_len));
  INTERNVL_ASSIGN_OR_RETURN(Json header, parse_json(text, str_cat("safetensors header of ", what)));
  if (!header.is_object()) return corrupt("safetensors header of ", what, " is not a JSON object");
  ParsedHeader out;
  out.data_start = 8 + static_cast<std::size_t>(header_len);
  std::uint64_t data_size = size - out.data_start;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    // Init-capture: clang before 16 cannot capture a structured binding directly.
    auto bad = [&, &tensor = name](const std::string& why) {
      return corrupt("safetensors file ", what, ": tensor '", tensor, "' ", why);
    };
    if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") ||
        !info.contains("data_offsets")) {
      return bad("lacks dtype, shape or data_offsets");
    }
    const Json& dt = info["dtype"];
    const Json& sh = info["shape"];
    const Json& off = info["data_offsets"];
    if (!dt.is_string() || !sh.is_array() || !off.is_array() || off.size() != 2 ||
        !off[0].is_number_unsigned() || !off[1].is_number_unsigned()) {
      return bad("has a malformed dtype, shape or data_offsets");
    }
    ParsedHeader::Item item;
    item.name = name;
    item.entry.dtype_name = dt.get<std::string>();
    std::size_t elem = 0;
    item.entry.dtype_supported = map_dtype(item.entry.dtype_name, &item.entry.dtype, &elem);
    if (!item.entry.dtype_supported) elem = other_dtype_size(item.entry.dtype_name);
    if (elem == 0) return bad("has unknown dtype '" + item.entry.dtype_name + "'");
    item.entry.elem_size = elem;
    std::uint64_t numel = 1;
    for (const auto& d : sh) {
      if (!d.is_number_unsigned()) return bad("has a negative or non-integer dimension");
      std::uint64_t v = d.get<std::uint64_t>();
      if (v != 0 && numel > std::numeric_limits<std::uint64_t>::max() / v / 8) return bad("is too large");
      numel *= v;
      item.entry.shape.push_back(static_cast<std::int64_t>(v));
    }
    item.begin = off[0].get<std::uint64_t>();
    item.end = off[1].get<std::uint64_t>();
    if (item.begin > item.end || item.end > data_size) {
      return bad(str_cat("has data_offsets [", item.begin, ", ", item.end,
                         "] outside the data section of ", data_size, " bytes"));
    }
    if (item.end - item.begin != numel * elem) {
      return bad(str_cat("has ", item.end - item.begin, " bytes of data but shape ",
                         shape_str(item.entry.shape), " of ", item.entry.dtype_name, " needs ",
                         numel * elem));
    }
    item.entry.nbytes = static_cast<std::size_t>(item.end - item.begin);
    out.items.push_back(std::move(item));
  }
  return out;
}

}  // namespace

Status SafetensorsArchive::validate_header(std::string_view bytes, std::string_view what) {
  return parse_header(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), what).status();
}

Status SafetensorsArchive::add_file(const std::string& path) {
  INTERNVL_ASSIGN_OR_RETURN(auto file, MappedFile::open(path));
  INTERNVL_ASSIGN_OR_RETURN(ParsedHeader header,
                            parse_header(file->data(), file->size(), "'" + path + "'"));
  bool warned_unaligned = false;
  for (auto& item : header.items) {
    if (entries_.count(item.name)) {
      return corrupt("tensor '", item.name, "' appears in both '", origin_[item.name], "' and '",
                     path, "'");
    }
    item.entry.data = file->data() + header.data_start + item.begin;
    item.entry.owner = file;
    if (reinterpret_cast<std::uintptr_t>(item.entry.data) % item.entry.elem_size != 0) {
      // Misaligned elements cannot be read in place (undefined behaviour, and slow for SIMD):
      // such a tensor (a header whose length is not padded to 8 bytes, or an odd-sized tensor
      // before it) is copied into aligned memory.
      if (!warned_unaligned) {
        log_warn("'", path, "': tensor data is not aligned to element boundaries (e.g. '", item.name,
                 "'); those tensors are copied into memory instead of being memory-mapped");
        warned_unaligned = true;
      }
      auto copy = std::make_shared<Tensor>(
          Tensor::empty(DType::kU8, {static_cast<std::int64_t>(item.entry.nbytes)}));  // 64-byte aligned
      std::memcpy(copy->raw(), item.entry.data, item.entry.nbytes);
      item.entry.data = static_cast<const std::uint8_t*>(copy->raw());
      item.entry.owner = std::shared_ptr<const void>(copy, copy->raw());
      item.entry.mapped = false;
    }
    origin_[item.name] = path;
    entries_.emplace(item.name, std::move(item.entry));
  }
  return Status();
}

Result<SafetensorsArchive> SafetensorsArchive::open_file(const std::string& path) {
  SafetensorsArchive a;
  INTERNVL_RETURN_IF_ERROR(a.add_file(path));
  return a;
}

Result<SafetensorsArchive> SafetensorsArchive::open_dir(const std::string& dir) {
  std::string single = path_join(dir, "model.safetensors");
  std::string index = path_join(dir, "model.safetensors.index.json");
  SafetensorsArchive a;
  if (file_exists(index)) {
    INTERNVL_ASSIGN_OR_RETURN(Json j, load_json_file(index));
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object()) {
      return corrupt("'", index, "' has no 'weight_map' object");
    }
    std::vector<std::string> shards;
    for (const auto& [name, file] : j["weight_map"].items()) {
      if (!file.is_string()) return corrupt("'", index, "': weight_map['", name, "'] is not a file name");
      std::string f = file.get<std::string>();
      if (f.find('/') != std::string::npos || f == "..") {
        return corrupt("'", index, "': shard name '", f, "' must be a plain file name");
      }
      bool seen = false;
      for (const auto& s : shards) seen = seen || s == f;
      if (!seen) shards.push_back(f);
    }
    for (const auto& shard : shards) {
      INTERNVL_RETURN_IF_ERROR(a.add_file(path_join(dir, shard)).with_context(str_cat("shard listed in '", index, "'")));
    }
    for (const auto& [name, file] : j["weight_map"].items()) {
      if (!a.contains(name)) {
        return corrupt("tensor '", name, "' is listed in '", index, "' but missing from shard '",
                       file.get<std::string>(), "'");
      }
    }
    return a;
  }
  if (file_exists(single)) {
    INTERNVL_RETURN_IF_ERROR(a.add_file(single));
    return a;
  }
  if (!is_directory(dir)) return not_found("model directory '", dir, "' does not exist");
  return not_found("no weights in '", dir,
                   "': expected model.safetensors or model.safetensors.index.json");
}

const TensorEntry* SafetensorsArchive::find(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> SafetensorsArchive::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [name, e] : entries_) out.push_back(name);
  return out;
}

Result<Tensor> SafetensorsArchive::tensor(std::string_view name) const {
  const TensorEntry* e = find(name);
  if (!e) return not_found("tensor '", name, "' is missing from the checkpoint");
  if (!e->dtype_supported) {
    return unsupported("tensor '", name, "' in '", origin_.find(name)->second, "' has dtype ",
                       e->dtype_name, "; supported: BF16, F16, F32");
  }
  return Tensor::borrow(e->dtype, e->shape, e->data, e->owner);
}

void SafetensorsArchive::release_pages(const TensorEntry& e) {
  if (!e.mapped || e.nbytes == 0) return;
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<std::uintptr_t>(e.data) + page - 1) & ~(page - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(e.data) + e.nbytes) & ~(page - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

std::size_t SafetensorsArchive::total_bytes() const {
  std::size_t n = 0;
  for (const auto& [name, e] : entries_) n += e.nbytes;
  return n;
}

}  // namespace internvl::io
