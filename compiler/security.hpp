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

}  // namespace lutfhe::compiler
