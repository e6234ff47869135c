#include "core/polynomial.hpp"

#include <cmath>
#include <vector>

#include "core/errors.hpp"
#include "core/secure_memory.hpp"
#include "fft/aligned.hpp"

namespace lutfhe {

void rotate_polynomial(std::span<Torus> out, std::span<const Torus> in, std::size_t shift) {
  const std::size_t n = in.size();
  require_equal(out.size(), n, "rotate_polynomial", "output", "input");
  if (shift >= 2 * n) {
    throw InvalidArgument("rotate_polynomial: shift " + std::to_string(shift) +
                          " not below 2N=" + std::to_string(2 * n));
  }
  // X^N = −1: a rotation by N or more flips every sign once more.
  const bool negate_all = shift >= n;
  const std::size_t s = negate_all ? shift - n : shift;
  for (std::size_t t = 0; t < n - s; ++t) {
    out[t + s] = negate_all ? Torus{0} - in[t] : in[t];
  }
  for (std::size_t t = n - s; t < n; ++t) {
    out[t + s - n] = negate_all ? in[t] : Torus{0} - in[t];
  }
}

void multiply_schoolbook(std::span<Torus> out, std::span<const Torus> a, std::span<const Torus> b) {
  const std::size_t n = a.size();
  require_equal(b.size(), n, "multiply_schoolbook", "a", "b");
  require_equal(out.size(), n, "multiply_schoolbook", "out", "a");
  std::vector<Torus> acc(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const Torus p = a[i] * b[j];
      if (i + j < n) {
        acc[i + j] += p;
      } else {
        acc[i + j - n] -= p;
      }
    }
  }
  std::copy(acc.begin(), acc.end(), out.begin());
}

void multiply_add_binary(std::span<Torus> out, std::span<const Torus> a,
                         std::span<const Torus> binary, const NegacyclicFft& fft) {
  const std::size_t n = a.size();
  require_equal(n, fft.polynomial_size(), "multiply_add_binary", "polynomial", "transform N");
  require_equal(binary.size(), n, "multiply_add_binary", "a", "key");
  require_equal(out.size(), n, "multiply_add_binary", "out", "a");
  const std::size_t half = n / 2;
  AlignedVector<Complex> key_f(half), limb_f(half);
  AlignedVector<double> limb(n), product(n);
  for (std::size_t t = 0; t < n; ++t) limb[t] = static_cast<double>(binary[t]);
  fft.forward_f64(key_f, limb);
  for (unsigned shift = 0; shift < 64; shift += 16) {
    for (std::size_t t = 0; t < n; ++t) limb[t] = static_cast<double>((a[t] >> shift) & 0xffff);
    fft.forward_f64(limb_f, limb);
    for (std::size_t t = 0; t < half; ++t) limb_f[t] *= key_f[t];
    fft.backward_f64(product, limb_f);
    for (std::size_t t = 0; t < n; ++t) {
      const auto exact = static_cast<std::int64_t>(std::nearbyint(product[t]));
      out[t] += static_cast<Torus>(exact) << shift;
    }
  }
  // Every buffer held the key, its transform or products with it.
  secure_wipe(key_f.data(), key_f.size() * sizeof(Complex));
  secure_wipe(limb_f.data(), limb_f.size() * sizeof(Complex));
  secure_wipe(limb.data(), limb.size() * sizeof(double));
  secure_wipe(product.data(), product.size() * sizeof(double));
}

}  // namespace lutfhe
