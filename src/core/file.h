// File access for the io layers: whole-file reads and read-only memory maps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "internvl/status.h"

namespace internvl {

/// Reads a whole file; errors name the path.
Result<std::string> read_file(const std::string& path);

/// Writes (truncates) a file; errors name the path.
Status write_file(const std::string& path, std::string_view bytes);

bool file_exists(const std::string& path);
bool is_directory(const std::string& path);

/// "dir/name" with exactly one separator.
std::string path_join(std::string_view dir, std::string_view name);

/// A read-only private memory map of a whole file. Shared by the tensors that borrow from it.
class MappedFile {
 public:
  /// Maps `path`; an empty file maps to size 0.
  static Result<std::shared_ptr<MappedFile>> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  std::string path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace internvl
