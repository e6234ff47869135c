#include "core/entities/bootstrap_key.hpp"

#include "core/errors.hpp"

namespace lutfhe {
namespace {

// (n/g)·(2^g − 1) GGSWs, after checking that g is a grouping factor that divides n.
std::size_t ggsw_count_of(LweDimension n, unsigned grouping) {
  if (grouping < 1 || grouping > kMaxGrouping) {
    throw InvalidArgument("bootstrap key grouping factor " + std::to_string(grouping) +
                          " is not in [1, " + std::to_string(kMaxGrouping) + "]");
  }
  if (n.value() % grouping != 0) {
    throw InvalidArgument("bootstrap key n=" + std::to_string(n.value()) +
                          " is not a multiple of its grouping factor " + std::to_string(grouping));
  }
  return n.value() / grouping * ggsws_per_group(grouping);
}

}  // namespace

LweBootstrapKey::LweBootstrapKey(LweDimension input_dimension, GlweDimension k, PolynomialSize n,
                                 DecompositionParams decomposition, unsigned grouping)
    : input_dimension_(input_dimension),
      grouping_(grouping),
      k_(k),
      n_(n),
      decomposition_(decomposition) {
  const std::size_t count = ggsw_count_of(input_dimension, grouping);
  ggsws_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) ggsws_.emplace_back(k, n, decomposition);
}

FourierBootstrapKey::FourierBootstrapKey(const LweBootstrapKey& standard, const NegacyclicFft& fft)
    : FourierBootstrapKey(standard.input_dimension(), standard.glwe_dimension(),
                          standard.polynomial_size(), standard.decomposition(),
                          standard.grouping()) {
  for (std::size_t i = 0; i < ggsw_count_; ++i) {
    convert_ggsw_to_fourier(std::span<Complex>(data_).subspan(i * ggsw_size_, ggsw_size_),
                            standard.ggsw(i), fft);
  }
}

FourierBootstrapKey::FourierBootstrapKey(LweDimension input_dimension, GlweDimension k,
                                         PolynomialSize n, DecompositionParams decomposition,
                                         unsigned grouping)
    : input_dimension_(input_dimension),
      grouping_(grouping),
      ggsw_count_(ggsw_count_of(input_dimension, grouping)),
      k_(k),
      n_(n),
      decomposition_(decomposition),
      ggsw_size_(fourier_ggsw_size(k_, n_, decomposition_.levels)),
      data_(ggsw_count_ * ggsw_size_) {}

void FourierBootstrapKey::set_ggsw(std::size_t i, const GgswCiphertext& standard,
                                   const NegacyclicFft& fft) {
  if (i >= ggsw_count_) {
    throw InvalidArgument("bootstrap key has " + std::to_string(ggsw_count_) + " GGSWs, index " +
                          std::to_string(i) + " is out of range");
  }
  require_equal(standard.decomposition().levels.value(), decomposition_.levels.value(), "set_ggsw",
                "GGSW levels", "key levels");
  convert_ggsw_to_fourier(std::span<Complex>(data_).subspan(i * ggsw_size_, ggsw_size_), standard,
                          fft);
}

FourierGgswView FourierBootstrapKey::ggsw(std::size_t i) const {
  const std::span<const Complex> all(data_);
  const std::span<const Complex> next = i + 1 < ggsw_count_
                                            ? all.subspan((i + 1) * ggsw_size_, ggsw_size_)
                                            : std::span<const Complex>();
  return {all.subspan(i * ggsw_size_, ggsw_size_), k_, n_, decomposition_, next};
}

}  // namespace lutfhe
