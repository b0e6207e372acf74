#include "media/media_source.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <climits>
#include <cstdlib>
#include <algorithm>
#include <memory>

#include "core/file.h"
#include "core/str.h"
#include "media/base64.h"

namespace internvl::media {
namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

Result<std::string> real_path(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr), &std::free);
  if (!resolved) {
    if (errno == ENOENT || errno == ENOTDIR) return not_found("file '", path, "' does not exist");
    return io_error("cannot resolve '", path, "': ", std::strerror(errno));
  }
  return std::string(resolved.get());
}

Result<std::string> read_local(std::string path, const MediaSourceOptions& options) {
  if (!options.allow_files) {
    return invalid_argument("local files are not allowed as media sources (got '",
                            quote_for_message(path, 80), "')");
  }
  if (!options.file_root.empty()) {
    if (!path.empty() && path.front() != '/') path = path_join(options.file_root, path);
    INTERNVL_ASSIGN_OR_RETURN(std::string root, real_path(options.file_root));
    INTERNVL_ASSIGN_OR_RETURN(std::string real, real_path(path));
    if (root.back() != '/') root.push_back('/');
    if (real.compare(0, root.size(), root) != 0) {
      return invalid_argument("'", path, "' is outside the allowed media directory '",
                              options.file_root, "'");
    }
    path = real;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return not_found("file '", path, "' does not exist");
  if (!S_ISREG(st.st_mode)) return invalid_argument("'", path, "' is not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > options.max_bytes) {
    return out_of_range("file '", path, "' has ", st.st_size, " bytes, over the limit of ",
                        options.max_bytes, " (MediaSourceOptions::max_bytes)");
  }
  return read_file(path);
}

Result<std::string> file_uri_path(std::string_view uri) {
  std::string_view rest = uri.substr(7);  // after "file://"
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return invalid_argument("file URI has no path: ", quote_for_message(uri));
  const std::string_view host = rest.substr(0, slash);
  if (!host.empty() && !(host.size() == 9 && starts_with_ci(host, "localhost"))) {
    return invalid_argument("file URI names a remote host '", host, "'");
  }
  std::string path;
  const std::string_view p = rest.substr(slash);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '?' || p[i] == '#') break;
    if (p[i] == '%' && i + 2 < p.size() && std::isxdigit(static_cast<unsigned char>(p[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(p[i + 2]))) {
      path.push_back(static_cast<char>(std::stoi(std::string(p.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      path.push_back(p[i]);
    }
  }
  if (path.find('\0') != std::string::npos) return invalid_argument("file URI contains a NUL byte");
  return path;
}

bool looks_like_base64(std::string_view s) {
  if (s.size() < 8) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '+' || c == '/' || c == '=' || c == '-' || c == '_' ||
          std::isspace(u))) {
      return false;
    }
  }
  return true;
}

bool has_scheme(std::string_view s) {
  const std::size_t sep = s.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  for (std::size_t i = 0; i < sep; ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (!(std::isalnum(u) || s[i] == '+' || s[i] == '-' || s[i] == '.')) return false;
  }
  return true;
}

}  // namespace

std::string describe_source(std::string_view source) {
  auto printable = [](std::string_view s) {
    std::string out;
    for (char c : s) out.push_back(std::isprint(static_cast<unsigned char>(c)) ? c : '?');
    return out;
  };
  if (is_data_uri(source)) {
    const std::size_t comma = std::min<std::size_t>(source.find(','), 60);
    return str_cat(printable(source.substr(0, comma)), ",... (", source.size(), " characters)");
  }
  if (has_scheme(source)) return redact_url(source);
  if (source.size() > 160) return str_cat("inline data (", source.size(), " characters)");
  return printable(source);
}

Result<std::string> load_media_bytes(std::string_view source, const MediaSourceOptions& options) {
  if (source.empty()) return invalid_argument("empty media source");
  if (is_data_uri(source)) {
    if (source.size() / 4 * 3 > options.max_bytes + 3) {
      return out_of_range("data: URI of ", source.size(), " characters is over the limit of ",
                          options.max_bytes, " bytes (MediaSourceOptions::max_bytes)");
    }
    auto bytes = decode_data_uri(source);
    if (!bytes.ok()) return bytes.status().with_context(describe_source(source));
    return bytes;
  }
  if (starts_with_ci(source, "http://") || starts_with_ci(source, "https://")) {
    if (!options.allow_urls) {
      return invalid_argument("URLs are not allowed as media sources (got '", redact_url(source), "')");
    }
    return fetch_url(std::string(source), options.fetch);
  }
  if (starts_with_ci(source, "file://")) {
    INTERNVL_ASSIGN_OR_RETURN(std::string path, file_uri_path(source));
    return read_local(std::move(path), options);
  }
  if (has_scheme(source)) {
    return invalid_argument("unsupported media URL scheme in '", redact_url(source),
                            "' (use http, https, file or data)");
  }
  const std::string text(source);
  if (text.find('\0') != std::string::npos) return invalid_argument("media path contains a NUL byte");
  // Transformers' load_image also takes bare base64; a real file of that name wins.
  const bool file = options.allow_files && file_exists(text);
  if (!file && looks_like_base64(source)) {
    auto decoded = decode_base64(source);
    if (decoded.ok()) {
      if (decoded->size() > options.max_bytes) {
        return out_of_range("inline base64 media of ", decoded->size(), " bytes is over the limit of ",
                            options.max_bytes, " (MediaSourceOptions::max_bytes)");
      }
      return decoded;
    }
  }
  return read_local(text, options);
}

Result<Image> load_image(std::string_view source, const MediaSourceOptions& options) {
  INTERNVL_ASSIGN_OR_RETURN(std::string bytes, load_media_bytes(source, options));
  return decode_image(bytes, options.decode, describe_source(source));
}

}  // namespace internvl::media
