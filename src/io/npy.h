// NumPy .npy / .npz reading and .npy writing (goldens, `preprocess --dump`).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"
#include "internvl/status.h"

namespace internvl::io {

/// Parses one .npy payload (versions 1-3; little-endian f4/f8/f2/u1/i4/i8/b1, C order).
/// f8 is converted to f32 and b1 to u8. `what` names the source in errors.
Result<Tensor> parse_npy(std::string_view bytes, std::string_view what);

/// Serializes a tensor (f32, u8, i32, i64, f16) as .npy version 1.0.
Result<std::string> encode_npy(const Tensor& t);

/// Writes a tensor to a .npy file.
Status save_npy(const std::string& path, const Tensor& t);

/// Reads every array of a .npz archive (stored or deflated); keys drop the ".npy" suffix.
Result<std::map<std::string, Tensor>> load_npz(const std::string& path);

}  // namespace internvl::io
