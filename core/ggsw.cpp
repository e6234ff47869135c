#include "core/ggsw.hpp"

#include <algorithm>
#include <vector>

#include "core/errors.hpp"
#include "core/glwe.hpp"
#include "core/secure_memory.hpp"

namespace lutfhe {

void encrypt_ggsw(GgswCiphertext& out, std::int64_t mu, const GlweSecretKey& key,
                  const NoiseDistribution& noise, EncryptionRandomness& rng) {
  const std::size_t k = out.glwe_dimension().value();
  const std::size_t n = out.polynomial_size().value();
  const DecompositionParams d = out.decomposition();
  const std::size_t beta = d.base_log.value();
  SecureVector<Torus> message(n, 0);  // −μ·S: secret
  GlweCiphertext row{GlweDimension(k), PolynomialSize(n)};
  for (std::size_t block = 0; block <= k; ++block) {
    for (std::size_t level = 1; level <= d.levels.value(); ++level) {
      // Row (block, level) has phase −μ·S_block·q/B^j (mask blocks) or μ·q/B^j (body block).
      // The message goes into the body so that every mask stays exactly the mask stream's
      // output, which is what lets keys be stored as a seed.
      const Torus scaled = static_cast<Torus>(mu) << (64 - beta * level);
      if (block < k) {
        const auto s = key.polynomial(block);
        for (std::size_t t = 0; t < n; ++t) message[t] = (Torus{0} - scaled) * s[t];
      } else {
        std::fill(message.begin(), message.end(), Torus{0});
        message[0] = scaled;
      }
      encrypt_glwe(row, message, key, noise, rng);
      auto dst = out.row(out.row_index(block, level));
      std::copy(row.data().begin(), row.data().end(), dst.begin());
    }
  }
}

void convert_ggsw_to_fourier(std::span<Complex> out, const GgswCiphertext& standard,
                             const NegacyclicFft& fft) {
  const std::size_t k = standard.glwe_dimension().value();
  const std::size_t n = standard.polynomial_size().value();
  require_equal(n, fft.polynomial_size(), "convert_ggsw_to_fourier", "GGSW N", "transform N");
  require_equal(out.size(),
                fourier_ggsw_size(standard.glwe_dimension(), standard.polynomial_size(),
                                  standard.decomposition().levels),
                "convert_ggsw_to_fourier", "output", "Fourier GGSW size");
  const std::size_t half = n / 2;
  AlignedVector<Complex> polynomial(half);  // key conversion, not a hot path
  for (std::size_t r = 0; r < standard.row_count(); ++r) {
    auto row = standard.row(r);
    for (std::size_t c = 0; c <= k; ++c) {
      fft.forward_torus(polynomial, row.subspan(c * n, n));
      fourier_matrix_store(out, polynomial, r, c, standard.row_count(), k + 1);
    }
  }
}

FourierGgsw::FourierGgsw(const GgswCiphertext& standard, const NegacyclicFft& fft)
    : k_(standard.glwe_dimension()),
      n_(standard.polynomial_size()),
      decomposition_(standard.decomposition()),
      data_(fourier_ggsw_size(k_, n_, decomposition_.levels)) {
  convert_ggsw_to_fourier(data_, standard, fft);
}

}  // namespace lutfhe
