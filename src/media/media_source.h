// One entry point for "where the media comes from": a path, file:// URI, http(s) URL, data: URI
// or bare base64, as Transformers' load_image accepts them, with the policy a server needs.
#pragma once

#include <string>
#include <string_view>

#include "core/image.h"
#include "internvl/status.h"
#include "media/fetch.h"
#include "media/image_decode.h"

namespace internvl::media {

struct MediaSourceOptions {
  ImageDecodeOptions decode;
  FetchOptions fetch;
  bool allow_files = true;  // local paths and file:// URIs
  bool allow_urls = true;   // http:// and https://
  // When set, local paths and file:// URIs must resolve (symbolic links followed) inside it.
  std::string file_root;
  // Largest accepted file or data: URI payload (URLs use fetch.max_bytes).
  std::size_t max_bytes = 256u << 20;
};

/// The raw bytes of `source`: "data:" URI, http(s) URL, file:// URI, local path, or bare base64
/// (tried only when the text is not an existing file and is valid base64).
Result<std::string> load_media_bytes(std::string_view source, const MediaSourceOptions& options);

/// load_media_bytes + decode_image; errors name the source.
Result<Image> load_image(std::string_view source, const MediaSourceOptions& options = {});

/// A short description of `source` for error messages (URLs redacted, data: URIs summarised).
std::string describe_source(std::string_view source);

}  // namespace internvl::media
