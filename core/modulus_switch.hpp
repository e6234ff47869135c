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

// Values the blind rotation reads for an LWE ciphertext of dimension n: n + 1 (ã_1..ã_n, b̃),
// or, for a multi-bit key of grouping g > 1, (n/g)·2^g + 1: per group the rotation of each
// bit pattern, then b̃.
constexpr std::size_t switched_size(std::size_t n, unsigned grouping) {
  return grouping <= 1 ? n + 1 : n / grouping * (std::size_t{1} << grouping) + 1;
}

// The modulus switch a blind rotation of grouping g needs. g = 1: modulus_switch_lwe. g > 1
// (TFHE-rs's multi-bit switch, core_crypto/algorithms/lwe_multi_bit_programmable_
// bootstrapping.rs): for group t and bit pattern p (bit j of p for key bit s_{tg+j}), the sum
// Σ_{j in p} a_{tg+j} of the 64-bit mask elements is switched once, so a group adds one
// rounding error (when its key bits are not all zero) instead of one per bit. Pattern 0
// rotates by 0. `kind` must be kStandard for g > 1 (check_parameters refuses the centred one).
void modulus_switch_for_rotation(std::span<std::uint64_t> out, std::span<const Torus> in,
                                 unsigned log2_two_n, unsigned log2_lut_count,
                                 ModulusSwitchKind kind, unsigned grouping);

// The phase b̃ − Σ (rotations selected by `key`) in [0, 2N) of a switched ciphertext
// (switched_size(key.size(), grouping) values) under a binary key.
std::uint64_t switched_phase(std::span<const std::uint64_t> switched, std::span<const Torus> key,
                             unsigned log2_two_n, unsigned grouping);

}  // namespace lutfhe
