// The float network an ONNX graph becomes after fusing (load_onnx, models/onnx_import.hpp):
// its layers, and its evaluation in doubles, the reference the quantized model approximates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ir.hpp"
#include "models/quantized_model.hpp"

namespace lutfhe::models {

// Weights already quantized by the exporter (a DequantizeLinear on an initializer): integers
// laid out like OnnxLayer::weights, scales per tensor or per output channel.
struct OnnxWeightQuant {
  std::vector<std::int64_t> values;
  std::vector<double> scales;
  unsigned bits = 8;
};

// One layer of the imported float network, after fusing: a Gemm/MatMul(+Add) or Conv with its
// BatchNormalization folded in and the activation that follows it.
struct OnnxLayer {
  enum class Kind { kDense, kConv, kAvgPool, kFlatten, kActivation };
  Kind kind = Kind::kDense;
  std::string name;              // the ONNX node's name (or "#<index>" when it has none)
  compiler::Shape output_shape;  // without the batch dimension
  std::size_t channels = 0;      // dense units or conv filters
  std::vector<double> weights;   // dense [units][inputs]; conv [filters][channels][kh][kw]
  std::vector<double> bias;      // [channels]
  compiler::Conv2dAttributes conv;
  compiler::PoolAttributes pool;
  Activation activation = Activation::kIdentity;
  // From a QuantizeLinear/DequantizeLinear pair after the layer (QAT exports).
  std::optional<QuantParams> output_quant;
  std::optional<OnnxWeightQuant> weight_quant;
  bool closed = false;  // a Q/DQ pair follows: no activation or bias fuses in any more
};

struct OnnxModel {
  std::string name;                        // graph name, or the file's stem
  std::string origin;                      // the file, for messages
  compiler::Shape input_shape;             // without the batch dimension
  std::optional<QuantParams> input_quant;  // from a Q/DQ pair on the graph input
  std::vector<OnnxLayer> layers;
};

// The float network on one sample (row-major, input_shape's element count): the reference the
// quantized model approximates; calibration runs it too.
std::vector<double> evaluate_float(const OnnxModel& model, const std::vector<double>& x);

// The same, appending every layer's output (in layer order) to `layer_outputs`: calibration
// reads the ranges there.
std::vector<double> evaluate_float(const OnnxModel& model, const std::vector<double>& x,
                                   std::vector<std::vector<double>>& layer_outputs);

}  // namespace lutfhe::models
