#include "core/entities/secret_keys.hpp"

#include "core/errors.hpp"

namespace lutfhe {
namespace {

void fill_binary(SecureVector<Torus>& bits, RandomStream& rng) {
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (i % 64 == 0) word = rng.next_u64();
    bits[i] = (word >> (i % 64)) & 1;
  }
  secure_wipe(&word, sizeof(word));
}

}  // namespace

LweSecretKey::LweSecretKey(LweDimension n, RandomStream& secret_rng) : bits_(n.value(), 0) {
  fill_binary(bits_, secret_rng);
}

LweSecretKey::LweSecretKey(SecureVector<Torus> bits) : bits_(std::move(bits)) {
  for (Torus b : bits_) {
    if (b > 1) throw InvalidArgument("LWE secret key coefficients must be 0 or 1");
  }
}

GlweSecretKey::GlweSecretKey(GlweDimension k, PolynomialSize n, RandomStream& secret_rng)
    : k_(k.value()), n_(n.value()), bits_(k.value() * n.value(), 0) {
  fill_binary(bits_, secret_rng);
}

GlweSecretKey::GlweSecretKey(GlweDimension k, PolynomialSize n, SecureVector<Torus> bits)
    : k_(k.value()), n_(n.value()), bits_(std::move(bits)) {
  if (bits_.size() != k_ * n_) {
    throw DimensionMismatch("GLWE secret key: " + std::to_string(bits_.size()) +
                            " coefficients, expected k·N=" + std::to_string(k_ * n_));
  }
  for (Torus b : bits_) {
    if (b > 1) throw InvalidArgument("GLWE secret key coefficients must be 0 or 1");
  }
}

LweSecretKey GlweSecretKey::flatten() const {
  return LweSecretKey(SecureVector<Torus>(bits_));
}

}  // namespace lutfhe
