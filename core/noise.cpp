#include "core/noise.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace lutfhe::noise {
namespace {

double pow2(double e) {
  return std::exp2(e);
}

// Second moment of a signed digit uniform in [−B/2, B/2).
double digit_second_moment(std::size_t base_log) {
  const double b = pow2(static_cast<double>(base_log));
  return (b * b + 2.0) / 12.0;
}

// Variance of rounding to the top β·l bits (uniform error of width 2^-(β·l)).
double decomposition_rounding(DecompositionParams d) {
  return pow2(-2.0 * static_cast<double>(d.base_log.value() * d.levels.value())) / 12.0;
}

}  // namespace

double linear_combination(double input_variance, double weights_norm2_squared) {
  return input_variance * weights_norm2_squared;
}

double keyswitch(LweDimension input_dimension, DecompositionParams ks,
                 const NoiseDistribution& ksk_noise) {
  const double n_in = static_cast<double>(input_dimension.value());
  const double l = static_cast<double>(ks.levels.value());
  return l * n_in * ksk_noise.variance() * digit_second_moment(ks.base_log.value()) +
         n_in * 0.5 * decomposition_rounding(ks);
}

double keyswitch_storage(LweDimension input_dimension, LweDimension output_dimension,
                         DecompositionParams ks) {
  const double per_element = 0x1p-64 / 12.0;
  const double per_output = static_cast<double>(input_dimension.value()) *
                            static_cast<double>(ks.levels.value()) *
                            digit_second_moment(ks.base_log.value()) * per_element;
  return per_output * (static_cast<double>(output_dimension.value()) * 0.5) + per_element;
}

double modulus_switch(LweDimension n, PolynomialSize big_n, std::size_t lut_count,
                      ModulusSwitchKind kind, unsigned grouping) {
  const double w = 2.0 * static_cast<double>(big_n.value()) / static_cast<double>(lut_count);
  const double rounding = 1.0 / (12.0 * w * w);
  if (grouping > 1) {
    // One rounding per group, of the sum its true pattern selects (none when the group's key
    // bits are all 0, probability 2^-g), and the body's.
    const double groups = static_cast<double>(n.value() / grouping);
    return (groups * (1.0 - std::exp2(-static_cast<double>(grouping))) + 1.0) * rounding;
  }
  const double key_moment = kind == ModulusSwitchKind::kCentred ? 0.25 : 0.5;
  return (static_cast<double>(n.value()) * key_moment + 1.0) * rounding;
}

double fft_external_product(GlweDimension k, PolynomialSize big_n, DecompositionParams pbs) {
  const double b = pow2(static_cast<double>(pbs.base_log.value()));
  const double nn = static_cast<double>(big_n.value());
  const double kk = static_cast<double>(k.value());
  // Each output coefficient sums (k+1)·l·N products of a digit (|d| ≤ B/2) with a uniform
  // 64-bit key coefficient, carried through transforms of N/2 points (log2 N rounding stages).
  const double per_coefficient = kFftNoiseConstant * b * b *
                                 static_cast<double>(pbs.levels.value()) * (kk + 1.0) * nn *
                                 std::log2(nn) * 0x1p-128;
  // In the phase, the k·N mask coefficients meet key bits (E[s²] = 1/2); the body adds its own.
  return (kk * nn * 0.5 + 1.0) * per_coefficient;
}

double external_product(GlweDimension k, PolynomialSize big_n, DecompositionParams pbs,
                        const NoiseDistribution& bsk_noise) {
  const double kk = static_cast<double>(k.value());
  const double nn = static_cast<double>(big_n.value());
  const double l = static_cast<double>(pbs.levels.value());
  // Key noise: (k+1)·l·N products of a digit with a noise coefficient.
  const double key =
      (kk + 1.0) * l * nn * bsk_noise.variance() * digit_second_moment(pbs.base_log.value());
  // Rounding of the decomposed GLWE: the k·N mask coefficients meet key bits (E[s²] = 1/2),
  // the body does not, and all of it is multiplied by the GGSW's bit (E[μ²] = 1/2).
  const double rounding = 0.5 * (kk * nn * 0.5 + 1.0) * decomposition_rounding(pbs);
  return key + rounding + fft_external_product(k, big_n, pbs);
}

