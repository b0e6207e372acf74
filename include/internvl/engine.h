// internvl.cpp public API: load a checkpoint directory and chat with it.
//
//   internvl::EngineOptions options;
//   options.model_dir = "InternVL3-1B-hf";
//   auto engine = internvl::Engine::load(options);
//   internvl::Message msg{"user", {internvl::ContentPart::image(pixels), internvl::ContentPart::text("Describe it.")}};
//   auto result = (*engine)->generate({msg}, {.max_new_tokens = 64},
//                                     [](const internvl::TokenInfo&, std::string_view piece) {
//                                       std::cout << piece << std::flush;
//                                       return true;
//                                     });
//
// The engine takes decoded pixels (internvl::Image) and text; reading files and URLs is left to
// the caller (the `internvl` program uses src/media for that).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "internvl/image.h"
#include "internvl/status.h"
#include "internvl/tensor.h"

namespace internvl {

struct EngineOptions {
  std::string model_dir;
  int threads = 0;                 // kernel threads; 0 = all cores
  std::string quant;               // "" (stored weights), "q8" or "q4": quantized at load
  std::string compute;             // "" or "f32": exact f32 products (the parity tests' mode);
                                   // "bf16": bf16 products, faster prefill/encode, logprobs move ~2e-2
  std::int64_t context_limit = 0;  // 0 = the model's (max_position_embeddings x dynamic factor)
  bool check_tokenizer = true;     // refuse a tokenizer whose <IMG_CONTEXT> id is not image_token_id
  bool mmap = true;                // false: weights copied into RAM at load (longer load; faster
                                   // decode where reads through the page cache are slow)
};

/// An image as pixels, with optional per-image tile limits.
struct ImageInput {
  Image image;
  std::optional<int> min_tiles, max_tiles;
};

/// A video as already-sampled frames (one 448x448 tile each).
struct VideoInput {
  std::vector<Image> frames;
};

/// One part of a message: text, an image or a video (Transformers' content list).
struct ContentPart {
  enum class Type { kText, kImage, kVideo };
  Type type = Type::kText;
  std::string text;
  std::shared_ptr<const ImageInput> image;  // kImage
  std::shared_ptr<const VideoInput> video;  // kVideo

