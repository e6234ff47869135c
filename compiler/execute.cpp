#include "compiler/execute.hpp"

#include <utility>

#include "compiler/circuit_runner.hpp"
#include "core/errors.hpp"
#include "core/fingerprint.hpp"
#include "core/lwe.hpp"
#include "core/parallel.hpp"
#include "core/pbs.hpp"
#include "core/server_key.hpp"

namespace lutfhe::compiler {
namespace {

class CiphertextBackend {
 public:
  using Value = LweCiphertext;

  CiphertextBackend(const ServerKey& key, int threads, RunStats& stats)
      : key_(key),
        dimension_(key.parameters().big_dimension()),
        threads_(resolve_threads(threads)),
        stats_(stats) {}

  Value zero() const { return LweCiphertext(dimension_); }
  void add_scaled(Value& acc, const Value& x, Torus w) const {
    lwe_add_scaled_assign(acc, x, static_cast<std::int64_t>(w));
  }
  void scale(Value& v, Torus w) const { lwe_scalar_mul_assign(v, static_cast<std::int64_t>(w)); }
  void add_plaintext(Value& v, Torus c) const { lwe_add_plaintext_assign(v, c); }

  template <class F>
  void parallel_for(std::size_t count, F&& f) const {
    lutfhe::parallel_for(count, threads_, std::forward<F>(f));
  }

  // Batched across threads and in groups per thread (core/batch.hpp).
  void bootstrap(std::span<Value> out, std::span<const Value> in,
                 std::span<const LookupTable* const> tables, std::size_t) {
    keyswitch_bootstrap_batch(out, in, tables, key_, threads_);
    stats_.bootstraps += in.size();
  }

 private:
  const ServerKey& key_;
  LweDimension dimension_;
  int threads_;
  RunStats& stats_;
};

}  // namespace

ServerEvaluator::ServerEvaluator(const CompiledCircuit& compiled, const ServerKey& key, int threads)
    : compiled_(compiled), key_(key), threads_(threads), tables_(build_bootstrap_tables(compiled)) {
  if (parameter_fingerprint(key.parameters()) != parameter_fingerprint(compiled.params)) {
    throw KeyMismatch("server key is for parameters " + key.parameters().name +
                      ", the circuit was compiled for " + compiled.params.name);
  }
}

EncryptedTensors ServerEvaluator::run(EncryptedTensors inputs) {
  const std::size_t dim = key_.parameters().big_dimension().value();
  for (const auto& tensor : inputs) {
    for (const auto& ct : tensor) {
      require_equal(ct.dimension().value(), dim, "circuit input ciphertext", "n", "parameters k·N");
    }
  }
  CiphertextBackend backend(key_, threads_, stats_);
  return run_compiled(compiled_, tables_, backend, std::move(inputs));
}

EncryptedTensors run(const CompiledCircuit& compiled, const ServerKey& key, EncryptedTensors inputs,
                     int threads) {
  ServerEvaluator evaluator(compiled, key, threads);
  return evaluator.run(std::move(inputs));
}

}  // namespace lutfhe::compiler
