// The compiler's options as `lutfhe compile`, `lutfhe predict` and `lutfhe demo` take them:
//
//   --p-error P | --global-p-error P   failure target (2^-40 or 1e-12 style)
//   --rounding exact|approximate       exact: execute == simulate; approximate: one bootstrap
//   --rounding-bits R                  the most bits a table reads (default: chosen)
//   --ranges sound|calibrated          worst-case ranges (default), or calibrated lookup inputs
//   --headroom BITS                    with --ranges calibrated: widen them by 2^BITS (default 1)
//   --params NAME|FILE.json + fields   a parameter set instead of the search
//   --weight-bits --activation-bits --input-bits --calibration-percentile   ONNX import
//   --accuracy-target POINTS --calibration-labels FILE --no-search          cost-aware import
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "models/model_compilation.hpp"
#include "workbench/param_options.hpp"

namespace lutfhe::cli {

struct CompileFlags {
  std::string p_error;
  std::string global_p_error;
  unsigned rounding_bits = 0;
  std::string rounding = "exact";
  std::string ranges = "sound";
  unsigned headroom = 1;
  workbench::ParamOptions params;
  models::ModelImportOptions import;
  bool no_search = false;
  bool multi_bit = false;
  double accuracy_drop = 1.0;  // percentage points
  std::string calibration_labels;
};

// Registers the flags above on `cmd` (`global` adds --global-p-error).
void add_compile_flags(CLI::App* cmd, CompileFlags& flags, bool global = true);

// The options they describe (UsageError naming the flag for a bad value); `count` is the number
// of calibration samples used (labels are read for as many).
models::ModelCompileOptions compile_options(const CompileFlags& flags, std::size_t count = 0);

// "2^-40" or a probability in (0, 1) such as 1e-12 → its log2; UsageError naming `option`
// otherwise.
double parse_p_error(const std::string& text, const std::string& option);

}  // namespace lutfhe::cli
