// Where tests find their inputs: committed fixtures and the model directories the build assembles.
#pragma once

#include <string>
#include <string_view>

namespace internvl::test {

/// Path under tests/fixtures (a copy of ../shared/fixtures; see tests/fixtures/README.md).
std::string fixture_path(std::string_view rel);

/// An assembled model directory under <build>/models/ (fixture checkpoint + tokenizer.json).
std::string model_dir(std::string_view name);

/// The build directory (for binaries such as the `internvl` CLI).
std::string binary_dir();

/// A fresh empty temporary directory, unique per call.
std::string make_temp_dir(std::string_view prefix);

}  // namespace internvl::test
