// The 128-bit security curve used for parameter sets the compiler chooses itself.
//
// Concrete's optimizer curve for 128 bits (zama-ai/concrete, tools/parameter-curves; binary
// keys, q = 2^64, Gaussian noise, MATZOV cost model in the lattice estimator): for an LWE
// dimension d ≥ 450 (the LWE n, or k·N for a GLWE key), the noise standard deviation relative
// to the torus must be at least 2^(−0.025696778711484593·d + 2.675931372549016); below 450 no
// noise is enough. Re-checked with the current lattice estimator at d = 800 (128.3 bits) and
// d = 2048 (128.9 bits) (DESIGN.md §5). As Concrete does, the standard deviation is also kept
// at 4 units of q or more (2^-62 of the torus), so that noise covers the two lowest bits.
#pragma once

#include <cstddef>
#include <string>

#include "core/parameters.hpp"

namespace lutfhe::compiler {

inline constexpr std::size_t kMinSecureDimension = 450;
inline constexpr double kCurveSlope = -0.025696778711484593;
inline constexpr double kCurveIntercept = 2.675931372549016;
inline constexpr double kMinLog2StdDev = -62.0;

// log2 of the smallest secure standard deviation (relative to the torus) for dimension d,
// never below kMinLog2StdDev. Throws InvalidArgument for d < 450.
double secure_log2_std_dev_128(std::size_t dimension);

// Whether a Gaussian parameter set meets the curve for both n (LWE noise) and k·N (GLWE noise).
// Sets with TUniform noise are not on this curve (their security is the published one).
bool meets_128_bit_curve(const ParameterSet& p);

// The text stored as security_source in searched parameter sets.
std::string security_curve_source();

// Security estimate. The only curve this project carries is Concrete's 128-bit one
// (above): log2 σ_min(d) = −0.025697·d + 2.6759, σ relative to the torus,
// binary keys, q = 2^64. For a pair (d, σ) this takes d128(σ) = (log2 σ − 2.6759) / −0.025697,
// the dimension at which σ is exactly on the 128-bit curve, and scales linearly:
//   λ ≈ 128 · d / d128(σ).
// That is a first-order approximation (at fixed σ and q, lattice-reduction cost grows roughly
// linearly with the dimension); it is exact on the curve, reproduces the lattice estimator's
// ~118 bits for the classic TFHE library set and ~132 bits for the TFHE-rs sets, but it is not
// a lattice-estimator run: use it to compare and to catch mistakes, not to claim security.
// TUniform noise with bound 2^b (of 2^64) counts as its standard deviation ≈ 2^b/√3.
// Dimensions below 450 (where the curve stops) and σ above 2^-8.9 are extrapolations.
struct SecurityEstimate {
  double lwe_bits = 0.0;   // (n, LWE noise)
  double glwe_bits = 0.0;  // (k·N, GLWE noise)
  double bits = 0.0;       // the smaller
  bool extrapolated = false;
  bool below_128() const { return bits < 128.0; }
};

// λ ≈ 128 · d / d128(σ) for one (dimension, log2 σ relative to the torus).
double estimate_security_bits(std::size_t dimension, double log2_std_dev);
SecurityEstimate estimate_security(const ParameterSet& p);

}  // namespace lutfhe::compiler
