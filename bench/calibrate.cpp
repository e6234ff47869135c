#include "bench/calibrate.hpp"

#include <chrono>
#include <ctime>
#include <iomanip>

#include "core/errors.hpp"
#include "workbench/environment.hpp"

namespace lutfhe::bench {
namespace {

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

compiler::HostCalibration run_calibration(const CalibrateOptions& o, std::ostream& out,
                                          std::ostream& err) {
  const std::vector<std::string> names =
      o.sets.empty() ? compiler::default_calibration_sets() : o.sets;
  const std::filesystem::path path = o.out.empty() ? compiler::host_calibration_path() : o.out;
  if (path.empty()) {
    throw UsageError(
        "bench calibrate: no place for the calibration (set HOME, XDG_CACHE_HOME or "
        "LUTFHE_COST_MODEL, or give --out)");
  }
  compiler::HostCalibration c;
  c.cpu_model = workbench::environment().cpu_model;
  c.measured_at = utc_now();
  for (const std::string& name : names) {
    const ParameterSet& p = find_parameter_set(name);
    const ProgressCallback none;
    if (!o.bench.quiet) err << "bench calibrate: " << name << "...\n";
    const BenchFixture fixture(p, o.bench.seed, none);
    const BenchResult r = measure_op(fixture, BenchOp::kKsPbs, 1, o.bench);
    c.points.push_back({name, r.ms_per_op()});
  }
  c.model = compiler::fit_cost_model(c.points);
  out << "# cost-model calibration on " << c.cpu_model << " (" << c.measured_at
      << "), single-thread KS-PBS\n";
  out << std::left << std::setw(18) << "set" << std::right << std::setw(12) << "measured ms"
      << std::setw(14) << "built-in est" << std::setw(8) << "ratio" << std::setw(12) << "host est"
      << std::setw(8) << "ratio"
      << "\n";
  for (const compiler::CalibrationPoint& pt : c.points) {
    const ParameterSet& p = find_parameter_set(pt.params);
    const double builtin = compiler::estimate_ks_pbs_ms(p);
    const double host = compiler::estimate_ks_pbs_ms(p, c.model);
    out << std::left << std::setw(18) << pt.params << std::right << std::fixed
        << std::setprecision(2) << std::setw(12) << pt.measured_ms << std::setw(14) << builtin
        << std::setw(8) << pt.measured_ms / builtin << std::setw(12) << host << std::setw(8)
        << pt.measured_ms / host << "\n";
  }
  out << std::setprecision(6) << "# fitted: " << c.model.ms_per_mflop_blind_rotation
      << " ms per Mflop of blind rotation, " << c.model.ms_per_mop_keyswitch
      << " ms per M key-switch ops (built-in " << compiler::CostModel{}.ms_per_mflop_blind_rotation
      << ", " << compiler::CostModel{}.ms_per_mop_keyswitch << ")\n";
  compiler::save_host_calibration(path, c);
  out << "# written to " << path.string()
      << " (estimates only: parameter choices keep the built-in model)\n";
  return c;
}

}  // namespace lutfhe::bench
