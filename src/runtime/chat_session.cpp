#include <cstring>
#include <map>

#include "runtime/engine_impl.h"

namespace internvl {

struct ChatSession::State {
  const Engine& engine;
  std::vector<Message> messages;
  std::shared_ptr<model::KvCache> cache;
  std::vector<std::int32_t> cached_ids;           // tokens whose keys/values are in the cache
  std::map<const void*, Tensor> features;         // per media object: [n_tiles * tokens, H]
  std::vector<std::shared_ptr<const void>> keep;  // media objects the feature map refers to
  std::int64_t reused = 0;
  explicit State(const Engine& e) : engine(e) {}
};

ChatSession::ChatSession(const Engine& engine) : state_(std::make_unique<State>(engine)) {}
ChatSession::~ChatSession() = default;
ChatSession::ChatSession(ChatSession&&) noexcept = default;

void ChatSession::add(Message message) { state_->messages.push_back(std::move(message)); }

void ChatSession::reset() {
  state_->messages.clear();
  state_->cache.reset();
  state_->cached_ids.clear();
  state_->features.clear();
  state_->keep.clear();
  state_->reused = 0;
}

const std::vector<Message>& ChatSession::messages() const { return state_->messages; }
std::int64_t ChatSession::reused_tokens() const { return state_->reused; }

Result<GenerationResult> ChatSession::send(std::vector<ContentPart> user_content, const GenerationOptions& options,
                                           const TokenCallback& on_token) {
  State& st = *state_;
  const Engine::Impl& impl = st.engine.impl();
  const model::InternVLModel& m = *impl.model;
  Timer clock;
  INTERNVL_ASSIGN_OR_RETURN(runtime::GenerateParams params, impl.generate_params(options));
  std::vector<Message> conversation = st.messages;
  conversation.push_back(Message{"user", std::move(user_content)});
  INTERNVL_ASSIGN_OR_RETURN(processor::ProcessedPrompt p, impl.process(conversation, options));
  GenerationResult result;
  result.timings.preprocess_ms = clock.elapsed_ms();
  result.prompt_tokens = static_cast<std::int64_t>(p.ids.size());
  result.num_tiles = p.num_tiles();

  // Image features per media object, encoded once; the prompt's media follow message order.
  const std::int64_t h = m.config().text.hidden_size;
  const std::int64_t per_tile = m.config().tokens_per_tile();
  std::vector<Tensor> parts;
  std::size_t media_index = 0;
  std::int64_t tile0 = 0;
  Timer vision;
  for (const Message& msg : conversation) {
    for (const ContentPart& part : msg.content) {
      const void* key = part.type == ContentPart::Type::kImage   ? static_cast<const void*>(part.image.get())
                        : part.type == ContentPart::Type::kVideo ? static_cast<const void*>(part.video.get())
                                                                 : nullptr;
      if (!key) continue;
      const std::int64_t tiles = p.tiles_per_media[media_index++];
      auto it = st.features.find(key);
      if (it == st.features.end()) {
        Tensor f = m.image_features(p.pixel_values.slice_rows(tile0, tile0 + tiles));
        it = st.features.emplace(key, f.reshape({tiles * per_tile, h})).first;
        if (part.image) st.keep.push_back(part.image);
        if (part.video) st.keep.push_back(part.video);
      }
      parts.push_back(it->second);
      tile0 += tiles;
    }
  }
  result.timings.vision_ms = vision.elapsed_ms();

  // Reuse the longest cached prefix. Past the trained length dynamic RoPE rescales every
  // position in the reference, so cached keys would no longer match: start over there.
  std::int64_t prefix = 0;
  const auto& text_cfg = m.config().text;
  const bool rescaled = text_cfg.rope.type == io::RopeType::kDynamic &&
                        static_cast<std::int64_t>(p.ids.size()) + params.max_new_tokens > text_cfg.max_position_embeddings;
  if (st.cache && !rescaled) {
    const std::size_t n = std::min(st.cached_ids.size(), p.ids.size() - 1);  // keep >= 1 token to run
    while (static_cast<std::size_t>(prefix) < n && st.cached_ids[static_cast<std::size_t>(prefix)] == p.ids[static_cast<std::size_t>(prefix)]) ++prefix;
  }
  if (!st.cache || rescaled) st.cache = std::make_shared<model::KvCache>(m.new_cache());
  st.reused = prefix;

  // Features for the image tokens after the prefix.
  const std::int32_t image_token = m.config().image_token_id;
  const std::int64_t skip = std::count(p.ids.begin(), p.ids.begin() + prefix, image_token);
  std::int64_t total = 0;
  for (const auto& t : parts) total += t.dim(0);
  runtime::PromptInput in;
  if (total - skip > 0) {
    Tensor all = Tensor::empty(DType::kF32, {total, h});
    std::int64_t off = 0;
    for (const auto& t : parts) {
      std::memcpy(all.data<float>() + off * h, t.data<float>(), t.nbytes());
      off += t.dim(0);
    }
    in.image_features = all.slice_rows(skip, total);
  }
  in.ids = p.ids;
  in.cache = st.cache;
  in.cached_tokens = prefix;
  const double vision_ms = result.timings.vision_ms;
  Status status = impl.run(std::move(in), params, options, on_token, clock, &result);
  result.timings.vision_ms = vision_ms;  // the runner encoded nothing: features came from the session
  if (!status.ok()) {
    st.cache.reset();  // a failed turn may have left the cache half-written
    st.cached_ids.clear();
    return status;
  }
  // The cache now holds the prompt and every generated token but the last (never fed back).
  st.cached_ids = p.ids;
  if (!result.token_ids.empty()) {
    st.cached_ids.insert(st.cached_ids.end(), result.token_ids.begin(), result.token_ids.end() - 1);
  }
  st.cache->truncate(static_cast<std::int64_t>(st.cached_ids.size()));
  st.messages = std::move(conversation);
  st.messages.push_back(Message{"assistant", {ContentPart::text_part(result.text)}});
  return result;
}

}  // namespace internvl
