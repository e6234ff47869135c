#include "models/training_server.hpp"

#include "core/errors.hpp"

namespace lutfhe::models {

void TrainingServer::require_step(const compiler::CompiledCircuit& compiled) {
  const compiler::Circuit& c = compiled.circuit;
  const auto inputs = c.inputs();
  const auto fail = [](const std::string& why) {
    throw InvalidArgument("not a training step circuit: " + why);
  };
  if (inputs.size() != 3 || c.outputs().size() != 1) {
    fail("it needs inputs x, y, weights and one output");
  }
  if (c.carries().size() != 1 || c.carries()[0].output != c.outputs()[0] ||
      c.carries()[0].input != inputs[2]) {
    fail("its output is not carried to its weights input");
  }
}

TrainingServer::TrainingServer(const compiler::CompiledCircuit& compiled, const ServerKey& key,
                               int threads)
    : compiled_(compiled), key_(key), evaluator_(compiled, key, threads) {
  require_step(compiled);
  if (!key.can_bootstrap()) {
    throw KeyMismatch("the evaluation key holds no bootstrapping key; a training step needs one");
  }
  const compiler::Circuit& c = compiled.circuit;
  const auto inputs = c.inputs();
  x_values_ = compiler::element_count(c.node(inputs[0]).shape);
  y_values_ = compiler::element_count(c.node(inputs[1]).shape);
  weights_ = compiler::element_count(c.node(inputs[2]).shape);
}

std::size_t TrainingServer::steps_in(const CiphertextBatch& batches) const {
  require_same_key("training batches", batches.params, batches.key_id, key_.parameters(),
                   key_.key_id());
  const std::size_t per_step = x_values_ + y_values_;
  if (batches.ciphertexts.size() % per_step != 0) {
    throw InvalidArgument("training batches: " + std::to_string(batches.ciphertexts.size()) +
                          " ciphertexts are not a whole number of steps of " +
                          std::to_string(per_step));
  }
  return batches.ciphertexts.size() / per_step;
}

std::size_t TrainingServer::steps_in_job(std::uint64_t ciphertexts) const {
  if (ciphertexts <= weights_) {
    throw InvalidArgument("training input: " + std::to_string(ciphertexts) +
                          " ciphertexts hold no step after the " + std::to_string(weights_) +
                          " initial weights");
  }
  if ((ciphertexts - weights_) % step_values() != 0) {
    throw InvalidArgument("training batches: " + std::to_string(ciphertexts - weights_) +
                          " ciphertexts are not a whole number of steps of " +
                          std::to_string(step_values()));
  }
  return (ciphertexts - weights_) / step_values();
}

CiphertextBatch TrainingServer::step(const CiphertextBatch& batches, std::size_t index,
                                     const CiphertextBatch& weights) {
  const std::size_t steps = steps_in(batches);
  if (index >= steps) {
    throw InvalidArgument("training step " + std::to_string(index) + " of " +
                          std::to_string(steps));
  }
  require_same_key("weights", weights.params, weights.key_id, key_.parameters(), key_.key_id());
  require_equal(weights.ciphertexts.size(), weights_, "weights", "ciphertexts", "expected");
  const auto first =
      batches.ciphertexts.begin() + static_cast<std::ptrdiff_t>(index * (x_values_ + y_values_));
  const auto mid = first + static_cast<std::ptrdiff_t>(x_values_);
  const auto last = mid + static_cast<std::ptrdiff_t>(y_values_);
  compiler::EncryptedTensors inputs{{first, mid}, {mid, last}, weights.ciphertexts};
  compiler::EncryptedTensors out = evaluator_.run(std::move(inputs));
  return CiphertextBatch{compiled_.params, weights.key_id, weights.encoding, std::move(out.at(0)),
                         std::nullopt};
}

}  // namespace lutfhe::models
