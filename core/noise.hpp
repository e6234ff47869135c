// The noise model: variances (relative to the torus, units of q²) after each operation, and
// the failure probability of a bootstrap. Shared by the tests (to check measurements) and the
// compiler (to choose parameters).
//
// Shapes follow the standard analysis (CGGI eprint 2018/421; Joye eprint 2021/1402) with the
// binary-key refinements used by TFHE-rs's noise formulas; the FFT term is this engine's own,
// calibrated by measurement (tests/test_noise.cpp).
#pragma once

#include "core/parameters.hpp"
#include "core/types.hpp"

namespace lutfhe::noise {

// Linear combination Σ w_i·c_i of independent ciphertexts of variance v: v·Σ w_i².
double linear_combination(double input_variance, double weights_norm2_squared);

// Added by key switching a ciphertext of dimension n_in: key noise over l·n_in digits
// (E[d²] = (B² + 2)/12) plus the rounding of each mask element to β·l bits (times E[s²] = 1/2).
double keyswitch(LweDimension input_dimension, DecompositionParams ks,
                 const NoiseDistribution& ksk_noise);

// Added by storing the key-switching key at 32 bits (CompactKeyswitchKey): each element's
// rounding (variance 2^-64/12) meets every digit, and the n output mask errors meet key bits.
double keyswitch_storage(LweDimension input_dimension, LweDimension output_dimension,
                         DecompositionParams ks);

// Added by switching an n-dimensional ciphertext to modulus 2N/F: each rounding error is
// uniform with variance (F/2N)²/12, n of them multiplied by key bits (E[s²] = 1/2), plus the
// body's. The centred switch (eprint 2025/809) leaves the key bits' centred part only
// (Var(s) = 1/4): (n/4 + 1) rounding variances instead of (n/2 + 1). A multi-bit switch
// (grouping g > 1) rounds each group's pattern sums once: ((n/g)(1 − 2^-g) + 1) of them.
double modulus_switch(LweDimension n, PolynomialSize big_n, std::size_t lut_count = 1,
                      ModulusSwitchKind kind = ModulusSwitchKind::kStandard, unsigned grouping = 1);

// The double-precision error of one external product in this engine's FFT, as a variance of
// the output's phase (see kFftNoiseConstant).
double fft_external_product(GlweDimension k, PolynomialSize big_n, DecompositionParams pbs);

// Variance added by one CMUX with a bootstrapping-key GGSW of the given noise.
double external_product(GlweDimension k, PolynomialSize big_n, DecompositionParams pbs,
                        const NoiseDistribution& bsk_noise);

// The transforms' error of one multi-bit group's external product (TFHE-rs's fitted term).
double multi_bit_fft(GlweDimension k, PolynomialSize big_n, DecompositionParams pbs,
                     unsigned grouping);

// Noise one group of a multi-bit blind rotation adds (grouping g > 1): the external product
// with the Fourier-domain sum Σ_p X^{ã_p}·GGSW_p of the group's 2^g GGSWs.
double multi_bit_group(GlweDimension k, PolynomialSize big_n, DecompositionParams pbs,
                       const NoiseDistribution& bsk_noise, unsigned grouping);

// Variance of a PBS output (blind rotation of a noiseless test polynomial, then extraction):
// n CMUXes, or n/g multi-bit groups.
double programmable_bootstrap(const ParameterSet& p);

// Variance at the modulus switch of a KS-PBS whose input is a linear combination, with
// squared 2-norm `weights_norm2_squared`, of ciphertexts of variance `input_variance`.
double at_modulus_switch(const ParameterSet& p, double input_variance,
                         double weights_norm2_squared = 1.0, std::size_t lut_count = 1);

// P(|e| ≥ half_width) for a centred Gaussian of the given variance: erfc(h / (√2·σ)).
double failure_probability(double variance, double half_width);
// log2 of the same, accurate far into the tail (uses log erfc asymptotics when it underflows).
double log2_failure_probability(double variance, double half_width);

// log2 p_fail of one KS-PBS at `message_bits` of precision with a padding bit (the error must
// stay within Δ/2 = 2^-(bits+2)), for inputs that are PBS outputs combined with the given
// squared norm. For boolean gates pass message_bits = 0: the margin is then 1/8 (a NAND's
// phase sits 1/8 from the decision boundary).
double log2_pfail_pbs(const ParameterSet& p, unsigned message_bits,
                      double weights_norm2_squared = 1.0, std::size_t lut_count = 1);

// Calibration constant of fft_external_product: the variance of the double-precision error
// of one coefficient of an external product's output GLWE, divided by
// B²·l·(k+1)·N·log2(N)·2^-128. Measured by tests/test_noise.cpp (NoiseFft), which compares the
// FFT external product with an exact schoolbook one over the same digits: 2^15.0 … 2^15.24 for
// N = 256 … 16384, β = 4 … 28, l = 1 … 6, k = 1 … 4 (FFTW3 with long-double twiddles, AVX-512
// build). The phase variance is (k·N/2 + 1) times the per-coefficient one. (It replaces a
// first guess of 2^-2.577·B²·l·(k+1)·N²·2^(22−128), concrete-cpu's shape, which overestimated
// this engine's FFT error by 1.2× at k = 4, N = 512 up to 4.3× at k = 1, N = 4096.)
inline constexpr double kFftNoiseConstant = 0x1p15 * 1.0905;  // 2^15.125

}  // namespace lutfhe::noise