double multi_bit_fft(GlweDimension k, PolynomialSize big_n, DecompositionParams pbs,
                     unsigned grouping) {
  // TFHE-rs 1.7.0's fit for its multi-bit external product (tfhe/src/core_crypto/commons/
  // noise_formulas/lwe_multi_bit_programmable_bootstrap.rs, ..._gf_{2,3,4}_fft_mul):
  // c_g·2^(2·(64 − 53))·(B/q)²·(l(k+1))^a_g·k^e_g·N^(e_g + 1). Measured here (tests/core/
  // test_multi_bit.cpp, FftHeavyGadgetOutput) it describes this engine's summed GGSWs far
  // better than 2^g times the classic term, which leaves out ~20% of that output's variance.
  struct Fit {
    double c, a, e;
  };
  static constexpr Fit kFits[] = {
      {0.0022, 1.04148, 1.94548}, {0.00492, 1.0111, 1.90722}, {0.00855, 1.00715, 1.90759}};
  const Fit& f = kFits[std::min<unsigned>(std::max<unsigned>(grouping, 2), 4) - 2];
  const double b = pow2(static_cast<double>(pbs.base_log.value()));
  const double kk = static_cast<double>(k.value());
  const double nn = static_cast<double>(big_n.value());
  const double rows = static_cast<double>(pbs.levels.value()) * (kk + 1.0);
  return f.c * pow2(22.0) * b * b * 0x1p-128 * std::pow(rows, f.a) * std::pow(kk, f.e) *
         std::pow(nn, f.e + 1.0);
}

double multi_bit_group(GlweDimension k, PolynomialSize big_n, DecompositionParams pbs,
                       const NoiseDistribution& bsk_noise, unsigned grouping) {
  const double kk = static_cast<double>(k.value());
  const double nn = static_cast<double>(big_n.value());
  const double l = static_cast<double>(pbs.levels.value());
  // GGSW_Σ = Σ_p X^{ã_p}·GGSW_p sums the noise of 2^g GGSWs (a monomial keeps a noise
  // polynomial's variance).
  const double patterns = static_cast<double>(ggsws_per_group(grouping));
  const double key =
      (kk + 1.0) * l * nn * bsk_noise.variance() * digit_second_moment(pbs.base_log.value());
  // The rounding of the decomposed accumulator meets the message X^{ã_p}, of norm 1 always
  // (a CMUX's meets a bit, E[μ²] = 1/2). TFHE-rs's formula has the same terms.
  const double rounding = (kk * nn * 0.5 + 1.0) * decomposition_rounding(pbs);
  return patterns * key + rounding + multi_bit_fft(k, big_n, pbs, grouping);
}

double programmable_bootstrap(const ParameterSet& p) {
  if (p.multi_bit()) {
    return static_cast<double>(p.n.value() / p.grouping) *
           multi_bit_group(p.k, p.N, p.pbs, p.glwe_noise, p.grouping);
  }
  return static_cast<double>(p.n.value()) * external_product(p.k, p.N, p.pbs, p.glwe_noise);
}

double at_modulus_switch(const ParameterSet& p, double input_variance, double weights_norm2_squared,
                         std::size_t lut_count) {
  return linear_combination(input_variance, weights_norm2_squared) +
         keyswitch(p.big_dimension(), p.ks, p.lwe_noise) +
         keyswitch_storage(p.big_dimension(), p.n, p.ks) +
         modulus_switch(p.n, p.N, lut_count, p.modulus_switch, p.grouping);
}

double failure_probability(double variance, double half_width) {
  return std::erfc(half_width / std::sqrt(2.0 * variance));
}

double log2_failure_probability(double variance, double half_width) {
  const double x = half_width / std::sqrt(2.0 * variance);
  const double direct = std::erfc(x);
  if (direct > 1e-300) return std::log2(direct);
  // erfc(x) ≈ exp(−x²) / (x·√π) · (1 − 1/(2x²)) for large x.
  const double ln =
      -x * x - std::log(x * std::sqrt(std::numbers::pi)) + std::log1p(-1.0 / (2.0 * x * x));
  return ln / std::numbers::ln2;
}

double log2_pfail_pbs(const ParameterSet& p, unsigned message_bits, double weights_norm2_squared,
                      std::size_t lut_count) {
  const double variance =
      at_modulus_switch(p, programmable_bootstrap(p), weights_norm2_squared, lut_count);
  const double half_width =
      message_bits == 0 ? 0.125 : pow2(-static_cast<double>(message_bits) - 2);
  return log2_failure_probability(variance, half_width);
}

}  // namespace lutfhe::noise
