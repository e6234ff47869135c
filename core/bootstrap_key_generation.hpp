// Generation of bootstrapping keys (client side: it reads both secret keys).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/entities/bootstrap_key.hpp"
#include "core/entities/secret_keys.hpp"
#include "core/progress.hpp"
#include "core/random.hpp"

namespace lutfhe {

// The value each GGSW of a bootstrapping key encrypts, in key order. Grouping 1: bit s_i.
// Grouping g: group t holds key bits s_{tg} … s_{tg+g−1}; its GGSW number p, for the bit
// pattern p = 0 … 2^g − 1, encrypts the indicator that those bits equal p (bit j of p for
// s_{tg+j}): Π_j (s_{tg+j} if bit j of p is set, else 1 − s_{tg+j}). Exactly one pattern of
// each group is true (multi-bit blind rotation, Bergerat et al. eprint 2022/704 §3; TFHE-rs
// stores the same 2^g products, core_crypto/algorithms/lwe_multi_bit_bootstrap_key_
// generation.rs, with the pattern's bits in the opposite order).
std::vector<std::int64_t> bootstrap_key_messages(std::span<const Torus> bits, unsigned grouping);

// The GGSWs of bootstrap_key_messages(bits of `input_key`, out.grouping()) under `glwe_key`.
void generate_bootstrap_key(LweBootstrapKey& out, const LweSecretKey& input_key,
                            const GlweSecretKey& glwe_key, const NoiseDistribution& noise,
                            EncryptionRandomness& rng, const ProgressCallback& progress = {});

}  // namespace lutfhe
