#include "tiny_tokenizer.h"

#include "core/check.h"
#include "core/file.h"
#include "support/fixtures.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/qwen2_split.h"
#include "tokenizer/utf8.h"

namespace internvl::tokenizer::test {

Json tiny_tokenizer_json(const std::vector<std::pair<std::string, std::string>>& merges,
                         const std::vector<TinyAddedToken>& added) {
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b) {
    std::string ch;
    append_code_point(byte_level_code_point(static_cast<std::uint8_t>(b)), &ch);
    vocab[ch] = b;
  }
  Json merge_list = Json::array();
  int next = 256;
  for (const auto& [a, b] : merges) {
    merge_list.push_back(Json::array({a, b}));
    if (!vocab.contains(a + b)) vocab[a + b] = next++;
  }
  Json added_list = Json::array();
  for (const TinyAddedToken& t : added) {
    added_list.push_back({{"id", next++},
                          {"content", t.content},
                          {"single_word", t.single_word},
                          {"lstrip", t.lstrip},
                          {"rstrip", t.rstrip},
                          {"normalized", t.normalized},
                          {"special", t.special}});
  }
  Json byte_level = {{"type", "ByteLevel"},
                     {"add_prefix_space", false},
                     {"trim_offsets", false},
                     {"use_regex", false}};
  Json split = {{"type", "Split"},
                {"pattern", {{"Regex", std::string(kQwen2SplitPattern)}}},
                {"behavior", "Isolated"},
                {"invert", false}};
  return Json{{"version", "1.0"},
              {"truncation", nullptr},
              {"padding", nullptr},
              {"added_tokens", added_list},
              {"normalizer", {{"type", "NFC"}}},
              {"pre_tokenizer",
               {{"type", "Sequence"}, {"pretokenizers", Json::array({split, byte_level})}}},
              {"post_processor", byte_level},
              {"decoder", byte_level},
              {"model",
               {{"type", "BPE"},
                {"dropout", nullptr},
                {"unk_token", nullptr},
                {"continuing_subword_prefix", ""},
                {"end_of_word_suffix", ""},
                {"fuse_unk", false},
                {"byte_fallback", false},
                {"ignore_merges", false},
                {"vocab", vocab},
                {"merges", merge_list}}}};
}

std::string write_tokenizer_text(const std::string& text) {
  const std::string dir = internvl::test::make_temp_dir("tok");
  const std::string path = path_join(dir, "tokenizer.json");
  INTERNVL_CHECK(write_file(path, text).ok(), "cannot write ", path);
  return path;
}

std::string write_tokenizer_json(const Json& j) { return write_tokenizer_text(dump_json(j)); }

}  // namespace internvl::tokenizer::test
