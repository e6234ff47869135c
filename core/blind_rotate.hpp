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
                                      DecompositionLevelCount levels, unsigned grouping = 1);

// acc ((k+1)·N values) ← X^{−(b̃ − Σ ã_i·s_i)} · lut, the trivial GLWE of the test
// polynomial rotated by the phase. `switched` holds ã_1..ã_n, b̃ in [0, 2N).
//
// With a multi-bit key (grouping g > 1; Bergerat et al., eprint 2022/704, §3) each group of g
// key bits costs one external product instead of g CMUXes: `switched` then holds, per group,
// the rotation ã_p of each of its 2^g bit patterns (modulus_switch_for_rotation), then b̃, and
// acc ← GGSW_Σ ⊡ acc with GGSW_Σ = Σ_p X^{ã_p}·GGSW_p, formed in the Fourier domain where the
// monomial is pointwise: GGSW_p encrypts [group bits = p], so GGSW_Σ encrypts X^{ã_p} of the
// true pattern. The key is 2^g/g times larger and its noise grows accordingly
// (noise::multi_bit_group).
void blind_rotate(std::span<Torus> acc, std::span<const std::uint64_t> switched,
                  std::span<const Torus> lut, const FourierBootstrapKey& bsk,
                  const NegacyclicFft& fft, Scratch& scratch);

// Several blind rotations walking the bootstrapping key once: each GGSW is applied to every
// accumulator of the batch while it is in cache. A single rotation streams the whole Fourier
// key from memory (tens to hundreds of MB), which bounds it, and two threads share that
// bandwidth; a batch of B divides that traffic by B. Each accumulator sees exactly the
// operations blind_rotate would apply to it, in the same order, so the results are identical.
// accs[b] ((k+1)·N values), switched[b] (n+1 values) and luts[b] (N values) per member; the
// scratch needs blind_rotate_scratch_size (the members' CMUXes run one after another).
void blind_rotate_batch(std::span<const std::span<Torus>> accs,
                        std::span<const std::span<const std::uint64_t>> switched,
                        std::span<const std::span<const Torus>> luts,
                        const FourierBootstrapKey& bsk, const NegacyclicFft& fft, Scratch& scratch);

std::size_t programmable_bootstrap_scratch_size(const FourierBootstrapKey& bsk);

// outputs[f] (dimension k·N, under the flattened GLWE key) ← the table's function f applied
// to the message of `in` (dimension n). outputs.size() must equal lut.lut_count(); each is
// k·N + 1 values. `kind` is the parameter set's modulus switch (ParameterSet::modulus_switch).
void programmable_bootstrap(std::span<const std::span<Torus>> outputs, std::span<const Torus> in,
                            const LookupTable& lut, const FourierBootstrapKey& bsk,
                            const NegacyclicFft& fft, Scratch& scratch,
                            ModulusSwitchKind kind = ModulusSwitchKind::kStandard);

// Single-function convenience on entities.
void programmable_bootstrap(LweCiphertext& out, const LweCiphertext& in, const LookupTable& lut,
                            const FourierBootstrapKey& bsk, const NegacyclicFft& fft,
                            Scratch& scratch);

}  // namespace lutfhe
