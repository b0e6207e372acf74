#include "cli/processor_only.h"

#include "core/file.h"
#include "core/str.h"

namespace internvl::cli {

Result<std::unique_ptr<Engine::Impl>> load_processor_only(const std::string& model_dir) {
  if (model_dir.empty()) return invalid_argument("no model directory: give -m DIR (or set INTERNVL_MODEL)");
  if (!is_directory(model_dir)) return not_found("model directory '", model_dir, "' does not exist or is not a directory");
  auto proc = processor::Processor::from_model_dir(model_dir);
  if (!proc.ok()) return proc.status().with_context(str_cat("loading the processor of '", model_dir, "'"));
  auto impl = std::make_unique<Engine::Impl>();
  impl->options.model_dir = model_dir;
  impl->processor = std::make_unique<processor::Processor>(std::move(proc).value());
  return impl;
}

}  // namespace internvl::cli
