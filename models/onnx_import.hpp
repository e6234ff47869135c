// ONNX import: float networks exported by PyTorch (torch.onnx.export), quantized after training
// (calibration samples give the activation ranges) or, for QAT exports, with the scales and
// zero points of their QuantizeLinear/DequantizeLinear pairs. Guide: models/ONNX.md.
//
// The graph must be a chain: one data input, one output, every node reading the tensor the
// previous node produced (plus constants). Supported operators: Gemm, MatMul, Add (a constant
// bias after Gemm/MatMul/Conv), Conv, Relu, Sigmoid, Tanh, AveragePool, Flatten, Reshape (to
// [batch, features]), BatchNormalization (folded into the preceding Conv/Gemm), Identity,
// QuantizeLinear/DequantizeLinear, Constant. Anything else is refused with one line naming the
// file, the node and the operator.
//
//   ModelImportOptions o;
//   o.calibration = "calibration.csv";
//   const QuantizedModel m = import_onnx("tiny_mlp.onnx", o);   // also: load_any_model(path, o)
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ir.hpp"
#include "models/model_file.hpp"
#include "models/quantized_model.hpp"
#include "models/samples.hpp"

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

// Parses and fuses the graph. ModelFormatError with one line naming the file (and the node) for
// a damaged file, an unsupported operator or attribute, or a graph that is not a chain.
OnnxModel load_onnx(const std::filesystem::path& path);

// The float network on one sample (row-major, input_shape's element count): the reference the
// quantized model approximates; calibration runs it too.
std::vector<double> evaluate_float(const OnnxModel& model, const std::vector<double>& x);

// Post-training quantization: weights symmetric per output channel (per tensor for a last layer
// without output quantization, whose accumulator the client dequantizes), activations affine
// per tensor with ranges from `calibration` (min/max, or the options' percentile). Layers and
// the input that carry Q/DQ parameters keep them. InvalidArgument when a range is needed and
// `calibration` is empty.
QuantizedModel quantize_onnx(const OnnxModel& model, const std::vector<RealSample>& calibration,
                             const ModelImportOptions& options);

// load_onnx + quantize_onnx, with the calibration samples read from options.calibration
// (load_samples). Registered for ".onnx" with register_model_format.
QuantizedModel import_onnx(const std::filesystem::path& path, const ModelImportOptions& options);

}  // namespace lutfhe::models
