// The compiler's entry point: range analysis, the choice of rounding bits, the encrypted plan
// and the parameter set, with a report of every decision.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "compiler/clear_evaluator.hpp"
#include "compiler/compiled_circuit.hpp"
#include "compiler/cost_model.hpp"
#include "compiler/parameter_search.hpp"
#include "compiler/range_analysis.hpp"

namespace lutfhe::compiler {

// Where the compiler takes each node's range from (compiler/README.md, "One semantics").
enum class RangeMode : std::uint8_t {
  // Worst-case interval arithmetic from the declared input ranges (which the client clamps to):
  // no value can leave its range, so clear (compiled semantics), simulate and execute agree on
  // every input. Calibration only chooses the rounding.
  kSound = 0,
  // Lookup and round inputs take the calibrated range widened by headroom_bits (capped at the
  // worst case); every other node stays worst-case, given those. Narrower tables; an input
  // whose accumulator leaves the widened range wraps (simulate and execute still agree, the
  // model does not).
  kCalibrated = 1,
};

struct CompileOptions {
  FailureTargets targets;  // default: p_fail ≤ 2^-40 for every bootstrap
  RangeMode range_mode = RangeMode::kSound;
  unsigned headroom_bits = 1;  // kCalibrated
  // Lookups with one function per channel give each channel its own range and rounding (its
  // input scaled up to fill the common table width): finer tables for channels whose values
  // span less than the widest.
  bool per_channel_ranges = true;
  // r: the most bits any table reads. Unset: chosen from the calibration data (the cheapest r
  // in [min, max] whose outputs agree with the clear model on at least min_agreement of the
  // samples), or default_rounding_bits without calibration data.
  std::optional<unsigned> rounding_bits;
  RoundingMode rounding_mode = RoundingMode::kExact;
  unsigned min_rounding_bits = 2;
  unsigned max_rounding_bits = 8;
  unsigned default_rounding_bits = 6;
  double min_agreement = 0.99;
  // Approximate rounding: the chosen r must also reach min_agreement when the noise model's
  // errors are injected into every bootstrap (simulate with inject_errors), measured on at most
  // this many calibration samples, cheapest candidate first; one noise draw is a sample, so it
  // is the lower end of the agreement's 95% (Wilson) interval that must reach min_agreement.
  // 0 turns the check off.
  std::size_t noisy_agreement_samples = 8000;
  std::uint64_t noisy_agreement_seed = 0x6c75746668650001;
  // A fixed parameter set instead of the search (a named set; TOY in tests).
  std::optional<ParameterSet> parameters;
  SearchSpace search;
  CostModel cost;
};

// One value of r that was considered.
struct RoundingCandidate {
  unsigned rounding_bits = 0;
  double agreement = 1.0;  // argmax (one vector output) or exact-output agreement
  // Approximate rounding: the same agreement with the noise model's errors injected (simulate
  // with inject_errors) and the lower end of its 95% interval; measured for candidates in cost
  // order until one passes.
  std::optional<double> noisy_agreement;
  std::optional<double> noisy_agreement_low;
  double mean_abs_error = 0.0;  // mean |rounded − clear| over output elements
  std::size_t bootstraps = 0;
  std::optional<ParameterCandidate> parameters;  // cheapest feasible set, if any
  std::string infeasible_reason;
  double estimated_ms = 0.0;  // bootstraps × ms per bootstrap (one thread)
};

struct LayerReport {
  NodeId node = 0;
  std::string label;  // "lookup 'fc1.act'"
  Shape shape;
  Range input_range;          // range entering the rounding / lookup
  unsigned accumulator_bits;  // width of that range
  unsigned round_bits;        // k
  unsigned table_bits;        // q
  std::vector<unsigned> chunks;
  std::size_t bootstraps;              // per evaluation
  double worst_log2_pfail;             // over this node's bootstraps
  double approximate_step_rate = 0.0;  // approximate lookups: predicted off-by-one-step rate
};

struct CompileReport {
  bool calibrated = false;
  RangeMode range_mode = RangeMode::kSound;
  std::size_t calibration_samples = 0;
  std::vector<RoundingCandidate> candidates;
  unsigned rounding_bits = 0;
  RoundingMode rounding_mode = RoundingMode::kExact;
  std::vector<LayerReport> layers;
  std::vector<ParameterCandidate> alternatives;  // feasible sets for the chosen r, cheapest first
  std::optional<ParameterSet> params;
  FailureTargets targets;
  double ms_per_bootstrap = 0.0;
  std::size_t bootstraps = 0;
  double estimated_ms = 0.0;  // one thread
  double worst_log2_pfail = 0.0;
  double log2_circuit_pfail = 0.0;
  double evaluation_key_bytes = 0.0;
  double ciphertext_bytes = 0.0;
  std::size_t input_ciphertexts = 0;
  std::size_t output_ciphertexts = 0;

  // A readable multi-line report.
  std::string text() const;
};

struct CompileResult {
  CompiledCircuit compiled;
  CompileReport report;
};

// `model` holds the quantized model with round bits 0 on its lookups. `calibration` may be
// empty (worst-case ranges are then used).
CompileResult compile(const Circuit& model, std::span<const Sample> calibration,
                      const CompileOptions& options = {});

// How a circuit's ranges are computed under CompileOptions::range_mode.
class RangePolicy {
 public:
  RangePolicy(RangeMode mode, unsigned headroom_bits, std::span<const Sample> calibration)
      : mode_(mode), headroom_bits_(headroom_bits), calibration_(calibration) {}
  RangeSet ranges(const Circuit& circuit, RoundingSemantics semantics) const;
  RangeMode mode() const { return mode_; }

 private:
  RangeMode mode_;
  unsigned headroom_bits_;
  std::span<const Sample> calibration_;
};

// Sets every lookup's round bits for r (per channel, with `per_channel`, for lookups with one
// function per channel whose channels need different rounding) and returns the ranges of the
// rounded circuit (the fixed point of rounding and range analysis, hulled with `base`).
RangeSet apply_rounding(Circuit& circuit, const RangeSet& base, unsigned r,
                        const RangePolicy& policy, bool per_channel = true);

// The circuit with its lookups' functions replaced by the plan's tables (what is stored).
Circuit materialize_tables(const Circuit& rounded, std::span<const NodePlan> plans);

}  // namespace lutfhe::compiler
