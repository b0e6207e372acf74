#include "tokenizer/pre_tokenizer.h"

#include "core/str.h"

namespace internvl::tokenizer {

Result<PreTokenizer> PreTokenizer::create(const std::vector<PreTokenizerStep>& steps,
                                          std::string_view what) {
  PreTokenizer pt;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const PreTokenizerStep& s = steps[i];
    const std::string step_what = str_cat(what, ": pre_tokenizer step ", i);
    if (s.kind == PreTokenizerStep::Kind::kSplit) {
      INTERNVL_ASSIGN_OR_RETURN(auto re, Regex::compile(s.regex, step_what));
      pt.steps_.push_back(Step{std::move(re)});
      continue;
    }
    // ByteLevel: optional prefix space, optional GPT-2 split; the byte mapping happens in BPE.
    if (s.add_prefix_space) pt.steps_.push_back(Step{nullptr});
    if (s.use_regex) {
      INTERNVL_ASSIGN_OR_RETURN(auto re, Regex::compile(kGpt2SplitPattern, step_what));
      pt.steps_.push_back(Step{std::move(re)});
    }
  }
  return pt;
}

void PreTokenizer::split_steps(std::string_view text, std::vector<std::string_view>* pieces,
                               std::deque<std::string>* arena) const {
  std::vector<std::string_view> cur{text};
  std::vector<std::string_view> next;
  for (const Step& step : steps_) {
    next.clear();
    for (std::string_view piece : cur) {
      if (step.regex) {
        step.regex->split_isolated(piece, &next);
      } else if (!piece.empty() && piece.front() != ' ') {
        // tokenizers' ByteLevel prepends a space to every piece that does not start with one.
        arena->push_back(" " + std::string(piece));
        next.push_back(arena->back());
      } else {
        next.push_back(piece);
      }
    }
    cur.swap(next);
  }
  pieces->insert(pieces->end(), cur.begin(), cur.end());
}

}  // namespace internvl::tokenizer
