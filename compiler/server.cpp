#include "compiler/server.hpp"

#include <atomic>
#include <mutex>

#include "compiler/tensor.hpp"
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
  const std::size_t n = samples.size();
  const auto team = static_cast<std::size_t>(threads_);
  // Samples evaluated side by side, one thread each: a whole number of rounds of T samples.
  const std::size_t side_by_side = team > 1 ? n / team * team : 0;
  std::vector<EncryptedTensors> results(n);
  std::mutex progress_mutex;
  std::size_t done = 0;
  const auto report = [&] {
    if (!progress) return;
    std::lock_guard lock(progress_mutex);
    progress(++done, n);
  };
  if (side_by_side > 0) {
    while (sample_evaluators_.size() < team) {
      sample_evaluators_.push_back(std::make_unique<ServerEvaluator>(compiled_, key_, 1));
    }
    std::atomic<std::size_t> next{0};
    parallel_region(threads_, [&](int thread, int) {
      ServerEvaluator& evaluator = *sample_evaluators_[static_cast<std::size_t>(thread)];
      for (std::size_t s = next++; s < side_by_side; s = next++) {
        results[s] = evaluator.run(std::move(samples[s]));
        report();
      }
    });
  }
  for (std::size_t s = side_by_side; s < n; ++s) {
    results[s] = evaluator_.run(std::move(samples[s]));
    report();
  }
  stats_.bootstraps = evaluator_.stats().bootstraps;
  for (const auto& e : sample_evaluators_) stats_.bootstraps += e->stats().bootstraps;

  CiphertextBatch out{compiled_.params, inputs.key_id, inputs.encoding, {}, std::nullopt};
  out.ciphertexts.reserve(n * output_values_);
  for (auto& r : results) append_sample(out.ciphertexts, std::move(r));
  return out;
}

std::size_t CircuitServer::evaluate_file(const std::filesystem::path& in,
                                         const std::filesystem::path& out,
                                         std::size_t chunk_samples,
                                         const ProgressCallback& progress) {
  return evaluate_file(in, read_ciphertexts_info(in), out, chunk_samples, progress);
}

std::size_t CircuitServer::evaluate_file(const std::filesystem::path& in,
                                         const CiphertextBatchInfo& info,
                                         const std::filesystem::path& out,
                                         std::size_t chunk_samples,
                                         const ProgressCallback& progress) {
  require_same_key(in.string(), info.params, info.key_id, key_.parameters(), key_.key_id());
  const std::size_t samples = whole_samples(info.count, input_values_, in.string());
  const std::size_t chunk =
      chunk_samples > 0 ? chunk_samples : 8 * static_cast<std::size_t>(threads_);
  const CiphertextBatchInfo out_info{compiled_.params, info.key_id, info.encoding,
                                     samples * output_values_, std::nullopt};
  write_ciphertexts_in_chunks(out, out_info, [&](const CiphertextChunkSink& emit) {
    std::size_t done = 0;
    read_ciphertexts_in_chunks(in, chunk * input_values_,
                               [&](const CiphertextBatchInfo& i, std::vector<LweCiphertext>&& cts) {
                                 const std::size_t first = done;
                                 done += cts.size() / input_values_;
                                 const CiphertextBatch results = evaluate(
                                     {i.params, i.key_id, i.encoding, std::move(cts), std::nullopt},
                                     [&](std::size_t k, std::size_t) {
                                       if (progress) progress(first + k, samples);
                                     });
                                 emit(results.ciphertexts);
                               });
  });
  return samples;
}

}  // namespace lutfhe::compiler
