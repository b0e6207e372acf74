#include "model/quantized_save.h"

#include <map>

#include "core/str.h"
#include "io/quantized_dir.h"
#include "model/weight_names.h"

namespace internvl::model {

Status save_quantized(const InternVLModel& m, const std::string& src_dir, const std::string& out_dir) {
  const ModelWeights& w = m.weights();
  if (w.quantized.empty()) {
    return invalid_argument("[save_quantized] the model has no quantized weights (load it with quant q8 or q4)");
  }
  std::map<std::string, const QuantizedTensor*> by_name;
  for (const auto& q : w.quantized) by_name[q.stored_name] = &q;
  std::vector<io::TensorWriteSpec> specs;
  for (const std::string& name : w.archive.names()) {
    if (ends_with(name, names::kQuantScalesSuffix) &&
        by_name.count(name.substr(0, name.size() - std::string(names::kQuantScalesSuffix).size()))) {
      continue;  // written with its matrix below
    }
    auto it = by_name.find(name);
    if (it != by_name.end()) {
      const kernels::WeightMatrix& q = it->second->w;
      io::TensorWriteSpec quants{name, "U8", {q.rows, q.row_bytes()}, q.data, {}};
      io::TensorWriteSpec scales{name + names::kQuantScalesSuffix, "F16",
                                 {q.rows, q.cols / kernels::kQuantBlock}, q.scales, {}};
      specs.push_back(std::move(quants));
      specs.push_back(std::move(scales));
      continue;
    }
    const io::TensorEntry* e = w.archive.find(name);
    specs.push_back(io::TensorWriteSpec{name, e->dtype_name, e->shape, e->data, {}});
  }
  const QuantType qt = m.quant();
  Json qc = {{"quant_method", "internvl.cpp"},
             {"weight_format", qt == QuantType::kQ4 ? "q4_0" : "q8_0"},
             {"block_size", kernels::kQuantBlock},
             {"group_blocks", kernels::kQuantGroup},
             {"layout", "interleaved-v1"}};
  return io::write_derived_model_dir(src_dir, out_dir, specs, qc).with_context("[save_quantized]");
}

}  // namespace internvl::model
