#include "cli/compile_flags.hpp"

#include <cmath>

#include "cli/exit_codes.hpp"
#include "models/samples.hpp"

namespace lutfhe::cli {

double parse_p_error(const std::string& text, const std::string& option) {
  try {
    if (text.rfind("2^", 0) == 0) {
      std::size_t used = 0;
      const double e = std::stod(text.substr(2), &used);
      if (used == text.size() - 2 && e < 0.0) return e;
    } else {
      std::size_t used = 0;
      const double p = std::stod(text, &used);
      if (used == text.size() && p > 0.0 && p < 1.0) return std::log2(p);
    }
  } catch (const std::exception&) {
  }
  throw UsageError(option + " " + text + ": give a probability in (0, 1) such as 1e-12, or 2^-40");
}

void add_compile_flags(CLI::App* cmd, CompileFlags& f, bool global) {
  cmd->add_option("--p-error", f.p_error, "Failure probability per bootstrap (default 2^-40)");
  if (global) {
    cmd->add_option("--global-p-error", f.global_p_error,
                    "Failure probability of one whole evaluation instead");
  }
  cmd->add_option("--rounding-bits", f.rounding_bits,
                  "Most bits a table reads (default: chosen from the calibration data)")
      ->check(CLI::Range(1u, 16u));
  cmd->add_option("--rounding", f.rounding,
                  "exact (default: extra bootstraps, execute == simulate) or approximate (one "
                  "bootstrap, may be one table step off near rounding boundaries)")
      ->check(CLI::IsMember({"exact", "approximate"}));
  cmd->add_option("--ranges", f.ranges,
                  "sound (default: worst-case ranges, every input gives the model's result) or "
                  "calibrated (lookup inputs from the calibration data with headroom: narrower "
                  "tables; an accumulator beyond them wraps)")
      ->check(CLI::IsMember({"sound", "calibrated"}));
  cmd->add_option("--headroom", f.headroom,
                  "With --ranges calibrated: widen the calibrated ranges by 2^BITS (default 1)")
      ->check(CLI::Range(0u, 8u));
  workbench::add_param_options(cmd, f.params,
                               "A parameter set (name or .json file) instead of the search");
  auto& o = f.import;
  cmd->add_option("--weight-bits", o.weight_bits, "ONNX import: weight bits (default 6)")
      ->check(CLI::Range(2, 16));
  cmd->add_option("--activation-bits", o.activation_bits,
                  "ONNX import: activation bits (default 6)")
      ->check(CLI::Range(2, 16));
  cmd->add_option("--input-bits", o.input_bits, "ONNX import: input bits (default 6)")
      ->check(CLI::Range(2, 16));
  cmd->add_option("--accumulator-bits", o.accumulator_bits,
                  "ONNX import without the search: bound every lookup's accumulator to this "
                  "many bits by the weights' l1 norms (accumulator-aware quantization; default: "
                  "no bound, the search tries bounds itself)")
      ->check(CLI::Range(2, 24));
  cmd->add_option("--accuracy-target", f.accuracy_drop,
                  "ONNX import search: most accuracy points the circuit may lose against the "
                  "float model on held-out calibration samples (default 1)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--calibration-labels", f.calibration_labels,
                  "ONNX import search: labels of the calibration samples (one integer per line, "
                  "or IDX): accuracy instead of agreement with the float model");
  cmd->add_flag("--no-search", f.no_search,
                "ONNX import: no cost-aware search (default 6-bit quantization unless bits are "
                "given)");
  cmd->add_flag("--multi-bit", f.multi_bit,
                "Parameter search: also build multi-bit sets (grouping 2 and 3); the cost model "
                "ranks them, and on the machines measured so far they are slower");
  cmd->add_option("--calibration-percentile", o.percentile,
                  "ONNX import: activation ranges from this percentile (default 100: min/max)")
      ->check(CLI::Range(50.0, 100.0));
}

models::ModelCompileOptions compile_options(const CompileFlags& f, std::size_t count) {
  models::ModelCompileOptions m;
  m.search = !f.no_search;
  m.search_options.max_accuracy_drop = f.accuracy_drop / 100.0;
  m.search_options.max_disagreement = 5.0 * f.accuracy_drop / 100.0;
  if (!f.calibration_labels.empty()) {
    m.search_options.labels = models::load_labels(f.calibration_labels, count);
  }
  compiler::CompileOptions& o = m.compile;
  o.rounding_mode = f.rounding == "approximate" ? compiler::RoundingMode::kApproximate
                                                : compiler::RoundingMode::kExact;
  o.range_mode =
      f.ranges == "calibrated" ? compiler::RangeMode::kCalibrated : compiler::RangeMode::kSound;
  o.headroom_bits = f.headroom;
  if (f.multi_bit) o.search.max_grouping = 3;
  if (!f.p_error.empty() && !f.global_p_error.empty()) {
    throw UsageError("give --p-error or --global-p-error, not both");
  }
  if (!f.p_error.empty()) o.targets.log2_p_error = parse_p_error(f.p_error, "--p-error");
  if (!f.global_p_error.empty()) {
    o.targets.log2_global_p_error = parse_p_error(f.global_p_error, "--global-p-error");
  }
  if (f.rounding_bits) o.rounding_bits = f.rounding_bits;
  o.parameters = workbench::resolve_params_if_given(f.params);
  m.import = f.import;
  return m;
}

}  // namespace lutfhe::cli
