// GGSW encryption.
#pragma once

#include <cstdint>

#include "core/entities/ggsw_ciphertext.hpp"
#include "core/entities/secret_keys.hpp"
#include "core/random.hpp"

namespace lutfhe {

// Encrypts the integer μ (a key bit in bootstrapping keys): row (i, j) is a GLWE encryption
// of zero with μ·2^(64 − β·j) added to its polynomial i (constant coefficient).
void encrypt_ggsw(GgswCiphertext& out, std::int64_t mu, const GlweSecretKey& key,
                  const NoiseDistribution& noise, EncryptionRandomness& rng);

}  // namespace lutfhe
