// Binary secret keys. Storage is wiped when freed; keys are created only from a RandomStream
// (the OS CSPRNG in real use, a printed fixed seed in tests).
#pragma once

#include <span>

#include "core/random.hpp"
#include "core/secure_memory.hpp"
#include "core/types.hpp"

namespace lutfhe {

class LweSecretKey {
 public:
  LweSecretKey(LweDimension n, RandomStream& secret_rng);
  // Wraps existing bits (each 0 or 1); used to view a flattened GLWE key as an LWE key.
  explicit LweSecretKey(SecureVector<Torus> bits);

  LweDimension dimension() const { return LweDimension(bits_.size()); }
  std::span<const Torus> bits() const { return bits_; }

 private:
  SecureVector<Torus> bits_;
};

class GlweSecretKey {
 public:
  GlweSecretKey(GlweDimension k, PolynomialSize n, RandomStream& secret_rng);
  // Wraps k·N existing bits (each 0 or 1), polynomial after polynomial (key files).
  GlweSecretKey(GlweDimension k, PolynomialSize n, SecureVector<Torus> bits);

  GlweDimension glwe_dimension() const { return GlweDimension(k_); }
  PolynomialSize polynomial_size() const { return PolynomialSize(n_); }
  std::span<const Torus> polynomial(std::size_t i) const { return {bits_.data() + i * n_, n_}; }
  std::span<const Torus> bits() const { return bits_; }
  // The k·N coefficients as an LWE key: the key under which sample extraction's output lies.
  LweSecretKey flatten() const;

 private:
  std::size_t k_;
  std::size_t n_;
  SecureVector<Torus> bits_;
};

}  // namespace lutfhe
