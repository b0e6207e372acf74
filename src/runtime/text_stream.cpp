#include "runtime/engine_impl.h"

namespace internvl::runtime {

TextStream::TextStream(const tokenizer::Tokenizer& tok, std::vector<std::string> stop)
    : decoder_(tok, /*skip_special_tokens=*/true) {
  for (auto& s : stop) {
    if (!s.empty()) stop_.push_back(std::move(s));
  }
}

std::string TextStream::push(std::int32_t id, bool* stopped) {
  *stopped = false;
  if (stopped_) return {};
  held_ += decoder_.push(id);
  // A stop string anywhere in the held text ends generation there.
  std::size_t cut = std::string::npos;
  for (const auto& s : stop_) cut = std::min(cut, held_.find(s));
  if (cut != std::string::npos) {
    std::string out = held_.substr(0, cut);
    emitted_ += out;
    held_.clear();
    stopped_ = true;
    *stopped = true;
    return out;
  }
  // Keep the longest tail that is a proper prefix of some stop string.
  std::size_t keep = 0;
  for (const auto& s : stop_) {
    for (std::size_t n = std::min(s.size() - 1, held_.size()); n > keep; --n) {
      if (held_.compare(held_.size() - n, n, s, 0, n) == 0) {
        keep = n;
        break;
      }
    }
  }
  std::string out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  emitted_ += out;
  return out;
}

std::string TextStream::flush() {
  if (stopped_) return {};
  std::string out = held_ + decoder_.flush();
  held_.clear();
  emitted_ += out;
  return out;
}

}  // namespace internvl::runtime
