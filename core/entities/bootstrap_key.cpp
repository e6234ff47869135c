#include "core/entities/bootstrap_key.hpp"

#include "core/errors.hpp"

namespace lutfhe {

LweBootstrapKey::LweBootstrapKey(LweDimension input_dimension, GlweDimension k, PolynomialSize n,
                                 DecompositionParams decomposition)
    : k_(k), n_(n), decomposition_(decomposition) {
  ggsws_.reserve(input_dimension.value());
  for (std::size_t i = 0; i < input_dimension.value(); ++i) {
    ggsws_.emplace_back(k, n, decomposition);
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
  const std::span<const Complex> all(data_);
  const std::span<const Complex> next = i + 1 < input_dimension_.value()
                                            ? all.subspan((i + 1) * ggsw_size_, ggsw_size_)
                                            : std::span<const Complex>();
  return {all.subspan(i * ggsw_size_, ggsw_size_), k_, n_, decomposition_, next};
}

}  // namespace lutfhe
