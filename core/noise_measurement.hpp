// Measuring the noise of the engine against the noise model (core/noise), stage by stage, and
// the failure rate of bootstraps on an enlarged message space. A client-side research tool:
// it generates its own throwaway keys from a printed seed and decrypts with them.
//
// Stages (errors are decrypted phase − expected plaintext, as signed torus values / 2^64):
//   fresh            ClientKey::encrypt under the big key         model: GLWE noise variance
//   keyswitch        after the server's (32-bit) key switch         model: fresh + KS + storage
//   modulus_switch   the rounding of the switch to 2N alone        model: noise::modulus_switch
//   at_modulus_switch  everything the blind rotation reads          model: at_modulus_switch
//   pbs              the KS-PBS output under the big key           model: programmable_bootstrap
//
// The model averages over keys. Stages that depend on the key (keyswitch, at_modulus_switch,
// pbs) spread their samples over `keys` independent key sets and take their confidence
// interval from the spread between keys (batch means, Student t with keys − 1 degrees of
// freedom), never narrower than the i.i.d. interval. modulus_switch draws a fresh small key for
// every sample, so its samples are i.i.d. over keys and the model's average is what it measures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/parameters.hpp"

namespace lutfhe::noise {

struct MeasurementOptions {
  std::size_t samples = 2000;  // per stage (rounded up to a multiple of `keys`)
  std::uint64_t seed = 1;      // every key, message and mask derives from it (test_seed)
  std::size_t keys = 8;        // independent key sets for the key-dependent stages
  int threads = 0;             // ≤ 0: OpenMP's default
  // Message bits of the failure-rate experiment; chosen by choose_failure_precision if empty.
  std::optional<unsigned> precision;
  double confidence = 0.99;           // of the variance / ratio intervals
  double failure_confidence = 0.999;  // of the failure-rate interval (Clopper–Pearson)
  // Test hook: multiplies every variance the model predicts (and the variance behind the
  // predicted p_fail), so a test can check that a wrong model is detected.
  double model_scale = 1.0;
  bool keep_errors = false;  // keep each stage's per-sample errors (histograms)
  // (done, total) over the bootstraps; may be called from several threads.
  std::function<void(std::size_t, std::size_t)> progress;
};

enum class Stage { kFresh, kKeyswitch, kModulusSwitch, kAtModulusSwitch, kBootstrap };

// "fresh", "keyswitch", "modulus_switch", "at_modulus_switch", "pbs".
std::string stage_name(Stage stage);
std::optional<Stage> parse_stage(const std::string& name);

struct StageMeasurement {
  Stage stage;
  std::string model_formula;  // which model function, e.g. "noise::programmable_bootstrap"
  std::size_t samples = 0;
  std::size_t keys = 0;   // independent keys the samples came from (0: a fresh key per sample)
  double mean = 0.0;      // of the error (torus units); the model assumes a centred error
  double variance = 0.0;  // second moment E[e²] (torus units, q²)
  double variance_low = 0.0, variance_high = 0.0;  // at MeasurementOptions::confidence
  double model_variance = 0.0;                     // already multiplied by model_scale
  double ratio = 0.0;                              // variance / model_variance
  double ratio_low = 0.0, ratio_high = 0.0;
  bool consistent = false;     // the ratio's interval contains 1
  std::vector<double> errors;  // torus units, when keep_errors
};

struct FailureMeasurement {
  unsigned precision = 0;   // message bits (plus the padding bit)
  double half_width = 0.0;  // Δ/2 = 2^-(precision+2), torus units
  std::size_t trials = 0;
  std::size_t failures = 0;
  double rate = 0.0;
  double rate_low = 0.0, rate_high = 0.0;  // Clopper–Pearson at failure_confidence
  double confidence = 0.0;
  double model_pfail = 0.0;  // erfc(Δ/2 / (√2·σ)), σ² = at_modulus_switch (× model_scale)
  // The same variance against the engine's integer boxes: the switched phase is round(x) of a
  // continuous x (the body's rounding comes last), and the box [−h, h) of the 2N-coefficient
  // ring accepts x in [−h − ½, h − ½). Matters when h is a few coefficients (TOY at 9 bits).
  double model_pfail_integer_box = 0.0;
  bool model_inside = false;              // model_pfail within [rate_low, rate_high]
  bool integer_box_model_inside = false;  // model_pfail_integer_box within it
};

struct NoiseReport {
  NoiseReport(ParameterSet p, MeasurementOptions o) : params(std::move(p)), options(std::move(o)) {}
  ParameterSet params;
  MeasurementOptions options;  // as run (samples rounded, precision filled in; no progress)
  int threads = 0;
  std::vector<StageMeasurement> stages;  // in Stage order
  FailureMeasurement failure;
  std::vector<std::size_t> small_key_weights;  // of the `keys` key sets
  double seconds = 0.0;

  const StageMeasurement& stage(Stage s) const;
  bool all_consistent() const;
};

// Runs every stage and the failure-rate experiment. Throws InvalidArgument on bad options
// (zero samples or keys, a precision the ring cannot hold, confidence outside (0, 1)).
NoiseReport measure_noise(const ParameterSet& params, const MeasurementOptions& options);

// Model p_fail of one KS-PBS of fresh inputs at `bits` of precision (× model_scale variance).
double model_failure_probability(const ParameterSet& params, unsigned bits,
                                 double model_scale = 1.0);
double model_failure_probability_integer_box(const ParameterSet& params, unsigned bits,
                                             double model_scale = 1.0);
// The precision whose model p_fail lies in [1e-3, 0.3] (the nearest in log scale when none
// does). Of several in range, the highest: its rate has the tightest relative interval, and the
// half-coefficient offset of the integer boxes (see model_pfail_integer_box) matters least
// away from the far tail (TOY: 10 bits, model 0.23; at 9 bits the offset adds 20%).
unsigned choose_failure_precision(const ParameterSet& params, double model_scale = 1.0);
// The largest precision a KS-PBS of this set can carry with a padding bit: log2(N) − 1.
unsigned max_failure_precision(const ParameterSet& params);

// Statistics used above, exposed for tests.
struct Interval {
  double low, high;
};
// Exact binomial interval for `successes` out of `trials` at the given two-sided confidence.
Interval clopper_pearson(std::size_t successes, std::size_t trials, double confidence);
// Quantiles: P(Z ≤ z) = p for a standard normal, P(T ≤ t) = p for Student's t.
double normal_quantile(double p);
double student_t_quantile(double p, double degrees_of_freedom);
// Regularized incomplete beta function I_x(a, b).
double incomplete_beta(double x, double a, double b);

}  // namespace lutfhe::noise
