// Negacyclic polynomial products through FFTW3.
//
// A real polynomial a of size N modulo X^N + 1 is mapped to N/2 complex values:
// fold c_j = a_j + i·a_{j+N/2}, twist by ω^j with ω = exp(iπ/N), then a complex FFT of
// size N/2. The fold works because X^N + 1 = (X^{N/2} − i)(X^{N/2} + i) and a real
// polynomial is determined by its image modulo X^{N/2} − i; the twist X = ωY turns that
// quotient into the cyclic ring C[Y]/(Y^{N/2} − 1). Pointwise products in this domain are
// negacyclic products of the original polynomials.
#pragma once

#include <array>
#include <atomic>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fft/aligned.hpp"

typedef struct fftw_plan_s* fftw_plan;

namespace lutfhe {

using Complex = std::complex<double>;  // layout-compatible with fftw_complex

class NegacyclicFft {
 public:
  // The transform for polynomials of size n (a power of two, at least 4). Plans are
  // created once per size under a mutex (FFTW's planner is not thread-safe) and cached for
  // the life of the process; executing them is thread-safe.
  static const NegacyclicFft& for_size(std::size_t polynomial_size);

  NegacyclicFft(const NegacyclicFft&) = delete;
  NegacyclicFft& operator=(const NegacyclicFft&) = delete;
  ~NegacyclicFft();

  std::size_t polynomial_size() const { return n_; }
  std::size_t fourier_size() const { return n_ / 2; }

  // out (N/2 values, 64-byte aligned) = transform of the signed integer polynomial `in`.
  void forward_i64(std::span<Complex> out, std::span<const std::int64_t> in) const;
  // Same through a caller-owned work buffer of N/2 values: FFTW's out-of-place transforms
  // are about 20% faster than in-place ones at these sizes. The hot path uses this form.
  void forward_i64(std::span<Complex> out, std::span<const std::int64_t> in,
                   std::span<Complex> work) const;
  // Same for a torus polynomial read in its centred signed view.
  void forward_torus(std::span<Complex> out, std::span<const std::uint64_t> in) const;
  // out = transform of a real polynomial (used by tests and by exact limb products).
  void forward_f64(std::span<Complex> out, std::span<const double> in) const;

  // The twist factors ω^j (j < N/2), for callers that fuse their own fold-and-twist pass
  // with the production of the input (the external product does, with decomposition).
  std::span<const double> twist_re() const { return twist_re_; }
  std::span<const double> twist_im() const { return twist_im_; }
  // The transform of the monomial X^a is ζ_j^a at each of the N/2 points: ζ_j = exp(iπ·e_j/N)
  // with the odd exponent e_j = evaluation_exponents()[j] (1 − 4j mod 2N for FFTW's forward
  // sign), so X^a maps to roots_of_unity()[a·e_j mod 2N], where roots_of_unity()[m] =
  // exp(iπ·m/N) for m in [0, 2N). Multi-bit blind rotation builds (X^a − 1)·GGSW from these.
  std::span<const std::uint32_t> evaluation_exponents() const { return exponents_; }
  std::span<const Complex> roots_of_unity() const { return roots_; }
  // out = FFT(twisted) for input already folded and twisted; `twisted` is destroyed.
  void forward_twisted(std::span<Complex> out, std::span<Complex> twisted) const;

  // The same for `count` consecutive blocks of N/2 values in one FFTW call (a "howmany" plan,
  // made on first use for each count and cached): out block b = FFT(twisted block b).
  // `twisted` is destroyed.
  void forward_twisted_batch(std::span<Complex> out, std::span<Complex> twisted,
                             std::size_t count) const;

  // out += round(inverse(in)) mod 2^64. `in` is used as work space and destroyed.
  void backward_add_torus(std::span<std::uint64_t> out, std::span<Complex> in) const;
  // Same, out of place through `work` (N/2 values); `in` is left unchanged.
  void backward_add_torus(std::span<std::uint64_t> out, std::span<const Complex> in,
                          std::span<Complex> work) const;
  // For `count` consecutive polynomials at once (one FFTW call): out polynomial c (N values)
  // += round(inverse(in block c)). `in` (count·N/2 values) is destroyed; `work` holds as many.
  void backward_add_torus_batch(std::span<std::uint64_t> out, std::span<Complex> in,
                                std::span<Complex> work, std::size_t count) const;
  // out = round(inverse(in)) mod 2^64. `in` is destroyed.
  void backward_torus(std::span<std::uint64_t> out, std::span<Complex> in) const;
  // out = inverse(in) as real values, no rounding. `in` is destroyed.
  void backward_f64(std::span<double> out, std::span<Complex> in) const;

 private:
  explicit NegacyclicFft(std::size_t polynomial_size);
  void check_sizes(std::size_t fourier_len, std::size_t poly_len, const char* what) const;
  // Inverse FFT + untwist in place; afterwards buf[j] holds (a_j, a_{j+N/2}).
  void inverse_untwist(std::span<Complex> buf) const;
  void fold_twist_i64(double* out, const std::int64_t* in) const;
  void untwist_round_add(std::uint64_t* out, const double* transformed) const;

  // The cached howmany plan for `count` transforms (out of place, input destroyed).
  fftw_plan batch_plan(std::size_t count, bool forward) const;
  static constexpr std::size_t kMaxBatch = 32;

  std::size_t n_;
  mutable std::array<std::atomic<fftw_plan>, kMaxBatch + 1> forward_batch_{};
  mutable std::array<std::atomic<fftw_plan>, kMaxBatch + 1> backward_batch_{};
  fftw_plan forward_plan_ = nullptr;
  fftw_plan backward_plan_ = nullptr;
  fftw_plan forward_oop_plan_ = nullptr;           // out of place
  fftw_plan backward_oop_plan_ = nullptr;          // out of place
  AlignedVector<double> twist_re_, twist_im_;      // ω^j
  std::vector<std::uint32_t> exponents_;           // e_j
  AlignedVector<Complex> roots_;                   // exp(iπ·m/N)
  AlignedVector<double> untwist_re_, untwist_im_;  // ω^{-j} / (N/2), normalisation folded in
};

// acc[j] += a[j] · b[j] over the N/2 Fourier coefficients.
void fourier_multiply_add(std::span<Complex> acc, std::span<const Complex> a,
                          std::span<const Complex> b);

// For c in [0, count): acc_c += a · b_c, where acc and b hold `count` consecutive blocks of
// a.size() values. Reads `a` once for all blocks (an external product multiplies each digit
// into the k+1 accumulators).
void fourier_multiply_add_blocks(std::span<Complex> acc, std::span<const Complex> a,
                                 std::span<const Complex> b, std::size_t count);

// Round a real value to the nearest integer and reduce it modulo 2^64, for magnitudes below
// 2^116 (the sums in an external product stay far below that). Subtracting the nearest
// multiple of 2^64 is exact (scaling by a power of two, then a difference that is a multiple
// of ulp(x) no larger than 2^63); the remainder lies in [−2^63, 2^63] and converts with the
// hardware's round-to-nearest. At exactly +2^63 the x86-64 conversion returns 0x8000…0, which
// is 2^63 modulo 2^64, the right answer. Written so that the loops using it vectorise.
inline std::uint64_t round_to_torus(double x) {
  const double r = x - __builtin_nearbyint(x * 0x1p-64) * 0x1p64;
  return static_cast<std::uint64_t>(__builtin_llrint(r));
}

}  // namespace lutfhe
