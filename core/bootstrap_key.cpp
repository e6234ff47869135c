#include "core/bootstrap_key.hpp"

#include "core/errors.hpp"
#include "core/ggsw.hpp"

namespace lutfhe {

LweBootstrapKey::LweBootstrapKey(LweDimension input_dimension, GlweDimension k, PolynomialSize n,
                                 DecompositionParams decomposition)
    : k_(k), n_(n), decomposition_(decomposition) {
  ggsws_.reserve(input_dimension.value());
  for (std::size_t i = 0; i < input_dimension.value(); ++i) {
    ggsws_.emplace_back(k, n, decomposition);
  }
}

void generate_bootstrap_key(LweBootstrapKey& out, const LweSecretKey& input_key,
                            const GlweSecretKey& glwe_key, const NoiseDistribution& noise,
                            EncryptionRandomness& rng, const ProgressCallback& progress) {
  const std::size_t n = out.input_dimension().value();
  require_equal(n, input_key.dimension().value(), "generate_bootstrap_key", "key n", "input key n");
  require_equal(out.glwe_dimension().value(), glwe_key.glwe_dimension().value(),
                "generate_bootstrap_key", "key k", "GLWE key k");
  require_equal(out.polynomial_size().value(), glwe_key.polynomial_size().value(),
                "generate_bootstrap_key", "key N", "GLWE key N");
  const auto bits = input_key.bits();
  for (std::size_t i = 0; i < n; ++i) {
    encrypt_ggsw(out.ggsw(i), static_cast<std::int64_t>(bits[i]), glwe_key, noise, rng);
    if (progress) progress(i + 1, n);
  }
}

FourierBootstrapKey::FourierBootstrapKey(const LweBootstrapKey& standard, const NegacyclicFft& fft)
    : input_dimension_(standard.input_dimension()),
      k_(standard.glwe_dimension()),
      n_(standard.polynomial_size()),
      decomposition_(standard.decomposition()),
      ggsw_size_(fourier_ggsw_size(k_, n_, decomposition_.levels)),
      data_(input_dimension_.value() * ggsw_size_) {
  for (std::size_t i = 0; i < input_dimension_.value(); ++i) {
    convert_ggsw_to_fourier(std::span<Complex>(data_).subspan(i * ggsw_size_, ggsw_size_),
                            standard.ggsw(i), fft);
  }
}

FourierBootstrapKey::FourierBootstrapKey(LweDimension input_dimension, GlweDimension k,
                                         PolynomialSize n, DecompositionParams decomposition)
    : input_dimension_(input_dimension),
      k_(k),
      n_(n),
      decomposition_(decomposition),
      ggsw_size_(fourier_ggsw_size(k_, n_, decomposition_.levels)),
      data_(input_dimension_.value() * ggsw_size_) {}

void FourierBootstrapKey::set_ggsw(std::size_t i, const GgswCiphertext& standard,
                                   const NegacyclicFft& fft) {
  if (i >= input_dimension_.value()) {
    throw InvalidArgument("bootstrap key has " + std::to_string(input_dimension_.value()) +
                          " GGSWs, index " + std::to_string(i) + " is out of range");
  }
  require_equal(standard.decomposition().levels.value(), decomposition_.levels.value(), "set_ggsw",
                "GGSW levels", "key levels");
  convert_ggsw_to_fourier(std::span<Complex>(data_).subspan(i * ggsw_size_, ggsw_size_), standard,
                          fft);
}

FourierGgswView FourierBootstrapKey::ggsw(std::size_t i) const {
  return {std::span<const Complex>(data_).subspan(i * ggsw_size_, ggsw_size_), k_, n_,
          decomposition_};
}

}  // namespace lutfhe
