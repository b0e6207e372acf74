#include "processor/processor.h"

#include <cstring>

#include "core/str.h"
#include "preprocess/video_processor.h"

namespace internvl::processor {

std::vector<std::pair<std::size_t, bool>> find_placeholders(std::string_view text) {
  std::vector<std::pair<std::size_t, bool>> out;
  const std::string_view img = kImagePlaceholder, vid = kVideoPlaceholder;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t a = text.find(img, pos), b = text.find(vid, pos);
    if (a == std::string_view::npos && b == std::string_view::npos) break;
    if (b == std::string_view::npos || (a != std::string_view::npos && a < b)) {
      out.emplace_back(a, false);
      pos = a + img.size();
    } else {
      out.emplace_back(b, true);
      pos = b + vid.size();
    }
  }
  return out;
}

namespace {

Tensor concat_rows(const std::vector<Tensor>& parts) {
  std::int64_t rows = 0;
  const Tensor* first = nullptr;
  for (const auto& p : parts) {
    if (p.numel() == 0) continue;
    rows += p.dim(0);
    if (!first) first = &p;
  }
  if (!first) return Tensor();
  std::vector<std::int64_t> shape = first->shape();
  shape[0] = rows;
  Tensor out = Tensor::empty(DType::kF32, shape);
  std::size_t off = 0;
  for (const auto& p : parts) {
    if (p.numel() == 0) continue;
    std::memcpy(static_cast<char*>(out.raw()) + off, p.raw(), p.nbytes());
    off += p.nbytes();
  }
  return out;
}

}  // namespace

int ProcessedPrompt::num_tiles() const {
  int n = 0;
  for (int t : tiles_per_media) n += t;
  return n;
}

Result<Processor> Processor::from_parts(tokenizer::Tokenizer tok, jinja::ChatTemplate tmpl,
                                        preprocess::ProcessorConfig cfg) {
  Processor p(std::move(tok), std::move(tmpl), std::move(cfg));
  for (const char* t : {kImagePlaceholder, kImageStart, kImageEnd}) {
    if (!p.tokenizer_.token_to_id(t)) {
      return invalid_argument("the tokenizer has no '", t, "' token; is this an InternVL checkpoint?");
    }
  }
  p.image_context_id_ = *p.tokenizer_.token_to_id(kImagePlaceholder);
  if (p.config_.image_seq_length <= 0) {
    return invalid_argument("image_seq_length must be positive, got ", p.config_.image_seq_length);
  }
  return p;
}

Result<Processor> Processor::from_model_dir(const std::string& dir) {
  INTERNVL_ASSIGN_OR_RETURN(auto tok, tokenizer::Tokenizer::from_dir(dir));
  INTERNVL_ASSIGN_OR_RETURN(auto tmpl, jinja::ChatTemplate::from_model_dir(dir));
  INTERNVL_ASSIGN_OR_RETURN(auto cfg, preprocess::load_processor_config(dir));
  return from_parts(std::move(tok), std::move(tmpl), std::move(cfg));
}

Result<std::string> Processor::apply_chat_template(const Json& messages, bool add_generation_prompt,
                                                   const Json& extra_variables) const {
  return template_.render(messages, add_generation_prompt, extra_variables);
}

std::string Processor::image_expansion(int n_tiles) const {
  std::string ctx;
  const std::size_t n = static_cast<std::size_t>(n_tiles) * static_cast<std::size_t>(config_.image_seq_length);
  ctx.reserve(n * std::strlen(kImagePlaceholder) + 16);
  ctx += kImageStart;
  for (std::size_t i = 0; i < n; ++i) ctx += kImagePlaceholder;
  ctx += kImageEnd;
  return ctx;
}

std::string Processor::video_expansion(int n_frames) const {
  std::string one = image_expansion(1);
  std::string out;
  for (int k = 1; k <= n_frames; ++k) {
    if (k > 1) out += '\n';
    out += "Frame" + std::to_string(k) + ": " + one;
  }
  return out;
}

