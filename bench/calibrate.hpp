// `lutfhe bench calibrate`: times single-thread KS-PBS on a few named sets, fits the cost
// model's constants to this host (compiler/host_calibration.hpp) and stores them where
// `lutfhe compile` and `lutfhe run` look for them to print a host estimate beside the
// built-in one.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "bench/bench_driver.hpp"
#include "compiler/host_calibration.hpp"

namespace lutfhe::bench {

struct CalibrateOptions {
  std::vector<std::string> sets;  // named classic sets; empty: default_calibration_sets()
  BenchOptions bench;             // timing (min time, repetitions, seed, quiet)
  std::filesystem::path out;      // empty: compiler::host_calibration_path()
};

// Measures, fits, prints a table (set, measured ms, built-in estimate, host estimate) to
// `out`, writes the calibration file; returns the calibration.
compiler::HostCalibration run_calibration(const CalibrateOptions& o, std::ostream& out,
                                          std::ostream& err);

}  // namespace lutfhe::bench
