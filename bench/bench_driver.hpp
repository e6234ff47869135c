// The benchmark driver behind `lutfhe bench` and `lutfhe_bench` (options: bench_options.hpp): times
// each operation on each parameter set at each thread count and prints a table, or one JSON object
// per line:
//
//   {"op": "pbs", "params": "PBS_4BIT", "threads": 1, "ms_per_op": 17.2, "ops_per_s": 58.1, ...}
//
// With T threads a batch of independent operations runs across T OpenMP threads, each with
// its own scratch and outputs, the server key shared read-only; ms_per_op is the batch's
// wall-clock time divided by the number of operations (= 1000 / ops_per_s).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

#include "bench/workload.hpp"
#include "core/errors.hpp"
#include "core/parameters.hpp"
#include "workbench/environment.hpp"

namespace lutfhe::bench {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the engine threw while running
inline constexpr int kExitUsage = 2;

// TFHE_LIB, BOOL_128, PBS_2BIT, PBS_4BIT: the sets whose keys fit in well under a GiB.
std::vector<ParameterSet> default_bench_params();

struct BenchOptions {
  std::vector<BenchOp> ops;        // empty: every op that applies to each set
  std::vector<ParameterSet> sets;  // empty: default_bench_params()
  std::vector<int> threads = {1};  // one measurement per entry
  bool json = false;               // JSON lines instead of the table
  double min_time_s = 0.5;         // run each batch at least this long...
  std::size_t iterations = 0;      // ...unless this is non-zero: exactly this many ops per thread
  std::size_t repetitions = 1;     // timed batches per measurement; the fastest is reported
  bool quiet = false;              // no progress or key-generation messages on stderr
  std::uint64_t seed = kDefaultBenchSeed;
  // Per-stage times of one KS-PBS (bench/breakdown.hpp) instead of the ops, 1 thread.
  bool breakdown = false;
  std::string baseline;  // earlier --json output: print each result's ratio to it
  std::string compare;   // with baseline: compare this file to it instead of measuring
  double noise = 0.05;   // relative change below which a ratio counts as "same"
};

// One measurement.
struct BenchResult {
  BenchOp op;
  const ParameterSet* params;
  int threads;              // threads that actually ran
  std::size_t ops;          // operations in the timed batch (all threads)
  double seconds;           // wall-clock time of the (fastest) batch
  std::size_t repetitions;  // batches timed
  // CPU time of the process over the batch / (wall time × threads): below about 0.95, other
  // work on the machine took cores away and the timing is disturbed.
  double cpu_share;
  double flops_floor;  // per operation, see flop_floor.hpp
  double ms_per_op() const { return 1e3 * seconds / static_cast<double>(ops); }
  double ops_per_s() const { return static_cast<double>(ops) / seconds; }
  double gflops() const { return flops_floor * ops_per_s() * 1e-9; }
};

// Times `op` on `fixture` with `threads` threads (batch sizing from options.min_time_s or
// options.iterations; the fastest of options.repetitions batches).
BenchResult measure_op(const BenchFixture& fixture, BenchOp op, int threads,
                       const BenchOptions& options);

// The result as one JSON object (no trailing newline); extra fields follow the five required,
// then "env" (bench/environment.hpp, the process's workbench::environment() unless given) and
// "parameter_set" (every field of the set).
std::string format_json(const BenchResult& r, std::uint64_t seed);
std::string format_json(const BenchResult& r, std::uint64_t seed,
                        const workbench::Environment& env);

// Runs every requested measurement, writing the table (or JSON lines) to `out` and progress,
// warnings and errors to `err`. Returns kExitOk, kExitUsage for options it cannot run (unknown
// parameter set, thread count below 1), or kExitFailure when the engine throws.
int run_bench(const BenchOptions& options, std::ostream& out, std::ostream& err);
int run_bench(const BenchOptions& options, std::ostream& out);

}  // namespace lutfhe::bench
