#include "tokenizer/added_tokens.h"

#include <utf8proc.h>

#include <algorithm>

#include "tokenizer/utf8.h"

namespace internvl::tokenizer {

bool is_white_space(std::uint32_t cp) {
  switch (cp) {
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x2000 && cp <= 0x200A);
  }
}

bool is_word_char(std::uint32_t cp) {
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_PC:
      return true;
    default:
      break;
  }
  // Join_Control, and the Other_Alphabetic symbols (circled / squared letters) that are So.
  return cp == 0x200C || cp == 0x200D || (cp >= 0x24B6 && cp <= 0x24E9) ||
         (cp >= 0x1F130 && cp <= 0x1F149) || (cp >= 0x1F150 && cp <= 0x1F169) ||
         (cp >= 0x1F170 && cp <= 0x1F189);
}

std::int32_t AddedTokenMatcher::child(std::int32_t node, std::uint8_t b) const {
  for (std::int32_t c = nodes_[node].first_child; c >= 0; c = nodes_[c].next_sibling) {
    if (nodes_[c].byte == b) return c;
  }
  return -1;
}

void AddedTokenMatcher::add(std::string_view pattern, AddedTokenRule rule) {
  if (pattern.empty()) return;
  std::int32_t node = 0;
  for (char ch : pattern) {
    const auto b = static_cast<std::uint8_t>(ch);
    std::int32_t c = child(node, b);
    if (c < 0) {
      Node n;
      n.byte = b;
      n.next_sibling = nodes_[node].first_child;
      nodes_.push_back(n);
      c = static_cast<std::int32_t>(nodes_.size() - 1);
      nodes_[node].first_child = c;
    }
    node = c;
  }
  if (nodes_[node].rule >= 0) {
    rules_[nodes_[node].rule] = rule;
  } else {
    nodes_[node].rule = static_cast<std::int32_t>(rules_.size());
    rules_.push_back(rule);
  }
  first_byte_[static_cast<std::uint8_t>(pattern[0])] = true;
}

std::pair<std::size_t, std::int32_t> AddedTokenMatcher::longest_at(std::string_view text,
                                                                   std::size_t pos) const {
  std::pair<std::size_t, std::int32_t> best{0, -1};
  std::int32_t node = 0;
  for (std::size_t k = pos; k < text.size(); ++k) {
    node = child(node, static_cast<std::uint8_t>(text[k]));
    if (node < 0) break;
    if (nodes_[node].rule >= 0) best = {k + 1 - pos, nodes_[node].rule};
  }
  return best;
}

void AddedTokenMatcher::split(std::string_view text, std::vector<Segment>* out) const {
  const std::size_t n = text.size();
  if (n == 0) return;
  if (rules_.empty()) {
    out->push_back(Segment{text, -1});
    return;
  }
  std::size_t start_offset = 0;  // end of what the segments cover so far
  std::size_t pos = 0;
  while (pos < n) {
    if (!first_byte_[static_cast<std::uint8_t>(text[pos])]) {
      ++pos;
      continue;
    }
    const auto [len, r] = longest_at(text, pos);
    if (r < 0) {
      ++pos;
      continue;
    }
    std::size_t start = pos;
    std::size_t stop = pos + len;
    pos = stop;  // matching resumes after the raw match even when the rules discard it
    const AddedTokenRule& rule = rules_[r];
    if (rule.single_word) {
      std::size_t i = start;
      const bool start_ok = start == 0 || !is_word_char(prev_code_point(text, i));
      std::size_t j = stop;
      const bool stop_ok = stop == n || !is_word_char(next_code_point(text, j));
      if (!start_ok || !stop_ok) continue;
    }
    if (rule.lstrip) {
      std::size_t s = start;
      while (s > 0) {
        std::size_t k = s;
        if (!is_white_space(prev_code_point(text, k))) break;
        s = k;
      }
      start = std::max(s, start_offset);
    }
    if (rule.rstrip) {
      while (stop < n) {
        std::size_t k = stop;
        if (!is_white_space(next_code_point(text, k))) break;
        stop = k;
      }
    }
    if (start_offset < start)
      out->push_back(Segment{text.substr(start_offset, start - start_offset), -1});
    out->push_back(Segment{text.substr(start, stop - start), rule.id});
    start_offset = stop;
  }
  if (start_offset < n) out->push_back(Segment{text.substr(start_offset), -1});
}

}  // namespace internvl::tokenizer
