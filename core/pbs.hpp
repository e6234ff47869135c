// KS-PBS, the bootstrap every lookup and gate uses: key switch a ciphertext under the big key
// (k·N) to the small key (n), then blind-rotate the test polynomial and extract. One at a time
// with the caller's scratch, a small batch in one pass over the keys, or many across OpenMP
// threads (each thread with its own scratch, the server key shared read-only).
#pragma once

#include <cstddef>
#include <span>

#include "core/entities/lookup_table.hpp"
#include "core/entities/lwe_ciphertext.hpp"
#include "core/scratch.hpp"
#include "core/server_key.hpp"

namespace lutfhe {

// KS-PBS: key switch `in` (big key) to the small key, then bootstrap with `lut`; outputs are
// under the big key. outputs.size() == lut.lut_count().
void keyswitch_bootstrap(std::span<LweCiphertext> outputs, const LweCiphertext& in,
                         const LookupTable& lut, const ServerKey& key, Scratch& scratch);
void keyswitch_bootstrap(LweCiphertext& out, const LweCiphertext& in, const LookupTable& lut,
                         const ServerKey& key, Scratch& scratch);
// Same on raw LWE data (k·N + 1 values each), for callers that work in scratch memory.
void keyswitch_bootstrap(std::span<const std::span<Torus>> outputs, std::span<const Torus> in,
                         const LookupTable& lut, const ServerKey& key, Scratch& scratch);

// How many KS-PBS one thread runs together in keyswitch_bootstrap_batch by default: enough to
// reuse each GGSW from cache several times, few enough that the batch's accumulators and one
// GGSW stay within a core's L2 for the sets this project uses.
inline constexpr std::size_t kBootstrapBatch = 8;

// outputs[b] ← KS-PBS of inputs[b] with the single-function table *luts[b], for a small batch
// (at most the size the scratch was made for, ServerKey::make_batch_scratch): the key
// switches in one pass over the key-switching key (keyswitch_batch), then one walk of the
// bootstrapping key for all (blind_rotate_batch).
// Results are identical to keyswitch_bootstrap on each.
void keyswitch_bootstrap_batch(std::span<LweCiphertext> outputs,
                               std::span<const LweCiphertext> inputs,
                               std::span<const LookupTable* const> luts, const ServerKey& key,
                               Scratch& scratch);

// Across threads: outputs[i] ← KS-PBS of inputs[i] through `lut` (single-function tables). threads
// ≤ 0 uses OpenMP's default (OMP_NUM_THREADS or the core count).
void keyswitch_bootstrap_batch(std::span<LweCiphertext> outputs,
                               std::span<const LweCiphertext> inputs, const LookupTable& lut,
                               const ServerKey& key, int threads = 0);
// The same with a table per input (*luts[i], single-function). Each thread takes groups of
// kBootstrapBatch inputs and runs each group in one pass over the keys (above); the results
// are those of one KS-PBS at a time.
void keyswitch_bootstrap_batch(std::span<LweCiphertext> outputs,
                               std::span<const LweCiphertext> inputs,
                               std::span<const LookupTable* const> luts, const ServerKey& key,
                               int threads = 0);

}  // namespace lutfhe
