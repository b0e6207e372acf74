// `preprocess` and `tokenize` need the chat template, tokenizer and processor settings of a
// model directory but not its weights: they run the engine's prompt path (render, expand,
// tokenize, preprocess) on an Engine::Impl that holds only a processor.
#pragma once

#include <memory>
#include <string>

#include "internvl/status.h"
#include "runtime/engine_impl.h"

namespace internvl::cli {

/// Loads tokenizer, chat template and processor config of `model_dir` (no weights). Only the
/// Impl's render() and process() may be called on the result.
Result<std::unique_ptr<Engine::Impl>> load_processor_only(const std::string& model_dir);

}  // namespace internvl::cli
