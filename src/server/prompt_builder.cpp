#include "server/prompt_builder.h"

#include <cstring>

#include "core/check.h"
#include "core/parallel.h"
#include "core/str.h"
#include "media/image_decode.h"
#include "media/media_source.h"
#include "media/video.h"
#include "preprocess/image_processor.h"
#include "preprocess/video_processor.h"
#include "preprocess/video_sampling.h"
#include "processor/processor.h"
#include "runtime/engine_impl.h"
#include "runtime/generator.h"

namespace internvl::server {

/// One media item of a request: its cache key and either cached features or pixels to encode.
struct PromptBuilder::Media {
  MediaRef::Kind kind = MediaRef::Kind::kImage;
  std::string key;
  int n_tiles = 0;
  std::shared_ptr<const EncodedMedia> cached;
  Tensor pixels;  // f32 [n_tiles, 3, H, W] on a cache miss
};

namespace {

bool has_scheme(std::string_view url, std::string_view scheme) {
  if (url.size() < scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i]) return false;
  }
  return true;
}

ApiError media_error(const Status& s, const MediaRef& ref) {
  ApiError e = error_from_status(s, ref.param);
  if (e.http_status >= 500) {  // decoders report odd input as internal errors; it is still the input
    e.http_status = 400;
    e.type = "invalid_request_error";
  }
  e.code = s.code() == StatusCode::kOutOfRange ? "limit_exceeded" : "invalid_media";
  e.message = str_cat(ref.param, ": ", s.message());
  return e;
}

/// Holds one of the vision workers' places for a scope.
class VisionSlot {
 public:
  explicit VisionSlot(std::counting_semaphore<1024>& s) : s_(s) { s_.acquire(); }
  ~VisionSlot() { s_.release(); }
  VisionSlot(const VisionSlot&) = delete;
  VisionSlot& operator=(const VisionSlot&) = delete;

 private:
  std::counting_semaphore<1024>& s_;
};

}  // namespace

PromptBuilder::PromptBuilder(const Engine& engine, const RequestLimits& limits, MediaCache* cache, int vision_workers)
    : engine_(engine), limits_(limits), cache_(cache), vision_slots_(std::max(1, vision_workers)) {}

