// The server side of a compiled circuit, for a long-running process or a command: built once
// from the circuit and the server key (evaluation key only; no type reachable from here can
// hold a secret), it evaluates batches of encrypted samples.
//
//   const CompiledCircuit circuit = load_server_circuit("server.circuit");
//   const ServerKey key = load_server_key("eval.key");
//   CircuitServer server(circuit, key, /*threads=*/2);
//   CiphertextBatch results = server.evaluate(load_ciphertexts("in.ct"));
//   server.evaluate_file("in.ct", "out.ct");  // the same, one chunk of samples in memory
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <vector>

#include "compiler/compiled_circuit.hpp"
#include "compiler/execute.hpp"
#include "core/ciphertext_files.hpp"
#include "core/progress.hpp"
#include "core/server_key.hpp"

namespace lutfhe::compiler {

class CircuitServer {
 public:
  // KeyMismatch unless the key was made for the circuit's parameters. `threads` ≤ 0: all cores.
  // The circuit and the key must outlive the server.
  CircuitServer(const CompiledCircuit& compiled, const ServerKey& key, int threads = 0);

  // Ciphertexts of one sample's inputs and of one sample's results.
  std::size_t input_values() const { return input_values_; }
  std::size_t output_values() const { return output_values_; }

  // Checks the batch (parameters and key id those of the server key, a whole number of
  // samples), evaluates every sample and returns the results in the same order, under the
  // same key. `progress` is called with (samples done, samples), from one thread at a time.
  //
  // With T threads and at least T samples, T samples are evaluated at once, one thread each:
  // the linear layers and small lookup layers of one sample cannot keep T threads busy, T
  // samples can. The remainder (fewer than T samples) is evaluated one sample at a time with
  // the lookups of each layer spread over the T threads. The results do not depend on the
  // order: evaluation is deterministic, so they are the same bytes with any thread count.
  CiphertextBatch evaluate(CiphertextBatch inputs, const ProgressCallback& progress = {});

  // The same from file to file, `chunk_samples` samples at a time (0: 8 per thread): only one
  // chunk's ciphertexts are in memory (a seeded input's masks are expanded chunk by chunk), so
  // the memory a batch takes does not grow with its size. The output is written to a temporary
  // file and renamed (nothing is left behind on error). Checks as evaluate; returns the number
  // of samples. The results are the same bytes for every chunk size.
  std::size_t evaluate_file(const std::filesystem::path& in, const std::filesystem::path& out,
                            std::size_t chunk_samples = 0, const ProgressCallback& progress = {});
  // The same for a caller that has read the input's prologue already (read_ciphertexts_info,
  // which checks the whole file's digest): the file is not validated a second time for it.
  std::size_t evaluate_file(const std::filesystem::path& in, const CiphertextBatchInfo& info,
                            const std::filesystem::path& out, std::size_t chunk_samples = 0,
                            const ProgressCallback& progress = {});

  // Bootstraps performed so far.
  const RunStats& stats() const { return stats_; }
  // The OpenMP team size evaluations use.
  int threads() const { return threads_; }

 private:
  const CompiledCircuit& compiled_;
  const ServerKey& key_;
  ServerEvaluator evaluator_;  // one sample at a time, lookups over all threads
  // One single-thread evaluator per thread, made on the first batch of at least T samples.
  std::vector<std::unique_ptr<ServerEvaluator>> sample_evaluators_;
  RunStats stats_;
  std::size_t input_values_;
  std::size_t output_values_;
  int threads_;
};

}  // namespace lutfhe::compiler
