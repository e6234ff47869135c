// `lutfhe bench sweep`: KS-PBS latency over the cartesian product of lists of parameter
// values, e.g.
//
//   lutfhe bench sweep --params PBS_4BIT --N 512,1024,2048 --pbs-levels 1,2,3 --out sweep
//
// Each point is a copy of the base set with the swept fields replaced (named
// "PBS_4BIT[N=1024,pbs_levels=2]"); points that check_parameters rejects, or whose keys
// cannot be made, are kept in the outputs with their reason and no timing. The noise
// distributions are the base set's, not adapted: a point's security and failure probability
// are NOT those of the base set (every record says so); only the latency is measured.
// Writes PREFIX.csv, PREFIX.json (with the environment) and PREFIX.svg (latency against the
// first swept field, one line per value of the second, or per combination of the others).
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

#include "bench/bench_driver.hpp"
#include "core/parameters.hpp"

namespace lutfhe::bench {

// The fields a sweep may vary, by their JSON/CSV names; the flags are "--" + the name with
// '_' as '-' (--n, --k, --N, --pbs-base-log, --pbs-levels, --ks-base-log, --ks-levels).
std::span<const char* const> sweep_fields();

struct SweepAxis {
  std::string field;  // one of sweep_fields()
  std::vector<std::size_t> values;
};

struct SweepOptions {
  std::string base = "PBS_4BIT";  // --params: a set name or a .json parameter file
  ParameterSet base_set = find_parameter_set("PBS_4BIT");  // `base`, resolved
  std::vector<SweepAxis> axes;          // in command-line order; the first is the plot's x axis
  std::filesystem::path out = "sweep";  // prefix of the three files
  BenchOptions bench;                   // min time / iterations / repetitions / seed / quiet
};

struct SweepPoint {
  std::vector<std::size_t> values;  // one per axis
  ParameterSet params;
  std::string status;  // "ok", "rejected" (check_parameters), "failed" (key generation, run)
  std::string note;    // the reason when not ok
  double ms_per_op = 0, ops_per_s = 0, cpu_share = 0, keygen_s = 0;
  std::size_t ops = 0;
};

// A copy of `base` with `field` set to `value` (no validation).
void set_sweep_field(ParameterSet& p, const std::string& field, std::size_t value);
std::size_t get_sweep_field(const ParameterSet& p, const std::string& field);

// Measures every point (progress on `err` unless quiet).
std::vector<SweepPoint> run_sweep(const SweepOptions& options, std::ostream& err);
// Writes PREFIX.csv, PREFIX.json and PREFIX.svg.
void write_sweep_outputs(const SweepOptions& options, const std::vector<SweepPoint>& points);

// run + write + a summary table on `out`; exit codes as run_bench.
int run_sweep_command(const SweepOptions& options, std::ostream& out, std::ostream& err);

}  // namespace lutfhe::bench
