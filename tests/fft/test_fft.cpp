// The negacyclic FFT (fft/): round trips, products against the schoolbook reference at every
// ring size the parameter table uses, and round_to_torus at its edges.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/polynomial.hpp"
#include "fft/fourier_matrix.hpp"
#include "fft/negacyclic_fft.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe {
namespace {

using testing::centred;
using testing::TestRng;

std::vector<Torus> as_torus(const std::vector<std::int64_t>& v) {
  return {v.begin(), v.end()};
}

// The negacyclic product through the transform: forward both, multiply-add pointwise into a
// zeroed accumulator, transform back.
std::vector<Torus> fft_product(const NegacyclicFft& fft, const std::vector<std::int64_t>& a,
                               const std::vector<std::int64_t>& b) {
  const std::size_t half = fft.fourier_size();
  AlignedVector<Complex> fa(half), fb(half), acc(half, Complex{});
  fft.forward_i64(fa, a);
  fft.forward_i64(fb, b);
  fourier_multiply_add(acc, fa, fb);
  std::vector<Torus> out(fft.polynomial_size());
  fft.backward_torus(out, acc);
  return out;
}

// Reports the first few coefficients that differ, and how many do.
void expect_equal_polynomials(const std::vector<Torus>& got, const std::vector<Torus>& want,
                              const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  std::size_t bad = 0;
  for (std::size_t t = 0; t < got.size(); ++t) {
    if (got[t] != want[t]) {
      if (bad < 5) {
        ADD_FAILURE() << what << ": coefficient " << t << " is " << centred(got[t])
                      << ", schoolbook gives " << centred(want[t]);
      }
      ++bad;
    }
  }
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << got.size() << " coefficients differ";
}

class FftSizes : public ::testing::TestWithParam<std::size_t> {};

TEST_P(FftSizes, IntegerRoundTripIsExact) {
  const std::size_t n = GetParam();
  const std::uint64_t seed = 1000 + n;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  const NegacyclicFft& fft = NegacyclicFft::for_size(n);
  ASSERT_EQ(fft.polynomial_size(), n);
  ASSERT_EQ(fft.fourier_size(), n / 2);
  AlignedVector<Complex> f(n / 2);
  std::vector<Torus> back(n);
  // 40-bit values: the round trip error (~2^-11) is far below 1/2, so rounding recovers them.
  std::vector<std::int64_t> a(n);
  for (auto& v : a) v = rng.signed_bits(40);
  fft.forward_i64(f, a);
  fft.backward_torus(back, f);
  expect_equal_polynomials(back, as_torus(a), "forward_i64 → backward_torus");

  // The torus view of the same values takes the other entry point and must agree.
  const std::vector<Torus> ta = as_torus(a);
  fft.forward_torus(f, ta);
  fft.backward_torus(back, f);
  expect_equal_polynomials(back, ta, "forward_torus → backward_torus");

  // backward_add_torus adds onto what is there.
  std::vector<Torus> base = rng.torus_vector(n);
  std::vector<Torus> sum = base;
  fft.forward_i64(f, a);
  fft.backward_add_torus(sum, f);
  std::vector<Torus> want(n);
  for (std::size_t t = 0; t < n; ++t) want[t] = base[t] + ta[t];
  expect_equal_polynomials(sum, want, "backward_add_torus");
}

TEST_P(FftSizes, FullTorusRoundTripLosesOnlyLowBits) {
  const std::size_t n = GetParam();
  const std::uint64_t seed = 2000 + n;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  const NegacyclicFft& fft = NegacyclicFft::for_size(n);
  AlignedVector<Complex> f(n / 2);
  const std::vector<Torus> a = rng.torus_vector(n);
  std::vector<Torus> back(n);
  fft.forward_torus(f, a);
  fft.backward_torus(back, f);
  // Values up to 2^63 carry 53 significant bits; the round trip may lose the rest, a few ulps.
  std::int64_t worst = 0;
  for (std::size_t t = 0; t < n; ++t) {
    worst = std::max(worst, std::abs(centred(back[t] - a[t])));
  }
  EXPECT_LE(worst, std::int64_t{1} << 16) << "largest round-trip error over N=" << n;
}

TEST_P(FftSizes, RealRoundTripIsAccurate) {
  const std::size_t n = GetParam();
  const std::uint64_t seed = 3000 + n;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  const NegacyclicFft& fft = NegacyclicFft::for_size(n);
  std::vector<double> a(n), back(n);
  for (auto& v : a) v = rng.normal() * 1e6;
  AlignedVector<Complex> f(n / 2);
  fft.forward_f64(f, a);
  fft.backward_f64(back, f);
  for (std::size_t t = 0; t < n; ++t) {
    ASSERT_NEAR(back[t], a[t], 1e-6) << "coefficient " << t;
  }
}

TEST_P(FftSizes, ProductOfSixteenBitAndBinaryEqualsSchoolbook) {
  const std::size_t n = GetParam();
  const std::uint64_t seed = 4000 + n;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  const NegacyclicFft& fft = NegacyclicFft::for_size(n);
  for (int rep = 0; rep < 2; ++rep) {
    std::vector<std::int64_t> a(n), s(n);
    for (auto& v : a) v = rng.signed_bits(16);
    for (auto& v : s) v = rng.coin() ? 1 : 0;
    std::vector<Torus> want(n);
    multiply_schoolbook(want, as_torus(a), as_torus(s));
    expect_equal_polynomials(fft_product(fft, a, s), want, "16-bit × binary");
  }
}

TEST_P(FftSizes, ProductOfSixteenBitAndSmallEqualsSchoolbook) {
  const std::size_t n = GetParam();
  const std::uint64_t seed = 5000 + n;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  const NegacyclicFft& fft = NegacyclicFft::for_size(n);
  std::vector<std::int64_t> a(n), b(n);
  for (auto& v : a) v = rng.signed_bits(16);
  for (auto& v : b) v = rng.signed_bits(4);  // [−8, 8)
  std::vector<Torus> want(n);
  multiply_schoolbook(want, as_torus(a), as_torus(b));
  expect_equal_polynomials(fft_product(fft, a, b), want, "16-bit × 4-bit");

  // Both operands 16-bit: sums reach N·2^30 ≤ 2^43, still exact after rounding.
  for (auto& v : b) v = rng.signed_bits(16);
  multiply_schoolbook(want, as_torus(a), as_torus(b));
  expect_equal_polynomials(fft_product(fft, a, b), want, "16-bit × 16-bit");
}

TEST_P(FftSizes, MonomialProductIsANegacyclicRotation) {
  const std::size_t n = GetParam();
  const std::uint64_t seed = 6000 + n;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  const NegacyclicFft& fft = NegacyclicFft::for_size(n);
  std::vector<std::int64_t> a(n);
  for (auto& v : a) v = rng.signed_bits(20);
  for (std::size_t shift : {std::size_t{0}, std::size_t{1}, n / 2 + 3, n - 1}) {
    std::vector<std::int64_t> mono(n, 0);
    mono[shift] = 1;
    std::vector<Torus> want(n);
    rotate_polynomial(want, as_torus(a), shift);
    expect_equal_polynomials(fft_product(fft, a, mono), want, "X^" + std::to_string(shift) + "·a");
    // −X^shift = X^(shift + N).
    mono[shift] = -1;
    rotate_polynomial(want, as_torus(a), shift + n);
    expect_equal_polynomials(fft_product(fft, a, mono), want, "−X^" + std::to_string(shift) + "·a");
  }
}

TEST_P(FftSizes, MultiplyAddAccumulatesSeveralProducts) {
  const std::size_t n = GetParam();
  const std::uint64_t seed = 7000 + n;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  const NegacyclicFft& fft = NegacyclicFft::for_size(n);
  const std::size_t half = n / 2;
  AlignedVector<Complex> fa(half), fb(half), acc(half, Complex{});
  std::vector<Torus> want = rng.torus_vector(n);
  std::vector<Torus> got = want;
  for (int term = 0; term < 4; ++term) {
    std::vector<std::int64_t> a(n), b(n);
    for (auto& v : a) v = rng.signed_bits(16);
    for (auto& v : b) v = rng.signed_bits(8);
    fft.forward_i64(fa, a);
    fft.forward_i64(fb, b);
    fourier_multiply_add(acc, fa, fb);
    std::vector<Torus> p(n);
    multiply_schoolbook(p, as_torus(a), as_torus(b));
    for (std::size_t t = 0; t < n; ++t) want[t] += p[t];
  }
  fft.backward_add_torus(got, acc);
  expect_equal_polynomials(got, want, "Σ of four products added onto a random polynomial");
}

TEST_P(FftSizes, BackwardReductionOfHugeValuesMatchesRoundToTorus) {
  // External products sum to magnitudes far above 2^64; the (vectorised) backward transform
  // must reduce them modulo 2^64 like round_to_torus does.
  const std::size_t n = GetParam();
  const std::uint64_t seed = 8000 + n;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  const NegacyclicFft& fft = NegacyclicFft::for_size(n);
  const std::size_t half = n / 2;
  for (int exponent : {60, 64, 70, 90}) {
    std::vector<double> real(n), reference(n);
    for (auto& v : real) v = std::ldexp(rng.unit() * 2.0 - 1.0, exponent);
    AlignedVector<Complex> f(half), g(half);
    fft.forward_f64(f, real);
    g = f;
    fft.backward_f64(reference, f);
    std::vector<Torus> base = rng.torus_vector(n);
    std::vector<Torus> got = base;
    fft.backward_add_torus(got, g);
    // The two paths may round differently in the last bits of the value (magnitude 2^e).
    const double tolerance = std::ldexp(1.0, exponent - 40);
    for (std::size_t t = 0; t < n; ++t) {
      const Torus want = base[t] + round_to_torus(reference[t]);
      ASSERT_LE(std::fabs(static_cast<double>(centred(got[t] - want))), tolerance)
          << "magnitude 2^" << exponent << ", coefficient " << t;
    }
  }
}

TEST_P(FftSizes, WorkBufferAndFusedEntryPointsMatchTheSimpleOnes) {
  // The hot path's variants: out-of-place forward through a work buffer, a caller-folded
  // and -twisted input, out-of-place backward that keeps its input, and the blocked
  // multiply-add. Each must give what the simple entry point gives.
  const std::size_t n = GetParam();
  const std::size_t half = n / 2;
  const std::uint64_t seed = 8500 + n;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  const NegacyclicFft& fft = NegacyclicFft::for_size(n);
  std::vector<std::int64_t> a(n);
  for (auto& v : a) v = rng.signed_bits(24);
  AlignedVector<Complex> simple(half), via_work(half), work(half), twisted(half), fused(half);
  fft.forward_i64(simple, a);
  fft.forward_i64(via_work, a, work);
  // Fold and twist by hand with the published twist factors.
  ASSERT_EQ(fft.twist_re().size(), half);
  ASSERT_EQ(fft.twist_im().size(), half);
  for (std::size_t j = 0; j < half; ++j) {
    const Complex w(fft.twist_re()[j], fft.twist_im()[j]);
    twisted[j] = Complex(static_cast<double>(a[j]), static_cast<double>(a[j + half])) * w;
  }
  fft.forward_twisted(fused, twisted);
  double scale = 0.0;
  for (std::size_t j = 0; j < half; ++j) scale = std::max(scale, std::abs(simple[j]));
  for (std::size_t j = 0; j < half; ++j) {
    ASSERT_LE(std::abs(via_work[j] - simple[j]), 1e-12 * scale) << "work-buffer forward, j=" << j;
    ASSERT_LE(std::abs(fused[j] - simple[j]), 1e-12 * scale) << "forward_twisted, j=" << j;
  }

  // Out-of-place backward: same result as in place, input left as it was.
  const AlignedVector<Complex> keep = simple;
  std::vector<Torus> base = rng.torus_vector(n);
  std::vector<Torus> in_place = base, out_of_place = base;
  AlignedVector<Complex> destroyed = simple;
  fft.backward_add_torus(in_place, destroyed);
  fft.backward_add_torus(out_of_place, std::span<const Complex>(simple), work);
  for (std::size_t j = 0; j < half; ++j) ASSERT_EQ(simple[j], keep[j]) << "input changed, j=" << j;
  for (std::size_t t = 0; t < n; ++t) {
    ASSERT_EQ(out_of_place[t], in_place[t]) << "t=" << t;
    ASSERT_EQ(out_of_place[t], base[t] + static_cast<Torus>(a[t])) << "t=" << t;
  }

  // Blocked multiply-add against one block at a time, for 1 to 5 blocks (k + 1 of the sets).
  for (std::size_t count = 1; count <= 5; ++count) {
    AlignedVector<Complex> b(count * half), acc_blocks(count * half), acc_single(count * half);
    for (auto& v : b) v = Complex(rng.normal(), rng.normal());
    for (std::size_t i = 0; i < acc_blocks.size(); ++i) {
      acc_blocks[i] = acc_single[i] = Complex(rng.normal(), rng.normal());
    }
    fourier_multiply_add_blocks(acc_blocks, simple, b, count);
    for (std::size_t c = 0; c < count; ++c) {
      fourier_multiply_add(std::span<Complex>(acc_single).subspan(c * half, half), simple,
                           std::span<const Complex>(b).subspan(c * half, half));
    }
    for (std::size_t i = 0; i < acc_blocks.size(); ++i) {
      ASSERT_LE(std::abs(acc_blocks[i] - acc_single[i]), 1e-12 * scale * 8.0)
          << count << " blocks, index " << i;
    }
  }
}

TEST_P(FftSizes, BatchedTransformsAndTheFourierMatrixMatchOneAtATime) {
  // The external product's path: howmany-batched forward and backward transforms, and the
  // Fourier-matrix multiply against row-by-row blocked multiply-adds on row-major data.
  const std::size_t n = GetParam();
  const std::size_t half = n / 2;
  const std::uint64_t seed = 8600 + n;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  const NegacyclicFft& fft = NegacyclicFft::for_size(n);
  for (std::size_t count : {1U, 2U, 3U, 6U, 10U}) {
    SCOPED_TRACE(std::to_string(count) + " transforms");
    AlignedVector<Complex> in(count * half), copy(count * half), batched(count * half),
        single(half), one(half);
    for (auto& v : in) v = Complex(rng.normal() * 0x1p20, rng.normal() * 0x1p20);
    copy = in;
    fft.forward_twisted_batch(batched, copy, count);
    double scale = 0.0;
    for (std::size_t b = 0; b < count; ++b) {
      std::copy(in.begin() + static_cast<std::ptrdiff_t>(b * half),
                in.begin() + static_cast<std::ptrdiff_t>((b + 1) * half), one.begin());
      fft.forward_twisted(single, one);
      for (std::size_t j = 0; j < half; ++j) scale = std::max(scale, std::abs(single[j]));
      for (std::size_t j = 0; j < half; ++j) {
        ASSERT_LE(std::abs(batched[b * half + j] - single[j]), 1e-12 * scale)
            << "block " << b << ", j=" << j;
      }
    }
    // Backward: integer polynomials (exact through either path) into a random accumulator.
    std::vector<std::int64_t> poly(count * n);
    for (auto& v : poly) v = rng.signed_bits(30);
    AlignedVector<Complex> spectra(count * half), work(count * half);
    for (std::size_t c = 0; c < count; ++c) {
      fft.forward_i64(std::span<Complex>(spectra).subspan(c * half, half),
                      std::span<const std::int64_t>(poly).subspan(c * n, n));
    }
    std::vector<Torus> base = rng.torus_vector(count * n), out = base;
    fft.backward_add_torus_batch(out, spectra, work, count);
    for (std::size_t t = 0; t < count * n; ++t) {
      ASSERT_EQ(out[t], base[t] + static_cast<Torus>(poly[t])) << "t=" << t;
    }
  }
  EXPECT_THROW(fft.forward_twisted_batch(std::span<Complex>(), std::span<Complex>(), 2),
               std::invalid_argument);

  // x (rows polynomials) times a rows × cols matrix, for the shapes (k+1)·l × (k+1) of the sets.
  for (const auto& [rows, cols] :
       {std::pair<std::size_t, std::size_t>{1, 1}, {6, 2}, {8, 4}, {10, 5}, {4, 2}, {7, 6}}) {
    SCOPED_TRACE(std::to_string(rows) + "x" + std::to_string(cols));
    AlignedVector<Complex> x(rows * half), row_major(rows * cols * half),
        matrix(rows * cols * half), acc(cols * half), reference(cols * half, Complex{});
    for (auto& v : x) v = Complex(rng.normal(), rng.normal());
    for (auto& v : row_major) v = Complex(rng.normal(), rng.normal());
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < cols; ++c) {
        const auto poly = std::span<const Complex>(row_major).subspan((r * cols + c) * half, half);
        fourier_matrix_store(matrix, poly, r, c, rows, cols);
        for (std::size_t j = 0; j < half; ++j) {
          ASSERT_EQ(matrix[fourier_matrix_index(r, c, j, rows, cols, half)], poly[j]);
        }
      }
      fourier_multiply_add_blocks(
          reference, std::span<const Complex>(x).subspan(r * half, half),
          std::span<const Complex>(row_major).subspan(r * cols * half, cols * half), cols);
    }
    for (auto& v : acc) v = Complex(1e9, -1e9);  // overwritten, not added to
    fourier_matrix_multiply(acc, x, matrix, rows, cols);
    for (std::size_t i = 0; i < acc.size(); ++i) {
      ASSERT_LE(std::abs(acc[i] - reference[i]), 1e-12 * static_cast<double>(rows) * 8.0)
          << "index " << i;
    }
  }
  AlignedVector<Complex> small(half);
  EXPECT_THROW(fourier_matrix_multiply(small, small, small, 2, 1), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(RingSizes, FftSizes, ::testing::Values(512, 1024, 2048, 4096, 8192),
                         [](const auto& info) { return "N" + std::to_string(info.param); });

// round_to_torus against an exact integer reduction of the (integer-valued) rounded double.
Torus reference_round_to_torus(double x) {
  const double r = std::nearbyint(x);  // round half to even, the default rounding mode
  if (r == 0.0) return 0;
  int exponent = 0;
  const double fraction = std::frexp(std::fabs(r), &exponent);  // |r| = fraction·2^exponent
  const auto mantissa = static_cast<std::uint64_t>(std::ldexp(fraction, 53));
  const int shift = exponent - 53;
  std::uint64_t magnitude = 0;
  if (shift >= 64) {
    magnitude = 0;
  } else if (shift >= 0) {
    magnitude = mantissa << shift;
  } else {
    magnitude = mantissa >> -shift;  // exact: r is an integer
  }
  return r < 0 ? Torus{0} - magnitude : magnitude;
}

TEST(RoundToTorus, EdgeCases) {
  struct Case {
    double x;
    Torus want;
  };
  const Torus two63 = Torus{1} << 63;
  const Case cases[] = {
      {0.0, 0},
      {-0.0, 0},
      {0.49999999999999994, 0},
      {0.5, 0},  // ties to even
      {1.5, 2},
      {2.5, 2},
      {-0.5, 0},
      {-1.5, Torus{0} - 2},
      {-1.0, ~Torus{0}},
      {0x1p52 + 1.0, (Torus{1} << 52) + 1},
      {0x1p63, two63},
      {-0x1p63, two63},
      {0x1p63 - 1024.0, two63 - 1024},  // largest double below 2^63
      {0x1p64 - 2048.0, Torus{0} - 2048},
      {0x1p64, 0},
      {-0x1p64, 0},
      {0x1p64 + 4096.0, 4096},
      {0x1p63 * 3.0, two63},  // 1.5·2^64: the remainder is exactly 2^63
      {0x1p63 * 5.0, two63},  // 2.5·2^64 ties to 2·2^64 in the quotient
      {-0x1p63 * 3.0, two63},
      {0x1p100, 0},
      {0x1p115 + 0x1p63, two63},
      {0x1p80 + 0x1p40, Torus{1} << 40},
      {-(0x1p80 + 0x1p40), Torus{0} - (Torus{1} << 40)},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(round_to_torus(c.x), c.want)
        << "x = " << c.x << " (2^" << std::log2(std::fabs(c.x)) << ")";
    EXPECT_EQ(reference_round_to_torus(c.x), c.want) << "reference disagrees at x = " << c.x;
  }
}

TEST(RoundToTorus, RandomMagnitudesUpTo2To115MatchExactReduction) {
  const std::uint64_t seed = 9001;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  for (int i = 0; i < 200000; ++i) {
    const int exponent = static_cast<int>(rng.below(116));
    double x = std::ldexp(rng.unit(), exponent);
    if (rng.coin()) x = -x;
    // Half-integers exercise ties in the small range.
    if (exponent < 50 && rng.below(4) == 0) x = std::floor(x) + 0.5;
    ASSERT_EQ(round_to_torus(x), reference_round_to_torus(x)) << "x = " << x;
  }
}

TEST(FftChecks, PlansAreCachedPerSize) {
  const NegacyclicFft& a = NegacyclicFft::for_size(1024);
  const NegacyclicFft& b = NegacyclicFft::for_size(1024);
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &NegacyclicFft::for_size(2048));
}

