#include "tests/support/test_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <utility>

#include "core/hex.hpp"

namespace lutfhe::testing {

std::string seed_note(std::uint64_t seed) {
  return "test_seed(" + std::to_string(seed) + ") = " + to_hex(test_seed(seed));
}

std::uint64_t TestRng::below(std::uint64_t bound) {
  if (bound <= 1) return 0;
  // Accept only draws below the largest multiple of bound: every residue equally likely.
  const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % bound);
  for (;;) {
    const std::uint64_t x = u64();
    if (x < limit) return x % bound;
  }
}

std::int64_t TestRng::signed_bits(unsigned bits) {
  const std::uint64_t x = u64();
  if (bits >= 64) return static_cast<std::int64_t>(x);
  // Keep the low `bits` bits and sign-extend them.
  const unsigned shift = 64 - bits;
  return static_cast<std::int64_t>(x << shift) >> shift;
}

std::vector<Torus> TestRng::torus_vector(std::size_t n) {
  std::vector<Torus> v(n);
  stream_.fill(v);
  return v;
}

LweSecretKey test_lwe_key(std::size_t n, std::uint64_t seed) {
  RandomStream rng(test_seed(seed), StreamPurpose::kSecret);
  return LweSecretKey(LweDimension(n), rng);
}

GlweSecretKey test_glwe_key(std::size_t k, std::size_t big_n, std::uint64_t seed) {
  RandomStream rng(test_seed(seed), StreamPurpose::kSecretGlwe);
  return GlweSecretKey(GlweDimension(k), PolynomialSize(big_n), rng);
}

std::size_t hamming_weight(std::span<const Torus> bits) {
  std::size_t w = 0;
  for (Torus b : bits) w += b;
  return w;
}

namespace {

EvaluationKey make_evaluation_key(const ClientKey& client, std::uint64_t seed) {
  // A seed distinct from the secret one, derived from it so the pair stays reproducible.
  auto rng = EncryptionRandomness::from_seed(test_seed(seed ^ 0x5eed'0000'0000ULL));
  return generate_evaluation_key(client, rng);
}

}  // namespace

KeyBundle::KeyBundle(const ParameterSet& params, std::uint64_t seed_value)
    : seed(seed_value),
      client(params, test_seed(seed_value)),
      server(make_evaluation_key(client, seed_value)) {}

KeyBundle& keys_for(const ParameterSet& params, std::uint64_t seed) {
  static std::map<std::pair<std::string, std::uint64_t>, std::unique_ptr<KeyBundle>> cache;
  auto& slot = cache[{params.name, seed}];
  if (!slot) slot = std::make_unique<KeyBundle>(params, seed);
  return *slot;
}

void expect_variance_matches(const std::string& what, const Moments& m, double model_variance,
                             double tolerance) {
  const double measured = m.second_moment();
  const double ratio = measured / model_variance;
  // With few samples (a large test bounded by LUTFHE_LARGE_SAMPLES) the tolerance widens to
  // 5 standard errors of a sample variance, 5·sqrt(2/n), so a short run cannot fail by chance.
  const double n = static_cast<double>(std::max<std::size_t>(m.count(), 1));
  tolerance = std::max(tolerance, 5.0 * std::sqrt(2.0 / n));
  std::printf("NOISE %-48s measured 2^%.3f  model 2^%.3f  ratio %.4f  (%zu samples, ±%.2f)\n",
              what.c_str(), std::log2(measured), std::log2(model_variance), ratio, m.count(),
              tolerance);
  std::fflush(stdout);
  ASSERT_GT(m.count(), 0u) << what;
  EXPECT_NEAR(ratio, 1.0, tolerance)
      << what << ": measured variance 2^" << std::log2(measured) << " vs model 2^"
      << std::log2(model_variance) << " over " << m.count() << " samples";
  // A centred error: the mean must vanish within a few standard errors.
  const double standard_error = std::sqrt(measured / static_cast<double>(m.count()));
  EXPECT_LE(std::fabs(m.mean()), 6.0 * standard_error)
      << what << ": error mean " << m.mean() << " is not centred (std error " << standard_error
      << ")";
}

double binomial_cdf(std::size_t k, std::size_t n, double p) {
  if (k >= n) return 1.0;
  if (p <= 0.0) return 1.0;
  if (p >= 1.0) return 0.0;
  const double lp = std::log(p);
  const double lq = std::log1p(-p);
  const double ln_n_fact = std::lgamma(static_cast<double>(n) + 1.0);
  double sum = 0.0;
  for (std::size_t i = 0; i <= k; ++i) {
    const double di = static_cast<double>(i);
    const double log_pmf = ln_n_fact - std::lgamma(di + 1.0) -
                           std::lgamma(static_cast<double>(n - i) + 1.0) + di * lp +
                           static_cast<double>(n - i) * lq;
    sum += std::exp(log_pmf);
  }
  return std::min(sum, 1.0);
}

std::pair<std::size_t, std::size_t> binomial_interval(std::size_t n, double p, double confidence) {
  const double tail = (1.0 - confidence) / 2.0;
  std::size_t lo = 0;
  while (lo < n && binomial_cdf(lo, n, p) <= tail) ++lo;
  std::size_t hi = lo;
  while (hi < n && binomial_cdf(hi, n, p) < 1.0 - tail) ++hi;
  return {lo, hi};
}

namespace {

// z with P(Z > z) = tail for a standard normal Z, by bisection on erfc.
double normal_upper_quantile(double tail) {
  double lo = -40.0, hi = 40.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2.0;
    if (0.5 * std::erfc(mid / std::sqrt(2.0)) > tail) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return (lo + hi) / 2.0;
}

}  // namespace

double chi_square_upper_quantile(double df, double tail) {
  const double z = normal_upper_quantile(tail);
  const double a = 2.0 / (9.0 * df);
  const double c = 1.0 - a + z * std::sqrt(a);
  return df * c * c * c;
}

double chi_square_uniform(std::span<const std::size_t> counts) {
  double total = 0.0;
  for (std::size_t c : counts) total += static_cast<double>(c);
  const double expected = total / static_cast<double>(counts.size());
  double stat = 0.0;
  for (std::size_t c : counts) {
    const double d = static_cast<double>(c) - expected;
    stat += d * d / expected;
  }
  return stat;
}

std::size_t large_samples(std::size_t fallback) {
  const char* env = std::getenv("LUTFHE_LARGE_SAMPLES");
  if (env == nullptr || *env == '\0') return fallback;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(env, &end, 10);
  if (end == env || *end != '\0' || v == 0) {
    ADD_FAILURE() << "LUTFHE_LARGE_SAMPLES must be a positive integer, got '" << env << "'";
    return fallback;
  }
  return static_cast<std::size_t>(v);
}

}  // namespace lutfhe::testing
