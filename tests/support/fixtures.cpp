#include "support/fixtures.h"

#include <cstdlib>
#include <string>

#include "core/check.h"
#include "core/file.h"

namespace internvl::test {

std::string fixture_path(std::string_view rel) { return path_join(INTERNVL_FIXTURES_DIR, rel); }

std::string model_dir(std::string_view name) {
  return path_join(path_join(INTERNVL_MODELS_DIR, ""), name);
}

std::string binary_dir() { return INTERNVL_BINARY_DIR; }

std::string make_temp_dir(std::string_view prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = path_join(base ? base : "/tmp", std::string(prefix) + "-XXXXXX");
  char* dir = mkdtemp(tmpl.data());
  INTERNVL_CHECK(dir != nullptr, "mkdtemp failed for ", tmpl);
  return tmpl;
}

}  // namespace internvl::test
