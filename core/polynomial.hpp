// Torus polynomials modulo X^N + 1.
#pragma once

#include <span>

#include "core/types.hpp"
#include "fft/negacyclic_fft.hpp"

namespace lutfhe {

// out = X^shift · in mod X^N + 1, for shift in [0, 2N). out and in must not overlap.
void rotate_polynomial(std::span<Torus> out, std::span<const Torus> in, std::size_t shift);

// out = a · b mod (X^N + 1, 2^64) by the O(N²) schoolbook method: the reference for tests.
void multiply_schoolbook(std::span<Torus> out, std::span<const Torus> a, std::span<const Torus> b);

// out += a · s for a binary polynomial s, exactly. a is split into four 16-bit limbs so that
// every limb product (< N·2^16 per coefficient) is exact in double precision through the FFT.
// Allocates its work buffers: this is for key generation and encryption, not for hot loops.
void multiply_add_binary(std::span<Torus> out, std::span<const Torus> a,
                         std::span<const Torus> binary, const NegacyclicFft& fft);

}  // namespace lutfhe
