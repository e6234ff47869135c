// The `execute` evaluator: the compiled circuit evaluated on LWE ciphertexts under the big key,
// with the server key only (no type or function here can reach a secret key). Linear nodes and the
// bootstraps of a node run across OpenMP threads (keyswitch_bootstrap with one Scratch per
// thread, the server key shared read-only).
#pragma once

#include <vector>

#include "compiler/bootstrap_tables.hpp"
#include "compiler/compiled_circuit.hpp"
#include "compiler/tensor.hpp"
#include "core/entities/lwe_ciphertext.hpp"
#include "core/server_key.hpp"

namespace lutfhe::compiler {

struct RunStats {
  std::size_t bootstraps = 0;
};

class ServerEvaluator {
 public:
  // Throws KeyMismatch unless the server key was made for the circuit's parameters.
  ServerEvaluator(const CompiledCircuit& compiled, const ServerKey& key, int threads = 0);
  // Outputs in Circuit::outputs() order.
  EncryptedTensors run(EncryptedTensors inputs);
  const RunStats& stats() const { return stats_; }

 private:
  const CompiledCircuit& compiled_;
  const ServerKey& key_;
  int threads_;
  BootstrapTables tables_;
  RunStats stats_;
};

// One-shot convenience: the server's `run(circuit, server_key, inputs)`.
EncryptedTensors run(const CompiledCircuit& compiled, const ServerKey& key, EncryptedTensors inputs,
                     int threads = 0);

}  // namespace lutfhe::compiler
