// The one table of Hugging Face tensor names (InternVLForConditionalGeneration, -hf checkpoints).
// Names are written in the current layout ("model." prefix); io layouts are mapped in weights.cpp.
#pragma once

#include <string>

namespace internvl::model::names {

// ---- vision tower (InternViT) ----
inline constexpr const char* kVision = "model.vision_tower.";
inline constexpr const char* kClsToken = "embeddings.cls_token";                            // [1, 1, D]
inline constexpr const char* kPosEmbed = "embeddings.position_embeddings";                  // [1, 1 + P, D]
inline constexpr const char* kPatchWeight = "embeddings.patch_embeddings.projection.weight"; // [D, C, ph, pw]
inline constexpr const char* kPatchBias = "embeddings.patch_embeddings.projection.bias";     // [D]
inline constexpr const char* kVisionFinalNormWeight = "layernorm.weight";  // only if !use_mean_pooling
inline constexpr const char* kVisionFinalNormBias = "layernorm.bias";
/// "encoder.layer.{i}." + leaf
inline std::string vision_layer(int i, const char* leaf) {
  return "encoder.layer." + std::to_string(i) + "." + leaf;
}
inline constexpr const char* kVQ = "attention.q_proj";            // .weight [D, D], .bias if attention_bias
inline constexpr const char* kVK = "attention.k_proj";
inline constexpr const char* kVV = "attention.v_proj";
inline constexpr const char* kVO = "attention.projection_layer";  // always biased
inline constexpr const char* kVQNorm = "attention.q_norm.weight";  // [D] if use_qk_norm
inline constexpr const char* kVKNorm = "attention.k_norm.weight";
inline constexpr const char* kVFc1 = "mlp.fc1";                   // [I, D] + bias
inline constexpr const char* kVFc2 = "mlp.fc2";                   // [D, I] + bias
inline constexpr const char* kVNorm1 = "layernorm_before";        // .weight (+ .bias for LayerNorm)
inline constexpr const char* kVNorm2 = "layernorm_after";
inline constexpr const char* kVLambda1 = "lambda_1";              // [D]
inline constexpr const char* kVLambda2 = "lambda_2";

// ---- projector (pixel-shuffled features -> text hidden size) ----
inline constexpr const char* kProjector = "model.multi_modal_projector.";
inline constexpr const char* kProjNorm = "layer_norm";  // [4D] weight + bias, eps 1e-5
inline constexpr const char* kProjFc1 = "linear_1";     // [H, 4D] + bias
inline constexpr const char* kProjFc2 = "linear_2";     // [H, H] + bias

// ---- language model (Qwen2 / Qwen3) ----
inline constexpr const char* kText = "model.language_model.";
inline constexpr const char* kEmbed = "embed_tokens.weight";  // [V, H]
inline constexpr const char* kFinalNorm = "norm.weight";      // [H]
inline constexpr const char* kLmHead = "lm_head";  // .weight [V, H], top level; absent when tied
/// "layers.{i}." + leaf
inline std::string text_layer(int i, const char* leaf) {
  return "layers." + std::to_string(i) + "." + leaf;
}
inline constexpr const char* kTQ = "self_attn.q_proj";  // [nh*hd, H] (+ bias: Qwen2)
inline constexpr const char* kTK = "self_attn.k_proj";  // [nkv*hd, H]
inline constexpr const char* kTV = "self_attn.v_proj";
inline constexpr const char* kTO = "self_attn.o_proj";  // [H, nh*hd]
inline constexpr const char* kTQNorm = "self_attn.q_norm.weight";  // [hd] Qwen3
inline constexpr const char* kTKNorm = "self_attn.k_norm.weight";
inline constexpr const char* kTGate = "mlp.gate_proj";  // [F, H]
inline constexpr const char* kTUp = "mlp.up_proj";      // [F, H]
inline constexpr const char* kTDown = "mlp.down_proj";  // [H, F]
inline constexpr const char* kTNorm1 = "input_layernorm.weight";
inline constexpr const char* kTNorm2 = "post_attention_layernorm.weight";

// ---- our quantized directories (quantized_save.h): a quantized "<name>.weight" is stored as
// U8 [n_out, row_bytes] (Q8_0: n_in bytes per row, Q4_0: n_in / 2) next to its f16 block scales.
inline constexpr const char* kQuantScalesSuffix = "_scales";  // "<name>.weight_scales" [n_out, n_in / 32]

// ---- the 4.5x layout: prefixes as save_pretrained wrote them before the "model." move ----
inline constexpr const char* kOldVision = "vision_tower.";
inline constexpr const char* kOldProjector = "multi_modal_projector.";
inline constexpr const char* kOldText = "language_model.model.";
inline constexpr const char* kOldLmHead = "language_model.lm_head";

// Prefixes that identify the original OpenGVLab (trust_remote_code) layout, which we refuse.
inline constexpr const char* kOriginalVision = "vision_model.";
inline constexpr const char* kOriginalProjector = "mlp1.";

}  // namespace internvl::model::names
