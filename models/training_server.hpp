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
  // A training job's input (training_client.hpp encrypt_training_job: the initial weights, then
  // the batches) split in two; InvalidArgument unless it holds the weights and whole steps.
  std::pair<CiphertextBatch, CiphertextBatch> split_job_input(CiphertextBatch input) const;
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
