#include "core/external_product.hpp"

#include <algorithm>

#include "core/decomposition.hpp"
#include "core/errors.hpp"

namespace lutfhe {

std::size_t external_product_scratch_size(GlweDimension k, PolynomialSize n,
                                          DecompositionLevelCount levels) {
  const std::size_t half = n.value() / 2;
  return scratch_bytes<std::int64_t>(levels.value() * n.value()) +  // digits of one polynomial
         scratch_bytes<Complex>(half) +                             // one transformed digit
         scratch_bytes<Complex>((k.value() + 1) * half);            // k+1 Fourier accumulators
}

void external_product_add(std::span<Torus> out, const FourierGgswView& ggsw,
                          std::span<const Torus> in, const NegacyclicFft& fft, Scratch& scratch) {
  const std::size_t k = ggsw.k.value();
  const std::size_t n = ggsw.n.value();
  const std::size_t l = ggsw.decomposition.levels.value();
  const std::size_t half = n / 2;
  require_equal(in.size(), (k + 1) * n, "external_product", "input GLWE size", "(k+1)·N of GGSW");
  require_equal(out.size(), (k + 1) * n, "external_product", "output GLWE size", "(k+1)·N of GGSW");
  require_equal(fft.polynomial_size(), n, "external_product", "transform N", "GGSW N");

  Scratch::Frame frame(scratch);
  auto digits = scratch.take<std::int64_t>(l * n);
  auto digit_f = scratch.take<Complex>(half);
  auto acc_f = scratch.take<Complex>((k + 1) * half);
  std::fill(acc_f.begin(), acc_f.end(), Complex{});

  for (std::size_t block = 0; block <= k; ++block) {
    decompose_polynomial(digits, in.subspan(block * n, n), ggsw.decomposition);
    for (std::size_t level = 1; level <= l; ++level) {
      fft.forward_i64(digit_f, digits.subspan((level - 1) * n, n));
      const std::size_t row = block * l + (level - 1);
      for (std::size_t c = 0; c <= k; ++c) {
        fourier_multiply_add(acc_f.subspan(c * half, half), digit_f, ggsw.polynomial(row, c));
      }
    }
  }
  for (std::size_t c = 0; c <= k; ++c) {
    fft.backward_add_torus(out.subspan(c * n, n), acc_f.subspan(c * half, half));
  }
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