TEST(FftChecks, RejectsBadSizes) {
  EXPECT_THROW(NegacyclicFft::for_size(3), std::invalid_argument);
  EXPECT_THROW(NegacyclicFft::for_size(6), std::invalid_argument);
  EXPECT_THROW(NegacyclicFft::for_size(0), std::invalid_argument);
  const NegacyclicFft& fft = NegacyclicFft::for_size(1024);
  AlignedVector<Complex> f(512), wrong_f(256);
  std::vector<std::int64_t> a(1024, 0), wrong_a(512, 0);
  std::vector<Torus> t(1024, 0);
  EXPECT_THROW(fft.forward_i64(f, wrong_a), std::invalid_argument);
  EXPECT_THROW(fft.forward_i64(wrong_f, a), std::invalid_argument);
  EXPECT_THROW(fft.backward_torus(t, wrong_f), std::invalid_argument);
  try {
    fft.forward_i64(f, wrong_a);
    ADD_FAILURE() << "forward_i64 accepted a polynomial of 512 for N=1024";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("1024"), std::string::npos) << msg;
    EXPECT_NE(msg.find("512"), std::string::npos) << msg;
  }
  AlignedVector<Complex> acc(512);
  EXPECT_THROW(fourier_multiply_add(acc, f, wrong_f), std::invalid_argument);
  AlignedVector<Complex> blocks(3 * 512);
  EXPECT_THROW(fourier_multiply_add_blocks(blocks, f, blocks, 2), std::invalid_argument);
  AlignedVector<Complex> work(256);
  EXPECT_THROW(fft.forward_i64(f, a, work), std::invalid_argument);
  EXPECT_THROW(fft.backward_add_torus(t, std::span<const Complex>(f), work), std::invalid_argument);
}

// The two largest rings (PBS_8BIT uses 32768): the schoolbook reference costs N² each.
TEST(FftLarge, ProductsEqualSchoolbookAtLargeRings) {
  for (std::size_t n : {std::size_t{16384}, std::size_t{32768}}) {
    const std::uint64_t seed = 10000 + n;
    LUTFHE_TRACE_SEED(seed);
    TestRng rng(seed);
    const NegacyclicFft& fft = NegacyclicFft::for_size(n);
    std::vector<std::int64_t> a(n), b(n);
    for (auto& v : a) v = rng.signed_bits(16);
    for (auto& v : b) v = rng.coin() ? 1 : 0;
    std::vector<Torus> want(n);
    multiply_schoolbook(want, as_torus(a), as_torus(b));
    expect_equal_polynomials(fft_product(fft, a, b), want,
                             "16-bit × binary, N=" + std::to_string(n));
    for (auto& v : b) v = rng.signed_bits(4);
    multiply_schoolbook(want, as_torus(a), as_torus(b));
    expect_equal_polynomials(fft_product(fft, a, b), want,
                             "16-bit × 4-bit, N=" + std::to_string(n));
  }
}

}  // namespace
}  // namespace lutfhe
