// Lowering a quantized model to the compiler's circuit IR. Each dense or conv layer becomes one
// linear node (the zero-point correction folded into the bias, or a clear subtraction before a
// padded convolution) and, when it has an output quantization, one lookup per channel group
// applying activation and requantization; pooling is a sum (the average's 1/(kh·kw) goes into
// the scale); flatten is free. The last tensor is the circuit's output, dequantized on the
// client.
#pragma once

#include <string>
#include <vector>

#include "compiler/client_spec.hpp"
#include "compiler/ir.hpp"
#include "models/quantized_model.hpp"

namespace lutfhe::models {

struct LoweredModel {
  compiler::Circuit circuit;
  compiler::Quantization input_quantization;
  compiler::Quantization output_quantization;
  std::string description;
};

// Validates the model, then lowers it. Throws InvalidArgument when the last layer has no
// output quantization and per-channel weight scales (the client dequantizes per tensor).
LoweredModel lower_model(const QuantizedModel& model);

// The model's real input quantized as the client does (row-major values).
compiler::Sample quantize_input(const QuantizedModel& model, const std::vector<double>& x);

}  // namespace lutfhe::models
