// Bootstrapping keys: one GGSW encryption of each bit of the small LWE key under the GLWE key,
// or, for a multi-bit key of grouping factor g, of each non-zero bit pattern of every group of
// g key bits (bootstrap_key_messages in core/bootstrap_key_generation.hpp says which value each
// GGSW holds). Stored in the standard domain (files do not depend on the FFT backend) and converted
// once, at load, to the Fourier domain where blind rotation uses it.
#pragma once

#include <span>
#include <vector>

#include "core/entities/ggsw_ciphertext.hpp"
#include "core/types.hpp"
#include "fft/aligned.hpp"

namespace lutfhe {

class LweBootstrapKey {
 public:
  LweBootstrapKey(LweDimension input_dimension, GlweDimension k, PolynomialSize n,
                  DecompositionParams decomposition, unsigned grouping = 1);

  LweDimension input_dimension() const { return input_dimension_; }
  unsigned grouping() const { return grouping_; }
  std::size_t ggsw_count() const { return ggsws_.size(); }
  GlweDimension glwe_dimension() const { return k_; }
  PolynomialSize polynomial_size() const { return n_; }
  DecompositionParams decomposition() const { return decomposition_; }
  GgswCiphertext& ggsw(std::size_t i) { return ggsws_[i]; }
  const GgswCiphertext& ggsw(std::size_t i) const { return ggsws_[i]; }

 private:
  LweDimension input_dimension_;
  unsigned grouping_;
  GlweDimension k_;
  PolynomialSize n_;
  DecompositionParams decomposition_;
  std::vector<GgswCiphertext> ggsws_;
};

// The bootstrapping key in the Fourier domain, all GGSWs in one aligned buffer so that the
// blind-rotation loop streams through it in order.
class FourierBootstrapKey {
 public:
  FourierBootstrapKey(const LweBootstrapKey& standard, const NegacyclicFft& fft);
  // An all-zero key to be filled GGSW by GGSW with set_ggsw (streaming generation).
  FourierBootstrapKey(LweDimension input_dimension, GlweDimension k, PolynomialSize n,
                      DecompositionParams decomposition, unsigned grouping = 1);
  void set_ggsw(std::size_t i, const GgswCiphertext& standard, const NegacyclicFft& fft);

  LweDimension input_dimension() const { return input_dimension_; }
  unsigned grouping() const { return grouping_; }
  std::size_t ggsw_count() const { return ggsw_count_; }
  GlweDimension glwe_dimension() const { return k_; }
  PolynomialSize polynomial_size() const { return n_; }
  DecompositionParams decomposition() const { return decomposition_; }
  LweDimension output_dimension() const { return flattened_dimension(k_, n_); }
  FourierGgswView ggsw(std::size_t i) const;
  std::size_t size_bytes() const { return data_.size() * sizeof(Complex); }

 private:
  LweDimension input_dimension_;
  unsigned grouping_;
  std::size_t ggsw_count_;
  GlweDimension k_;
  PolynomialSize n_;
  DecompositionParams decomposition_;
  std::size_t ggsw_size_;
  AlignedVector<Complex> data_;
};

}  // namespace lutfhe
