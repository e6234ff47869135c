// GLWE encryption and decryption.
#pragma once

#include <span>

#include "core/entities/glwe_ciphertext.hpp"
#include "core/entities/secret_keys.hpp"
#include "core/random.hpp"

namespace lutfhe {

// out = (A, Σ A_i·S_i + message + E); message has N coefficients.
void encrypt_glwe(GlweCiphertext& out, std::span<const Torus> message, const GlweSecretKey& key,
                  const NoiseDistribution& noise, EncryptionRandomness& rng);

// out = B − Σ A_i·S_i (N coefficients).
void decrypt_glwe_phase(std::span<Torus> out, const GlweCiphertext& ct, const GlweSecretKey& key);

// (0, …, 0, message).
void trivial_glwe(GlweCiphertext& out, std::span<const Torus> message);

}  // namespace lutfhe
