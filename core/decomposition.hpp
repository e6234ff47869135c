// Signed gadget decomposition (base B = 2^β, l levels).
//
// The input is first rounded to its top β·l bits; the rounded value is then split into l
// digits in [−B/2, B/2), least significant first, carrying into the next digit whenever a
// digit is moved down by B. Level j (1 = most significant) has weight q/B^j, so
// Σ_j d_j · 2^(64 − β·j) equals the rounded input modulo 2^64.
#pragma once

#include <cstdint>
#include <span>

#include "core/types.hpp"

namespace lutfhe {

// Validates β ≥ 1, l ≥ 1, β·l ≤ 64 (InvalidArgument otherwise).
void check_decomposition(DecompositionParams d);

// x rounded to the nearest multiple of 2^(64 − β·l).
Torus closest_representable(Torus x, DecompositionParams d);

// digits[j − 1] = digit of level j. digits.size() must equal l.
void decompose(std::span<std::int64_t> digits, Torus x, DecompositionParams d);

// Σ_j digits[j − 1] · 2^(64 − β·j) mod 2^64.
Torus recompose(std::span<const std::int64_t> digits, DecompositionParams d);

// Decomposes every coefficient of a polynomial of size N. out holds l polynomials, level 1
// first: out[(j − 1)·N + t] is the level-j digit of in[t].
void decompose_polynomial(std::span<std::int64_t> out, std::span<const Torus> in,
                          DecompositionParams d);

}  // namespace lutfhe
