// LWE-to-LWE key switching (server side; the keys are made in keyswitch_key_generation.hpp).
#pragma once

#include <span>

#include "core/entities/keyswitch_key.hpp"
#include "core/entities/lwe_ciphertext.hpp"
#include "core/scratch.hpp"

namespace lutfhe {

// out = (0, b) − Σ_i Σ_j d_ij · KSK(i, j), d_ij the signed digits of a_i: an encryption under
// the output key of the same plaintext.
void keyswitch(LweCiphertext& out, const LweCiphertext& in, const LweKeyswitchKey& key);
// Same on raw LWE data (mask then body), for hot paths working in scratch memory.
void keyswitch(std::span<Torus> out, std::span<const Torus> in, const LweKeyswitchKey& key);

std::size_t compact_keyswitch_scratch_size(LweDimension output_dimension);

// Key switching with the 32-bit server form of the key, computed modulo 2^32: the output's
// values are multiples of 2^32 (the top 32 bits of each torus element), ready for the
// modulus switch.
void keyswitch(std::span<Torus> out, std::span<const Torus> in, const CompactKeyswitchKey& key,
               Scratch& scratch);
// Convenience form that allocates its scratch.
void keyswitch(LweCiphertext& out, const LweCiphertext& in, const CompactKeyswitchKey& key);

std::size_t compact_keyswitch_batch_scratch_size(LweDimension output_dimension, std::size_t batch);
// outs[b] ← keyswitch(ins[b]) for a small batch in one pass over the key: each row is applied
// to every member while it is in cache (one KS streams the whole key, k·N·l_ks rows). The
// results are identical to keyswitch on each.
void keyswitch_batch(std::span<const std::span<Torus>> outs,
                     std::span<const std::span<const Torus>> ins, const CompactKeyswitchKey& key,
                     Scratch& scratch);

}  // namespace lutfhe
