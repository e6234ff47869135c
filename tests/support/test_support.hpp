// Shared helpers for the GoogleTest suites: printed fixed seeds, a deterministic source of test
// data, keys generated once per process, and the statistics the noise tests need.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/client_key.hpp"
#include "core/parameters.hpp"
#include "core/random.hpp"
#include "core/server_key.hpp"
#include "core/types.hpp"

namespace lutfhe::testing {

// "test_seed(17) = 1100…7e": what a failure message shows so the run can be reproduced.
std::string seed_note(std::uint64_t seed);

// Adds the seed to every failure reported in the enclosing scope.
#define LUTFHE_TRACE_SEED(seed) SCOPED_TRACE(::lutfhe::testing::seed_note(seed))

// Deterministic test data (never secrets): a ChaCha20 stream keyed by test_seed(seed).
class TestRng {
 public:
  explicit TestRng(std::uint64_t seed) : stream_(test_seed(seed), StreamPurpose::kMask) {}

  std::uint64_t u64() { return stream_.next_u64(); }
  // Uniform in [0, bound), bound ≥ 1 (rejection sampling, no modulo bias).
  std::uint64_t below(std::uint64_t bound);
  // Uniform in [−2^(bits−1), 2^(bits−1)), 1 ≤ bits ≤ 64.
  std::int64_t signed_bits(unsigned bits);
  bool coin() { return (u64() & 1) != 0; }
  double unit() { return stream_.next_unit(); }
  double normal() { return stream_.next_standard_normal(); }
  std::vector<Torus> torus_vector(std::size_t n);
  RandomStream& stream() { return stream_; }

 private:
  RandomStream stream_;
};

// The signed (centred) view of a torus value.
inline std::int64_t centred(Torus x) {
  return static_cast<std::int64_t>(x);
}
// A torus value as a real number in [−1/2, 1/2).
inline double to_real(Torus x) {
  return static_cast<double>(centred(x)) * 0x1p-64;
}

// A secret key from a fixed test seed (StreamPurpose::kSecret), for tests that build objects
// without a ClientKey.
LweSecretKey test_lwe_key(std::size_t n, std::uint64_t seed);
GlweSecretKey test_glwe_key(std::size_t k, std::size_t big_n, std::uint64_t seed);
// Number of ones in a binary key.
std::size_t hamming_weight(std::span<const Torus> bits);

// A client key and the server key made from it, generated once per (parameter-set name, seed)
// for the life of the test process: each ctest entry runs one test suite in its own process,
// so keys are made once per suite. The keys depend only on the seed; each test draws its own
// encryption randomness from its own seed, so a test gives the same result run alone.
struct KeyBundle {
  KeyBundle(const ParameterSet& params, std::uint64_t seed);
  std::uint64_t seed;
  ClientKey client;
  ServerKey server;
};
// Sets are told apart by name: a test that modifies a table entry must rename it.
KeyBundle& keys_for(const ParameterSet& params, std::uint64_t seed);

// Second moment (the variance of a centred error), mean and count of real samples.
class Moments {
 public:
  void add(double x) {
    ++count_;
    sum_ += x;
    sum_sq_ += x * x;
  }
  void add_torus_error(std::int64_t e) { add(static_cast<double>(e) * 0x1p-64); }
  std::size_t count() const { return count_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  // E[x²]: what the noise model predicts for a centred error.
  double second_moment() const { return count_ ? sum_sq_ / static_cast<double>(count_) : 0.0; }

 private:
  std::size_t count_ = 0;
  double sum_ = 0.0;
  double sum_sq_ = 0.0;
};

// Checks measured/model within ±tolerance (relative; widened to 5·sqrt(2/n) for small sample
// counts n) and |mean| within 6 standard errors; prints one "NOISE" line either way so runs can
// be compared with the model.
void expect_variance_matches(const std::string& what, const Moments& m, double model_variance,
                             double tolerance = 0.25);

// P(X ≤ k) for X ~ Binomial(n, p).
double binomial_cdf(std::size_t k, std::size_t n, double p);
// The central interval [lo, hi] holding at least `confidence` of Binomial(n, p).
std::pair<std::size_t, std::size_t> binomial_interval(std::size_t n, double p, double confidence);
// Upper quantile of the chi-square distribution with `df` degrees of freedom: the x with
// P(X > x) = tail (Wilson–Hilferty approximation, accurate to a few percent for df ≥ 3).
double chi_square_upper_quantile(double df, double tail);
// Pearson's statistic of observed counts against equal expected counts.
double chi_square_uniform(std::span<const std::size_t> counts);

// LUTFHE_LARGE_SAMPLES when set (a positive integer), `fallback` otherwise.
std::size_t large_samples(std::size_t fallback);

}  // namespace lutfhe::testing
