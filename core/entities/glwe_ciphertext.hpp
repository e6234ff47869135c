// GLWE ciphertext (A_1..A_k, B) over Z_{2^64}[X]/(X^N + 1), B = Σ A_i·S_i + M + E.
#pragma once

#include <span>
#include <vector>

#include "core/types.hpp"

namespace lutfhe {

class GlweCiphertext {
 public:
  GlweCiphertext(GlweDimension k, PolynomialSize n)
      : k_(k.value()), n_(n.value()), data_((k.value() + 1) * n.value(), 0) {}

  GlweDimension glwe_dimension() const { return GlweDimension(k_); }
  PolynomialSize polynomial_size() const { return PolynomialSize(n_); }
  // Polynomial i: mask polynomials for i < k, the body for i == k.
  std::span<Torus> polynomial(std::size_t i) { return {data_.data() + i * n_, n_}; }
  std::span<const Torus> polynomial(std::size_t i) const { return {data_.data() + i * n_, n_}; }
  std::span<Torus> body() { return polynomial(k_); }
  std::span<const Torus> body() const { return polynomial(k_); }
  std::span<Torus> data() { return data_; }
  std::span<const Torus> data() const { return data_; }

  friend bool operator==(const GlweCiphertext&, const GlweCiphertext&) = default;

 private:
  std::size_t k_;
  std::size_t n_;
  std::vector<Torus> data_;
};

}  // namespace lutfhe