std::optional<ApiError> PromptBuilder::load(const MediaRef& ref, Media* m) const {
  const Engine::Impl& impl = engine_.impl();
  const auto& pcfg = impl.processor->config();
  m->kind = ref.kind;
  // OpenAI takes URLs and data: URIs; local paths and bare base64 are not accepted here.
  const bool is_file = has_scheme(ref.url, "file://");
  if (!has_scheme(ref.url, "data:") && !has_scheme(ref.url, "http://") && !has_scheme(ref.url, "https://") &&
      !is_file) {
    return bad_request(str_cat(ref.param, ": the url must be a data: URI, an http(s):// URL or a file:// URI, got ",
                               media::describe_source(ref.url)),
                       ref.param, "invalid_media");
  }
  if (is_file && limits_.file_root.empty()) {
    return bad_request(str_cat(ref.param, ": file:// URLs are disabled (start the server with --media-dir DIR)"),
                       ref.param, "invalid_media");
  }
  media::MediaSourceOptions src;
  src.allow_files = is_file;
  src.file_root = limits_.file_root;
  src.allow_urls = limits_.allow_remote_urls;
  src.max_bytes = limits_.max_media_bytes;
  src.fetch.max_bytes = limits_.max_media_bytes;
  src.fetch.total_timeout_ms = limits_.fetch_timeout_ms;
  src.fetch.allow_private_addresses = limits_.allow_private_urls;
  src.decode.max_pixels = limits_.max_image_pixels;
  auto bytes = media::load_media_bytes(ref.url, src);
  if (!bytes.ok()) return media_error(bytes.status(), ref);

  // The key covers everything that shapes the features: content, kind, tile limit / frames.
  const std::string what = media::describe_source(ref.url);
  if (ref.kind == MediaRef::Kind::kImage) {
    m->key = str_cat("image:", content_hash(*bytes), ":", ref.max_tiles.value_or(0));
  } else {
    m->key = str_cat("video:", content_hash(*bytes), ":", ref.num_frames);
  }
  m->cached = cache_->find(m->key);  // counted once the request gets as far as using it
  if (m->cached) {
    m->n_tiles = m->cached->n_tiles;
    return std::nullopt;
  }
  if (ref.kind == MediaRef::Kind::kImage) {
    auto img = media::decode_image(*bytes, src.decode, what);
    if (!img.ok()) return media_error(img.status(), ref);
    preprocess::TileOptions tiles;
    if (ref.max_tiles) {
      tiles.max_tiles = *ref.max_tiles;
      if (*ref.max_tiles < pcfg.image.min_patches) tiles.min_tiles = *ref.max_tiles;
    }
    auto px = preprocess::preprocess_image(*img, pcfg.image, tiles);
    if (!px.ok()) return media_error(px.status(), ref);
    m->pixels = std::move(px->pixel_values);
  } else {
    auto info = media::probe_video_bytes(*bytes, what);
    if (!info.ok()) return media_error(info.status(), ref);
    preprocess::FrameSampling sampling;
    sampling.do_sample_frames = true;
    sampling.num_frames = ref.num_frames;
    auto idx = preprocess::video_frame_indices(info->num_frames, info->fps, pcfg.video, sampling);
    if (!idx.ok()) return media_error(idx.status(), ref);
    media::VideoDecodeOptions dec;
    dec.max_frames = limits_.max_video_frames;
    dec.max_pixels_per_frame = limits_.max_image_pixels;
    auto frames = media::decode_video_frames_from_bytes(*bytes, *idx, dec, what);
    if (!frames.ok()) return media_error(frames.status(), ref);
    if (frames->empty()) return media_error(invalid_argument("no decodable frames"), ref);
    auto px = preprocess::preprocess_video_frames(*frames, pcfg.video);
    if (!px.ok()) return media_error(px.status(), ref);
    m->pixels = std::move(*px);
  }
  m->n_tiles = static_cast<int>(m->pixels.dim(0));
  return std::nullopt;
}

Result<std::vector<std::int32_t>> PromptBuilder::expand(const std::string& text, const std::vector<Media>& media) const {
  const processor::Processor& proc = *engine_.impl().processor;
  auto places = processor::find_placeholders(text);
  std::size_t n_img = 0, n_vid = 0, want_img = 0, want_vid = 0;
  for (const auto& p : places) (p.second ? n_vid : n_img)++;
  for (const auto& m : media) (m.kind == MediaRef::Kind::kVideo ? want_vid : want_img)++;
  if (n_img != want_img || n_vid != want_vid) {
    return invalid_argument("the rendered prompt has ", n_img, " image and ", n_vid, " video placeholder(s) for ",
                            want_img, " image(s) and ", want_vid, " video(s); is '", processor::kImagePlaceholder,
                            "' or '", processor::kVideoPlaceholder, "' written in the text?");
  }
  // The i-th image placeholder binds to the i-th image, the i-th video one to the i-th video.
  std::vector<const Media*> images, videos;
  for (const auto& m : media) (m.kind == MediaRef::Kind::kVideo ? videos : images).push_back(&m);
  std::string expanded;
  std::size_t last = 0, i_img = 0, i_vid = 0;
  for (const auto& [pos, is_video] : places) {
    expanded.append(text, last, pos - last);
    if (is_video) {
      expanded += proc.video_expansion(videos[i_vid++]->n_tiles);
      last = pos + std::strlen(processor::kVideoPlaceholder);
    } else {
      expanded += proc.image_expansion(images[i_img++]->n_tiles);
      last = pos + std::strlen(processor::kImagePlaceholder);
    }
  }
  expanded.append(text, last);
  return proc.tokenizer().encode(expanded);
}