  static ContentPart text_part(std::string t);
  static ContentPart image_part(Image img, std::optional<int> min_tiles = std::nullopt,
                                std::optional<int> max_tiles = std::nullopt);
  static ContentPart video_part(std::vector<Image> frames);
};

struct Message {
  std::string role;  // "system", "user", "assistant"
  std::vector<ContentPart> content;
};

struct GenerationOptions {
  int max_new_tokens = 256;
  int min_new_tokens = 0;
  /// Sampling follows the checkpoint's generation_config.json unless set here; setting a
  /// temperature > 0 turns sampling on, 0 means greedy.
  std::optional<bool> do_sample;
  std::optional<float> temperature;
  std::optional<int> top_k;
  std::optional<float> top_p;
  std::optional<float> repetition_penalty;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> stop;                // stop strings; the text ends before them
  std::vector<std::int32_t> stop_token_ids;     // in addition to the checkpoint's eos ids
  int top_logprobs = 0;                         // report this many alternatives per token
  bool add_generation_prompt = true;
  std::string chat_template_kwargs_json;        // extra template variables, a JSON object
  std::int64_t context_limit = 0;               // 0 = the engine's
};

struct TokenInfo {
  std::int32_t id = 0;
  float logprob = 0;                                       // of the chosen token (raw logits)
  std::vector<std::pair<std::int32_t, float>> top_logprobs;  // best first
};

struct Timings {
  double preprocess_ms = 0;  // template, tokenization, image/video preprocessing
  double vision_ms = 0;      // vision tower + projector
  double prefill_ms = 0;
  double decode_ms = 0;
  double ttft_ms = 0;        // request start to first token
  double total_ms = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t generated_tokens = 0;
};

struct GenerationResult {
  std::string text;
  std::vector<std::int32_t> token_ids;  // generated ids (a stop token included)
  std::vector<TokenInfo> tokens;        // one per generated id
  std::int64_t prompt_tokens = 0;
  int num_tiles = 0;                    // image tiles + video frames in the prompt
  std::string finish_reason;            // "stop" (eos or stop string), "length", "cancelled"
  Timings timings;
};

/// Streaming: called for every generated token with the newly completed text (possibly empty
/// mid-character; never broken UTF-8, never part of a stop string). Return false to cancel.
using TokenCallback = std::function<bool(const TokenInfo& token, std::string_view text)>;

/// The model's inputs for one conversation, as the reference processor builds them.
struct PreparedPrompt {
  std::string text;                   // rendered chat template, before placeholder expansion
  std::vector<std::int32_t> input_ids;
  Tensor pixel_values;                // f32 [n_tiles, 3, 448, 448]
  std::vector<int> tiles_per_media;   // in prompt order
};

struct ModelInfo {
  std::string model_dir;
  std::string text_model_type;        // "qwen2", "qwen3"
  std::string vision_norm;            // "layer_norm", "rms_norm"
  std::int64_t vision_params = 0, projector_params = 0, text_params = 0;
  std::string weight_dtype;           // of the bulk of the matrices (the last decoder layer), e.g. "bf16", "q4_0"
  std::int64_t weight_bytes = 0;      // matrices + vectors as held in memory
  std::int64_t context_limit = 0;
  std::int64_t kv_bytes_per_token = 0;  // as this engine stores it: bf16 with --compute bf16 on AVX-512 BF16, else f32
  int image_token_id = 0;
  int tokens_per_tile = 0;
  std::int64_t vocab_size = 0;
};

class Engine {
 public:
  /// Loads config, weights, tokenizer, chat template and processor settings of a directory.
  static Result<std::unique_ptr<Engine>> load(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Renders, expands, tokenizes and preprocesses a conversation.
  Result<PreparedPrompt> prepare(const std::vector<Message>& conversation,
                                 const GenerationOptions& options = {}) const;
  /// The chat template's text for a conversation (before placeholder expansion).
  Result<std::string> render(const std::vector<Message>& conversation, bool add_generation_prompt = true,
                             const std::string& chat_template_kwargs_json = "") const;

  /// Answers one conversation. Thread-safe: concurrent calls run independently.
  Result<GenerationResult> generate(const std::vector<Message>& conversation,
                                    const GenerationOptions& options = {},
                                    const TokenCallback& on_token = {}) const;
  /// Answers several conversations in one batch (rows run as the reference's padded batch).
  /// A row whose input is invalid fails alone; the others still run.
  std::vector<Result<GenerationResult>> generate_batch(const std::vector<std::vector<Message>>& conversations,
                                                       const GenerationOptions& options = {}) const;

  std::vector<std::int32_t> tokenize(std::string_view text) const;
  std::string detokenize(const std::vector<std::int32_t>& ids, bool skip_special_tokens = true) const;
  ModelInfo info() const;

  /// Internals for the program and the server (not a stable API).
  struct Impl;
  Impl& impl() const { return *impl_; }

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// A multi-turn conversation that keeps its KV cache between turns: each turn only prefills
/// what is new, and every image or video is vision-encoded once per conversation.
class ChatSession {
 public:
  explicit ChatSession(const Engine& engine);
  ~ChatSession();
  ChatSession(ChatSession&&) noexcept;

  /// Adds a message without generating (e.g. a system prompt, or a scripted history).
  void add(Message message);
  /// Adds a user turn, generates the reply and appends it as the assistant's turn.
  Result<GenerationResult> send(std::vector<ContentPart> user_content, const GenerationOptions& options = {},
                                const TokenCallback& on_token = {});
  /// Forgets the history, the cache and the encoded media.
  void reset();
  const std::vector<Message>& messages() const;
  /// Prompt tokens served from the cache in the last turn.
  std::int64_t reused_tokens() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace internvl
