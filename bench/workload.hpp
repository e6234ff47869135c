// What the benchmarks time: the operations, the keys and fixed inputs they run on, and a
// per-thread runner that performs one operation per call. Shared by the Google Benchmark
// suite and the `lutfhe bench` driver so that both time exactly the same work.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/client_key.hpp"
#include "core/entities/lookup_table.hpp"
#include "core/entities/lwe_ciphertext.hpp"
#include "core/parameters.hpp"
#include "core/progress.hpp"
#include "core/server_key.hpp"

namespace lutfhe::bench {

enum class BenchOp {
  kKsPbs,            // keyswitch_bootstrap: key switch k·N → n, then PBS
  kKsPbsBatch,       // keyswitch_bootstrap_batch of kBootstrapBatch inputs, one key pass
  kPbs,              // programmable_bootstrap on an already key-switched ciphertext
  kGateNand,         // gate_nand (boolean sets only)
  kBlindRotate,      // blind_rotate on an already modulus-switched ciphertext
  kExternalProduct,  // one external_product_add
  kKeyswitch,        // one LWE key switch k·N → n
  kFft,              // one forward and one backward negacyclic transform of size N
};

// Every operation, in the order the driver runs them by default.
std::span<const BenchOp> all_ops();
// "ks_pbs", "ks_pbs_batch", "pbs", "gate_nand", "blind_rotate", "external_product",
// "keyswitch", "fft".
std::string_view op_name(BenchOp op);
std::optional<BenchOp> parse_op(std::string_view name);
// gate_nand needs a gate-bootstrapping set; everything else runs on every set.
bool op_applies(BenchOp op, const ParameterSet& params);

// The fixed seed the benchmarks use when none is given. Secrets come from test_seed(seed),
// the evaluation key's randomness from test_seed(seed + 1) and the inputs' from
// test_seed(seed + 2): reproducible, never for real use.
inline constexpr std::uint64_t kDefaultBenchSeed = 42;

// Keys for one parameter set, generated from a fixed seed, and the inputs every runner
// reads (shared read-only between threads).
class BenchFixture {
 public:
  // Generates the client key, the evaluation key and the server key (the slow part for large
  // sets; `progress` is called while the bootstrapping key is generated).
  BenchFixture(const ParameterSet& params, std::uint64_t seed,
               const ProgressCallback& progress = {});

  const ParameterSet& parameters() const { return server_.parameters(); }
  const ServerKey& server_key() const { return server_; }
  std::uint64_t seed() const { return seed_; }

  const LweCiphertext& big_input_a() const { return big_a_; }  // under the k·N key
  const LweCiphertext& big_input_b() const { return big_b_; }
  std::span<const Torus> small_input() const { return small_; }                // n + 1, after KS
  std::span<const std::uint64_t> switched_input() const { return switched_; }  // n + 1, in [0, 2N)
  std::span<const Torus> glwe_input() const { return glwe_; }                  // (k+1)·N
  // Sign table (μ = 1/8) for boolean sets, the identity on message_bits otherwise.
  const LookupTable& lookup_table() const { return lut_; }

 private:
  BenchFixture(const ClientKey& client, std::uint64_t seed, const ProgressCallback& progress);

  std::uint64_t seed_;
  ServerKey server_;
  LweCiphertext big_a_;
  LweCiphertext big_b_;
  std::vector<Torus> small_;
  std::vector<std::uint64_t> switched_;
  std::vector<Torus> glwe_;
  LookupTable lut_;
};

// One thread's worth of state (scratch, outputs) for one operation. run() performs the
// operation once; it allocates nothing.
class OpRunner {
 public:
  virtual ~OpRunner() = default;
  virtual void run() = 0;
  // Operations one run() performs (a batched op runs several).
  virtual std::size_t ops_per_run() const { return 1; }
};

// A runner for `op` on `fixture`, which must outlive it. InvalidArgument when the operation
// does not apply to the fixture's parameter set.
std::unique_ptr<OpRunner> make_runner(BenchOp op, const BenchFixture& fixture);

}  // namespace lutfhe::bench
