#include "cli/result_json.h"

namespace internvl::cli {

Json result_to_json(const GenerationResult& r) {
  Json top = Json::array();
  if (!r.tokens.empty()) {
    for (const auto& [id, logprob] : r.tokens.front().top_logprobs) {
      if (static_cast<int>(top.size()) == kFirstTokenTopK) break;
      top.push_back(Json::array({id, logprob}));
    }
  }
  const Timings& t = r.timings;
  Json timings = {
      {"preprocess_ms", t.preprocess_ms}, {"vision_ms", t.vision_ms}, {"prefill_ms", t.prefill_ms},
      {"ttft_ms", t.ttft_ms},           {"decode_ms", t.decode_ms}, {"total_ms", t.total_ms},
      {"generated_tokens", t.generated_tokens}, {"finish_reason", r.finish_reason},
  };
  Json out = Json::object();
  out["text"] = r.text;
  out["token_ids"] = r.token_ids;
  out["prompt_tokens"] = r.prompt_tokens;
  out["num_tiles"] = r.num_tiles;
  out["first_token_top5"] = std::move(top);
  out["timings"] = std::move(timings);
  return out;
}

Json error_to_json(const Status& status) {
  return Json{{"error", Json{{"code", status_code_name(status.code())}, {"message", status.message()}}}};
}

}  // namespace internvl::cli
