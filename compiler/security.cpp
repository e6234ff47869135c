#include "compiler/security.hpp"

#include <algorithm>
#include <cmath>

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

}  // namespace lutfhe::compiler
