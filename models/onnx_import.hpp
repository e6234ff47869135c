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
//
// The parts: models/float_network.hpp (the fused float network, evaluate_float),
// models/post_training_quantization.hpp (quantize_onnx), models/internal/onnx_graph.hpp (reading
// the graph: onnx_graph.cpp, onnx_constants.cpp, onnx_operators.cpp).
#pragma once

#include <filesystem>
#include <vector>

#include "models/float_network.hpp"               // OnnxModel, evaluate_float
#include "models/model_file.hpp"                  // ModelImportOptions
#include "models/post_training_quantization.hpp"  // quantize_onnx
#include "models/quantized_model.hpp"
#include "models/samples.hpp"

namespace lutfhe::models {

// Parses and fuses the graph. ModelFormatError with one line naming the file (and the node) for
// a damaged file, an unsupported operator or attribute, or a graph that is not a chain.
OnnxModel load_onnx(const std::filesystem::path& path);

// load_onnx + quantize_onnx, with the calibration samples read from options.calibration
// (load_samples). Registered for ".onnx" with register_model_format.
QuantizedModel import_onnx(const std::filesystem::path& path, const ModelImportOptions& options);

}  // namespace lutfhe::models
