// Generation of key-switching keys (client side: it reads both secret keys).
#pragma once

#include <functional>
#include <span>

#include "core/entities/keyswitch_key.hpp"
#include "core/entities/secret_keys.hpp"
#include "core/random.hpp"

namespace lutfhe {

// Calls emit(i, j, row) for every row (i, j), in key order, where row is the LWE encryption
// under `output_key` of s_in[i]·2^(64 − β·j). The one generator behind both key forms (the
// streaming server-key path stores each row as it comes).
void generate_keyswitch_rows(
    const LweSecretKey& input_key, const LweSecretKey& output_key, DecompositionParams d,
    const NoiseDistribution& noise, EncryptionRandomness& rng,
    const std::function<void(std::size_t, std::size_t, std::span<const Torus>)>& emit);

// Row (i, j) = LWE encryption under `output_key` of s_in[i]·2^(64 − β·j).
void generate_keyswitch_key(LweKeyswitchKey& out, const LweSecretKey& input_key,
                            const LweSecretKey& output_key, const NoiseDistribution& noise,
                            EncryptionRandomness& rng);

}  // namespace lutfhe
