// Many independent bootstraps at once: OpenMP across ciphertexts, the server key shared
// read-only, one Scratch per thread.
#pragma once

#include <span>

#include "core/entities/lookup_table.hpp"
#include "core/entities/lwe_ciphertext.hpp"
#include "core/keys.hpp"

namespace lutfhe {

// outputs[i] ← KS-PBS of inputs[i] through `lut` (single-function tables). threads ≤ 0 uses
// OpenMP's default (OMP_NUM_THREADS or the core count).
void keyswitch_bootstrap_batch(std::span<LweCiphertext> outputs,
                               std::span<const LweCiphertext> inputs, const LookupTable& lut,
                               const ServerKey& key, int threads = 0);
// The same with a table per input (*luts[i], single-function). Each thread takes groups of
// kBootstrapBatch inputs and runs each group in one pass over the keys (keys.hpp); the results
// are those of one KS-PBS at a time.
void keyswitch_bootstrap_batch(std::span<LweCiphertext> outputs,
                               std::span<const LweCiphertext> inputs,
                               std::span<const LookupTable* const> luts, const ServerKey& key,
                               int threads = 0);

}  // namespace lutfhe
