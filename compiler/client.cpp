#include "compiler/client.hpp"

#include <algorithm>
#include <cmath>

#include "compiler/simulate.hpp"
#include "core/errors.hpp"
#include "core/file_format.hpp"
#include "core/lwe.hpp"
#include "core/serialization.hpp"

namespace lutfhe::compiler {
namespace {

void require_key(const ClientSpec& spec, const ClientKey& key) {
  if (parameter_fingerprint(key.parameters()) != parameter_fingerprint(spec.params)) {
    throw KeyMismatch("client key is for parameters " + key.parameters().name +
                      ", the circuit was compiled for " + spec.params.name);
  }
}

}  // namespace

ClientSpec make_client_spec(const CompiledCircuit& compiled,
                            std::vector<Quantization> input_quantization,
                            std::vector<Quantization> output_quantization,
                            std::string description) {
  ClientSpec spec{compiled.params, {}, {}, std::move(description)};
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

std::int64_t quantize(double x, const ClientTensor& t) {
  if (!std::isfinite(x)) throw InvalidArgument("cannot quantize a non-finite value");
  const double q =
      std::round(x / t.quantization.scale) + static_cast<double>(t.quantization.zero_point);
  const double clamped =
      std::clamp(q, static_cast<double>(t.range.lo), static_cast<double>(t.range.hi));
  return static_cast<std::int64_t>(clamped);
}

double dequantize(std::int64_t q, const ClientTensor& t) {
  return t.quantization.scale * static_cast<double>(q - t.quantization.zero_point);
}

Sample quantize_sample(const ClientSpec& spec, const std::vector<std::vector<double>>& reals) {
  require_equal(reals.size(), spec.inputs.size(), "sample", "input tensors", "circuit inputs");
  Sample s;
  for (std::size_t i = 0; i < reals.size(); ++i) {
    require_equal(reals[i].size(), element_count(spec.inputs[i].shape), "sample", "values",
                  "input elements");
    Tensor t;
    t.reserve(reals[i].size());
    for (double x : reals[i]) t.push_back(quantize(x, spec.inputs[i]));
    s.push_back(std::move(t));
  }
  return s;
}

EncryptedTensors encrypt_sample(const ClientSpec& spec, const ClientKey& key, const Sample& sample,
                                EncryptionRandomness& rng) {
  require_key(spec, key);
  require_equal(sample.size(), spec.inputs.size(), "sample", "input tensors", "circuit inputs");
  EncryptedTensors out;
  for (std::size_t i = 0; i < sample.size(); ++i) {
    const ClientTensor& t = spec.inputs[i];
    require_equal(sample[i].size(), element_count(t.shape), "sample", "values", "input elements");
    std::vector<LweCiphertext> cts;
    cts.reserve(sample[i].size());
    for (std::int64_t v : sample[i]) {
      if (!t.range.contains(v)) {
        throw InvalidArgument("input '" + t.name + "': value " + std::to_string(v) +
                              " is outside [" + std::to_string(t.range.lo) + ", " +
                              std::to_string(t.range.hi) + "]");
      }
      LweCiphertext ct(key.big_key().dimension());
      encrypt_lwe(ct, encode_value(v, t.scale_log2), key.big_key(), spec.params.glwe_noise, rng);
      cts.push_back(std::move(ct));
    }
    out.push_back(std::move(cts));
  }
  return out;
}

std::vector<Tensor> decrypt_outputs(const ClientSpec& spec, const ClientKey& key,
                                    const EncryptedTensors& outputs) {
  require_key(spec, key);
  require_equal(outputs.size(), spec.outputs.size(), "results", "output tensors",
                "circuit outputs");
  std::vector<Tensor> out;
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    const ClientTensor& t = spec.outputs[o];
    require_equal(outputs[o].size(), element_count(t.shape), "results", "ciphertexts",
                  "output elements");
    Tensor values;
    for (const auto& ct : outputs[o]) {
      values.push_back(decode_value(key.phase(ct), t.scale_log2, t.range.lo));
    }
    out.push_back(std::move(values));
  }
  return out;
}

}  // namespace lutfhe::compiler
