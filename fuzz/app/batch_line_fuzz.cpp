// libFuzzer target: one line of `internvl batch` input (src/cli/batch_line.h) with media
// loading disabled. Any line must give a parsed conversation or a Status; a parsed line has at
// least one message and options that pass validate_options.
// Run: batch_line_fuzz -max_total_time=60 -dict=fuzz/app/json.dict corpus/ fuzz/app/seeds/
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/options.h"
#include "cli/batch_line.h"
#include "core/check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const internvl::cli::BatchMediaPolicy policy = [] {
    internvl::cli::BatchMediaPolicy p;
    p.source.allow_files = false;
    p.source.allow_urls = false;
    p.source.max_bytes = 0;
    p.default_frames = 8;
    return p;
  }();
  static const internvl::app::Options defaults;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  auto parsed = internvl::cli::parse_batch_line(line, defaults, policy);
  if (parsed.ok()) {
    INTERNVL_CHECK(!parsed->messages.empty(), "a parsed line has no messages");
    INTERNVL_CHECK(internvl::app::validate_options(parsed->options).ok(), "a parsed line has invalid options");
  }
  (void)internvl::cli::batch_line_id(line);
  return 0;
}
