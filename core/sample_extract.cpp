#include "core/sample_extract.hpp"

#include "core/errors.hpp"

namespace lutfhe {

void sample_extract(std::span<Torus> out, std::span<const Torus> glwe, PolynomialSize n,
                    std::size_t h) {
  const std::size_t big_n = n.value();
  if (glwe.size() % big_n != 0 || glwe.size() < 2 * big_n) {
    throw DimensionMismatch("sample_extract: GLWE of " + std::to_string(glwe.size()) +
                            " coefficients is not (k+1)·N for N=" + std::to_string(big_n));
  }
  const std::size_t k = glwe.size() / big_n - 1;
  require_equal(out.size() - 1, k * big_n, "sample_extract", "output n", "k·N");
  if (h >= big_n) {
    throw InvalidArgument("sample_extract: coefficient " + std::to_string(h) +
                          " out of range for N=" + std::to_string(big_n));
  }
  // Coefficient h of A_i·S_i is Σ_{j≤h} A_i[h−j]·S_i[j] − Σ_{j>h} A_i[h−j+N]·S_i[j].
  auto mask = out.first(out.size() - 1);
  for (std::size_t i = 0; i < k; ++i) {
    const Torus* a = glwe.data() + i * big_n;
    Torus* m = mask.data() + i * big_n;
    for (std::size_t j = 0; j <= h; ++j) m[j] = a[h - j];
    for (std::size_t j = h + 1; j < big_n; ++j) m[j] = Torus{0} - a[h + big_n - j];
  }
  out.back() = glwe[k * big_n + h];
}

void sample_extract(LweCiphertext& out, const GlweCiphertext& glwe, std::size_t h) {
  sample_extract(out.data(), glwe.data(), glwe.polynomial_size(), h);
}

}  // namespace lutfhe
