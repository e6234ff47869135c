// Google Benchmark micro-benchmarks: the negacyclic FFT per ring size, and each part of a
// bootstrap per parameter set. Keys are generated once per parameter set from the fixed
// seed kDefaultBenchSeed (and only for the sets a --benchmark_filter selects). Every
// benchmark records its parameters as counters and the set's display name as its label.
//
//   build-bench/bench/lutfhe_micro_bench --benchmark_filter='pbs/PBS_4BIT'
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "bench/flop_floor.hpp"
#include "bench/workload.hpp"
#include "core/random.hpp"
#include "fft/aligned.hpp"
#include "fft/negacyclic_fft.hpp"

namespace lutfhe::bench {
namespace {

constexpr const char* kParameterSets[] = {"TFHE_LIB", "BOOL_128", "PBS_2BIT", "PBS_4BIT", "TOY"};

const BenchFixture& fixture_for(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<BenchFixture>> cache;
  const std::lock_guard lock(mutex);
  auto& slot = cache[name];
  if (!slot) slot = std::make_unique<BenchFixture>(find_parameter_set(name), kDefaultBenchSeed);
  return *slot;
}

// Counters are summed over benchmark threads unless averaged: parameters are per thread.
benchmark::Counter parameter(std::size_t value) {
  return benchmark::Counter(static_cast<double>(value), benchmark::Counter::kAvgThreads);
}

void record_parameters(benchmark::State& state, const ParameterSet& p) {
  state.SetLabel(p.display_name() + " seed=" + std::to_string(kDefaultBenchSeed));
  state.counters["n"] = parameter(p.n.value());
  state.counters["k"] = parameter(p.k.value());
  state.counters["N"] = parameter(p.N.value());
  state.counters["pbs_base_log"] = parameter(p.pbs.base_log.value());
  state.counters["pbs_levels"] = parameter(p.pbs.levels.value());
  state.counters["ks_base_log"] = parameter(p.ks.base_log.value());
  state.counters["ks_levels"] = parameter(p.ks.levels.value());
}

void record_flops(benchmark::State& state, double flops_per_op) {
  state.counters["flops_floor"] = benchmark::Counter(flops_per_op, benchmark::Counter::kAvgThreads);
  // flops × all threads' iterations / time: the achieved rate.
  state.counters["FLOP/s"] =
      benchmark::Counter(flops_per_op, benchmark::Counter::kIsIterationInvariantRate |
                                           benchmark::Counter::kAvgThreads);
}

// One operation of the bootstrap on a parameter set; each benchmark thread owns its runner.
void bm_op(benchmark::State& state, BenchOp op, const std::string& params) {
  const BenchFixture& fixture = fixture_for(params);
  const auto runner = make_runner(op, fixture);
  for (auto _ : state) runner->run();
  record_parameters(state, fixture.parameters());
  record_flops(state, flop_floor(op, fixture.parameters()));
}

AlignedVector<std::int64_t> random_digits(std::size_t n) {
  RandomStream rng(test_seed(kDefaultBenchSeed), StreamPurpose::kMask);
  AlignedVector<std::int64_t> v(n);
  // Digits as the external product feeds them: signed, |d| ≤ 2^9 (a common B/2).
  for (auto& x : v) x = static_cast<std::int64_t>(rng.next_u64() % 1024) - 512;
  return v;
}

// The hot-path forward transform: a decomposed digit polynomial (int64) to N/2 values.
void bm_fft_forward(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const NegacyclicFft& fft = NegacyclicFft::for_size(n);
  const auto in = random_digits(n);
  AlignedVector<Complex> out(n / 2);
  for (auto _ : state) {
    fft.forward_i64(out, in);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["N"] = parameter(n);
  record_flops(state, fft_flops(n));
}

// The hot-path inverse transform, rounded and added to a torus polynomial. The inverse
// destroys its input, so every iteration first restores it: the timing includes copying N/2
// complex values (N·8 bytes, from L1/L2).
void bm_fft_backward(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const NegacyclicFft& fft = NegacyclicFft::for_size(n);
  AlignedVector<Complex> pristine(n / 2);
  fft.forward_i64(pristine, random_digits(n));
  AlignedVector<Complex> work(n / 2);
  AlignedVector<Torus> out(n, 0);
  for (auto _ : state) {
    std::copy(pristine.begin(), pristine.end(), work.begin());
    fft.backward_add_torus(out, work);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["N"] = parameter(n);
  record_flops(state, fft_flops(n));
}

void register_benchmarks() {
  benchmark::RegisterBenchmark("fft_forward", bm_fft_forward)
      ->ArgName("N")
      ->RangeMultiplier(2)
      ->Range(512, 8192)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("fft_backward", bm_fft_backward)
      ->ArgName("N")
      ->RangeMultiplier(2)
      ->Range(512, 8192)
      ->Unit(benchmark::kMicrosecond);

  struct OpSpec {
    BenchOp op;
    benchmark::TimeUnit unit;
    bool threads;  // also run with 2 threads, each its own runner (throughput)
  };
  constexpr OpSpec kOps[] = {
      {BenchOp::kExternalProduct, benchmark::kMicrosecond, false},
      {BenchOp::kBlindRotate, benchmark::kMillisecond, false},
      {BenchOp::kKeyswitch, benchmark::kMicrosecond, false},
      {BenchOp::kPbs, benchmark::kMillisecond, false},
      {BenchOp::kKsPbs, benchmark::kMillisecond, true},
      {BenchOp::kGateNand, benchmark::kMillisecond, false},
  };
  for (const char* set : kParameterSets) {
    const ParameterSet& p = find_parameter_set(set);
    for (const OpSpec& spec : kOps) {
      if (!op_applies(spec.op, p)) continue;
      const std::string name = std::string(op_name(spec.op)) + "/" + set;
      auto* b = benchmark::RegisterBenchmark(name.c_str(), bm_op, spec.op, std::string(set));
      b->Unit(spec.unit)->UseRealTime();
      if (spec.threads) b->ThreadRange(1, 2);
    }
  }
}

}  // namespace
}  // namespace lutfhe::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  lutfhe::bench::register_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
