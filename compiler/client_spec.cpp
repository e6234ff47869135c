#include "compiler/client_spec.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"

namespace lutfhe::compiler {
namespace {

std::vector<Shape> shapes_of(const std::vector<ClientTensor>& tensors) {
  std::vector<Shape> out;
  out.reserve(tensors.size());
  for (const auto& t : tensors) out.push_back(t.shape);
  return out;
}

}  // namespace

std::vector<Shape> ClientSpec::input_shapes() const {
  return shapes_of(inputs);
}

std::vector<Shape> ClientSpec::output_shapes() const {
  return shapes_of(outputs);
}

ClientSpec make_client_spec(const CompiledCircuit& compiled,
                            std::vector<Quantization> input_quantization,
                            std::vector<Quantization> output_quantization,
                            std::string description) {
  ClientSpec spec{compiled.params, {}, {}, std::move(description)};
  spec.needs_bootstrapping = bootstrap_count(compiled) > 0;
  const auto inputs = compiled.circuit.inputs();
  const auto& outputs = compiled.circuit.outputs();
  if (!input_quantization.empty()) {
    require_equal(input_quantization.size(), inputs.size(), "client spec", "input quantizations",
                  "inputs");
  }
  if (!output_quantization.empty()) {
    require_equal(output_quantization.size(), outputs.size(), "client spec", "output quantizations",
                  "outputs");
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Node& n = compiled.circuit.node(inputs[i]);
    spec.inputs.push_back({n.name, n.shape, n.declared_range, compiled.plans[inputs[i]].scale_log2,
                           input_quantization.empty() ? Quantization{} : input_quantization[i]});
  }
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    const Node& n = compiled.circuit.node(outputs[o]);
    const NodePlan& p = compiled.plans[outputs[o]];
    spec.outputs.push_back({n.name, n.shape, p.range, p.scale_log2,
                            output_quantization.empty() ? Quantization{} : output_quantization[o]});
  }
  return spec;
}

std::int64_t quantize_value(double x, const Quantization& q, Range range) {
  if (!std::isfinite(x)) throw InvalidArgument("cannot quantize a non-finite value");
  const double v = std::round(x / q.scale) + static_cast<double>(q.zero_point);
  const double clamped =
      std::clamp(v, static_cast<double>(range.lo), static_cast<double>(range.hi));
  return static_cast<std::int64_t>(clamped);
}

std::int64_t quantize(double x, const ClientTensor& t) {
  return quantize_value(x, t.quantization, t.range);
}

double dequantize(std::int64_t q, const ClientTensor& t) {
  // In doubles: the difference of two int64 values may overflow an int64.
  return t.quantization.scale *
         (static_cast<double>(q) - static_cast<double>(t.quantization.zero_point));
}

Sample quantize_sample(const ClientSpec& spec, std::span<const double> reals) {
  const std::vector<std::vector<double>> tensors = split_sample(spec.input_shapes(), reals);
  Sample s;
  s.reserve(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    Tensor t;
    t.reserve(tensors[i].size());
    for (double x : tensors[i]) t.push_back(quantize(x, spec.inputs[i]));
    s.push_back(std::move(t));
  }
  return s;
}

RealSample dequantize_outputs(std::span<const ClientTensor> tensors,
                              const std::vector<Tensor>& outputs) {
  require_equal(outputs.size(), tensors.size(), "results", "output tensors", "circuit outputs");
  RealSample out;
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    for (std::int64_t v : outputs[o]) out.push_back(dequantize(v, tensors[o]));
  }
  return out;
}

RealSample dequantize_outputs(const ClientSpec& spec, const std::vector<Tensor>& outputs) {
  return dequantize_outputs(spec.outputs, outputs);
}

}  // namespace lutfhe::compiler
