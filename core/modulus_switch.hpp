// Modulus switching from q = 2^64 to 2N (or to 2N/F for multi-LUT bootstrapping).
#pragma once

#include <cstdint>
#include <span>

#include "core/entities/lwe_ciphertext.hpp"

namespace lutfhe {

// round(x · 2^log_modulus / 2^64) mod 2^log_modulus.
constexpr std::uint64_t modulus_switch(Torus x, unsigned log_modulus) {
  const unsigned shift = 64 - log_modulus;
  return ((x >> (shift - 1)) + 1) >> 1 & ((std::uint64_t{1} << log_modulus) - 1);
}

// Switches every mask element and the body of `in` to modulus 2N/F and multiplies the results
// by F, so that rotations are multiples of F (multi-LUT, Carpov–Izabachène–Mollimard).
// out has n + 1 entries; log2_lut_count = log2 F.
//
// kCentred (eprint 2025/809) rounds the mask as kStandard does, then rounds the body plus
// Σ_i (ã_i·2^64/(2N/F) − a_i)/2: the mean of the mask's rounding error Σ ε_i·s_i over a uniform
// binary key given the public mask, so that the switched phase's error is centred for any mask.
// The half-box shift of the test polynomial (core/lookup_table.cpp) already centres the boxes,
// so nothing else moves.
void modulus_switch_lwe(std::span<std::uint64_t> out, std::span<const Torus> in,
                        unsigned log2_two_n, unsigned log2_lut_count,
                        ModulusSwitchKind kind = ModulusSwitchKind::kStandard);

}  // namespace lutfhe
