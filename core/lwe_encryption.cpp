#include "core/lwe_encryption.hpp"

#include "core/errors.hpp"

namespace lutfhe {
namespace {

Torus dot(std::span<const Torus> a, std::span<const Torus> s) {
  Torus acc = 0;
  for (std::size_t i = 0; i < a.size(); ++i) acc += a[i] * s[i];
  return acc;
}

}  // namespace

void encrypt_lwe_with_mask(LweCiphertext& out, Torus plaintext, const LweSecretKey& key,
                           const NoiseDistribution& noise, RandomStream& noise_rng) {
  require_equal(out.dimension().value(), key.dimension().value(), "encrypt_lwe", "ciphertext n",
                "key n");
  out.body() = dot(out.mask(), key.bits()) + plaintext + sample_noise(noise, noise_rng);
}

void encrypt_lwe(LweCiphertext& out, Torus plaintext, const LweSecretKey& key,
                 const NoiseDistribution& noise, EncryptionRandomness& rng) {
  require_equal(out.dimension().value(), key.dimension().value(), "encrypt_lwe", "ciphertext n",
                "key n");
  rng.mask.fill(out.mask());
  encrypt_lwe_with_mask(out, plaintext, key, noise, rng.noise);
}

Torus decrypt_lwe_phase(const LweCiphertext& ct, const LweSecretKey& key) {
  require_equal(ct.dimension().value(), key.dimension().value(), "decrypt_lwe", "ciphertext n",
                "key n");
  return ct.body() - dot(ct.mask(), key.bits());
}

}  // namespace lutfhe
