// Signed gadget decomposition against an independent int128 reference.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/decomposition.hpp"
#include "core/errors.hpp"
#include "core/parameters.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe {
namespace {

using testing::centred;
using testing::TestRng;

__extension__ typedef __int128 int128;
__extension__ typedef unsigned __int128 uint128;

DecompositionParams make_decomposition(std::size_t beta, std::size_t levels) {
  return {DecompositionBaseLog(beta), DecompositionLevelCount(levels)};
}

std::string describe(DecompositionParams d) {
  return "β=" + std::to_string(d.base_log.value()) + " l=" + std::to_string(d.levels.value());
}

// x rounded half-up to a multiple of 2^(64 − β·l), reduced modulo 2^64.
Torus reference_closest(Torus x, DecompositionParams d) {
  const unsigned kept = static_cast<unsigned>(d.base_log.value() * d.levels.value());
  if (kept >= 64) return x;
  const unsigned drop = 64 - kept;
  const uint128 wide = static_cast<uint128>(x) + (Torus{1} << (drop - 1));
  return static_cast<Torus>((wide >> drop) << drop);
}

// The balanced base-B digits of the rounded value, from the least significant level up:
// the unique digits in [−B/2, B/2) with Σ d_j·q/B^j ≡ closest (mod q).
std::vector<std::int64_t> reference_digits(Torus x, DecompositionParams d) {
  const std::size_t beta = d.base_log.value();
  const std::size_t l = d.levels.value();
  const unsigned kept = static_cast<unsigned>(beta * l);
  const Torus closest = reference_closest(x, d);
  int128 value =
      kept >= 64 ? static_cast<int128>(closest) : static_cast<int128>(closest >> (64 - kept));
  const int128 base = static_cast<int128>(1) << beta;
  std::vector<std::int64_t> digits(l);
  for (std::size_t j = l; j >= 1; --j) {
    int128 digit = value % base;  // value ≥ 0 at every step
    if (digit >= base / 2) digit -= base;
    digits[j - 1] = static_cast<std::int64_t>(digit);
    value = (value - digit) / base;
  }
  return digits;
}

// Σ d_j·2^(64 − β·j) modulo 2^64, written independently of recompose().
Torus reference_recompose(const std::vector<std::int64_t>& digits, DecompositionParams d) {
  Torus sum = 0;
  for (std::size_t j = 1; j <= digits.size(); ++j) {
    const Torus weight = Torus{1} << (64 - d.base_log.value() * j);
    sum += static_cast<Torus>(digits[j - 1]) * weight;
  }
  return sum;
}

// Every (β, l) with β·l ≤ 64 for a spread of bases, plus those of the parameter table.
std::vector<DecompositionParams> decomposition_grid() {
  std::vector<DecompositionParams> grid;
  for (std::size_t beta : {1, 2, 3, 4, 5, 7, 8, 10, 11, 13, 15, 16, 17, 21, 22, 23, 31, 32, 62}) {
    for (std::size_t l : {1, 2, 3, 4, 5, 6, 8, 11, 22, 64}) {
      if (beta * l <= 64) grid.push_back(make_decomposition(beta, l));
    }
    grid.push_back(make_decomposition(beta, 64 / beta));  // the most levels that fit
  }
  for (const auto& p : parameter_sets()) {
    grid.push_back(p.pbs);
    grid.push_back(p.ks);
  }
  return grid;
}

// Values where rounding and carries are delicate: exact halves, all ones, the padding bit.
std::vector<Torus> edge_values(DecompositionParams d) {
  const unsigned kept = static_cast<unsigned>(d.base_log.value() * d.levels.value());
  std::vector<Torus> v{0, 1, ~Torus{0}, Torus{1} << 63, (Torus{1} << 63) - 1, (Torus{1} << 63) + 1};
  if (kept < 64) {
    const Torus half = Torus{1} << (63 - kept);
    for (Torus k : {Torus{0}, Torus{1}, Torus{7}, ~Torus{0} >> kept}) {
      const Torus at = (k << (64 - kept)) + half;
      v.insert(v.end(), {at, at - 1, at + 1, Torus{0} - at});
    }
  }
  // A digit exactly at ±B/2 in every level.
  Torus pattern = 0;
  for (std::size_t j = 1; j <= d.levels.value(); ++j) {
    pattern |= Torus{1} << (64 - d.base_log.value() * j + d.base_log.value() - 1);
  }
  v.push_back(pattern);
  v.push_back(Torus{0} - pattern);
  return v;
}

void check_one(Torus x, DecompositionParams d) {
  const std::size_t l = d.levels.value();
  const std::int64_t half_base = std::int64_t{1} << (d.base_log.value() - 1);
  std::vector<std::int64_t> digits(l);
  decompose(digits, x, d);
  const std::vector<std::int64_t> want = reference_digits(x, d);
  for (std::size_t j = 0; j < l; ++j) {
    ASSERT_GE(digits[j], -half_base) << describe(d) << " x=" << x << " level " << j + 1;
    ASSERT_LT(digits[j], half_base) << describe(d) << " x=" << x << " level " << j + 1;
    ASSERT_EQ(digits[j], want[j]) << describe(d) << " x=" << x << " level " << j + 1;
  }
  const Torus closest = reference_closest(x, d);
  ASSERT_EQ(closest_representable(x, d), closest) << describe(d) << " x=" << x;
  ASSERT_EQ(recompose(digits, d), closest) << describe(d) << " x=" << x;
  ASSERT_EQ(reference_recompose(digits, d), closest) << describe(d) << " x=" << x;
}

TEST(Decomposition, RecomposesToClosestRepresentableWithBalancedDigits) {
  const std::uint64_t seed = 11;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  for (const DecompositionParams& d : decomposition_grid()) {
    SCOPED_TRACE(describe(d));
    for (Torus x : edge_values(d)) check_one(x, d);
    for (int i = 0; i < 2000; ++i) check_one(rng.u64(), d);
  }
}

TEST(Decomposition, RoundingErrorIsAtMostHalfAStep) {
  const std::uint64_t seed = 12;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  for (const DecompositionParams& d : decomposition_grid()) {
    const unsigned kept = static_cast<unsigned>(d.base_log.value() * d.levels.value());
    if (kept >= 64) continue;
    const std::int64_t half_step = std::int64_t{1} << (63 - kept);
    for (int i = 0; i < 500; ++i) {
      const Torus x = rng.u64();
      const std::int64_t err = centred(closest_representable(x, d) - x);
      ASSERT_GE(err, -half_step + 1) << describe(d) << " x=" << x;
      ASSERT_LE(err, half_step) << describe(d) << " x=" << x;
    }
  }
}

TEST(Decomposition, DigitsAreUniformOverTheirRange) {
  // The noise model uses E[d²] = (B² + 2)/12 for digits of uniform inputs.
  const std::uint64_t seed = 13;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  for (std::size_t beta : {2, 4, 7, 10, 15, 23}) {
    const DecompositionParams d = make_decomposition(beta, 2);
    std::vector<std::int64_t> digits(2);
    double sum_sq = 0.0;
    const int count = 100000;
    for (int i = 0; i < count; ++i) {
      decompose(digits, rng.u64(), d);
      sum_sq += static_cast<double>(digits[1]) * static_cast<double>(digits[1]);
    }
    const double b = std::ldexp(1.0, static_cast<int>(beta));
    EXPECT_NEAR(sum_sq / count / ((b * b + 2.0) / 12.0), 1.0, 0.03) << "β=" << beta;
  }
}

TEST(Decomposition, RejectsInvalidParameters) {
  EXPECT_THROW(check_decomposition(make_decomposition(0, 3)), InvalidArgument);
  EXPECT_THROW(check_decomposition(make_decomposition(4, 0)), InvalidArgument);
  EXPECT_THROW(check_decomposition(make_decomposition(13, 5)), InvalidArgument);  // 65 bits
  EXPECT_THROW(check_decomposition(make_decomposition(63, 1)), InvalidArgument);
  EXPECT_NO_THROW(check_decomposition(make_decomposition(1, 64)));
  EXPECT_NO_THROW(check_decomposition(make_decomposition(32, 2)));
  std::vector<std::int64_t> wrong(3);
  EXPECT_THROW(decompose(wrong, 5, make_decomposition(4, 2)), DimensionMismatch);
}

TEST(DecompositionPolynomial, MatchesScalarDecomposition) {
  const std::uint64_t seed = 21;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  for (std::size_t n : {512, 1024, 2048, 4096}) {
    for (const DecompositionParams& d : decomposition_grid()) {
      if (n > 512 && d.levels.value() > 6) continue;  // keep the run short
      SCOPED_TRACE(describe(d) + " N=" + std::to_string(n));
      const std::size_t l = d.levels.value();
      std::vector<Torus> poly = rng.torus_vector(n);
      const std::vector<Torus> edges = edge_values(d);
      for (std::size_t t = 0; t < edges.size() && t < n; ++t) poly[3 * t % n] = edges[t];
      std::vector<std::int64_t> out(l * n);
      decompose_polynomial(out, poly, d);
      std::vector<std::int64_t> digits(l);
      for (std::size_t t = 0; t < n; ++t) {
        decompose(digits, poly[t], d);
        for (std::size_t j = 0; j < l; ++j) {
          ASSERT_EQ(out[j * n + t], digits[j]) << "coefficient " << t << " level " << j + 1;
        }
      }
    }
  }
}

TEST(DecompositionPolynomial, RejectsWrongOutputSize) {
  std::vector<Torus> poly(512, 0);
  std::vector<std::int64_t> out(512 * 2 - 1);
  EXPECT_THROW(decompose_polynomial(out, poly, make_decomposition(10, 2)), DimensionMismatch);
}

}  // namespace
}  // namespace lutfhe
