// Generation of bootstrapping keys.
#pragma once

#include <functional>

#include "core/entities/bootstrap_key.hpp"
#include "core/entities/secret_keys.hpp"
#include "core/random.hpp"

namespace lutfhe {

// Called with (done, total) while a long generation runs.
using ProgressCallback = std::function<void(std::size_t, std::size_t)>;

// GGSW_i = GGSW encryption of bit s_i of `input_key` under `glwe_key`.
void generate_bootstrap_key(LweBootstrapKey& out, const LweSecretKey& input_key,
                            const GlweSecretKey& glwe_key, const NoiseDistribution& noise,
                            EncryptionRandomness& rng, const ProgressCallback& progress = {});

}  // namespace lutfhe
