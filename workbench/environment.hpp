// Where a benchmark ran: CPU, compiler, libraries and source revision, recorded in every JSON
// record so that results from different machines or builds are never compared unknowingly.
// Also the machine's peak double-precision rate, the denominator of the breakdown's
// "fraction of the floating-point floor".
#pragma once

#include <string>
#include <vector>

#include "core/parameters.hpp"

namespace lutfhe::workbench {

struct Environment {
  std::string cpu_model;               // /proc/cpuinfo "model name"
  std::vector<std::string> cpu_flags;  // the SIMD/FMA/bit-manipulation subset of "flags"
  int logical_cpus = 0;                // omp_get_num_procs()
  double cpuinfo_mhz = 0;              // /proc/cpuinfo "cpu MHz" of the first CPU (0: unknown)
  double nominal_ghz = 0;              // the "@ 2.10GHz" of the model name (0: not given)
  double measured_ghz = 0;             // dependent-add loop, see measure_core_ghz()
  std::string compiler_id, compiler_version, compiler_flags, build_type;
  bool compiled_avx512 = false;  // the kernels were compiled with AVX-512F (__AVX512F__)
  bool compiled_avx2 = false;
  std::string fftw_version;  // fftw_version symbol, "fftw-3.3.10-sse2-avx..."
  std::string git_commit;    // short hash at build time, "-dirty" if tracked files differed
  // Peak double-precision flops per cycle of one core: 2 (FMA) × SIMD lanes × FMA units,
  // lanes from the instruction set the kernels were compiled for and the CPU has (8 AVX-512,
  // 4 AVX2+FMA, 2 SSE2), 2 FMA units assumed (server cores with one AVX-512 FMA unit have half).
  double flops_per_cycle = 0;
  double peak_ghz = 0;  // measured_ghz, else nominal_ghz, else cpuinfo_mhz / 1000
  std::string peak_ghz_source;
  double peak_gflops() const { return flops_per_cycle * peak_ghz; }
  std::string peak_description() const;  // "32 flop/cycle (AVX-512: 2 FMA units x 8 ...) x ..."
};

// Collects the environment once per process (the clock measurement takes about 0.1 s) and
// caches it.
const Environment& environment();

// Cycles per second of one core, from a chain of dependent integer additions (one per cycle
// on every x86-64 core of the last decade) timed in process CPU time, so preemption by other
// load does not count. 0 where not measurable (non-x86-64).
double measure_core_ghz();

// The environment as a JSON object (no trailing newline).
std::string environment_json(const Environment& env);

}  // namespace lutfhe::workbench
