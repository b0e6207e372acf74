#include "case_inputs.h"

#include "media/image_decode.h"
#include "media/video.h"
#include "preprocess/video_sampling.h"
#include "support/fixtures.h"

namespace internvl::test {

namespace {

Json text(const std::string& t) { return Json{{"type", "text"}, {"text", t}}; }
Json part(const char* type) { return Json{{"type", type}}; }
Json user(Json content) { return Json::array({Json{{"role", "user"}, {"content", std::move(content)}}}); }

Result<processor::MediaInput> image(const std::string& file) {
  processor::MediaInput m;
  INTERNVL_ASSIGN_OR_RETURN(m.image, media::load_image_file(fixture_path("images/" + file)));
  return m;
}

// The clip with num_frames=8 sampling, as the reference video cases ran it.
Result<processor::MediaInput> clip(const processor::Processor& p) {
  const std::string path = fixture_path("video/clip_37f_10fps_ffv1.mkv");
  INTERNVL_ASSIGN_OR_RETURN(media::VideoInfo info, media::probe_video(path));
  preprocess::FrameSampling s;
  s.do_sample_frames = true;
  s.num_frames = 8;
  INTERNVL_ASSIGN_OR_RETURN(auto idx, preprocess::video_frame_indices(info.num_frames, info.fps, p.config().video, s));
  processor::MediaInput m;
  m.kind = processor::MediaInput::Kind::kVideo;
  INTERNVL_ASSIGN_OR_RETURN(m.frames, media::decode_video_frames(path, idx));
  return m;
}

}  // namespace

Result<CaseConversation> case_conversation(const std::string& name, const processor::Processor& p) {
  CaseConversation c;
  auto add_image = [&](const char* file) -> Status {
    INTERNVL_ASSIGN_OR_RETURN(auto m, image(file));
    c.media.push_back(std::move(m));
    return Status();
  };
  if (name == "text_only") {
    c.messages.push_back(user(Json::array({text("Write a haiku")})));
  } else if (name == "one_image") {
    c.messages.push_back(user(Json::array({part("image"), text("Describe this image.")})));
    INTERNVL_RETURN_IF_ERROR(add_image("small_600x300.png"));
  } else if (name == "one_image_tiled") {
    c.messages.push_back(user(Json::array({part("image"), text("Please describe the image explicitly.")})));
    INTERNVL_RETURN_IF_ERROR(add_image("landscape_800x600.jpg"));
  } else if (name == "two_images") {
    c.messages.push_back(user(Json::array({part("image"), part("image"),
        text("These images depict two different landmarks. Can you identify them?")})));
    INTERNVL_RETURN_IF_ERROR(add_image("square_448.png"));
    INTERNVL_RETURN_IF_ERROR(add_image("tiny_64x48.png"));
  } else if (name == "video") {
    c.messages.push_back(user(Json::array({part("video"), text("What type of shot is the man performing?")})));
    INTERNVL_ASSIGN_OR_RETURN(auto v, clip(p));
    c.media.push_back(std::move(v));
  } else if (name == "interleaved_image_video") {
    c.messages.push_back(user(Json::array({part("image"), text("First a picture, "), part("video"),
                                           text("then a clip. Compare them.")})));
    INTERNVL_RETURN_IF_ERROR(add_image("square_448.png"));
    INTERNVL_ASSIGN_OR_RETURN(auto v, clip(p));
    c.media.push_back(std::move(v));
  } else if (name == "batch_text_and_image") {
    c.messages.push_back(user(Json::array({text("Write a haiku")})));
    c.messages.push_back(user(Json::array({part("image"), text("Describe this image.")})));
    INTERNVL_RETURN_IF_ERROR(add_image("small_600x300.png"));
  } else {
    return not_found("unknown golden case '", name, "'");
  }
  return c;
}

Result<processor::ProcessedBatch> process_case(const std::string& name, const processor::Processor& p,
                                               std::vector<std::string>* texts_out) {
  INTERNVL_ASSIGN_OR_RETURN(CaseConversation c, case_conversation(name, p));
  std::vector<std::string> texts;
  for (const auto& msgs : c.messages) {
    INTERNVL_ASSIGN_OR_RETURN(std::string t, p.apply_chat_template(msgs, true));
    texts.push_back(std::move(t));
  }
  if (texts_out) *texts_out = texts;
  return p.process_batch(texts, c.media);
}

}  // namespace internvl::test
