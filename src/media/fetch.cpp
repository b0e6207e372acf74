// fetch_url(): libcurl with a body limit, time limits, bounded redirects and an address check.
//
// The address check runs in CURLOPT_OPENSOCKETFUNCTION, i.e. on the address curl is about to
// connect to after DNS resolution, for every hop and every happy-eyeballs attempt. Checking the
// host name or a separate resolution instead would let DNS rebinding slip a private address in.
// Proxies are disabled (CURLOPT_PROXY ""), since with a proxy the check would see only the proxy.
#include "media/fetch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>

#include <curl/curl.h>

#include "core/str.h"

namespace internvl::media {
namespace {

const char* ipv4_reason(std::uint32_t a) {  // a in host order
  auto in = [a](std::uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
  if (in(0x00000000, 8)) return "unspecified (0.0.0.0/8)";
  if (in(0x0A000000, 8)) return "private (10.0.0.0/8)";
  if (in(0x64400000, 10)) return "shared address space (100.64.0.0/10)";
  if (in(0x7F000000, 8)) return "loopback (127.0.0.0/8)";
  if (in(0xA9FE0000, 16)) return "link-local (169.254.0.0/16)";
  if (in(0xAC100000, 12)) return "private (172.16.0.0/12)";
  if (in(0xC0000000, 24)) return "reserved (192.0.0.0/24)";
  if (in(0xC0A80000, 16)) return "private (192.168.0.0/16)";
  if (in(0xC6120000, 15)) return "reserved (198.18.0.0/15)";
  if (in(0xE0000000, 4)) return "multicast (224.0.0.0/4)";
  if (in(0xF0000000, 4)) return "reserved (240.0.0.0/4, broadcast)";
  return nullptr;
}

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

const char* ipv6_reason(const std::uint8_t* b) {  // 16 bytes, network order
  static constexpr std::array<std::uint8_t, 10> kZero10{};
  const bool first80_zero = std::memcmp(b, kZero10.data(), 10) == 0;
  if (first80_zero && b[10] == 0xFF && b[11] == 0xFF) {  // ::ffff:a.b.c.d
    const char* r = ipv4_reason(be32(b + 12));
    return r ? "IPv4-mapped IPv6 of a non-public IPv4 address" : nullptr;
  }
  if (first80_zero && b[10] == 0 && b[11] == 0) {
    const std::uint32_t v4 = be32(b + 12);
    if (v4 == 0) return "unspecified (::)";
    if (v4 == 1) return "loopback (::1)";
    return ipv4_reason(v4) ? "IPv4-compatible IPv6 of a non-public IPv4 address" : nullptr;
  }
  static constexpr std::uint8_t kNat64[12] = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kNat64, 12) == 0) {  // 64:ff9b::/96 translates to the embedded IPv4
    return ipv4_reason(be32(b + 12)) ? "NAT64 IPv6 of a non-public IPv4 address" : nullptr;
  }
  if (b[0] == 0x20 && b[1] == 0x02) {  // 2002::/16 (6to4) embeds an IPv4 address
    return ipv4_reason(be32(b + 2)) ? "6to4 IPv6 of a non-public IPv4 address" : nullptr;
  }
  if ((b[0] & 0xFE) == 0xFC) return "unique local (fc00::/7)";
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return "link-local (fe80::/10)";
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) return "site-local (fec0::/10)";
  if (b[0] == 0xFF) return "multicast (ff00::/8)";
  if (b[0] == 0x01 && b[1] == 0x00 && std::memcmp(b + 2, kZero10.data(), 6) == 0) {
    return "discard-only (100::/64)";
  }
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return "documentation (2001:db8::/32)";
  return nullptr;
}

const char* sockaddr_reason(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(sa);
    return ipv4_reason(ntohl(in4->sin_addr.s_addr));
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    return ipv6_reason(in6->sin6_addr.s6_addr);
  }
  return "not an IP socket";
}

std::string sockaddr_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof(buf));
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

struct Transfer {
  std::string body;
  std::size_t max_bytes = 0;
  bool too_large = false;
  bool allow_private = false;
  std::string refused;  // why a connection was refused, for the error message
};

std::size_t on_write(char* data, std::size_t size, std::size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * nmemb;
  if (n > t->max_bytes - t->body.size()) {
    t->too_large = true;
    return 0;  // curl aborts the transfer with CURLE_WRITE_ERROR
  }
  t->body.append(data, n);
  return n;
}

