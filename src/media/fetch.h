// Fetching media over http(s) with libcurl, hardened for URLs that come from requests.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "internvl/status.h"

namespace internvl::media {

struct FetchOptions {
  std::size_t max_bytes = 64u << 20;  // body limit; the transfer stops as soon as it is passed
  int connect_timeout_ms = 5'000;
  int total_timeout_ms = 30'000;      // whole transfer, redirects included
  int max_redirects = 3;              // every hop is re-checked (scheme and address)
  // By default the address actually connected to must be public: private, loopback,
  // link-local, shared (100.64/10), multicast, unspecified and reserved ranges, also as
  // IPv4-mapped/compatible, NAT64 or 6to4 IPv6, are refused (SSRF protection).
  bool allow_private_addresses = false;
};

/// Downloads an http:// or https:// URL into memory; errors name the URL (query left out).
Result<std::string> fetch_url(const std::string& url, const FetchOptions& options);

/// Why fetch_url refuses the IP literal `ip` by default ("loopback", "private", ...), or an
/// empty string if it is public or not an IP address.
std::string non_public_address_reason(std::string_view ip);

/// `url` without user info, query and fragment, for error messages.
std::string redact_url(std::string_view url);

}  // namespace internvl::media