std::optional<ApiError> PromptBuilder::build(const ChatRequest& request, PreparedPrompt* out) {
  const Engine::Impl& impl = engine_.impl();
  const model::InternVLModel& model = *impl.model;

  // ---- media: bytes -> cache, or decoded + preprocessed pixels ----
  std::vector<Media> media(request.media.size());
  for (std::size_t i = 0; i < media.size(); ++i) {
    if (auto e = load(request.media[i], &media[i])) return e;
    out->num_tiles += media[i].n_tiles;
  }

  // ---- template -> expanded ids ----
  std::vector<Message> conversation;
  for (const RequestMessage& rm : request.messages) {
    Message m{rm.role, {}};
    for (const RequestPart& p : rm.parts) {
      if (p.media < 0) {
        m.content.push_back(ContentPart::text_part(p.text));
      } else if (media[static_cast<std::size_t>(p.media)].kind == MediaRef::Kind::kImage) {
        m.content.push_back(ContentPart::image_part(Image{}));  // rendering needs only the part's type
      } else {
        m.content.push_back(ContentPart::video_part({}));
      }
    }
    conversation.push_back(std::move(m));
  }
  auto text = impl.render(conversation, /*add_generation_prompt=*/true, "", nullptr);
  if (!text.ok()) return error_from_status(text.status(), "messages");
  auto ids = expand(*text, media);
  if (!ids.ok()) return error_from_status(ids.status(), "messages");

  // ---- limits: the prompt and max_tokens within the context ----
  const std::int64_t ctx = runtime::effective_context_limit(model, impl.options.context_limit);
  const auto n_prompt = static_cast<std::int64_t>(ids->size());
  if (n_prompt >= ctx) {
    return bad_request(str_cat("the prompt has ", n_prompt, " tokens (", out->num_tiles,
                               " image tiles/frames included), more than the context limit of ", ctx - 1,
                               " leaves room for"),
                       "messages", "context_length_exceeded");
  }
  GenerationOptions gen = request.options;
  gen.max_new_tokens = request.max_tokens.value_or(
      static_cast<int>(std::min<std::int64_t>(limits_.max_tokens, ctx - n_prompt)));
  if (n_prompt + gen.max_new_tokens > ctx) {
    return bad_request(str_cat("the prompt has ", n_prompt, " tokens; with max_tokens ", gen.max_new_tokens, " it needs ",
                               n_prompt + gen.max_new_tokens, " positions, more than the context limit of ", ctx),
                       "max_tokens", "context_length_exceeded");
  }
  auto params = impl.generate_params(gen);
  if (!params.ok()) return error_from_status(params.status());

  // ---- vision features: cached, or encoded now and cached ----
  const std::int64_t tpt = model.config().tokens_per_tile(), h = model.config().text.hidden_size;
  Tensor features;
  if (out->num_tiles > 0) {
    features = Tensor::empty(DType::kF32, {out->num_tiles, tpt, h});
    std::size_t off = 0;
    for (Media& m : media) {
      if (m.cached) {
        cache_->count_hit();
      } else {
        m.cached = cache_->get_or_encode(m.key, [&]() -> std::shared_ptr<const EncodedMedia> {
          auto enc = std::make_shared<EncodedMedia>();
          enc->n_tiles = m.n_tiles;
          VisionSlot slot(vision_slots_);
          set_num_threads(impl.options.threads);
          Tensor f = model.image_features(m.pixels);
          enc->features = f.dtype() == DType::kF32 ? std::move(f) : f.to_f32();
          INTERNVL_CHECK(enc->features.numel() == m.n_tiles * tpt * h, "image_features returned ",
                         shape_str(enc->features.shape()), " for ", m.n_tiles, " tiles");
          return enc;
        });
        m.pixels = Tensor();
      }
      INTERNVL_CHECK(m.cached->n_tiles == m.n_tiles, "cached media has ", m.cached->n_tiles, " tiles, expected ",
                     m.n_tiles);
      const Tensor& f = m.cached->features;
      std::memcpy(static_cast<char*>(features.raw()) + off, f.raw(), f.nbytes());
      off += f.nbytes();
    }
  }
  out->input.ids = std::move(ids).value();
  out->input.image_features = std::move(features);
  out->params = std::move(params).value();
  out->stop = request.options.stop;
  return std::nullopt;
}

}  // namespace internvl::server
