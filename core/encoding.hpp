// Plaintext encodings on the 64-bit torus.
//
// With padding: m in [0, p), p = 2^bits, is encoded as m·Δ with Δ = 2^64 / (2p). The top bit
// (padding) stays 0 so that a PBS can evaluate any function, not only negacyclic ones.
// Booleans (gate bootstrapping, no padding): true = +1/8 = 2^61, false = −1/8.
#pragma once

#include <cstdint>

#include "core/types.hpp"

namespace lutfhe {

inline constexpr unsigned kMaxMessageBits = 16;

// Δ = 2^(63 − bits). Throws InvalidArgument for bits outside [1, kMaxMessageBits].
Torus delta_with_padding(unsigned bits);
// m·Δ. Throws InvalidArgument when m ≥ 2^bits.
Torus encode_with_padding(std::uint64_t m, unsigned bits);
// round(phase / Δ) with the padding bit dropped (a set padding bit wraps, as in TFHE-rs).
std::uint64_t decode_with_padding(Torus phase, unsigned bits);
// The signed distance between a phase and the nearest multiple of Δ: the error, in torus units.
std::int64_t padding_decoding_error(Torus phase, unsigned bits);

inline constexpr Torus kBoolTrue = Torus{1} << 61;
inline constexpr Torus kBoolFalse = ~kBoolTrue + 1;  // −2^61
constexpr Torus encode_bool(bool b) {
  return b ? kBoolTrue : kBoolFalse;
}
// True when the phase lies in [0, 1/2) of the torus.
constexpr bool decode_bool(Torus phase) {
  return static_cast<std::int64_t>(phase) >= 0;
}

}  // namespace lutfhe
