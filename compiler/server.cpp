#include "compiler/server.hpp"

#include "core/errors.hpp"
#include "core/parallel.hpp"

namespace lutfhe::compiler {
namespace {

std::vector<Shape> node_shapes(const Circuit& c, const std::vector<NodeId>& ids) {
  std::vector<Shape> out;
  out.reserve(ids.size());
  for (NodeId id : ids) out.push_back(c.node(id).shape);
  return out;
}

}  // namespace

CircuitServer::CircuitServer(const CompiledCircuit& compiled, const ServerKey& key, int threads)
    : compiled_(compiled),
      key_(key),
      evaluator_(compiled, key, threads),
      input_values_(values_per_sample(node_shapes(compiled.circuit, compiled.circuit.inputs()))),
      output_values_(values_per_sample(node_shapes(compiled.circuit, compiled.circuit.outputs()))),
      threads_(resolve_threads(threads)) {
  if (!key.can_bootstrap() && bootstrap_count(compiled) > 0) {
    throw KeyMismatch("the evaluation key holds no bootstrapping key, the circuit needs " +
                      std::to_string(bootstrap_count(compiled)) + " bootstraps per sample");
  }
}

CiphertextBatch CircuitServer::evaluate(CiphertextBatch inputs, const ProgressCallback& progress) {
  require_same_key("ciphertext batch", inputs.params, inputs.key_id, key_.parameters(),
                   key_.key_id());
  auto samples = split_batch(node_shapes(compiled_.circuit, compiled_.circuit.inputs()),
                             std::move(inputs.ciphertexts), "ciphertext batch");
  CiphertextBatch out{compiled_.params, inputs.key_id, inputs.encoding, {}, std::nullopt};
  out.ciphertexts.reserve(samples.size() * output_values_);
  for (std::size_t s = 0; s < samples.size(); ++s) {
    append_sample(out.ciphertexts, evaluator_.run(std::move(samples[s])));
    if (progress) progress(s + 1, samples.size());
  }
  return out;
}

}  // namespace lutfhe::compiler
