// `lutfhe bench --breakdown`: where the time of one KS-PBS goes.
//
// Each stage is timed by running the engine's own stage function (core/, fft/) in isolation on
// realistic data from the benchmark fixture, so the normal path carries no instrumentation:
// key switch, modulus switch, the forward transforms of the digit polynomials, the Fourier
// multiply-adds against real GGSW rows (cycling through the whole bootstrapping key, as the
// blind rotation does), the inverse transforms, and sample extraction. Two stages live inside
// fused loops that core/ does not expose on their own, and are derived from differences of
// measured functions:
//   decomposition (+ fold and twist) = external_product_add − forward − multiply-add − inverse
//   rotation (X^a·ACC − ACC, CMUX bookkeeping) = cmux_rotate − external_product_add,
//   plus the initial X^−b̃ rotation of the test polynomial (measured)
// Per-call times (the median of many short timed chunks, robust to other load) are multiplied
// by the calls one KS-PBS makes (one CMUX per non-zero switched mask element of the fixture's
// input), and their sum is checked against a measured KS-PBS (median thread CPU time per
// operation; the driver's wall-clock batch mean is reported beside it).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "bench/bench_driver.hpp"
#include "bench/workload.hpp"
#include "workbench/environment.hpp"

namespace lutfhe::bench {

struct StageTime {
  std::string key;    // JSON name: "keyswitch", "forward_fft"...
  std::string title;  // table name
  double calls = 0;   // per KS-PBS
  double seconds_per_call = 0;
  bool derived = false;  // a difference of measurements, not timed on its own
  double flops = 0;      // floating-point floor per KS-PBS (0: not a floating-point stage)
  double cpu_share = 1;  // of the measurement(s) behind it; below ~0.95: disturbed
  double seconds() const { return calls * seconds_per_call; }
};

struct Breakdown {
  const ParameterSet* params = nullptr;
  std::vector<StageTime> stages;
  double cmuxes = 0;                    // CMUXes per blind rotation of the fixture's input
  double external_product_seconds = 0;  // one external_product_add, isolated
  double cmux_seconds = 0;              // one cmux_rotate, isolated
  BenchResult whole{};                  // the measured KS-PBS (wall clock, batch mean)
  double whole_cpu_seconds = 0;         // median KS-PBS in thread CPU time
  double stage_sum() const;
  // The whole the stages are compared with: the CPU-time median, which other load on the
  // machine does not inflate (the wall-clock batch mean is kept beside it).
  double whole_seconds() const { return whole_cpu_seconds; }
  double whole_wall_seconds() const { return whole.seconds / static_cast<double>(whole.ops); }
  double remainder() const { return whole_seconds() - stage_sum(); }
};

// Times every stage for at least options.min_time_s each (or options.iterations chunks), the
// lowest median of options.repetitions batches, then the whole KS-PBS (measure_op, and the
// CPU-time median) with the same options.
Breakdown measure_breakdown(const BenchFixture& fixture, const BenchOptions& options);

void print_breakdown_table(std::ostream& out, const Breakdown& b,
                           const workbench::Environment& env);
// One JSON object: the usual fields of the ks_pbs record (op "ks_pbs_breakdown"), "stages"
// (an array), "stage_sum_ms", "whole_ms", "remainder_ms", "env" and "parameter_set".
std::string format_breakdown_json(const Breakdown& b, const workbench::Environment& env,
                                  std::uint64_t seed);

}  // namespace lutfhe::bench
