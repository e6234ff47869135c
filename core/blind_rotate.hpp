// Blind rotation and programmable bootstrapping (CGGI eprint 2018/421, Alg. 3; the padding-bit
// box method of Chillotti–Joye–Paillier eprint 2021/091).
#pragma once

#include <cstdint>
#include <span>

#include "core/entities/bootstrap_key.hpp"
#include "core/entities/lookup_table.hpp"
#include "core/entities/lwe_ciphertext.hpp"
#include "core/scratch.hpp"
#include "fft/negacyclic_fft.hpp"

namespace lutfhe {

std::size_t blind_rotate_scratch_size(GlweDimension k, PolynomialSize n,
                                      DecompositionLevelCount levels);

// acc ((k+1)·N values) ← X^{−(b̃ − Σ ã_i·s_i)} · lut, the trivial GLWE of the test
// polynomial rotated by the phase. `switched` holds ã_1..ã_n, b̃ in [0, 2N).
void blind_rotate(std::span<Torus> acc, std::span<const std::uint64_t> switched,
                  std::span<const Torus> lut, const FourierBootstrapKey& bsk,
                  const NegacyclicFft& fft, Scratch& scratch);

std::size_t programmable_bootstrap_scratch_size(const FourierBootstrapKey& bsk);

// outputs[f] (dimension k·N, under the flattened GLWE key) ← the table's function f applied
// to the message of `in` (dimension n). outputs.size() must equal lut.lut_count(); each is
// k·N + 1 values.
void programmable_bootstrap(std::span<const std::span<Torus>> outputs, std::span<const Torus> in,
                            const LookupTable& lut, const FourierBootstrapKey& bsk,
                            const NegacyclicFft& fft, Scratch& scratch);

// Single-function convenience on entities.
void programmable_bootstrap(LweCiphertext& out, const LweCiphertext& in, const LookupTable& lut,
                            const FourierBootstrapKey& bsk, const NegacyclicFft& fft,
                            Scratch& scratch);

}  // namespace lutfhe
