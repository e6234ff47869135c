// What a client needs to know about a compiled circuit (no secrets, no weights): the parameter
// set, and for every input and output tensor its shape, range, torus scale and the affine
// quantization between real values and the circuit's integers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "compiler/compiled_circuit.hpp"
#include "compiler/tensor.hpp"
#include "core/parameters.hpp"

namespace lutfhe::compiler {

// real = scale · (q − zero_point).
struct Quantization {
  double scale = 1.0;
  std::int64_t zero_point = 0;
  friend bool operator==(const Quantization&, const Quantization&) = default;
};

struct ClientTensor {
  std::string name;
  Shape shape;
  Range range;         // inputs: the values the quantizer clamps to; outputs: their range
  int scale_log2 = 0;  // phase = value·2^σ
  Quantization quantization;
  friend bool operator==(const ClientTensor&, const ClientTensor&) = default;
};

struct ClientSpec {
  ParameterSet params;
  std::vector<ClientTensor> inputs;   // Circuit::inputs() order
  std::vector<ClientTensor> outputs;  // Circuit::outputs() order
  std::string description;            // what was compiled ("model tiny_mlp.json")
  // False for a circuit without lookups: its evaluation key needs no bootstrapping material.
  bool needs_bootstrapping = true;

  std::vector<Shape> input_shapes() const;
  std::vector<Shape> output_shapes() const;
  // Values (= ciphertexts) of one sample's inputs and of one sample's outputs.
  std::size_t input_values() const { return values_per_sample(input_shapes()); }
  std::size_t output_values() const { return values_per_sample(output_shapes()); }
};

// The spec of a compiled circuit; quantizations default to scale 1, zero point 0.
ClientSpec make_client_spec(const CompiledCircuit& compiled,
                            std::vector<Quantization> input_quantization = {},
                            std::vector<Quantization> output_quantization = {},
                            std::string description = {});

// q = clamp(round(x / scale) + zero_point, range) (round half away from zero): the one rule by
// which real inputs become integers, in the client, in the models' own quantization
// (models::QuantParams) and so in every evaluator. InvalidArgument for a non-finite x.
std::int64_t quantize_value(double x, const Quantization& q, Range range);
std::int64_t quantize(double x, const ClientTensor& t);
double dequantize(std::int64_t q, const ClientTensor& t);
// One flat sample of real values (all input tensors in order) to integers.
Sample quantize_sample(const ClientSpec& spec, std::span<const double> reals);
// One sample's outputs, dequantized and flat (all output tensors in order).
RealSample dequantize_outputs(std::span<const ClientTensor> tensors,
                              const std::vector<Tensor>& outputs);
RealSample dequantize_outputs(const ClientSpec& spec, const std::vector<Tensor>& outputs);

}  // namespace lutfhe::compiler
