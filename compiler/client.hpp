// The client side: what the client needs to know about a compiled circuit (no secrets and no
// weights), quantization of real inputs, encryption of samples and decryption of results.
#pragma once

#include <string>
#include <vector>

#include "compiler/clear_evaluator.hpp"
#include "compiler/compiled_circuit.hpp"
#include "compiler/execute.hpp"
#include "core/keys.hpp"
#include "core/random.hpp"

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
};

// The spec of a compiled circuit; quantizations default to scale 1, zero point 0.
ClientSpec make_client_spec(const CompiledCircuit& compiled,
                            std::vector<Quantization> input_quantization = {},
                            std::vector<Quantization> output_quantization = {},
                            std::string description = {});

// q = clamp(round(x / scale) + zero_point, range) (round half away from zero).
std::int64_t quantize(double x, const ClientTensor& t);
double dequantize(std::int64_t q, const ClientTensor& t);
// One sample of real values (per input tensor) to integers.
Sample quantize_sample(const ClientSpec& spec, const std::vector<std::vector<double>>& reals);

// Encrypts the integers of one sample at the circuit's scales under the big key (fresh GLWE
// noise). Throws KeyMismatch when the key is for other parameters.
EncryptedTensors encrypt_sample(const ClientSpec& spec, const ClientKey& key, const Sample& sample,
                                EncryptionRandomness& rng);
// Decrypts and decodes the outputs (integers, before dequantization).
std::vector<Tensor> decrypt_outputs(const ClientSpec& spec, const ClientKey& key,
                                    const EncryptedTensors& outputs);

}  // namespace lutfhe::compiler
