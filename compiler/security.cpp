#include "compiler/security.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/errors.hpp"

namespace lutfhe::compiler {

double secure_log2_std_dev_128(std::size_t dimension) {
  if (dimension < kMinSecureDimension) {
    throw InvalidArgument("dimension " + std::to_string(dimension) +
                          " is below 450: no noise level reaches 128-bit security");
  }
  return std::max(kCurveSlope * static_cast<double>(dimension) + kCurveIntercept, kMinLog2StdDev);
}

bool meets_128_bit_curve(const ParameterSet& p) {
  const auto ok = [](std::size_t d, const NoiseDistribution& noise) {
    if (d < kMinSecureDimension || noise.kind != NoiseDistribution::Kind::kGaussian) return false;
    // A relative tolerance of 1e-9 on the standard deviation absorbs the rounding of
    // std::exp2 and of file round trips.
    return std::log2(noise.std_dev) >= secure_log2_std_dev_128(d) - 1e-9;
  };
  return ok(p.n.value(), p.lwe_noise) && ok(p.big_dimension().value(), p.glwe_noise);
}

std::string security_curve_source() {
  return "128-bit curve of Concrete's optimizer (zama-ai/concrete tools/parameter-curves; "
         "binary keys, q=2^64, MATZOV): std >= 2^(-0.025696778711484593*d + 2.675931372549016) "
         "for d = n and d = k*N >= 450, and >= 2^-62";
}

double estimate_security_bits(std::size_t dimension, double log2_std_dev) {
  // The dimension at which this deviation sits exactly on the 128-bit curve.
  const double d128 = (log2_std_dev - kCurveIntercept) / kCurveSlope;
  if (!(d128 > 0.0)) return std::numeric_limits<double>::infinity();
  return 128.0 * static_cast<double>(dimension) / d128;
}

SecurityEstimate estimate_security(const ParameterSet& p) {
  SecurityEstimate s;
  const auto one = [&](std::size_t d, const NoiseDistribution& noise) {
    const double log2_sigma = std::log2(noise.torus_std_dev());
    const double d128 = (log2_sigma - kCurveIntercept) / kCurveSlope;
    if (d < kMinSecureDimension || d128 < kMinSecureDimension || log2_sigma < kMinLog2StdDev) {
      s.extrapolated = true;
    }
    return estimate_security_bits(d, log2_sigma);
  };
  s.lwe_bits = one(p.n.value(), p.lwe_noise);
  s.glwe_bits = one(p.big_dimension().value(), p.glwe_noise);
  s.bits = std::min(s.lwe_bits, s.glwe_bits);
  return s;
}

}  // namespace lutfhe::compiler
