// Generation of bootstrapping keys (client side: it reads both secret keys).
#pragma once

#include "core/entities/bootstrap_key.hpp"
#include "core/entities/secret_keys.hpp"
#include "core/progress.hpp"
#include "core/random.hpp"

namespace lutfhe {

// GGSW_i = GGSW encryption of bit s_i of `input_key` under `glwe_key`.
void generate_bootstrap_key(LweBootstrapKey& out, const LweSecretKey& input_key,
                            const GlweSecretKey& glwe_key, const NoiseDistribution& noise,
                            EncryptionRandomness& rng, const ProgressCallback& progress = {});

}  // namespace lutfhe
