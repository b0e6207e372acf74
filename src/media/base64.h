// Base64 and `data:` URIs (RFC 4648, RFC 2397): how requests embed images and videos inline.
#pragma once

#include <string>
#include <string_view>

#include "internvl/status.h"

namespace internvl::media {

/// Decodes base64 (standard or URL-safe alphabet, not mixed). ASCII whitespace is skipped;
/// '=' padding may be omitted, but when present it must complete the last 4-character group.
Result<std::string> decode_base64(std::string_view text);

/// Decodes `data:[<mediatype>][;base64],<data>` (percent-encoded data without ";base64").
/// `mime_type`, when given, receives the lower-cased media type without parameters
/// ("text/plain" when the URI names none).
Result<std::string> decode_data_uri(std::string_view uri, std::string* mime_type = nullptr);

/// True if `text` starts with "data:" (any case).
bool is_data_uri(std::string_view text);

}  // namespace internvl::media
