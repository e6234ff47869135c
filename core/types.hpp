// Strong types for the sizes that describe TFHE objects, and the torus scalar.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lutfhe {

// The discretised torus T_q with q = 2^64: arithmetic wraps around modulo 2^64.
using Torus = std::uint64_t;

// A count that means one thing. Construction is explicit so that an LWE dimension can never
// be passed where a polynomial size is expected.
template <class Tag>
class Count {
 public:
  constexpr explicit Count(std::size_t value) : value_(value) {}
  constexpr std::size_t value() const { return value_; }
  friend constexpr bool operator==(const Count&, const Count&) = default;

 private:
  std::size_t value_;
};

using LweDimension = Count<struct LweDimensionTag>;       // n, mask length of an LWE ciphertext
using GlweDimension = Count<struct GlweDimensionTag>;     // k, mask polynomials of a GLWE
using PolynomialSize = Count<struct PolynomialSizeTag>;   // N, ring degree (power of two)
using DecompositionBaseLog = Count<struct BaseLogTag>;    // β, base B = 2^β
using DecompositionLevelCount = Count<struct LevelsTag>;  // l, digits kept
using LutCount = Count<struct LutCountTag>;               // functions sharing one blind rotation

// A gadget decomposition: l signed digits in base 2^β, keeping the top β·l bits.
struct DecompositionParams {
  DecompositionBaseLog base_log;
  DecompositionLevelCount levels;
  friend constexpr bool operator==(const DecompositionParams&,
                                   const DecompositionParams&) = default;
};

// How a ciphertext is switched from q = 2^64 to 2N before blind rotation. Standard rounds every
// element on its own. Centred (mean-compensated; de Ruijter et al., eprint 2025/809) adds to
// the body, before rounding it, half the sum of the mask's rounding errors: with a uniform
// binary key that is the error's mean given the public mask, so the key term's variance falls
// from n·E[s²] = n/2 to n·Var(s) = n/4 rounding variances.
enum class ModulusSwitchKind { kStandard, kCentred };

// Dimension of the LWE key obtained by flattening a GLWE key (k·N).
constexpr LweDimension flattened_dimension(GlweDimension k, PolynomialSize n) {
  return LweDimension(k.value() * n.value());
}

// The largest multi-bit grouping factor (the key grows as 2^g/g).
inline constexpr unsigned kMaxGrouping = 4;
// GGSWs per group of g key bits of a multi-bit bootstrapping key: one per bit pattern, 2^g
// (1 for the classic key, g = 1: the bit itself).
constexpr std::size_t ggsws_per_group(unsigned grouping) {
  return grouping <= 1 ? 1 : std::size_t{1} << grouping;
}

}  // namespace lutfhe
