// Shared helpers for the model-level golden tests.
#pragma once

#include <memory>
#include <string>

#include "core/tensor.h"
#include "model/internvl_model.h"

namespace internvl::test {

inline const char* const kFixtureModels[] = {"tiny-internvl3-qwen2", "tiny-internvl35-qwen3",
                                              "tiny-internvl3-hub-layout"};

/// Loads an assembled fixture model once per process (cached); fails the test if it cannot.
const model::InternVLModel& fixture_model(const std::string& name);

/// pixel_values from uint8 CHW tiles: (u8 / 255 - mean) / std with ImageNet mean/std.
Tensor normalize_u8_tiles(const Tensor& u8);

/// Where a model's goldens live: goldens/models/<name>; the hub-layout model shares the qwen2
/// vision goldens (same weights).
std::string golden_dir(const std::string& model);

}  // namespace internvl::test
