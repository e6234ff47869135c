// The server's side of encrypted training: the step circuit and the evaluation key only (no
// type reachable from here holds a secret key). Each step reads one batch's ciphertexts from
// the client's batches file and the current encrypted weights, and returns the new encrypted
// weights — a bootstrap output, carried to the next step unchanged (compiler::Carry).
#pragma once

#include <functional>
#include <utility>

#include "compiler/compiled_circuit.hpp"
#include "compiler/execute.hpp"
#include "core/ciphertext_files.hpp"
#include "core/server_key.hpp"

namespace lutfhe::models {

class TrainingServer {
 public:
  // InvalidArgument unless `compiled` is a training step (inputs x, y, weights; one output
  // carried to the weights); KeyMismatch unless the key fits it. Both must outlive the server.
  TrainingServer(const compiler::CompiledCircuit& compiled, const ServerKey& key, int threads);

  // InvalidArgument unless `compiled` is a training step (the constructor's first check).
  static void require_step(const compiler::CompiledCircuit& compiled);

  std::size_t weights() const { return weights_; }
  // Steps a batches file holds (InvalidArgument unless a whole number, key and parameters
  // those of the server key).
  std::size_t steps_in(const CiphertextBatch& batches) const;
  // Ciphertexts one step reads (its x, then its y).
  std::size_t step_values() const { return x_values_ + y_values_; }
  // The steps in a training job's input of `ciphertexts` ciphertexts (training_client.hpp
  // encrypt_training_job: the initial weights, then the batches); InvalidArgument unless it
  // holds the weights and at least one whole step, and whole steps only.
  std::size_t steps_in_job(std::uint64_t ciphertexts) const;
  // Step `index` of `batches` from `weights`: the new weights.
  CiphertextBatch step(const CiphertextBatch& batches, std::size_t index,
                       const CiphertextBatch& weights);
  // Bootstraps so far.
  std::size_t bootstraps() const { return evaluator_.stats().bootstraps; }

 private:
  const compiler::CompiledCircuit& compiled_;
  const ServerKey& key_;
  compiler::ServerEvaluator evaluator_;
  std::size_t x_values_ = 0;
  std::size_t y_values_ = 0;
  std::size_t weights_ = 0;
};

}  // namespace lutfhe::models
