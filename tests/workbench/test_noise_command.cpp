// `lutfhe noise` and core/noise_measurement: every stage of a KS-PBS agrees with the noise model
// within the measurement's own confidence interval (no hand-picked slack); a model scaled by 4
// or by 1/4 is caught; the failure rate on an enlarged message space brackets the model's
// p_fail; the statistics behind the intervals; the command's exit codes and JSON.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "core/noise_measurement.hpp"
#include "core/parameters.hpp"
#include "tests/support/cli_runner.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe {
namespace {

using noise::MeasurementOptions;
using noise::NoiseReport;
using noise::Stage;

// The confidence of every check: a correct model fails one stage about once in a thousand runs
// (fixed seeds make each run repeatable).
constexpr double kConfidence = 0.999;

void print(const NoiseReport& r) {
  for (const auto& s : r.stages) {
    std::printf("NOISE %-10s %-18s %zu samples, %zu keys: ratio %.4f [%.4f, %.4f]%s\n",
                r.params.name.c_str(), noise::stage_name(s.stage).c_str(), s.samples, s.keys,
                s.ratio, s.ratio_low, s.ratio_high, s.consistent ? "" : "  INCONSISTENT");
  }
  const auto& f = r.failure;
  std::printf(
      "FAILRATE %-10s %u bits: %zu / %zu = %.4f, %.1f%% CI [%.4f, %.4f], model %.4f%s, "
      "integer-box model %.4f%s\n",
      r.params.name.c_str(), f.precision, f.failures, f.trials, f.rate, 100 * f.confidence,
      f.rate_low, f.rate_high, f.model_pfail, f.model_inside ? "" : " (outside)",
      f.model_pfail_integer_box, f.integer_box_model_inside ? "" : " (outside)");
  std::fflush(stdout);
}

NoiseReport measure(const std::string& set, std::size_t samples, std::size_t keys,
                    std::uint64_t seed, double model_scale = 1.0,
                    std::optional<unsigned> precision = std::nullopt) {
  MeasurementOptions o;
  o.samples = samples;
  o.keys = keys;
  o.seed = seed;
  o.confidence = kConfidence;
  o.model_scale = model_scale;
  o.precision = precision;
  NoiseReport r = noise::measure_noise(find_parameter_set(set), o);
  print(r);
  return r;
}

void expect_every_stage_consistent(const NoiseReport& r) {
  for (const auto& s : r.stages) {
    EXPECT_TRUE(s.consistent) << r.params.name << " " << noise::stage_name(s.stage)
                              << ": variance ratio " << s.ratio << " with " << kConfidence
                              << " interval [" << s.ratio_low << ", " << s.ratio_high << "] (seed "
                              << r.options.seed << ")";
    EXPECT_EQ(s.samples, r.options.samples);
  }
}

// ---------------------------------------------------------------------------------------------

TEST(NoiseCommandToy, EveryStageAndTheFailureRateMatchTheModel) {
  const NoiseReport r = measure("TOY", 2000, 8, 601);
  expect_every_stage_consistent(r);
  // TOY's modulus-switch σ is ~1.7 coefficients: 10-bit boxes (half-width 2) fail ~23% of the
  // time, 9-bit ones (half-width 4) ~1.6%; the chooser takes the higher rate.
  EXPECT_EQ(r.failure.precision, 10u);
  EXPECT_GT(r.failure.failures, 0u);
  EXPECT_TRUE(r.failure.model_inside) << "model p_fail " << r.failure.model_pfail << " outside ["
                                      << r.failure.rate_low << ", " << r.failure.rate_high << "]";
  EXPECT_EQ(r.small_key_weights.size(), 8u);
}

TEST(NoiseCommandToy, SameSeedSameNumbersWhateverTheThreads) {
  MeasurementOptions o;
  o.samples = 64;
  o.keys = 2;
  o.seed = 602;
  o.keep_errors = true;
  o.threads = 1;
  const NoiseReport one = noise::measure_noise(find_parameter_set("TOY"), o);
  o.threads = 2;
  const NoiseReport two = noise::measure_noise(find_parameter_set("TOY"), o);
  for (std::size_t i = 0; i < one.stages.size(); ++i) {
    EXPECT_EQ(one.stages[i].errors, two.stages[i].errors) << noise::stage_name(one.stages[i].stage);
  }
  EXPECT_EQ(one.failure.failures, two.failure.failures);
}

TEST(NoiseCommandPbs2Bit, EveryStageMatchesTheModel) {
  // A real (TFHE-rs) set: ~8 ms per KS-PBS, 1200 of them over 8 key sets.
  const NoiseReport r = measure("PBS_2BIT", 1200, 8, 611);
  expect_every_stage_consistent(r);
  EXPECT_GE(r.failure.model_pfail, 1e-3);
  EXPECT_LE(r.failure.model_pfail, 0.3);
  EXPECT_TRUE(r.failure.model_inside);
}

// A model off by 4× in variance (2× in σ) either way is detected at every stage, and its
// p_fail falls outside the failure-rate interval.
TEST(NoiseCommandWrongModel, ScaledModelIsDetected) {
  for (double scale : {4.0, 0.25}) {
    SCOPED_TRACE("model_scale " + std::to_string(scale));
    const NoiseReport r = measure("TOY", 800, 8, 621, scale, 10u);
    for (const auto& s : r.stages) {
      EXPECT_FALSE(s.consistent) << noise::stage_name(s.stage) << ": ratio " << s.ratio << " ["
                                 << s.ratio_low << ", " << s.ratio_high << "]";
    }
    EXPECT_FALSE(r.all_consistent());
    EXPECT_FALSE(r.failure.model_inside) << "scaled p_fail " << r.failure.model_pfail;
  }
}

// ---------------------------------------------------------------------------------------------

TEST(NoiseStatistics, ClopperPearsonKnownValues) {
  // 0 of 10 at 95%: upper = 1 − 0.025^(1/10); 10 of 10: lower = 0.025^(1/10).
  const auto zero = noise::clopper_pearson(0, 10, 0.95);
  EXPECT_EQ(zero.low, 0.0);
  EXPECT_NEAR(zero.high, 1.0 - std::pow(0.025, 0.1), 1e-9);
  const auto all = noise::clopper_pearson(10, 10, 0.95);
  EXPECT_NEAR(all.low, std::pow(0.025, 0.1), 1e-9);
  EXPECT_EQ(all.high, 1.0);
  // 5 of 10 at 95%: [0.187086, 0.812914] (the textbook value).
  const auto half = noise::clopper_pearson(5, 10, 0.95);
  EXPECT_NEAR(half.low, 0.187086, 1e-5);
  EXPECT_NEAR(half.high, 0.812914, 1e-5);
  // The interval's ends are where the binomial tails equal α/2.
  const auto mid = noise::clopper_pearson(37, 2000, 0.999);
  EXPECT_NEAR(1.0 - testing::binomial_cdf(36, 2000, mid.low), 0.0005, 1e-6);
  EXPECT_NEAR(testing::binomial_cdf(37, 2000, mid.high), 0.0005, 1e-6);
}

TEST(NoiseStatistics, Quantiles) {
  EXPECT_NEAR(noise::normal_quantile(0.975), 1.959964, 1e-5);
  EXPECT_NEAR(noise::normal_quantile(0.9995), 3.290527, 1e-5);
  EXPECT_NEAR(noise::student_t_quantile(0.975, 10), 2.228139, 1e-5);
  EXPECT_NEAR(noise::student_t_quantile(0.9995, 7), 5.407883, 1e-4);
  EXPECT_NEAR(noise::student_t_quantile(0.025, 3), -3.182446, 1e-5);
  EXPECT_NEAR(noise::incomplete_beta(0.3, 2.0, 3.0), 0.3483, 1e-4);
}

TEST(NoiseStatistics, PrecisionChoiceAndOptionChecks) {
  for (const ParameterSet& p : parameter_sets()) {
    const unsigned bits = noise::choose_failure_precision(p);
    const double pf = noise::model_failure_probability(p, bits);
    SCOPED_TRACE(p.name + " at " + std::to_string(bits) + " bits: " + std::to_string(pf));
    EXPECT_LE(bits, noise::max_failure_precision(p));
    // Every set's ring is small enough against its noise to fail measurably somewhere.
    EXPECT_GE(pf, 1e-3);
    EXPECT_LE(pf, 0.3);
  }
  MeasurementOptions o;
  o.samples = 0;
  EXPECT_THROW(noise::measure_noise(find_parameter_set("TOY"), o), InvalidArgument);
  o.samples = 10;
  o.precision = 12;  // N = 4096: at most 11 bits with a padding bit
  EXPECT_THROW(noise::measure_noise(find_parameter_set("TOY"), o), InvalidArgument);
}

// ---------------------------------------------------------------------------------------------

TEST(NoiseCommandCli, TableJsonAndPlot) {
  const auto dir = std::filesystem::temp_directory_path() / "lutfhe_noise_cli_test";
  std::filesystem::create_directories(dir);
  const auto svg = dir / "pbs.svg";
  const auto r = testing::run_cli({"noise", "--params", "TOY", "--samples", "64", "--keys", "2",
                                   "--seed", "7", "--json", "--plot", svg.string(), "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  for (const char* key : {"\"params\"", "\"stages\"", "\"at_modulus_switch\"", "\"failure_rate\"",
                          "\"model_pfail\"", "\"environment\"", "\"fftw_version\""}) {
    EXPECT_NE(r.out.find(key), std::string::npos) << key << " missing from " << r.out;
  }
  EXPECT_EQ(r.out.front(), '{');
  EXPECT_TRUE(std::filesystem::exists(svg));
  const auto table = testing::run_cli({"noise", "--params", "TOY", "--samples", "64", "--keys", "2",
                                       "--plot-stage", "at_modulus_switch", "-q"});
  ASSERT_EQ(table.exit_code, 0) << table.describe();
  EXPECT_NE(table.out.find("within tolerance?"), std::string::npos);
  EXPECT_NE(table.out.find("failure rate at"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(NoiseCommandCli, BadArgumentsExitTwoWithOneLine) {
  const std::vector<std::vector<std::string>> bad = {
      {"noise", "--params", "NOPE"},
      {"noise", "--params", "TOY", "--samples", "1"},
      {"noise", "--params", "TOY", "--precision", "12"},
      {"noise", "--params", "TOY", "--plot-stage", "nowhere", "--samples", "4"},
      {"noise", "--samples", "10"},
  };
  for (const auto& args : bad) {
    const auto r = testing::run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_EQ(r.err_lines().size(), 1u) << r.describe();
  }
}

// ---------------------------------------------------------------------------------------------
// Large: more samples and the bigger sets (LUTFHE_LARGE_SAMPLES bounds the counts).

TEST(NoiseCommandLarge, Pbs4BitAndBool128) {
  expect_every_stage_consistent(measure("PBS_4BIT", testing::large_samples(4000), 8, 631));
  expect_every_stage_consistent(measure("BOOL_128", testing::large_samples(4000), 8, 632));
}

TEST(NoiseCommandLarge, ToyNineBitsNeedsTheIntegerBoxes) {
  // TOY at 9 bits (half-width 4 coefficients against σ ≈ 1.7): the ±½ offset of the integer
  // boxes raises the rate ~20% above erfc(h/√2σ); the integer-box prediction from the same
  // model variance must hold.
  const NoiseReport r = measure("TOY", testing::large_samples(20000), 16, 641, 1.0, 9u);
  expect_every_stage_consistent(r);
  EXPECT_TRUE(r.failure.integer_box_model_inside);
}

}  // namespace
}  // namespace lutfhe
