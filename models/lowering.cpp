#include "models/lowering.hpp"

#include <algorithm>

#include "core/errors.hpp"

namespace lutfhe::models {
namespace {

using compiler::LookupFunction;
using compiler::NodeId;

struct State {
  NodeId node;
  compiler::Shape shape;
  std::vector<double> scales;  // one, or one per channel (shape[0])
  std::int64_t zero_point;
};

bool uniform(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [&](double x) { return x == v.front(); });
}

// acc ↦ quantize(act(scale·(acc − zero_point))) for each channel's scale. One function per
// channel even when the scales agree (`channels` copies): the compiler can then offset and round
// each channel by its own range, which the channels' biases shift apart.
std::vector<LookupFunction> requantize(const std::vector<double>& scales, std::int64_t zero_point,
                                       Activation act, const QuantParams& out,
                                       const std::string& what, std::size_t channels = 1) {
  std::vector<double> distinct = scales;
  if (uniform(distinct)) distinct.assign(channels, scales.front());
  std::vector<LookupFunction> fs;
  for (double s : distinct) {
    fs.push_back(LookupFunction::function(
        [s, zero_point, act, out](std::int64_t v) {
          return out.quantize(apply_activation(act, s * static_cast<double>(v - zero_point)));
        },
        what + ": " + activation_name(act) + " then requantize to " + std::to_string(out.bits) +
            " bits"));
  }
  return fs;
}

// Accumulator scales s_x·s_w[o].
std::vector<double> accumulator_scales(double input_scale,
                                       const std::vector<double>& weight_scales) {
  std::vector<double> out;
  for (double s : weight_scales) out.push_back(input_scale * s);
  return out;
}

}  // namespace

LoweredModel lower_model(const QuantizedModel& model) {
  validate(model);
  LoweredModel out;
  compiler::Circuit& c = out.circuit;
  State st{c.input(model.input_shape, {model.input.min(), model.input.max()}, "input"),
           model.input_shape,
           {model.input.scale},
           model.input.zero_point};
  out.input_quantization = {model.input.scale, model.input.zero_point};
  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    const Layer& layer = model.layers[i];
    const std::string name = layer.name.empty() ? "layer" + std::to_string(i) : layer.name;
    if (const auto* d = std::get_if<DenseLayer>(&layer.op)) {
      const std::size_t in = compiler::element_count(st.shape);
      std::vector<std::int64_t> bias = d->bias;
      for (std::size_t o = 0; o < d->units; ++o) {
        std::int64_t sum = 0;
        for (std::size_t j = 0; j < in; ++j) sum += d->weights[o * in + j];
        bias[o] -= st.zero_point * sum;
      }
      const NodeId acc = c.dense(st.node, d->units, d->weights, std::move(bias), name);
      const auto scales = accumulator_scales(st.scales.front(), d->weight_scales);
      st.shape = {d->units};
      if (d->output) {
        st.node = c.lookup(acc, requantize(scales, 0, d->activation, *d->output, name, d->units),
                           name + ".act");
        st.scales = {d->output->scale};
        st.zero_point = d->output->zero_point;
      } else {
        st = {acc, st.shape, scales, 0};
      }
    } else if (const auto* cv = std::get_if<Conv2dLayer>(&layer.op)) {
      NodeId x = st.node;
      // Padding stands for real zeros: subtract the zero point first so that it is 0.
      if (st.zero_point != 0) x = c.add_constant(x, {-st.zero_point}, name + ".center");
      const NodeId acc = c.conv2d(x, cv->filters, cv->weights, cv->bias, cv->attributes, name);
      const auto scales = accumulator_scales(st.scales.front(), cv->weight_scales);
      st.shape = c.node(acc).shape;
      if (cv->output) {
        st.node =
            c.lookup(acc, requantize(scales, 0, cv->activation, *cv->output, name, cv->filters),
                     name + ".act");
        st.scales = {cv->output->scale};
        st.zero_point = cv->output->zero_point;
      } else {
        st = {acc, st.shape, scales, 0};
      }
    } else if (const auto* p = std::get_if<PoolLayer>(&layer.op)) {
      const auto window =
          static_cast<std::int64_t>(p->attributes.kernel_h * p->attributes.kernel_w);
      st.node = c.sum_pool2d(st.node, p->attributes, name);
      st.shape = c.node(st.node).shape;
      if (p->average) {
        for (double& s : st.scales) s /= static_cast<double>(window);
      }
      st.zero_point *= window;
    } else if (std::holds_alternative<FlattenLayer>(layer.op)) {
      if (st.scales.size() > 1 && !uniform(st.scales)) {
        throw InvalidArgument("layers[" + std::to_string(i) +
                              "]: flatten of a tensor with per-channel scales is not supported");
      }
      st.scales.resize(1);
      st.shape = {compiler::element_count(st.shape)};
    } else if (const auto* a = std::get_if<ActivationLayer>(&layer.op)) {
      st.node = c.lookup(
          st.node, requantize(st.scales, st.zero_point, a->activation, a->output, name), name);
      st.scales = {a->output.scale};
      st.zero_point = a->output.zero_point;
    }
  }
  if (!uniform(st.scales)) {
    throw InvalidArgument(
        "the last layer has per-channel weight scales and no output "
        "quantization; the client dequantizes outputs per tensor");
  }
  c.mark_output(st.node);
  out.output_quantization = {st.scales.front(), st.zero_point};
  out.description = "model '" + model.name + "'";
  return out;
}

compiler::Sample quantize_input(const QuantizedModel& model, const std::vector<double>& x) {
  require_equal(x.size(), compiler::element_count(model.input_shape), "model input", "values",
                "input elements");
  compiler::Tensor t;
  t.reserve(x.size());
  for (double v : x) t.push_back(model.input.quantize(v));
  return {t};
}

}  // namespace lutfhe::models
