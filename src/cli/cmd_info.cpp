// `internvl info`: what a model directory holds and what running it costs: architecture,
// parameter counts, stored and in-memory dtypes, and the memory for weights plus a full KV cache.
//
//   internvl info -m DIR [--quant q8] [--json]
#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "core/str.h"
#include "io/safetensors.h"
#include "runtime/engine_impl.h"

namespace internvl::cli {

namespace {

constexpr const char* kName = "info";

std::string millions(std::int64_t n) {
  char buf[32];
  if (n >= 1'000'000'000) {
    std::snprintf(buf, sizeof buf, "%.2fB", static_cast<double>(n) / 1e9);
  } else if (n >= 1'000'000) {
    std::snprintf(buf, sizeof buf, "%.2fM", static_cast<double>(n) / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.1fK", static_cast<double>(n) / 1e3);
  }
  return buf;
}

Json build_report(const Engine& engine) {
  const ModelInfo info = engine.info();
  const io::ModelConfig& c = engine.impl().model->config();
  Json j = Json::object();
  j["model_dir"] = info.model_dir;
  j["vision"] = {{"hidden_size", c.vision.hidden_size}, {"layers", c.vision.num_layers},
                 {"heads", c.vision.num_heads}, {"norm", info.vision_norm},
                 {"qk_norm", c.vision.use_qk_norm}, {"image_size", c.vision.image_height},
                 {"patch_size", c.vision.patch_height}, {"parameters", info.vision_params}};
  j["projector"] = {{"downsample_ratio", c.downsample_ratio}, {"parameters", info.projector_params}};
  j["text"] = {{"model_type", info.text_model_type}, {"hidden_size", c.text.hidden_size},
               {"layers", c.text.num_layers}, {"heads", c.text.num_heads},
               {"kv_heads", c.text.num_kv_heads}, {"head_dim", c.text.head_dim},
               {"intermediate_size", c.text.intermediate_size}, {"vocab_size", info.vocab_size},
               {"max_position_embeddings", c.text.max_position_embeddings},
               {"tied_embeddings", c.text.tie_word_embeddings}, {"parameters", info.text_params}};
  j["parameters"] = info.vision_params + info.projector_params + info.text_params;
  // Stored tensors by dtype (from the safetensors headers).
  Json stored = Json::object();
  if (auto archive = io::SafetensorsArchive::open_dir(info.model_dir); archive.ok()) {
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> by_dtype;  // tensors, bytes
    for (const std::string& name : archive->names()) {
      const io::TensorEntry* e = archive->find(name);
      auto& [count, bytes] = by_dtype[e->dtype_name];
      ++count;
      bytes += static_cast<std::int64_t>(e->nbytes);
    }
    for (const auto& [dtype, cb] : by_dtype) stored[dtype] = {{"tensors", cb.first}, {"bytes", cb.second}};
  }
  j["stored_dtypes"] = std::move(stored);
  j["weight_dtype"] = info.weight_dtype;
  j["weight_bytes"] = info.weight_bytes;
  j["context_limit"] = info.context_limit;
  j["kv_bytes_per_token"] = info.kv_bytes_per_token;
  j["kv_bytes_full_context"] = info.kv_bytes_per_token * info.context_limit;
  j["memory_bytes_full_context"] = info.weight_bytes + info.kv_bytes_per_token * info.context_limit;
  j["tokens_per_tile"] = info.tokens_per_tile;
  j["image_token_id"] = info.image_token_id;
  return j;
}

void print_text(const Json& j) {
  const Json& v = j["vision"];
  const Json& t = j["text"];
  auto i64 = [](const Json& x) { return x.get<std::int64_t>(); };
  std::printf("model          %s\n", j["model_dir"].get<std::string>().c_str());
  std::printf("vision         InternViT: %lld layers, hidden %lld, %lld heads, %s%s, %lldx%lld images, patch %lld\n",
              static_cast<long long>(i64(v["layers"])), static_cast<long long>(i64(v["hidden_size"])),
              static_cast<long long>(i64(v["heads"])), v["norm"].get<std::string>().c_str(),
              v["qk_norm"].get<bool>() ? " + qk-norm" : "", static_cast<long long>(i64(v["image_size"])),
              static_cast<long long>(i64(v["image_size"])), static_cast<long long>(i64(v["patch_size"])));
  std::printf("projector      pixel shuffle %.2f + MLP\n", j["projector"]["downsample_ratio"].get<double>());
  std::printf("text           %s: %lld layers, hidden %lld, %lld heads / %lld kv heads x %lld, vocab %lld%s\n",
              t["model_type"].get<std::string>().c_str(), static_cast<long long>(i64(t["layers"])),
              static_cast<long long>(i64(t["hidden_size"])), static_cast<long long>(i64(t["heads"])),
              static_cast<long long>(i64(t["kv_heads"])), static_cast<long long>(i64(t["head_dim"])),
              static_cast<long long>(i64(t["vocab_size"])), t["tied_embeddings"].get<bool>() ? ", tied lm_head" : "");
  std::printf("parameters     %s (vision %s, projector %s, text %s)\n", millions(i64(j["parameters"])).c_str(),
              millions(i64(v["parameters"])).c_str(), millions(i64(j["projector"]["parameters"])).c_str(),
              millions(i64(t["parameters"])).c_str());
  std::string stored;
  for (const auto& [dtype, e] : j["stored_dtypes"].items()) {
    stored += str_cat(stored.empty() ? "" : ", ", dtype, " (", i64(e["tensors"]), " tensors, ",
                      human_bytes(static_cast<double>(i64(e["bytes"]))), ")");
  }
  std::printf("stored dtypes  %s\n", stored.c_str());
  std::printf("in memory      %s weights, %s\n", j["weight_dtype"].get<std::string>().c_str(),
              human_bytes(static_cast<double>(i64(j["weight_bytes"]))).c_str());
  std::printf("context        %lld tokens; KV cache %s per token, %s at full context\n",
              static_cast<long long>(i64(j["context_limit"])),
              human_bytes(static_cast<double>(i64(j["kv_bytes_per_token"]))).c_str(),
              human_bytes(static_cast<double>(i64(j["kv_bytes_full_context"]))).c_str());
  std::printf("images         %lld tokens per 448x448 tile (<IMG_CONTEXT> = %lld)\n",
              static_cast<long long>(i64(j["tokens_per_tile"])), static_cast<long long>(i64(j["image_token_id"])));
  std::printf("memory needed  %s (weights + one full-context KV cache; activations extra)\n",
              human_bytes(static_cast<double>(i64(j["memory_bytes_full_context"]))).c_str());
}

}  // namespace

int cmd_info(int argc, char** argv) {
  CLI::App app("Shows a model's architecture, parameter counts, dtypes and the memory it needs.", "internvl info");
  app::Options opts;
  app::CliOptions cli(&opts, {app::OptionGroup::kModel});
  cli.add_to(app);
  bool json = false;
  app.add_flag("--json", json, "print one JSON object");
  if (auto rc = parse_command_line(app, argc, argv)) return *rc;
  if (Status st = cli.apply(); !st.ok()) return report_usage_error(kName, st);
  auto engine = load_engine(opts.model, stderr_is_terminal());
  if (!engine.ok()) return report_error(kName, engine.status());
  const Json report = build_report(**engine);
  if (json) {
    std::printf("%s\n", dump_json(report).c_str());
  } else {
    print_text(report);
  }
  return 0;
}

}  // namespace internvl::cli
