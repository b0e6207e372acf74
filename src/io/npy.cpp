#include "io/npy.h"

#include <zip.h>

#include <cstring>

#include "core/file.h"
#include "core/str.h"

namespace internvl::io {

namespace {

// Extracts the value text of 'key': from a Python-literal dict header.
std::string header_field(std::string_view header, std::string_view key) {
  std::string pat = "'" + std::string(key) + "':";
  auto pos = header.find(pat);
  if (pos == std::string_view::npos) return {};
  pos += pat.size();
  while (pos < header.size() && header[pos] == ' ') ++pos;
  if (pos >= header.size()) return {};
  char open = header[pos];
  if (open == '\'') {
    auto end = header.find('\'', pos + 1);
    if (end == std::string_view::npos) return {};
    return std::string(header.substr(pos + 1, end - pos - 1));
  }
  if (open == '(') {
    auto end = header.find(')', pos);
    if (end == std::string_view::npos) return {};
    return std::string(header.substr(pos + 1, end - pos - 1));
  }
  auto end = header.find_first_of(",}", pos);
  return std::string(header.substr(pos, end - pos));
}

}  // namespace

Result<Tensor> parse_npy(std::string_view bytes, std::string_view what) {
  static const char kMagic[] = "\x93NUMPY";
  if (bytes.size() < 10 || bytes.substr(0, 6) != std::string_view(kMagic, 6)) {
    return corrupt(what, ": not a .npy payload (bad magic)");
  }
  unsigned major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0;
  std::size_t offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return corrupt(what, ": truncated .npy header");
    for (int i = 0; i < 4; ++i) {
      header_len |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    }
    offset = 12;
  } else {
    return unsupported(what, ": .npy version ", major, " is not supported");
  }
  if (offset + header_len > bytes.size()) return corrupt(what, ": truncated .npy header");
  std::string_view header = bytes.substr(offset, header_len);
  std::string descr = header_field(header, "descr");
  std::string fortran = header_field(header, "fortran_order");
  std::string shape_txt = header_field(header, "shape");
  if (fortran.find("True") != std::string::npos) {
    return unsupported(what, ": Fortran-ordered arrays are not supported");
  }
  std::vector<std::int64_t> shape;
  for (const auto& part : split(shape_txt, ",")) {
    std::string p;
    for (char c : part) {
      if (c != ' ') p += c;
    }
    if (p.empty()) continue;
    char* end = nullptr;
    long long v = std::strtoll(p.c_str(), &end, 10);
    if (*end != '\0' || v < 0) return corrupt(what, ": bad shape '", shape_txt, "'");
    shape.push_back(v);
  }
  struct Kind {
    const char* descr;
    DType dtype;
    std::size_t src_size;
  };
  static const Kind kKinds[] = {{"<f4", DType::kF32, 4}, {"<f8", DType::kF32, 8},
                                {"<f2", DType::kF16, 2}, {"|u1", DType::kU8, 1},
                                {"|b1", DType::kU8, 1},  {"<i4", DType::kI32, 4},
                                {"<i8", DType::kI64, 8}};
  const Kind* kind = nullptr;
  for (const auto& k : kKinds) {
    if (descr == k.descr) kind = &k;
  }
  if (!kind) return unsupported(what, ": dtype '", descr, "' is not supported");
  Tensor t = Tensor::empty(kind->dtype, shape);
  std::size_t data_off = offset + header_len;
  std::size_t need = static_cast<std::size_t>(t.numel()) * kind->src_size;
  if (bytes.size() - data_off < need) {
    return corrupt(what, ": data holds ", bytes.size() - data_off, " bytes, shape ",
                   shape_str(shape), " needs ", need);
  }
  const char* src = bytes.data() + data_off;
  if (kind->src_size == 8 && kind->dtype == DType::kF32) {
    float* out = t.data<float>();
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      double d;
      std::memcpy(&d, src + 8 * i, 8);
      out[i] = static_cast<float>(d);
    }
  } else if (need) {
    std::memcpy(t.raw(), src, need);
  }
  return t;
}

Result<std::string> encode_npy(const Tensor& t) {
  const char* descr = nullptr;
  switch (t.dtype()) {
    case DType::kF32: descr = "<f4"; break;
    case DType::kF16: descr = "<f2"; break;
    case DType::kU8: descr = "|u1"; break;
    case DType::kI32: descr = "<i4"; break;
    case DType::kI64: descr = "<i8"; break;
    case DType::kBF16: return unsupported("encode_npy: numpy has no bf16 dtype");
  }
  std::string shape;
  for (std::size_t i = 0; i < t.shape().size(); ++i) {
    shape += std::to_string(t.shape()[i]);
    if (t.shape().size() == 1 || i + 1 < t.shape().size()) shape += ", ";
  }
  std::string header = str_cat("{'descr': '", descr, "', 'fortran_order': False, 'shape': (",
                               shape, "), }");
  // Pad so that magic(6)+version(2)+len(2)+header is a multiple of 64, ending in '\n'.
  std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(static_cast<const char*>(t.raw()), t.nbytes());
  return out;
}

Status save_npy(const std::string& path, const Tensor& t) {
  INTERNVL_ASSIGN_OR_RETURN(std::string bytes, encode_npy(t));
  return write_file(path, bytes);
}

Result<std::map<std::string, Tensor>> load_npz(const std::string& path) {
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (!za) {
    if (err == ZIP_ER_NOENT || !file_exists(path)) return not_found("file '", path, "' does not exist");
    return corrupt("'", path, "' is not a readable .npz (zip error ", err, ")");
  }
  std::map<std::string, Tensor> out;
  zip_int64_t n = zip_get_num_entries(za, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st) != 0) continue;
    std::string name = st.name;
    zip_file_t* zf = zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0);
    if (!zf) {
      zip_close(za);
      return corrupt("'", path, "': cannot open member '", name, "'");
    }
    std::string bytes(static_cast<std::size_t>(st.size), '\0');
    zip_int64_t got = zip_fread(zf, bytes.data(), st.size);
    zip_fclose(zf);
    if (got != static_cast<zip_int64_t>(st.size)) {
      zip_close(za);
      return corrupt("'", path, "': member '", name, "' is truncated");
    }
    if (ends_with(name, ".npy")) name.resize(name.size() - 4);
    auto t = parse_npy(bytes, "'" + path + "' member '" + name + "'");
    if (!t.ok()) {
      zip_close(za);
      return t.status();
    }
    out.emplace(name, std::move(t).value());
  }
  zip_close(za);
  return out;
}

}  // namespace internvl::io
