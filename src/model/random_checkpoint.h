// Random checkpoints of any InternVL config: a complete model directory (config.json, weights,
// tokenizer, processor config) with every tensor the loader binds, for speed and memory work on
// real-size shapes without downloading weights. Values: normal * 0.02 for matrices, embeddings
// and biases, ones for norm weights, zeros for norm biases, 0.1 for layer-scale lambdas.
//
// It lives in model/ (not io/) because it needs the tensor-name table (weight_names.h); the
// safetensors writing itself is io::write_safetensors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "internvl/status.h"
#include "io/model_config.h"

namespace internvl::model {

/// How a tensor is initialized.
enum class TensorInit : std::uint8_t { kNormal, kOnes, kZeros, kLayerScale };

/// One tensor of a checkpoint, in the current ("model."-prefixed) layout.
struct CheckpointTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  TensorInit init = TensorInit::kNormal;
};

/// Every tensor load_weights binds for `config`, in a stable order (vision, projector, text).
std::vector<CheckpointTensor> checkpoint_tensors(const io::ModelConfig& config);

struct RandomCheckpointOptions {
  std::string dtype = "bf16";        // "bf16" | "f16" | "f32"
  std::uint64_t seed = 0;
  std::uint64_t max_shard_bytes = 0;  // 0: one model.safetensors
  /// Holds tokenizer.json, tokenizer_config.json, chat_template.jinja; empty: the repository's
  /// tests/fixtures/tokenizer (compiled-in path).
  std::string tokenizer_dir;
};

/// Writes a random checkpoint for the config file `config_path` into `out_dir` (created when
/// missing). Checks the free disk space first and refuses, naming the needed and available
/// bytes. Values depend only on (config, dtype, seed). Wrapped by `internvl make-random-checkpoint`.
Status make_random_checkpoint(const std::string& config_path, const std::string& out_dir,
                              const RandomCheckpointOptions& options = {});

}  // namespace internvl::model
