// The project's quantized network: integer weights and biases, scales and zero points, bit
// widths and activations, as stored in the model file (MODEL_FORMAT.md). Everything a lowering
// needs and nothing else: how the integers were obtained (training, post-training
// quantization, ONNX import) is the business of other files in models/.
//
// Quantization (affine, per tensor; weights symmetric, per tensor or per output channel):
//   real = scale · (q − zero_point),   q in [0, 2^bits) (unsigned) or [−2^(bits−1), 2^(bits−1))
// A dense or conv layer computes the integer accumulator
//   acc[o] = Σ_i w[o][i]·(x[i] − zero_point_x) + bias[o]      (real value: s_x·s_w[o]·acc[o])
// and, when it has an output quantization, applies its activation and requantizes:
//   y[o] = clamp(round(act(s_x·s_w[o]·acc[o]) / s_y) + zero_point_y, range of y)
// (round half away from zero). Without one (the last layer), the accumulator is the output and
// the client dequantizes it with s_x·s_w.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "compiler/ir.hpp"

namespace lutfhe::models {

enum class Activation { kIdentity, kRelu, kSigmoid, kTanh };
std::string activation_name(Activation a);
// "relu" → kRelu; InvalidArgument listing the known names otherwise.
Activation parse_activation(const std::string& name);
double apply_activation(Activation a, double x);

struct QuantParams {
  double scale = 1.0;
  std::int64_t zero_point = 0;
  unsigned bits = 8;
  bool is_signed = false;
  std::int64_t min() const;
  std::int64_t max() const;
  // clamp(round(x / scale) + zero_point)
  std::int64_t quantize(double x) const;
  double dequantize(std::int64_t q) const {
    return scale * (static_cast<double>(q) - static_cast<double>(zero_point));
  }
};

struct DenseLayer {
  std::size_t units = 0;
  std::vector<std::int64_t> weights;  // [units][inputs], row-major
  std::vector<std::int64_t> bias;     // [units], accumulator units
  std::vector<double> weight_scales;  // 1 (per tensor) or units (per channel)
  unsigned weight_bits = 8;
  Activation activation = Activation::kIdentity;
  std::optional<QuantParams> output;
};

struct Conv2dLayer {
  std::size_t filters = 0;
  compiler::Conv2dAttributes attributes;
  std::vector<std::int64_t> weights;  // [filters][channels][kh][kw]
  std::vector<std::int64_t> bias;     // [filters]
  std::vector<double> weight_scales;  // 1 or filters
  unsigned weight_bits = 8;
  Activation activation = Activation::kIdentity;
  std::optional<QuantParams> output;
};

struct PoolLayer {
  bool average = true;  // average (the 1/(kh·kw) is folded into the scale) or sum
  compiler::PoolAttributes attributes;
};

struct FlattenLayer {};

struct ActivationLayer {
  Activation activation = Activation::kRelu;
  QuantParams output;
};

struct Layer {
  std::string name;
  std::variant<DenseLayer, Conv2dLayer, PoolLayer, FlattenLayer, ActivationLayer> op;
};
std::string layer_type(const Layer& layer);  // "dense", "conv2d", "avg_pool2d", ...

struct QuantizedModel {
  std::string name;
  std::string description;
  compiler::Shape input_shape;  // [features] or [channels, height, width]
  QuantParams input;
  std::vector<Layer> layers;
};

// Checks shapes, weight counts and ranges, scales and bit widths through the whole network;
// throws InvalidArgument naming the layer ("layers[2] 'fc2': 12 weights, expected 3x4").
void validate(const QuantizedModel& model);

}  // namespace lutfhe::models
