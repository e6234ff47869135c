// LWE encryption, decryption and the linear operations on LWE ciphertexts.
#pragma once

#include <cstdint>

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

// (0, …, 0, plaintext): a noiseless encryption under every key.
LweCiphertext trivial_lwe(LweDimension n, Torus plaintext);

void lwe_add_assign(LweCiphertext& acc, const LweCiphertext& x);
void lwe_sub_assign(LweCiphertext& acc, const LweCiphertext& x);
void lwe_negate_assign(LweCiphertext& acc);
void lwe_scalar_mul_assign(LweCiphertext& acc, std::int64_t scalar);
void lwe_add_plaintext_assign(LweCiphertext& acc, Torus plaintext);
// acc += scalar · x (the building block of dot products with clear integer weights).
void lwe_add_scaled_assign(LweCiphertext& acc, const LweCiphertext& x, std::int64_t scalar);

}  // namespace lutfhe
