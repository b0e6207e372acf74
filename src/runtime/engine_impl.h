// Engine internals shared by engine.cpp, chat_session.cpp and the program/server edges.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "internvl/engine.h"
#include "core/timer.h"
#include "io/model_config.h"
#include "model/internvl_model.h"
#include "processor/processor.h"
#include "runtime/generate_types.h"

namespace internvl {

struct Engine::Impl {
  EngineOptions options;
  std::unique_ptr<model::InternVLModel> model;
  std::unique_ptr<processor::Processor> processor;
  io::GenerationConfig generation;

  /// Messages -> template JSON (media parts become {"type": "image"} / {"type": "video"}) and the
  /// media in prompt order.
  Result<std::string> render(const std::vector<Message>& conversation, bool add_generation_prompt,
                             const std::string& kwargs_json, std::vector<processor::MediaInput>* media) const;
  /// Template + processor for one conversation.
  Result<processor::ProcessedPrompt> process(const std::vector<Message>& conversation,
                                             const GenerationOptions& options) const;
  /// Generates for a prepared prompt: streaming text, stop strings, timings into *result.
  Status run(runtime::PromptInput in, const runtime::GenerateParams& params, const GenerationOptions& options,
             const TokenCallback& on_token, const Timer& clock, GenerationResult* result) const;
  /// GenerationOptions + the checkpoint's generation config -> runtime parameters.
  Result<runtime::GenerateParams> generate_params(const GenerationOptions& options) const;
};

namespace runtime {

/// Turns streamed tokens into text, holding back anything that could still become a stop
/// string and cutting the text before a stop string once it appears.
class TextStream {
 public:
  TextStream(const tokenizer::Tokenizer& tok, std::vector<std::string> stop);
  /// Adds a token; returns the text that is now safe to emit. Sets *stopped when a stop string
  /// completed (the returned text then ends right before it).
  std::string push(std::int32_t id, bool* stopped);
  /// The held-back rest at the end of generation.
  std::string flush();
  /// All text emitted so far.
  const std::string& text() const { return emitted_; }

 private:
  tokenizer::StreamDecoder decoder_;
  std::vector<std::string> stop_;
  std::string held_;     // decoded but not yet emitted
  std::string emitted_;
  bool stopped_ = false;
};

}  // namespace runtime
}  // namespace internvl
