// GGSW ciphertexts: (k+1)·l GLWE rows; row (i, j) (i in [0, k], level j in [1, l]) is a GLWE
// encryption whose phase is −μ·S_i·q/B^j for i < k and μ·q/B^j for the body block i = k.
#pragma once

#include <span>
#include <vector>

#include "core/types.hpp"
#include "fft/aligned.hpp"
#include "fft/fourier_matrix.hpp"
#include "fft/negacyclic_fft.hpp"

namespace lutfhe {

class GgswCiphertext {
 public:
  GgswCiphertext(GlweDimension k, PolynomialSize n, DecompositionParams decomposition)
      : k_(k.value()),
        n_(n.value()),
        decomposition_(decomposition),
        data_(row_count() * row_size(), 0) {}

  GlweDimension glwe_dimension() const { return GlweDimension(k_); }
  PolynomialSize polynomial_size() const { return PolynomialSize(n_); }
  DecompositionParams decomposition() const { return decomposition_; }
  std::size_t row_count() const { return (k_ + 1) * decomposition_.levels.value(); }
  std::size_t row_size() const { return (k_ + 1) * n_; }
  // Row for block i and level j (1-based level, as in the paper).
  std::size_t row_index(std::size_t block, std::size_t level) const {
    return block * decomposition_.levels.value() + (level - 1);
  }
  std::span<Torus> row(std::size_t r) { return {data_.data() + r * row_size(), row_size()}; }
  std::span<const Torus> row(std::size_t r) const {
    return {data_.data() + r * row_size(), row_size()};
  }
  std::span<Torus> data() { return data_; }
  std::span<const Torus> data() const { return data_; }

 private:
  std::size_t k_;
  std::size_t n_;
  DecompositionParams decomposition_;
  std::vector<Torus> data_;
};

// Size in complex values of one GGSW in the Fourier domain: rows × (k+1) × N/2.
constexpr std::size_t fourier_ggsw_size(GlweDimension k, PolynomialSize n,
                                        DecompositionLevelCount levels) {
  return (k.value() + 1) * levels.value() * (k.value() + 1) * (n.value() / 2);
}

// A read-only view of a GGSW in the Fourier domain: its (k+1)·l rows × (k+1) polynomials as a
// Fourier matrix (fft/fourier_matrix.hpp), so that the external product's multiply-add reads it
// in one sequential pass. Value j of row r, polynomial c is at
// fourier_matrix_index(r, c, j, (k+1)·l, k+1, N/2).
struct FourierGgswView {
  std::span<const Complex> data;
  GlweDimension k;
  PolynomialSize n;
  DecompositionParams decomposition;
  // The GGSW the caller will use next, if it knows one (a bootstrapping key's following GGSW):
  // the external product brings it towards the cache while it computes (empty: none).
  std::span<const Complex> next;
  std::size_t rows() const { return (k.value() + 1) * decomposition.levels.value(); }
  std::size_t cols() const { return k.value() + 1; }
  Complex value(std::size_t row, std::size_t col, std::size_t j) const {
    return data[fourier_matrix_index(row, col, j, rows(), cols(), n.value() / 2)];
  }
};

// An owning Fourier-domain GGSW (used by tests and CMUX trees; bootstrapping keys store all of
// theirs in one buffer).
class FourierGgsw {
 public:
  FourierGgsw(const GgswCiphertext& standard, const NegacyclicFft& fft);
  FourierGgswView view() const { return {data_, k_, n_, decomposition_, {}}; }

 private:
  GlweDimension k_;
  PolynomialSize n_;
  DecompositionParams decomposition_;
  AlignedVector<Complex> data_;
};

// Writes the Fourier transform of `standard` into `out` (fourier_ggsw_size values).
void convert_ggsw_to_fourier(std::span<Complex> out, const GgswCiphertext& standard,
                             const NegacyclicFft& fft);

}  // namespace lutfhe