Result<ProcessedPrompt> Processor::process(std::string_view text, std::span<const MediaInput> media) const {
  ProcessedPrompt out;
  out.text = std::string(text);
  std::vector<const MediaInput*> images, videos;
  for (const auto& m : media) (m.kind == MediaInput::Kind::kImage ? images : videos).push_back(&m);
  auto places = find_placeholders(text);
  std::size_t n_img = 0, n_vid = 0;
  for (const auto& [pos, is_video] : places) (is_video ? n_vid : n_img)++;
  if (n_img != images.size()) {
    return invalid_argument("the prompt has ", n_img, " image placeholder(s) (", kImagePlaceholder,
                            ") but ", images.size(), " image(s) were given");
  }
  if (n_vid != videos.size()) {
    return invalid_argument("the prompt has ", n_vid, " video placeholder(s) (", kVideoPlaceholder,
                            ") but ", videos.size(), " video(s) were given");
  }
  std::string expanded;
  std::vector<Tensor> pixels;
  std::size_t last = 0, i_img = 0, i_vid = 0;
  for (const auto& [pos, is_video] : places) {
    expanded.append(text.substr(last, pos - last));
    if (is_video) {
      const MediaInput& v = *videos[i_vid];
      if (v.frames.empty()) return invalid_argument("video ", i_vid, " has no frames");
      INTERNVL_ASSIGN_OR_RETURN(Tensor px, preprocess::preprocess_video_frames(v.frames, config_.video));
      out.tiles_per_media.push_back(static_cast<int>(px.dim(0)));
      expanded += video_expansion(static_cast<int>(px.dim(0)));
      pixels.push_back(std::move(px));
      last = pos + std::strlen(kVideoPlaceholder);
      ++i_vid;
    } else {
      const MediaInput& im = *images[i_img];
      auto tiles = preprocess::preprocess_image(im.image, config_.image, im.tiles);
      if (!tiles.ok()) return tiles.status().with_context(str_cat("image ", i_img));
      int n = static_cast<int>(tiles->pixel_values.dim(0));
      out.tiles_per_media.push_back(n);
      expanded += image_expansion(n);
      pixels.push_back(std::move(tiles->pixel_values));
      last = pos + std::strlen(kImagePlaceholder);
      ++i_img;
    }
  }
  expanded.append(text.substr(last));
  out.ids = tokenizer_.encode(expanded);
  out.pixel_values = concat_rows(pixels);
  return out;
}

Result<ProcessedBatch> Processor::process_batch(const std::vector<std::string>& texts,
                                                std::span<const MediaInput> media) const {
  ProcessedBatch batch;
  std::size_t next = 0;  // media are consumed across the batch in prompt order
  for (std::size_t r = 0; r < texts.size(); ++r) {
    auto places = find_placeholders(texts[r]);
    std::size_t want_img = 0, want_vid = 0;
    for (const auto& p : places) (p.second ? want_vid : want_img)++;
    // This row's media: the next images/videos of each kind, keeping their relative order.
    std::vector<MediaInput> row_media;
    std::size_t got_img = 0, got_vid = 0, j = next;
    while (j < media.size() && (got_img < want_img || got_vid < want_vid)) {
      bool is_video = media[j].kind == MediaInput::Kind::kVideo;
      if (is_video ? got_vid >= want_vid : got_img >= want_img) break;
      row_media.push_back(media[j]);
      (is_video ? got_vid : got_img)++;
      ++j;
    }
    next = j;
    auto row = process(texts[r], row_media);
    if (!row.ok()) return row.status().with_context(str_cat("prompt ", r));
    batch.rows.push_back(std::move(row).value());
  }
  if (next != media.size()) {
    return invalid_argument("the batch has ", media.size() - next, " more media item(s) than placeholders");
  }
  std::size_t max_len = 0;
  for (const auto& r : batch.rows) max_len = std::max(max_len, r.ids.size());
  const std::int32_t pad = tokenizer_.pad_id().value_or(0);
  std::vector<Tensor> pixels;
  for (const auto& r : batch.rows) {
    std::vector<std::int32_t> ids(max_len - r.ids.size(), pad), mask(max_len - r.ids.size(), 0);
    ids.insert(ids.end(), r.ids.begin(), r.ids.end());
    mask.insert(mask.end(), r.ids.size(), 1);
    batch.input_ids.push_back(std::move(ids));
    batch.attention_mask.push_back(std::move(mask));
    pixels.push_back(r.pixel_values);
  }
  batch.pixel_values = concat_rows(pixels);
  return batch;
}

}  // namespace internvl::processor
