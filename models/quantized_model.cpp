#include "models/quantized_model.hpp"

#include <algorithm>
#include <cmath>

#include "compiler/client_spec.hpp"
#include "core/errors.hpp"

namespace lutfhe::models {
namespace {

void check_scale(double s, const std::string& where) {
  if (!std::isfinite(s) || s <= 0.0) {
    throw InvalidArgument(where + "scale must be finite and positive, got " + std::to_string(s));
  }
}

void check_quant(const QuantParams& q, const std::string& where) {
  check_scale(q.scale, where);
  if (q.bits < 1 || q.bits > 16) {
    throw InvalidArgument(where + "bits must be 1..16, got " + std::to_string(q.bits));
  }
  if (q.zero_point < q.min() || q.zero_point > q.max()) {
    throw InvalidArgument(where + "zero point " + std::to_string(q.zero_point) + " is outside [" +
                          std::to_string(q.min()) + ", " + std::to_string(q.max()) + "]");
  }
}

void check_weights(const std::vector<std::int64_t>& w, std::size_t expected, unsigned bits,
                   const std::vector<double>& scales, std::size_t channels,
                   const std::vector<std::int64_t>& bias, const std::string& where) {
  if (w.size() != expected) {
    throw InvalidArgument(where + std::to_string(w.size()) + " weights, expected " +
                          std::to_string(expected));
  }
  if (bits < 1 || bits > 16) {
    throw InvalidArgument(where + "weight bits must be 1..16, got " + std::to_string(bits));
  }
  const std::int64_t limit = std::int64_t{1} << (bits - 1);
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i] < -limit || w[i] >= limit) {
      throw InvalidArgument(where + "weight " + std::to_string(i) + " = " + std::to_string(w[i]) +
                            " does not fit " + std::to_string(bits) + " signed bits");
    }
  }
  if (scales.size() != 1 && scales.size() != channels) {
    throw InvalidArgument(where + std::to_string(scales.size()) + " weight scales, expected 1 or " +
                          std::to_string(channels));
  }
  for (double s : scales) check_scale(s, where + "weight ");
  if (bias.size() != channels) {
    throw InvalidArgument(where + std::to_string(bias.size()) + " biases, expected " +
                          std::to_string(channels));
  }
  for (std::int64_t b : bias) {
    if (b <= -(std::int64_t{1} << 40) || b >= (std::int64_t{1} << 40)) {
      throw InvalidArgument(where + "bias " + std::to_string(b) + " exceeds ±2^40");
    }
  }
}

}  // namespace

std::string activation_name(Activation a) {
  switch (a) {
    case Activation::kIdentity:
      return "identity";
    case Activation::kRelu:
      return "relu";
    case Activation::kSigmoid:
      return "sigmoid";
    case Activation::kTanh:
      return "tanh";
  }
  return "unknown";
}

Activation parse_activation(const std::string& name) {
  for (Activation a :
       {Activation::kIdentity, Activation::kRelu, Activation::kSigmoid, Activation::kTanh}) {
    if (activation_name(a) == name) return a;
  }
  throw InvalidArgument("unknown activation '" + name + "' (known: identity, relu, sigmoid, tanh)");
}

double apply_activation(Activation a, double x) {
  switch (a) {
    case Activation::kIdentity:
      return x;
    case Activation::kRelu:
      return x > 0.0 ? x : 0.0;
    case Activation::kSigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case Activation::kTanh:
      return std::tanh(x);
  }
  return x;
}

std::int64_t QuantParams::min() const {
  return is_signed ? -(std::int64_t{1} << (bits - 1)) : 0;
}

std::int64_t QuantParams::max() const {
  return is_signed ? (std::int64_t{1} << (bits - 1)) - 1 : (std::int64_t{1} << bits) - 1;
}

std::int64_t QuantParams::quantize(double x) const {
  // The client's rule, so that every evaluator quantizes as the client does.
  return compiler::quantize_value(x, {scale, zero_point}, {min(), max()});
}

std::string layer_type(const Layer& layer) {
  struct Visitor {
    std::string operator()(const DenseLayer&) const { return "dense"; }
    std::string operator()(const Conv2dLayer&) const { return "conv2d"; }
    std::string operator()(const PoolLayer& p) const {
      return p.average ? "avg_pool2d" : "sum_pool2d";
    }
    std::string operator()(const FlattenLayer&) const { return "flatten"; }
    std::string operator()(const ActivationLayer&) const { return "activation"; }
  };
  return std::visit(Visitor{}, layer.op);
}

void validate(const QuantizedModel& model) {
  compiler::Shape shape = model.input_shape;
  if (shape.size() != 1 && shape.size() != 3) {
    throw InvalidArgument(
        "model input shape must be [features] or [channels, height, width], "
        "got " +
        compiler::to_string(shape));
  }
  for (std::size_t d : shape) {
    if (d == 0) throw InvalidArgument("model input shape has a zero dimension");
  }
  check_quant(model.input, "input: ");
  if (model.layers.empty()) throw InvalidArgument("the model has no layers");
  bool raw = false;  // the current tensor is an accumulator without output quantization
  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    const Layer& layer = model.layers[i];
    const std::string where =
        "layers[" + std::to_string(i) + "] '" + layer.name + "' (" + layer_type(layer) + "): ";
    const bool is_activation = std::holds_alternative<ActivationLayer>(layer.op);
    const bool is_flatten = std::holds_alternative<FlattenLayer>(layer.op);
    if (raw && !is_activation && !is_flatten) {
      throw InvalidArgument(where +
                            "follows a layer without output quantization; only an "
                            "activation layer (or nothing) may follow such a layer");
    }
    if (const auto* d = std::get_if<DenseLayer>(&layer.op)) {
      if (d->units == 0) throw InvalidArgument(where + "units must be at least 1");
      const std::size_t in = compiler::element_count(shape);
      check_weights(d->weights, d->units * in, d->weight_bits, d->weight_scales, d->units, d->bias,
                    where);
      if (d->output) check_quant(*d->output, where + "output ");
      raw = !d->output;
      if (raw && d->activation != Activation::kIdentity) {
        throw InvalidArgument(where + "an activation needs an output quantization");
      }
      shape = {d->units};
    } else if (const auto* c = std::get_if<Conv2dLayer>(&layer.op)) {
      if (shape.size() != 3) throw InvalidArgument(where + "needs a [C, H, W] input");
      if (c->filters == 0) throw InvalidArgument(where + "filters must be at least 1");
      const compiler::Shape out = compiler::conv2d_output_shape(shape, c->filters, c->attributes);
      check_weights(c->weights,
                    c->filters * shape[0] * c->attributes.kernel_h * c->attributes.kernel_w,
                    c->weight_bits, c->weight_scales, c->filters, c->bias, where);
      if (c->output) check_quant(*c->output, where + "output ");
      raw = !c->output;
      if (raw && c->activation != Activation::kIdentity) {
        throw InvalidArgument(where + "an activation needs an output quantization");
      }
      shape = out;
    } else if (const auto* p = std::get_if<PoolLayer>(&layer.op)) {
      if (shape.size() != 3) throw InvalidArgument(where + "needs a [C, H, W] input");
      shape = compiler::pool_output_shape(shape, p->attributes);
    } else if (is_flatten) {
      shape = {compiler::element_count(shape)};
    } else if (const auto* a = std::get_if<ActivationLayer>(&layer.op)) {
      check_quant(a->output, where + "output ");
      raw = false;
    }
  }
}

}  // namespace lutfhe::models
