// LWE encryption and decryption (client side: they take the secret key).
#pragma once

#include "core/entities/lwe_ciphertext.hpp"
#include "core/entities/secret_keys.hpp"
#include "core/random.hpp"

namespace lutfhe {

// out = (a, <a, s> + plaintext + e), a from rng.mask, e from `noise` drawn from rng.noise.
void encrypt_lwe(LweCiphertext& out, Torus plaintext, const LweSecretKey& key,
                 const NoiseDistribution& noise, EncryptionRandomness& rng);

// Same, with the mask already in out.mask() (used to expand seeded ciphertexts and keys).
void encrypt_lwe_with_mask(LweCiphertext& out, Torus plaintext, const LweSecretKey& key,
                           const NoiseDistribution& noise, RandomStream& noise_rng);

// b − <a, s>: the plaintext plus the noise.
Torus decrypt_lwe_phase(const LweCiphertext& ct, const LweSecretKey& key);

}  // namespace lutfhe
