// The cost model fitted to this host: `lutfhe bench calibrate` times single-thread KS-PBS on a
// few named sets, fits the two constants of cost_model.hpp to them (relative least squares,
// as the built-in constants were fitted on the development machine) and stores the result in
// a small JSON file. Estimates shown to the user (`lutfhe compile`, `lutfhe run`) then add the
// host's figure; every decision (parameter ranking, rounding, the demo's model) keeps the
// built-in CostModel, so that a compiled circuit does not depend on the machine it was
// compiled on.
//
// The file (cost-model.json), at $LUTFHE_COST_MODEL if set, else
// $XDG_CACHE_HOME/lutfhe/cost-model.json, else $HOME/.cache/lutfhe/cost-model.json:
//   {"format": "lutfhe-cost-model-v1", "cpu_model": "...", "measured_at": "2026-12-06T12:00:00Z",
//    "ms_per_mflop_blind_rotation": 0.05, "ms_per_mop_keyswitch": 0.08,
//    "ms_per_mib_multi_bit_key": 0.15,
//    "points": [{"params": "PBS_4BIT", "measured_ms": 11.9}, ...]}
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/cost_model.hpp"
#include "core/parameters.hpp"

namespace lutfhe::compiler {

struct CalibrationPoint {
  std::string params;  // a named set
  double measured_ms = 0.0;
};

struct HostCalibration {
  CostModel model;
  std::string cpu_model;    // as /proc/cpuinfo names it (workbench::environment())
  std::string measured_at;  // UTC, ISO 8601
  std::vector<CalibrationPoint> points;
};

// The named sets `lutfhe bench calibrate` times by default: classic sets of different shapes
// (k = 1 … 4, N = 512 … 2048, the key switch a large or a small share of the time).
std::vector<std::string> default_calibration_sets();

// a and b of CostModel minimising Σ_i (estimate_i / measured_i − 1)² over the points (each a
// named set and its single-thread KS-PBS time); when that puts either below zero (noise on
// the key switch's small share), `base`'s a and b scaled by the one factor that fits best.
// `base` gives the multi-bit term, which is kept. InvalidArgument for fewer than two classic
// sets, unknown names, non-positive times, or points that do not separate the two terms.
CostModel fit_cost_model(std::span<const CalibrationPoint> points, const CostModel& base = {});

// Where the calibration is read from and written to (see above); empty when neither
// LUTFHE_COST_MODEL, XDG_CACHE_HOME nor HOME is set.
std::filesystem::path host_calibration_path();

// Atomic write of the JSON file (its directory is created).
void save_host_calibration(const std::filesystem::path& path, const HostCalibration& c);

// The calibration stored at `path`: nullopt when there is no such file; InvalidArgument with
// one line naming the file when it is malformed (at most 64 KiB, known format, positive
// constants).
std::optional<HostCalibration> load_host_calibration(const std::filesystem::path& path);

// The host calibration to use for estimates on a CPU called `cpu_model`: the file at
// host_calibration_path() when it exists, parses, and was measured on the same CPU model.
// `note` (if given) receives why none is used when one exists ("calibrated on another CPU
// ...", "unreadable: ..."), or is left empty.
std::optional<HostCalibration> host_calibration_for(std::string_view cpu_model,
                                                    std::string* note = nullptr);

}  // namespace lutfhe::compiler