curl_socket_t on_open_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  if (!t->allow_private) {
    if (const char* reason = sockaddr_reason(&address->addr)) {
      t->refused = str_cat("address ", sockaddr_text(&address->addr), " is ", reason);
      return CURL_SOCKET_BAD;
    }
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string scheme_of(std::string_view url) {
  const std::size_t colon = url.find("://");
  if (colon == std::string_view::npos) return {};
  std::string s(url.substr(0, colon));
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string non_public_address_reason(std::string_view ip) {
  std::string text(ip);
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    const char* r = ipv4_reason(ntohl(v4.s_addr));
    return r ? r : "";
  }
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    const char* r = ipv6_reason(v6.s6_addr);
    return r ? r : "";
  }
  return {};
}

std::string redact_url(std::string_view url) {
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return quote_for_message(url, 60);
  std::size_t end = url.find_first_of("?#", sep + 3);
  std::string_view head = url.substr(0, end);
  std::size_t auth_end = head.find('/', sep + 3);
  std::string_view authority = head.substr(sep + 3, auth_end == std::string_view::npos ? head.npos : auth_end - sep - 3);
  std::string out(url.substr(0, sep + 3));
  const std::size_t at = authority.rfind('@');
  out.append(at == std::string_view::npos ? authority : authority.substr(at + 1));
  if (auth_end != std::string_view::npos) out.append(head.substr(auth_end));
  if (out.size() > 200) out = out.substr(0, 200) + "...";
  return out;
}

Result<std::string> fetch_url(const std::string& url, const FetchOptions& options) {
  const std::string shown = redact_url(url);
  const std::string scheme = scheme_of(url);
  if (scheme != "http" && scheme != "https") {
    return invalid_argument("cannot fetch '", shown, "': only http:// and https:// URLs are allowed");
  }
  if (options.max_bytes == 0 || options.max_redirects < 0 || options.connect_timeout_ms <= 0 ||
      options.total_timeout_ms <= 0) {
    return invalid_argument("fetch_url: limits must be positive (max_bytes, timeouts) and "
                            "max_redirects >= 0");
  }
  global_init();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return internal_error("curl_easy_init failed fetching '", shown, "'");
  CURL* c = curl.get();
  Transfer t;
  t.max_bytes = options.max_bytes;
  t.allow_private = options.allow_private_addresses;
  char errbuf[CURL_ERROR_SIZE] = {};

  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, static_cast<long>(options.max_redirects));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout_ms));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "internvl.cpp");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);

  const CURLcode rc = curl_easy_perform(c);
  long http = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
  if (rc == CURLE_OK) {
    if (http < 200 || http >= 300) {
      return io_error("fetching '", shown, "' returned HTTP ", http, " with no usable body");
    }
    return std::move(t.body);
  }
  const std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
      if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        return out_of_range("'", shown, "' is larger than the limit of ", options.max_bytes,
                            " bytes (FetchOptions::max_bytes)");
      }
      break;
    case CURLE_COULDNT_CONNECT:
      if (!t.refused.empty()) {
        return invalid_argument("refusing to fetch '", shown, "': ", t.refused,
                                " (private addresses are not allowed; see "
                                "FetchOptions::allow_private_addresses)");
      }
      break;
    case CURLE_TOO_MANY_REDIRECTS:
      return invalid_argument("fetching '", shown, "' took more than ", options.max_redirects,
                              " redirects");
    case CURLE_UNSUPPORTED_PROTOCOL:
      return invalid_argument("fetching '", shown, "' was redirected to a scheme other than "
                              "http/https: ", detail);
    case CURLE_OPERATION_TIMEDOUT:
      return io_error("fetching '", shown, "' timed out (connect limit ",
                      options.connect_timeout_ms, " ms, total limit ", options.total_timeout_ms,
                      " ms): ", detail);
    case CURLE_HTTP_RETURNED_ERROR:
      if (http == 404 || http == 410) return not_found("fetching '", shown, "' returned HTTP ", http);
      return io_error("fetching '", shown, "' returned HTTP ", http);
    default:
      break;
  }
  return io_error("cannot fetch '", shown, "': ", detail);
}

}  // namespace internvl::media
