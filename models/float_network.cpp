// Evaluation of the imported float network in doubles (evaluate_float): the reference the
// quantized model approximates, and the source of the calibration ranges.
#include "models/float_network.hpp"

#include <string>

#include "core/errors.hpp"

namespace lutfhe::models {
namespace {

using compiler::Shape;

std::vector<double> dense_float(const OnnxLayer& l, const std::vector<double>& x) {
  const std::size_t inputs = x.size();
  std::vector<double> y(l.channels);
  for (std::size_t o = 0; o < l.channels; ++o) {
    double acc = l.bias[o];
    for (std::size_t i = 0; i < inputs; ++i) acc += l.weights[o * inputs + i] * x[i];
    y[o] = acc;
  }
  return y;
}

std::vector<double> conv_float(const OnnxLayer& l, const Shape& in, const std::vector<double>& x) {
  const auto& a = l.conv;
  const std::size_t c_in = in[0], h = in[1], w = in[2];
  const std::size_t oh = l.output_shape[1], ow = l.output_shape[2];
  std::vector<double> y(l.channels * oh * ow);
  for (std::size_t f = 0; f < l.channels; ++f) {
    for (std::size_t r = 0; r < oh; ++r) {
      for (std::size_t s = 0; s < ow; ++s) {
        double acc = l.bias[f];
        for (std::size_t c = 0; c < c_in; ++c) {
          for (std::size_t i = 0; i < a.kernel_h; ++i) {
            const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(r * a.stride_h + i) -
                                       static_cast<std::ptrdiff_t>(a.pad_h);
            if (row < 0 || row >= static_cast<std::ptrdiff_t>(h)) continue;
            for (std::size_t j = 0; j < a.kernel_w; ++j) {
              const std::ptrdiff_t col = static_cast<std::ptrdiff_t>(s * a.stride_w + j) -
                                         static_cast<std::ptrdiff_t>(a.pad_w);
              if (col < 0 || col >= static_cast<std::ptrdiff_t>(w)) continue;
              acc += l.weights[((f * c_in + c) * a.kernel_h + i) * a.kernel_w + j] *
                     x[(c * h + static_cast<std::size_t>(row)) * w + static_cast<std::size_t>(col)];
            }
          }
        }
        y[(f * oh + r) * ow + s] = acc;
      }
    }
  }
  return y;
}

std::vector<double> pool_float(const OnnxLayer& l, const Shape& in, const std::vector<double>& x) {
  const auto& a = l.pool;
  const std::size_t h = in[1], w = in[2];
  const std::size_t oh = l.output_shape[1], ow = l.output_shape[2];
  std::vector<double> y(in[0] * oh * ow);
  const double k = static_cast<double>(a.kernel_h * a.kernel_w);
  for (std::size_t c = 0; c < in[0]; ++c) {
    for (std::size_t r = 0; r < oh; ++r) {
      for (std::size_t s = 0; s < ow; ++s) {
        double sum = 0.0;
        for (std::size_t i = 0; i < a.kernel_h; ++i) {
          for (std::size_t j = 0; j < a.kernel_w; ++j) {
            sum += x[(c * h + r * a.stride_h + i) * w + s * a.stride_w + j];
          }
        }
        y[(c * oh + r) * ow + s] = sum / k;
      }
    }
  }
  return y;
}

// Runs the float network; `record` (when given) receives every layer's output.
std::vector<double> run_float(const OnnxModel& model, std::vector<double> x,
                              std::vector<std::vector<double>>* record) {
  if (x.size() != compiler::element_count(model.input_shape)) {
    throw InvalidArgument(model.origin + ": a sample has " + std::to_string(x.size()) +
                          " values, the model's input " + compiler::to_string(model.input_shape) +
                          " has " + std::to_string(compiler::element_count(model.input_shape)));
  }
  Shape shape = model.input_shape;
  for (const OnnxLayer& l : model.layers) {
    switch (l.kind) {
      case OnnxLayer::Kind::kDense:
        x = dense_float(l, x);
        break;
      case OnnxLayer::Kind::kConv:
        x = conv_float(l, shape, x);
        break;
      case OnnxLayer::Kind::kAvgPool:
        x = pool_float(l, shape, x);
        break;
      case OnnxLayer::Kind::kFlatten:
      case OnnxLayer::Kind::kActivation:
        break;
    }
    for (double& v : x) v = apply_activation(l.activation, v);
    shape = l.output_shape;
    if (record) record->push_back(x);
  }
  return x;
}

}  // namespace

std::vector<double> evaluate_float(const OnnxModel& model, const std::vector<double>& x) {
  return run_float(model, x, nullptr);
}

std::vector<double> evaluate_float(const OnnxModel& model, const std::vector<double>& x,
                                   std::vector<std::vector<double>>& layer_outputs) {
  return run_float(model, x, &layer_outputs);
}

}  // namespace lutfhe::models
