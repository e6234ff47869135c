#include "core/external_product.hpp"

#include <algorithm>

#include "core/decomposition.hpp"
#include "core/errors.hpp"
#include "fft/avx512.hpp"

namespace lutfhe {

namespace {

// Software prefetch of a GGSW the blind rotation will read next, spread over this external
// product's compute phases: the bootstrapping key does not fit the last-level cache, so
// without it the multiply-add waits on memory while the transforms leave the memory bus idle.
class Prefetcher {
 public:
  explicit Prefetcher(std::span<const Complex> next)
      : p_(reinterpret_cast<const char*>(next.data())),
        end_(reinterpret_cast<const char*>(next.data() + next.size())) {}
  std::size_t lines_left() const { return static_cast<std::size_t>(end_ - p_) / kCacheLine; }
  // Up to `lines` cache lines, towards L2.
  void issue(std::size_t lines) {
    for (std::size_t i = 0; i < lines && p_ < end_; ++i, p_ += kCacheLine) {
      __builtin_prefetch(p_, 0, 2);
    }
  }

 private:
  const char* p_;
  const char* end_;
};

// Decomposes a torus polynomial and writes, for every level j, the folded and twisted digit
// polynomial (d_t + i·d_{t+N/2})·ω^t into twisted[(j−1)·N/2 ...]: decomposition, conversion
// to double and the FFT's twist in one pass over the input (see decomposition.hpp for the
// digit rule: round to β·l bits, digits in [−B/2, B/2) with carries).
void decompose_and_twist(std::span<Complex> twisted, std::span<const Torus> in,
                         DecompositionParams d, const NegacyclicFft& fft, Prefetcher& prefetch,
                         std::size_t lines_per_step) {
  const std::size_t n = in.size();
  const std::size_t half = n / 2;
  const std::size_t l = d.levels.value();
  const unsigned beta = static_cast<unsigned>(d.base_log.value());
  const unsigned kept = static_cast<unsigned>(beta * l);
  const unsigned drop = 64 - kept;
  const double* wr = fft.twist_re().data();
  const double* wi = fft.twist_im().data();
  double* out = reinterpret_cast<double*>(twisted.data());
  const Torus* lo = in.data();
  const Torus* hi = in.data() + half;
  std::size_t j = 0;
#ifdef LUTFHE_AVX512
  if (drop > 0) {
    const __m512i lo_idx = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
    const __m512i hi_idx = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
    const __m512i mask = _mm512_set1_epi64(static_cast<long long>((Torus{1} << beta) - 1));
    const __m512i one = _mm512_set1_epi64(1);
    const __m128i drop_v = _mm_cvtsi32_si128(static_cast<int>(drop));
    const __m128i drop1_v = _mm_cvtsi32_si128(static_cast<int>(drop - 1));
    const __m128i beta_v = _mm_cvtsi32_si128(static_cast<int>(beta));
    const __m128i beta1_v = _mm_cvtsi32_si128(static_cast<int>(beta - 1));
    for (; j + 8 <= half; j += 8) {
      prefetch.issue(lines_per_step);
      const __m512i x = _mm512_loadu_si512(lo + j);
      const __m512i y = _mm512_loadu_si512(hi + j);
      __m512i sx = _mm512_add_epi64(_mm512_srl_epi64(x, drop_v),
                                    _mm512_and_si512(_mm512_srl_epi64(x, drop1_v), one));
      __m512i sy = _mm512_add_epi64(_mm512_srl_epi64(y, drop_v),
                                    _mm512_and_si512(_mm512_srl_epi64(y, drop1_v), one));
      const __m512d vwr = _mm512_load_pd(wr + j);
      const __m512d vwi = _mm512_load_pd(wi + j);
      for (std::size_t level = l; level >= 1; --level) {
        const __m512i rx = _mm512_and_si512(sx, mask);
        const __m512i ry = _mm512_and_si512(sy, mask);
        const __m512i cx = _mm512_and_si512(_mm512_srl_epi64(rx, beta1_v), one);
        const __m512i cy = _mm512_and_si512(_mm512_srl_epi64(ry, beta1_v), one);
        const __m512d dx = _mm512_cvtepi64_pd(_mm512_sub_epi64(rx, _mm512_sll_epi64(cx, beta_v)));
        const __m512d dy = _mm512_cvtepi64_pd(_mm512_sub_epi64(ry, _mm512_sll_epi64(cy, beta_v)));
        sx = _mm512_add_epi64(_mm512_srl_epi64(sx, beta_v), cx);
        sy = _mm512_add_epi64(_mm512_srl_epi64(sy, beta_v), cy);
        const __m512d re = _mm512_fmsub_pd(dx, vwr, _mm512_mul_pd(dy, vwi));
        const __m512d im = _mm512_fmadd_pd(dx, vwi, _mm512_mul_pd(dy, vwr));
        double* dst = out + (level - 1) * n + 2 * j;
        _mm512_store_pd(dst, _mm512_permutex2var_pd(re, lo_idx, im));
        _mm512_store_pd(dst + 8, _mm512_permutex2var_pd(re, hi_idx, im));
      }
    }
  }
#endif
  const Torus mask = (Torus{1} << beta) - 1;
  for (; j < half; ++j) {
    Torus sx = drop == 0 ? lo[j] : (lo[j] >> drop) + ((lo[j] >> (drop - 1)) & 1);
    Torus sy = drop == 0 ? hi[j] : (hi[j] >> drop) + ((hi[j] >> (drop - 1)) & 1);
    for (std::size_t level = l; level >= 1; --level) {
      const Torus rx = sx & mask;
      const Torus ry = sy & mask;
      const Torus cx = (rx >> (beta - 1)) & 1;
      const Torus cy = (ry >> (beta - 1)) & 1;
      const auto dx = static_cast<double>(static_cast<std::int64_t>(rx - (cx << beta)));
      const auto dy = static_cast<double>(static_cast<std::int64_t>(ry - (cy << beta)));
      sx = (sx >> beta) + cx;
      sy = (sy >> beta) + cy;
      double* dst = out + (level - 1) * n + 2 * j;
      dst[0] = dx * wr[j] - dy * wi[j];
      dst[1] = dx * wi[j] + dy * wr[j];
    }
  }
}

}  // namespace

std::size_t external_product_scratch_size(GlweDimension k, PolynomialSize n,
                                          DecompositionLevelCount levels) {
  const std::size_t half = n.value() / 2;
  const std::size_t rows = (k.value() + 1) * levels.value();
  return 2 * scratch_bytes<Complex>(rows * half) +        // twisted digits, their transforms
         scratch_bytes<Complex>((k.value() + 1) * half);  // k+1 Fourier accumulators
}

// All (k+1)·l digit polynomials are decomposed and twisted first, transformed by one batched
// FFTW call, multiplied against the GGSW in one sequential pass over it
// (fourier_matrix_multiply), and the k+1 accumulators transformed back by one more call.
void external_product_add(std::span<Torus> out, const FourierGgswView& ggsw,
                          std::span<const Torus> in, const NegacyclicFft& fft, Scratch& scratch) {
  const std::size_t k = ggsw.k.value();
  const std::size_t n = ggsw.n.value();
  const std::size_t l = ggsw.decomposition.levels.value();
  const std::size_t half = n / 2;
  const std::size_t rows = (k + 1) * l;
  require_equal(in.size(), (k + 1) * n, "external_product", "input GLWE size", "(k+1)·N of GGSW");
  require_equal(out.size(), (k + 1) * n, "external_product", "output GLWE size", "(k+1)·N of GGSW");
  require_equal(fft.polynomial_size(), n, "external_product", "transform N", "GGSW N");

  Scratch::Frame frame(scratch);
  auto twisted = scratch.take<Complex>(rows * half);
  auto digits = scratch.take<Complex>(rows * half);
  auto acc_f = scratch.take<Complex>((k + 1) * half);
  // A third of the next GGSW during the decomposition (a few lines per 8 coefficients), the
  // rest in bursts before the transforms, whose FFTW calls run while the lines arrive.
  Prefetcher prefetch(ggsw.next);
  const std::size_t steps = std::max<std::size_t>(1, (k + 1) * (half / 8));
  const std::size_t per_step = (prefetch.lines_left() / 3 + steps - 1) / steps;
  for (std::size_t block = 0; block <= k; ++block) {
    decompose_and_twist(twisted.subspan(block * l * half, l * half), in.subspan(block * n, n),
                        ggsw.decomposition, fft, prefetch, per_step);
  }
  prefetch.issue(prefetch.lines_left() / 2);
  fft.forward_twisted_batch(digits, twisted, rows);
  fourier_matrix_multiply(acc_f, digits, ggsw.data, rows, k + 1);
  prefetch.issue(prefetch.lines_left());
  // The twisted digits are dead: their buffer is the inverse transforms' output.
  fft.backward_add_torus_batch(out, acc_f, twisted.first((k + 1) * half), k + 1);
}

std::size_t cmux_scratch_size(GlweDimension k, PolynomialSize n, DecompositionLevelCount levels) {
  return scratch_bytes<Torus>((k.value() + 1) * n.value()) +
         external_product_scratch_size(k, n, levels);
}

void cmux_rotate(std::span<Torus> acc, const FourierGgswView& ggsw, std::size_t rotation,
                 const NegacyclicFft& fft, Scratch& scratch) {
  const std::size_t n = ggsw.n.value();
  const std::size_t polys = ggsw.k.value() + 1;
  Scratch::Frame frame(scratch);
  auto diff = scratch.take<Torus>(polys * n);
  // diff = X^rotation·acc − acc, one polynomial at a time, without a rotated copy.
  const bool negate_all = rotation >= n;
  const std::size_t s = negate_all ? rotation - n : rotation;
  for (std::size_t p = 0; p < polys; ++p) {
    const Torus* a = acc.data() + p * n;
    Torus* d = diff.data() + p * n;
    if (!negate_all) {
      for (std::size_t t = 0; t < s; ++t) d[t] = Torus{0} - a[t + n - s] - a[t];
      for (std::size_t t = s; t < n; ++t) d[t] = a[t - s] - a[t];
    } else {
      for (std::size_t t = 0; t < s; ++t) d[t] = a[t + n - s] - a[t];
      for (std::size_t t = s; t < n; ++t) d[t] = Torus{0} - a[t - s] - a[t];
    }
  }
  external_product_add(acc, ggsw, diff, fft, scratch);
}

void cmux(std::span<Torus> acc, std::span<const Torus> other, const FourierGgswView& ggsw,
          const NegacyclicFft& fft, Scratch& scratch) {
  require_equal(other.size(), acc.size(), "cmux", "other GLWE size", "accumulator size");
  Scratch::Frame frame(scratch);
  auto diff = scratch.take<Torus>(acc.size());
  for (std::size_t t = 0; t < acc.size(); ++t) diff[t] = other[t] - acc[t];
  external_product_add(acc, ggsw, diff, fft, scratch);
}

}  // namespace lutfhe
