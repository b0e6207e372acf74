// Expected answers for the server's end-to-end tests, computed the way `internvl run` does:
// Engine::generate on a Transformers-format conversation (app::parse_messages), one case at a
// time, in a fresh engine call each (no batching, no server code involved).
//
//   server_reference -m MODEL_DIR CASES.json  ->  {"results": [...]} on stdout
//   CASES.json: {"cases": [{"messages": [...], "max_new_tokens": N, "top_logprobs": K,
//                           "num_frames": F, "stop": [...], "max_tiles": T, "temperature": t,
//                           "top_p": p, "top_k": k, "seed": s}]}
//   result:     {"text", "token_ids", "prompt_tokens", "num_tiles", "finish_reason",
//                "tokens": [{"id", "logprob", "top": [[id, logprob], ...]}]}
#include <algorithm>
#include <cstdio>
#include <string>

#include "app/media_inputs.h"
#include "core/json.h"
#include "internvl/engine.h"
#include "preprocess/processor_config.h"

using namespace internvl;

namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "server_reference: %s\n", msg.c_str());
  return 1;
}

Json run_case(const Engine& engine, const preprocess::VideoProcessorConfig& video_cfg, const Json& c) {
  app::ConversationMedia media;
  media.video_config = video_cfg;
  media.video.num_frames = static_cast<int>(c.value("num_frames", 8));
  auto messages = app::parse_messages(c.at("messages"), media);
  if (!messages.ok()) return Json{{"error", messages.status().to_string()}};
  if (c.contains("max_tiles")) {  // every image gets this tile limit (the server's detail/max_tiles)
    const int max_tiles = c["max_tiles"].get<int>();
    for (Message& m : *messages) {
      for (ContentPart& p : m.content) {
        if (p.type != ContentPart::Type::kImage) continue;
        p = ContentPart::image_part(p.image->image, std::min(max_tiles, 1), max_tiles);
      }
    }
  }
  GenerationOptions o;
  o.max_new_tokens = static_cast<int>(c.value("max_new_tokens", 16));
  o.top_logprobs = static_cast<int>(c.value("top_logprobs", 2));
  if (c.contains("stop")) o.stop = c["stop"].get<std::vector<std::string>>();
  if (c.contains("temperature")) o.temperature = c["temperature"].get<float>();
  if (c.contains("top_p")) o.top_p = c["top_p"].get<float>();
  if (c.contains("top_k")) o.top_k = c["top_k"].get<int>();
  if (c.contains("seed")) o.seed = c["seed"].get<std::uint64_t>();
  auto r = engine.generate(*messages, o);
  if (!r.ok()) return Json{{"error", r.status().to_string()}};
  Json tokens = Json::array();
  for (const TokenInfo& t : r->tokens) {
    Json top = Json::array();
    for (const auto& [id, lp] : t.top_logprobs) top.push_back(Json::array({id, lp}));
    tokens.push_back(Json{{"id", t.id}, {"logprob", t.logprob}, {"top", std::move(top)}});
  }
  return Json{{"text", r->text},
              {"token_ids", r->token_ids},
              {"prompt_tokens", r->prompt_tokens},
              {"num_tiles", r->num_tiles},
              {"finish_reason", r->finish_reason},
              {"tokens", std::move(tokens)}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || std::string(argv[1]) != "-m") return fail("usage: server_reference -m MODEL_DIR CASES.json");
  auto cases = load_json_file(argv[3]);
  if (!cases.ok()) return fail(cases.status().to_string());
  EngineOptions eo;
  eo.model_dir = argv[2];
  auto engine = Engine::load(eo);
  if (!engine.ok()) return fail(engine.status().to_string());
  auto pcfg = preprocess::load_processor_config(argv[2]);
  if (!pcfg.ok()) return fail(pcfg.status().to_string());
  Json results = Json::array();
  for (const Json& c : (*cases)["cases"]) results.push_back(run_case(**engine, pcfg->video, c));
  std::fputs(dump_json(Json{{"results", std::move(results)}}).c_str(), stdout);
  return 0;
}
