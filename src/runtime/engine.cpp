#include <cmath>

#include "core/json.h"
#include "core/log.h"
#include "core/parallel.h"
#include "core/str.h"
#include "core/timer.h"
#include "runtime/engine_impl.h"
#include "runtime/generator.h"

namespace internvl {

// ---- content parts ----

ContentPart ContentPart::text_part(std::string t) {
  ContentPart p;
  p.type = Type::kText;
  p.text = std::move(t);
  return p;
}

ContentPart ContentPart::image_part(Image img, std::optional<int> min_tiles, std::optional<int> max_tiles) {
  ContentPart p;
  p.type = Type::kImage;
  p.image = std::make_shared<const ImageInput>(ImageInput{std::move(img), min_tiles, max_tiles});
  return p;
}

ContentPart ContentPart::video_part(std::vector<Image> frames) {
  ContentPart p;
  p.type = Type::kVideo;
  p.video = std::make_shared<const VideoInput>(VideoInput{std::move(frames)});
  return p;
}

// ---- Impl ----

Result<std::string> Engine::Impl::render(const std::vector<Message>& conversation, bool add_generation_prompt,
                                         const std::string& kwargs_json,
                                         std::vector<processor::MediaInput>* media) const {
  Json messages = Json::array();
  for (std::size_t i = 0; i < conversation.size(); ++i) {
    const Message& m = conversation[i];
    if (m.role.empty()) return invalid_argument("message ", i, " has no role");
    Json content = Json::array();
    for (const ContentPart& part : m.content) {
      switch (part.type) {
        case ContentPart::Type::kText:
          content.push_back(Json{{"type", "text"}, {"text", part.text}});
          break;
        case ContentPart::Type::kImage: {
          if (!part.image) return invalid_argument("message ", i, " has an image part without an image");
          content.push_back(Json{{"type", "image"}});
          if (media) {
            processor::MediaInput mi;
            mi.image = part.image->image;
            mi.tiles.min_tiles = part.image->min_tiles;
            mi.tiles.max_tiles = part.image->max_tiles;
            media->push_back(std::move(mi));
          }
          break;
        }
        case ContentPart::Type::kVideo: {
          if (!part.video) return invalid_argument("message ", i, " has a video part without frames");
          content.push_back(Json{{"type", "video"}});
          if (media) {
            processor::MediaInput mi;
            mi.kind = processor::MediaInput::Kind::kVideo;
            mi.frames = part.video->frames;
            media->push_back(std::move(mi));
          }
          break;
        }
      }
    }
    messages.push_back(Json{{"role", m.role}, {"content", std::move(content)}});
  }
  Json extra = Json::object();
  if (!kwargs_json.empty()) {
    INTERNVL_ASSIGN_OR_RETURN(extra, parse_json(kwargs_json, "chat_template_kwargs"));
    if (!extra.is_object()) return invalid_argument("chat_template_kwargs must be a JSON object");
  }
  return processor->apply_chat_template(messages, add_generation_prompt, extra);
}

Result<processor::ProcessedPrompt> Engine::Impl::process(const std::vector<Message>& conversation,
                                                         const GenerationOptions& gen) const {
  std::vector<processor::MediaInput> media;
  INTERNVL_ASSIGN_OR_RETURN(std::string text, render(conversation, gen.add_generation_prompt,
                                                     gen.chat_template_kwargs_json, &media));
  return processor->process(text, media);
}

Result<runtime::GenerateParams> Engine::Impl::generate_params(const GenerationOptions& o) const {
  runtime::GenerateParams p;
  if (o.max_new_tokens < 0) return invalid_argument("max_new_tokens must be >= 0, got ", o.max_new_tokens);
  if (o.min_new_tokens < 0) return invalid_argument("min_new_tokens must be >= 0, got ", o.min_new_tokens);
  if (o.top_logprobs < 0 || o.top_logprobs > 20) return invalid_argument("top_logprobs must be in [0, 20], got ", o.top_logprobs);
  p.max_new_tokens = o.max_new_tokens;
  p.min_new_tokens = o.min_new_tokens;
  p.top_logprobs = o.top_logprobs;
  p.context_limit = o.context_limit > 0 ? o.context_limit : options.context_limit;
  for (int id : generation.eos_token_ids) p.eos_ids.push_back(id);
  const std::int64_t n_vocab = model->config().text.vocab_size;
  for (std::int32_t id : o.stop_token_ids) {
    if (id < 0 || id >= n_vocab) return invalid_argument("stop token id ", id, " is outside the vocabulary of ", n_vocab);
    p.eos_ids.push_back(id);
  }
  runtime::SamplingParams& s = p.sampling;
  s.do_sample = generation.do_sample;
  s.temperature = static_cast<float>(generation.temperature);
  s.top_k = generation.top_k;
  s.top_p = static_cast<float>(generation.top_p);
  s.repetition_penalty = static_cast<float>(generation.repetition_penalty);
  if (o.temperature) {
    if (!(*o.temperature >= 0) || !std::isfinite(*o.temperature)) {
      return invalid_argument("temperature must be >= 0, got ", *o.temperature);
    }
    if (*o.temperature == 0) {
      s.do_sample = false;  // temperature 0 means greedy, as OpenAI-style APIs use it
    } else {
      s.do_sample = true;
      s.temperature = *o.temperature;
    }
  }
  if (o.do_sample) s.do_sample = *o.do_sample;
  if (o.top_k) {
    if (*o.top_k < 0) return invalid_argument("top_k must be >= 0, got ", *o.top_k);
    s.top_k = *o.top_k;
  }
  if (o.top_p) {
    if (!(*o.top_p > 0 && *o.top_p <= 1)) return invalid_argument("top_p must be in (0, 1], got ", *o.top_p);
    s.top_p = *o.top_p;
  }
  if (o.repetition_penalty) {
    if (!(*o.repetition_penalty > 0)) return invalid_argument("repetition_penalty must be > 0, got ", *o.repetition_penalty);
    s.repetition_penalty = *o.repetition_penalty;
  }
  if (o.seed) s.seed = *o.seed;
  return p;
}

// ---- Engine ----

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::load(const EngineOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.threads < 0) return invalid_argument("threads must be >= 0, got ", options.threads);
  if (options.context_limit < 0) return invalid_argument("context_limit must be >= 0, got ", options.context_limit);
  model::LoadOptions load;
  load.mmap = options.mmap;
  if (!options.quant.empty()) {
    auto q = model::parse_quant(options.quant);
    if (!q.ok()) return invalid_argument("quantization '", options.quant, "' is not supported (q8, q4)");
    load.quant = *q;
  }
  if (options.compute == "bf16") {
    load.compute = kernels::Compute::kBF16;
  } else if (!options.compute.empty() && options.compute != "f32") {
    return invalid_argument("compute '", options.compute, "' is not supported (f32, bf16)");
  }
  set_num_threads(options.threads);
  INTERNVL_ASSIGN_OR_RETURN(impl->model, model::InternVLModel::load(options.model_dir, load));
  auto proc = processor::Processor::from_model_dir(options.model_dir);
  if (!proc.ok()) return proc.status().with_context(str_cat("loading the processor of '", options.model_dir, "'"));
  impl->processor = std::make_unique<processor::Processor>(std::move(proc).value());
  INTERNVL_ASSIGN_OR_RETURN(impl->generation, io::load_generation_config(options.model_dir, impl->model->config()));
  const auto& cfg = impl->model->config();
  if (options.check_tokenizer && impl->processor->image_context_id() != cfg.image_token_id) {
    return invalid_argument("the tokenizer's <IMG_CONTEXT> is id ", impl->processor->image_context_id(),
                            " but config.json's image_token_id is ", cfg.image_token_id,
                            " (tokenizer and weights from different checkpoints?)");
  }
  const std::int64_t rows = impl->model->weights().text.embed.rows;
  if (impl->processor->tokenizer().vocab_size() > rows) {
    return invalid_argument("the tokenizer has ", impl->processor->tokenizer().vocab_size(),
                            " tokens but the embedding table has ", rows, " rows");
  }
  if (impl->processor->config().image_seq_length != cfg.tokens_per_tile()) {
    return invalid_argument("the processor's image_seq_length ", impl->processor->config().image_seq_length,
                            " does not match the model's ", cfg.tokens_per_tile(), " tokens per tile");
  }
  if (impl->generation.eos_token_ids.empty()) {
    if (auto eos = impl->processor->tokenizer().eos_id()) impl->generation.eos_token_ids.push_back(*eos);
  }
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Result<std::string> Engine::render(const std::vector<Message>& conversation, bool add_generation_prompt,
                                   const std::string& kwargs_json) const {
  return impl_->render(conversation, add_generation_prompt, kwargs_json, nullptr);
}

Result<PreparedPrompt> Engine::prepare(const std::vector<Message>& conversation, const GenerationOptions& options) const {
  INTERNVL_ASSIGN_OR_RETURN(processor::ProcessedPrompt p, impl_->process(conversation, options));
  PreparedPrompt out;
  out.text = std::move(p.text);
  out.input_ids = std::move(p.ids);
  out.pixel_values = std::move(p.pixel_values);
  out.tiles_per_media = std::move(p.tiles_per_media);
  return out;
}

namespace {

const char* finish_name(runtime::FinishReason r, bool stop_string) {
  if (stop_string) return "stop";
  switch (r) {
    case runtime::FinishReason::kEos: return "stop";
    case runtime::FinishReason::kLength: return "length";
    case runtime::FinishReason::kStopped: return "cancelled";
    case runtime::FinishReason::kCancelled: return "cancelled";
  }
  return "length";
}

}  // namespace

Status Engine::Impl::run(runtime::PromptInput in, const runtime::GenerateParams& params,
                         const GenerationOptions& gen, const TokenCallback& on_token,
                         const Timer& clock, GenerationResult* result) const {
  runtime::TextStream stream(processor->tokenizer(), gen.stop);
  bool stop_string = false;
  bool first = true;
  auto on_step = [&](const runtime::StepEvent& ev) {
    if (first) {
      result->timings.ttft_ms = clock.elapsed_ms();
      first = false;
    }
    TokenInfo info;
    info.id = ev.token;
    info.logprob = ev.logprob;
    info.top_logprobs = ev.top;
    result->token_ids.push_back(ev.token);
    bool stopped = false;
    std::string piece = stream.push(ev.token, &stopped);
    bool keep = !on_token || on_token(info, piece);
    result->tokens.push_back(std::move(info));
    if (stopped) stop_string = true;
    return keep && !stopped;
  };
  runtime::GenerateTimings t;
  INTERNVL_ASSIGN_OR_RETURN(std::vector<runtime::RowResult> rows,
                            runtime::generate(*model, {std::move(in)}, params, on_step, &t));
  std::string tail = stream.flush();
  if (!tail.empty() && on_token) on_token(TokenInfo{}, tail);
  result->text = stream.text();
  result->finish_reason = finish_name(rows[0].finish, stop_string);
  result->timings.vision_ms = t.vision_ms;
  result->timings.prefill_ms = t.prefill_ms;
  result->timings.decode_ms = t.decode_ms;
  result->timings.total_ms = clock.elapsed_ms();
  result->timings.prompt_tokens = result->prompt_tokens;
  result->timings.generated_tokens = static_cast<std::int64_t>(result->token_ids.size());
  return Status();
}

Result<GenerationResult> Engine::generate(const std::vector<Message>& conversation, const GenerationOptions& options,
                                          const TokenCallback& on_token) const {
  Timer clock;
  INTERNVL_ASSIGN_OR_RETURN(runtime::GenerateParams params, impl_->generate_params(options));
  INTERNVL_ASSIGN_OR_RETURN(processor::ProcessedPrompt p, impl_->process(conversation, options));
  GenerationResult result;
  result.timings.preprocess_ms = clock.elapsed_ms();
  result.prompt_tokens = static_cast<std::int64_t>(p.ids.size());
  result.num_tiles = p.num_tiles();
  runtime::PromptInput in;
  in.ids = std::move(p.ids);
  in.pixel_values = std::move(p.pixel_values);
  INTERNVL_RETURN_IF_ERROR(impl_->run(std::move(in), params, options, on_token, clock, &result));
  return result;
}

std::vector<Result<GenerationResult>> Engine::generate_batch(const std::vector<std::vector<Message>>& conversations,
                                                             const GenerationOptions& options) const {
  std::vector<Result<GenerationResult>> out;
  auto params = impl_->generate_params(options);
  std::vector<runtime::PromptInput> rows;
  std::vector<std::size_t> row_of;  // conversation index of each runnable row
  std::vector<std::optional<Status>> errors(conversations.size());
  std::vector<GenerationResult> results(conversations.size());
  std::vector<runtime::TextStream> streams;
  for (std::size_t c = 0; c < conversations.size(); ++c) {
    if (!params.ok()) {
      errors[c] = params.status();
      continue;
    }
    auto p = impl_->process(conversations[c], options);
    if (!p.ok()) {
      errors[c] = p.status();
      continue;
    }
    Status valid = runtime::validate_prompt(*impl_->model, p->ids, *params);
    if (!valid.ok()) {
      errors[c] = valid;
      continue;
    }
    results[c].prompt_tokens = static_cast<std::int64_t>(p->ids.size());
    results[c].num_tiles = p->num_tiles();
    runtime::PromptInput in;
    in.ids = std::move(p->ids);
    in.pixel_values = std::move(p->pixel_values);
    rows.push_back(std::move(in));
    row_of.push_back(c);
  }
  std::vector<bool> stop_string(conversations.size(), false);
  if (!rows.empty()) {
    for (std::size_t r = 0; r < rows.size(); ++r) streams.emplace_back(impl_->processor->tokenizer(), options.stop);
    auto on_step = [&](const runtime::StepEvent& ev) {
      std::size_t c = row_of[static_cast<std::size_t>(ev.row)];
      results[c].token_ids.push_back(ev.token);
      results[c].tokens.push_back(TokenInfo{ev.token, ev.logprob, ev.top});
      bool stopped = false;
      streams[static_cast<std::size_t>(ev.row)].push(ev.token, &stopped);
      if (stopped) stop_string[c] = true;
      return !stopped;
    };
    Timer timer;
    auto gen = runtime::generate(*impl_->model, rows, *params, on_step);
    if (!gen.ok()) {
      for (std::size_t c : row_of) errors[c] = gen.status();
    } else {
      for (std::size_t r = 0; r < rows.size(); ++r) {
        std::size_t c = row_of[r];
        streams[r].flush();
        results[c].text = streams[r].text();
        results[c].finish_reason = finish_name((*gen)[r].finish, stop_string[c]);
        results[c].timings.total_ms = timer.elapsed_ms();
        results[c].timings.prompt_tokens = results[c].prompt_tokens;
        results[c].timings.generated_tokens = static_cast<std::int64_t>(results[c].token_ids.size());
      }
    }
  }
  for (std::size_t c = 0; c < conversations.size(); ++c) {
    if (errors[c]) {
      out.emplace_back(*errors[c]);
    } else {
      out.emplace_back(std::move(results[c]));
    }
  }
  return out;
}

std::vector<std::int32_t> Engine::tokenize(std::string_view text) const {
  return impl_->processor->tokenizer().encode(text);
}

std::string Engine::detokenize(const std::vector<std::int32_t>& ids, bool skip_special_tokens) const {
  return impl_->processor->tokenizer().decode(ids, skip_special_tokens);
}

}  // namespace internvl
