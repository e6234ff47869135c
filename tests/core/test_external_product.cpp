// The bootstrapping building blocks: external product, CMUX, blind rotation, sample
// extraction, key switching and modulus switching, each against a plain reference.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/blind_rotate.hpp"
#include "core/bootstrap_key_generation.hpp"
#include "core/decomposition.hpp"
#include "core/encoding.hpp"
#include "core/external_product.hpp"
#include "core/ggsw.hpp"
#include "core/glwe.hpp"
#include "core/keyswitch.hpp"
#include "core/keyswitch_key_generation.hpp"
#include "core/lwe.hpp"
#include "core/lwe_encryption.hpp"
#include "core/modulus_switch.hpp"
#include "core/noise.hpp"
#include "core/polynomial.hpp"
#include "core/sample_extract.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe {
namespace {

using testing::centred;
using testing::TestRng;

constexpr unsigned kBits = 4;  // messages of the GLWE plaintexts, with padding

struct GgswCase {
  std::size_t k;
  std::size_t n;
  std::size_t beta;
  std::size_t levels;
  NoiseDistribution noise;

  DecompositionParams decomposition() const {
    return {DecompositionBaseLog(beta), DecompositionLevelCount(levels)};
  }
  std::string describe() const {
    return "k=" + std::to_string(k) + " N=" + std::to_string(n) + " β=" + std::to_string(beta) +
           " l=" + std::to_string(levels) + " noise " + noise.describe();
  }
};

std::vector<GgswCase> ggsw_cases() {
  return {
      {1, 1024, 10, 3, NoiseDistribution::gaussian(0x1p-50)},
      {2, 512, 15, 2, NoiseDistribution::gaussian(0x1p-50)},
      {1, 2048, 23, 1, NoiseDistribution::tuniform(17)},       // PBS_4BIT's bootstrapping gadget
      {1, 4096, 15, 2, NoiseDistribution::gaussian(0x1p-50)},  // TOY's
  };
}

// A GLWE message whose coefficients are encoded 4-bit messages.
std::vector<Torus> random_message(TestRng& rng, std::size_t n) {
  std::vector<Torus> m(n);
  for (auto& v : m) v = encode_with_padding(rng.below(1u << kBits), kBits);
  return m;
}

std::vector<Torus> phase_of(std::span<const Torus> glwe, const GlweSecretKey& key) {
  const std::size_t k = key.glwe_dimension().value();
  const std::size_t n = key.polynomial_size().value();
  GlweCiphertext ct{GlweDimension(k), PolynomialSize(n)};
  std::copy(glwe.begin(), glwe.end(), ct.data().begin());
  std::vector<Torus> phase(n);
  decrypt_glwe_phase(phase, ct, key);
  return phase;
}

// Every coefficient within `bound` of the expected plaintext (and so decoding to it).
void expect_phase_near(const std::vector<Torus>& phase, const std::vector<Torus>& want,
                       double bound, const std::string& what) {
  ASSERT_EQ(phase.size(), want.size());
  std::size_t bad = 0;
  for (std::size_t t = 0; t < phase.size(); ++t) {
    const double e = std::fabs(static_cast<double>(centred(phase[t] - want[t])));
    if (e > bound) {
      if (bad < 5) {
        ADD_FAILURE() << what << ": coefficient " << t << " is off by 2^" << std::log2(e)
                      << " (bound 2^" << std::log2(bound) << ")";
      }
      ++bad;
    }
  }
  EXPECT_EQ(bad, 0u) << what;
}

// 10 standard deviations of the noise an external product with |μ| ≤ mu_max adds on top of a
// fresh input, from the noise model (key noise, FFT error, rounding scaled by μ²).
double external_product_bound(const GgswCase& c, std::int64_t mu_max) {
  const double mu2 = static_cast<double>(mu_max * mu_max);
  const double v = c.noise.variance() * (1.0 + mu2) +
                   2.0 * std::max(1.0, mu2) *
                       noise::external_product(GlweDimension(c.k), PolynomialSize(c.n),
                                               c.decomposition(), c.noise);
  return 10.0 * std::sqrt(v) * 0x1p64;
}

// ---------------------------------------------------------------------------------------------

TEST(ExternalProduct, DecryptsToMuTimesMessage) {
  std::uint64_t seed = 100;
  for (const GgswCase& c : ggsw_cases()) {
    ++seed;
    LUTFHE_TRACE_SEED(seed);
    SCOPED_TRACE(c.describe());
    TestRng data(seed);
    auto rng = EncryptionRandomness::from_seed(test_seed(seed));
    const GlweSecretKey key = testing::test_glwe_key(c.k, c.n, seed);
    const NegacyclicFft& fft = NegacyclicFft::for_size(c.n);
    Scratch scratch(external_product_scratch_size(GlweDimension(c.k), PolynomialSize(c.n),
                                                  DecompositionLevelCount(c.levels)));
    for (std::int64_t mu : {0, 1, -1, 2, 3, -5}) {
      GgswCiphertext ggsw{GlweDimension(c.k), PolynomialSize(c.n), c.decomposition()};
      encrypt_ggsw(ggsw, mu, key, c.noise, rng);
      const FourierGgsw fourier(ggsw, fft);
      const std::vector<Torus> msg = random_message(data, c.n);
      GlweCiphertext in{GlweDimension(c.k), PolynomialSize(c.n)};
      encrypt_glwe(in, msg, key, c.noise, rng);
      // out starts as a trivial encryption of another message: the product is added to it.
      const std::vector<Torus> base = random_message(data, c.n);
      GlweCiphertext out{GlweDimension(c.k), PolynomialSize(c.n)};
      trivial_glwe(out, base);
      external_product_add(out.data(), fourier.view(), in.data(), fft, scratch);
      std::vector<Torus> want(c.n);
      for (std::size_t t = 0; t < c.n; ++t) want[t] = base[t] + static_cast<Torus>(mu) * msg[t];
      expect_phase_near(phase_of(out.data(), key), want, external_product_bound(c, mu),
                        "μ=" + std::to_string(mu));
    }
  }
}

TEST(ExternalProduct, MatchesExactProductWithinTheModelledFftError) {
  // The same external product computed exactly (schoolbook, mod 2^64) from the same digits:
  // the difference is the FFT's rounding alone, which the noise model bounds.
  std::uint64_t seed = 110;
  for (const GgswCase& c : ggsw_cases()) {
    ++seed;
    LUTFHE_TRACE_SEED(seed);
    SCOPED_TRACE(c.describe());
    const std::size_t k = c.k, n = c.n, l = c.levels;
    auto rng = EncryptionRandomness::from_seed(test_seed(seed));
    TestRng data(seed);
    const GlweSecretKey key = testing::test_glwe_key(k, n, seed);
    const NegacyclicFft& fft = NegacyclicFft::for_size(n);
    GgswCiphertext ggsw{GlweDimension(k), PolynomialSize(n), c.decomposition()};
    encrypt_ggsw(ggsw, 1, key, c.noise, rng);
    const FourierGgsw fourier(ggsw, fft);
    const std::vector<Torus> in = data.torus_vector((k + 1) * n);
    std::vector<Torus> out((k + 1) * n, 0);
    Scratch scratch(external_product_scratch_size(GlweDimension(k), PolynomialSize(n),
                                                  DecompositionLevelCount(l)));
    external_product_add(out, fourier.view(), in, fft, scratch);

    std::vector<Torus> exact((k + 1) * n, 0), prod(n), digit_poly(n);
    std::vector<std::int64_t> digits(l * n);
    for (std::size_t block = 0; block <= k; ++block) {
      decompose_polynomial(digits, std::span<const Torus>(in).subspan(block * n, n),
                           c.decomposition());
      for (std::size_t level = 1; level <= l; ++level) {
        for (std::size_t t = 0; t < n; ++t) {
          digit_poly[t] = static_cast<Torus>(digits[(level - 1) * n + t]);
        }
        const auto row = ggsw.row(ggsw.row_index(block, level));
        for (std::size_t col = 0; col <= k; ++col) {
          multiply_schoolbook(prod, digit_poly, row.subspan(col * n, n));
          for (std::size_t t = 0; t < n; ++t) exact[col * n + t] += prod[t];
        }
      }
    }
    // The model's variance is that of the phase, (k·N/2 + 1) times a coefficient's.
    const double sigma = std::sqrt(noise::fft_external_product(GlweDimension(k), PolynomialSize(n),
                                                               c.decomposition()) /
                                   (static_cast<double>(k * n) / 2.0 + 1.0)) *
                         0x1p64;
    double worst = 0.0;
    for (std::size_t t = 0; t < out.size(); ++t) {
      worst = std::max(worst, std::fabs(static_cast<double>(centred(out[t] - exact[t]))));
    }
    // 12 modelled standard deviations; the worst of a few thousand samples sits near 4.
    EXPECT_LE(worst, 12.0 * sigma)
        << "largest FFT error 2^" << std::log2(worst) << ", modelled σ 2^" << std::log2(sigma);
  }
}

TEST(Cmux, SelectsByTheGgswBit) {
  std::uint64_t seed = 120;
  for (const GgswCase& c : ggsw_cases()) {
    ++seed;
    LUTFHE_TRACE_SEED(seed);
    SCOPED_TRACE(c.describe());
    TestRng data(seed);
    auto rng = EncryptionRandomness::from_seed(test_seed(seed));
    const GlweSecretKey key = testing::test_glwe_key(c.k, c.n, seed);
    const NegacyclicFft& fft = NegacyclicFft::for_size(c.n);
    Scratch scratch(cmux_scratch_size(GlweDimension(c.k), PolynomialSize(c.n),
                                      DecompositionLevelCount(c.levels)));
    for (int bit : {0, 1}) {
      GgswCiphertext ggsw{GlweDimension(c.k), PolynomialSize(c.n), c.decomposition()};
      encrypt_ggsw(ggsw, bit, key, c.noise, rng);
      const FourierGgsw fourier(ggsw, fft);
      const std::vector<Torus> m0 = random_message(data, c.n), m1 = random_message(data, c.n);
      GlweCiphertext acc{GlweDimension(c.k), PolynomialSize(c.n)};
      GlweCiphertext other{GlweDimension(c.k), PolynomialSize(c.n)};
      encrypt_glwe(acc, m0, key, c.noise, rng);
      encrypt_glwe(other, m1, key, c.noise, rng);
      cmux(acc.data(), other.data(), fourier.view(), fft, scratch);
      expect_phase_near(phase_of(acc.data(), key), bit ? m1 : m0, external_product_bound(c, 1),
                        "cmux with bit " + std::to_string(bit));
    }
  }
}

TEST(Cmux, RotateMultipliesByTheMonomialOnlyWhenTheBitIsSet) {
  std::uint64_t seed = 130;
  for (const GgswCase& c : ggsw_cases()) {
    ++seed;
    LUTFHE_TRACE_SEED(seed);
    SCOPED_TRACE(c.describe());
    TestRng data(seed);
    auto rng = EncryptionRandomness::from_seed(test_seed(seed));
    const GlweSecretKey key = testing::test_glwe_key(c.k, c.n, seed);
    const NegacyclicFft& fft = NegacyclicFft::for_size(c.n);
    Scratch scratch(cmux_scratch_size(GlweDimension(c.k), PolynomialSize(c.n),
                                      DecompositionLevelCount(c.levels)));
    const std::size_t n = c.n;
    for (int bit : {0, 1}) {
      GgswCiphertext ggsw{GlweDimension(c.k), PolynomialSize(n), c.decomposition()};
      encrypt_ggsw(ggsw, bit, key, c.noise, rng);
      const FourierGgsw fourier(ggsw, fft);
      for (std::size_t r : {std::size_t{0}, std::size_t{1}, n - 1, n, n + 1, 2 * n - 1,
                            static_cast<std::size_t>(data.below(2 * n))}) {
        const std::vector<Torus> msg = random_message(data, n);
        GlweCiphertext acc{GlweDimension(c.k), PolynomialSize(n)};
        encrypt_glwe(acc, msg, key, c.noise, rng);
        cmux_rotate(acc.data(), fourier.view(), r, fft, scratch);
        std::vector<Torus> want(n);
        rotate_polynomial(want, msg, bit ? r : 0);
        expect_phase_near(phase_of(acc.data(), key), want, external_product_bound(c, 1),
                          "bit " + std::to_string(bit) + ", X^" + std::to_string(r));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

struct RotationCase {
  std::size_t small_n;
  GgswCase glwe;
};

TEST(BlindRotation, ResultIsTheTestPolynomialRotatedByMinusThePhase) {
  std::uint64_t seed = 140;
  for (const RotationCase& rc :
       {RotationCase{24, {1, 1024, 10, 3, NoiseDistribution::gaussian(0x1p-50)}},
        RotationCase{16, {2, 512, 15, 2, NoiseDistribution::gaussian(0x1p-50)}},
        RotationCase{12, {1, 2048, 23, 1, NoiseDistribution::tuniform(17)}}}) {
    ++seed;
    LUTFHE_TRACE_SEED(seed);
    const GgswCase& c = rc.glwe;
    SCOPED_TRACE(c.describe() + " n=" + std::to_string(rc.small_n));
    const std::size_t n = rc.small_n, big_n = c.n, two_n = 2 * big_n;
    TestRng data(seed);
    auto rng = EncryptionRandomness::from_seed(test_seed(seed));
    const LweSecretKey small = testing::test_lwe_key(n, seed);
    const GlweSecretKey key = testing::test_glwe_key(c.k, big_n, seed);
    const NegacyclicFft& fft = NegacyclicFft::for_size(big_n);
    LweBootstrapKey bsk(LweDimension(n), GlweDimension(c.k), PolynomialSize(big_n),
                        c.decomposition());
    generate_bootstrap_key(bsk, small, key, c.noise, rng);
    const FourierBootstrapKey fbsk(bsk, fft);
    ASSERT_EQ(fbsk.input_dimension().value(), n);
    ASSERT_EQ(fbsk.output_dimension().value(), c.k * big_n);
    Scratch scratch(blind_rotate_scratch_size(GlweDimension(c.k), PolynomialSize(big_n),
                                              DecompositionLevelCount(c.levels)));
    // n CMUXes of noise on top of the noiseless test polynomial.
    const double bound =
        10.0 *
        std::sqrt(2.0 * static_cast<double>(n) *
                  noise::external_product(GlweDimension(c.k), PolynomialSize(big_n),
                                          c.decomposition(), c.noise)) *
        0x1p64;
    for (int trial = 0; trial < 12; ++trial) {
      std::vector<std::uint64_t> switched(n + 1);
      for (auto& v : switched) v = data.below(two_n);
      // Zero rotations (skipped CMUXes) and the rotation by N must work too.
      switched[0] = 0;
      switched[1] = big_n;
      if (trial == 0) switched[n] = 0;
      std::uint64_t phase = switched[n];
      for (std::size_t i = 0; i < n; ++i) {
        phase = (phase + two_n - (switched[i] * small.bits()[i]) % two_n) % two_n;
      }
      const std::vector<Torus> lut = random_message(data, big_n);
      std::vector<Torus> acc((c.k + 1) * big_n, Torus{12345});  // overwritten
      blind_rotate(acc, switched, lut, fbsk, fft, scratch);
      std::vector<Torus> want(big_n);
      rotate_polynomial(want, lut, (two_n - phase) % two_n);
      // The constant coefficient is the table read at the phase.
      const Torus read = phase < big_n ? lut[phase] : Torus{0} - lut[phase - big_n];
      ASSERT_EQ(want[0], read);
      expect_phase_near(phase_of(acc, key), want, bound,
                        "trial " + std::to_string(trial) + ", phase " + std::to_string(phase));
    }
  }
}

// ---------------------------------------------------------------------------------------------

TEST(SampleExtract, EveryCoefficientDecryptsToThatCoefficient) {
  std::uint64_t seed = 150;
  const std::pair<std::size_t, std::size_t> shapes[] = {{1, 2048}, {2, 512}, {3, 512}};
  for (const auto& [k, n] : shapes) {
    ++seed;
    LUTFHE_TRACE_SEED(seed);
    SCOPED_TRACE("k=" + std::to_string(k) + " N=" + std::to_string(n));
    TestRng data(seed);
    auto rng = EncryptionRandomness::from_seed(test_seed(seed));
    const GlweSecretKey key = testing::test_glwe_key(k, n, seed);
    const LweSecretKey flat = key.flatten();
    const std::vector<Torus> msg = random_message(data, n);
    GlweCiphertext ct{GlweDimension(k), PolynomialSize(n)};
    encrypt_glwe(ct, msg, key, NoiseDistribution::gaussian(0x1p-40), rng);
    std::vector<Torus> phase(n);
    decrypt_glwe_phase(phase, ct, key);
    LweCiphertext lwe{LweDimension(k * n)};
    LweCiphertext via_entity{LweDimension(k * n)};
    for (std::size_t h = 0; h < n; ++h) {
      sample_extract(lwe.data(), ct.data(), PolynomialSize(n), h);
      // The LWE phase equals the GLWE phase's coefficient h exactly (same sums mod 2^64).
      ASSERT_EQ(decrypt_lwe_phase(lwe, flat), phase[h]) << "h=" << h;
      ASSERT_EQ(decode_with_padding(phase[h], kBits), decode_with_padding(msg[h], kBits));
      if (h % 97 == 0 || h == n - 1) {
        sample_extract(via_entity, ct, h);
        ASSERT_EQ(via_entity, lwe) << "entity overload differs at h=" << h;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

// out = (0, b) − Σ_i Σ_j d_ij·KSK(i, j), written plainly.
LweCiphertext reference_keyswitch(const LweCiphertext& in, const LweKeyswitchKey& ksk) {
  const std::size_t l = ksk.decomposition().levels.value();
  LweCiphertext out{ksk.output_dimension()};
  out.body() = in.body();
  std::vector<std::int64_t> digits(l);
  for (std::size_t i = 0; i < in.mask().size(); ++i) {
    decompose(digits, in.mask()[i], ksk.decomposition());
    for (std::size_t j = 1; j <= l; ++j) {
      const auto row = ksk.row(i, j);
      for (std::size_t t = 0; t < row.size(); ++t) {
        out.data()[t] -= static_cast<Torus>(digits[j - 1]) * row[t];
      }
    }
  }
  return out;
}

// The 32-bit server key switch, written plainly: the key's elements rounded to their top 32
// bits, everything computed modulo 2^32, the result put back in the top half of the torus.
LweCiphertext reference_compact_keyswitch(const LweCiphertext& in, const LweKeyswitchKey& ksk) {
  auto top32 = [](Torus x) { return static_cast<std::uint32_t>((x + (Torus{1} << 31)) >> 32); };
  const std::size_t l = ksk.decomposition().levels.value();
  std::vector<std::uint32_t> acc(ksk.output_dimension().value() + 1, 0);
  acc.back() = top32(in.body());
  std::vector<std::int64_t> digits(l);
  for (std::size_t i = 0; i < in.mask().size(); ++i) {
    decompose(digits, in.mask()[i], ksk.decomposition());
    for (std::size_t j = 1; j <= l; ++j) {
      const auto row = ksk.row(i, j);
      for (std::size_t t = 0; t < row.size(); ++t) {
        acc[t] -= static_cast<std::uint32_t>(digits[j - 1]) * top32(row[t]);
      }
    }
  }
  LweCiphertext out{ksk.output_dimension()};
  for (std::size_t t = 0; t < acc.size(); ++t) out.data()[t] = static_cast<Torus>(acc[t]) << 32;
  return out;
}

TEST(Keyswitch, DecryptsToTheSamePlaintextUnderTheOutputKey) {
  std::uint64_t seed = 160;
  struct KsCase {
    std::size_t n_in, n_out, beta, levels;
  };
  for (const KsCase c : {KsCase{2048, 500, 4, 5}, KsCase{1024, 630, 2, 8}, KsCase{1536, 739, 3, 4},
                         KsCase{1000, 64, 1, 22}}) {
    ++seed;
    LUTFHE_TRACE_SEED(seed);
    SCOPED_TRACE("n_in=" + std::to_string(c.n_in) + " n_out=" + std::to_string(c.n_out) +
                 " β=" + std::to_string(c.beta) + " l=" + std::to_string(c.levels));
    TestRng data(seed);
    auto rng = EncryptionRandomness::from_seed(test_seed(seed));
    const LweSecretKey in_key = testing::test_lwe_key(c.n_in, seed);
    const LweSecretKey out_key = testing::test_lwe_key(c.n_out, seed + 1000);
    const DecompositionParams d{DecompositionBaseLog(c.beta), DecompositionLevelCount(c.levels)};
    LweKeyswitchKey ksk(LweDimension(c.n_in), LweDimension(c.n_out), d);
    const NoiseDistribution ksk_noise = NoiseDistribution::gaussian(0x1p-30);
    generate_keyswitch_key(ksk, in_key, out_key, ksk_noise, rng);
    // The key's rows encrypt s_in[i]·q/B^j.
    for (std::size_t i : {std::size_t{0}, c.n_in - 1}) {
      for (std::size_t j = 1; j <= c.levels; ++j) {
        LweCiphertext row{LweDimension(c.n_out)};
        std::copy(ksk.row(i, j).begin(), ksk.row(i, j).end(), row.data().begin());
        const Torus want = in_key.bits()[i] << (64 - c.beta * j);
        EXPECT_LT(std::abs(centred(decrypt_lwe_phase(row, out_key) - want)), std::int64_t{1} << 40)
            << "row (" << i << ", " << j << ")";
      }
    }
    const double bound =
        10.0 *
        std::sqrt(noise::keyswitch(LweDimension(c.n_in), d, ksk_noise) + std::ldexp(1.0, -80)) *
        0x1p64;
    for (int rep = 0; rep < 40; ++rep) {
      const std::uint64_t m = data.below(1u << kBits);
      const Torus pt = encode_with_padding(m, kBits);
      LweCiphertext in{LweDimension(c.n_in)};
      encrypt_lwe(in, pt, in_key, NoiseDistribution::gaussian(0x1p-40), rng);
      LweCiphertext out{LweDimension(c.n_out)};
      keyswitch(out, in, ksk);
      const Torus phase = decrypt_lwe_phase(out, out_key);
      ASSERT_LT(std::fabs(static_cast<double>(centred(phase - pt))), bound) << "m=" << m;
      ASSERT_EQ(decode_with_padding(phase, kBits), m);
      if (rep < 4) {
        ASSERT_EQ(out, reference_keyswitch(in, ksk)) << "differs from the plain reference";
        std::vector<Torus> raw(c.n_out + 1, Torus{7});
        keyswitch(raw, in.data(), ksk);
        ASSERT_TRUE(std::equal(raw.begin(), raw.end(), out.data().begin()))
            << "span overload differs";
      }
    }
    // The server's 32-bit form of the key: computed modulo 2^32 on the top 32 bits.
    const CompactKeyswitchKey compact(ksk);
    const double storage_bound =
        10.0 * std::sqrt(noise::keyswitch_storage(LweDimension(c.n_in), LweDimension(c.n_out), d)) *
            0x1p64 +
        0x1p31;
    Scratch ks_scratch(compact_keyswitch_scratch_size(LweDimension(c.n_out)));
    for (int rep = 0; rep < 10; ++rep) {
      const std::uint64_t m = data.below(1u << kBits);
      LweCiphertext in{LweDimension(c.n_in)};
      encrypt_lwe(in, encode_with_padding(m, kBits), in_key, NoiseDistribution::gaussian(0x1p-40),
                  rng);
      LweCiphertext wide{LweDimension(c.n_out)}, narrow{LweDimension(c.n_out)};
      keyswitch(wide, in, ksk);
      keyswitch(narrow, in, compact);
      ASSERT_EQ(narrow, reference_compact_keyswitch(in, ksk)) << "differs from the plain reference";
      std::vector<Torus> raw(c.n_out + 1, Torus{7});
      keyswitch(raw, in.data(), compact, ks_scratch);
      ASSERT_TRUE(std::equal(raw.begin(), raw.end(), narrow.data().begin()))
          << "scratch overload differs";
      for (Torus v : narrow.data()) ASSERT_EQ(v & 0xffffffffu, 0u) << "not a multiple of 2^32";
      const Torus narrow_phase = decrypt_lwe_phase(narrow, out_key);
      ASSERT_EQ(decode_with_padding(narrow_phase, kBits), m);
      // Storing the key at 32 bits moves the phase by the modelled storage noise only.
      ASSERT_LT(
          std::fabs(static_cast<double>(centred(narrow_phase - decrypt_lwe_phase(wide, out_key)))),
          storage_bound);
    }
    // A trivial input has no mask to switch: the output is the same trivial ciphertext.
    LweCiphertext out{LweDimension(c.n_out)};
    keyswitch(out, trivial_lwe(LweDimension(c.n_in), 0xabcdef), ksk);
    EXPECT_EQ(out, trivial_lwe(LweDimension(c.n_out), 0xabcdef));
  }
}

// ---------------------------------------------------------------------------------------------

std::uint64_t reference_modulus_switch(Torus x, unsigned log_modulus) {
  __extension__ typedef unsigned __int128 uint128;
  const unsigned shift = 64 - log_modulus;
  const uint128 rounded = (static_cast<uint128>(x) + (uint128{1} << (shift - 1))) >> shift;
  return static_cast<std::uint64_t>(rounded & ((uint128{1} << log_modulus) - 1));
}

TEST(ModulusSwitch, RoundsToTheNearestMultipleOfTheNewModulus) {
  const std::uint64_t seed = 170;
  LUTFHE_TRACE_SEED(seed);
  TestRng data(seed);
  for (unsigned log_modulus = 1; log_modulus <= 20; ++log_modulus) {
    const unsigned shift = 64 - log_modulus;
    const Torus half = Torus{1} << (shift - 1);
    for (Torus x : {Torus{0}, ~Torus{0}, half, half - 1, Torus{1} << 63, (Torus{1} << 63) - half,
                    (Torus{1} << 63) - half - 1, Torus{0} - half}) {
      EXPECT_EQ(modulus_switch(x, log_modulus), reference_modulus_switch(x, log_modulus))
          << "x=" << x << " log=" << log_modulus;
    }
    for (int i = 0; i < 5000; ++i) {
      const Torus x = data.u64();
      ASSERT_EQ(modulus_switch(x, log_modulus), reference_modulus_switch(x, log_modulus))
          << "x=" << x << " log=" << log_modulus;
    }
  }
}

TEST(ModulusSwitch, LweSwitchKeepsThePhaseForEveryLutCount) {
  const std::uint64_t seed = 171;
  LUTFHE_TRACE_SEED(seed);
  TestRng data(seed);
  auto rng = EncryptionRandomness::from_seed(test_seed(seed));
  const std::size_t n = 300;
  const LweSecretKey key = testing::test_lwe_key(n, seed);
  for (unsigned log2_two_n : {10u, 12u, 13u}) {
    const std::uint64_t two_n = std::uint64_t{1} << log2_two_n;
    for (unsigned log2_f = 0; log2_f <= 4; ++log2_f) {
      const std::uint64_t f = std::uint64_t{1} << log2_f;
      for (int rep = 0; rep < 50; ++rep) {
        LweCiphertext ct{LweDimension(n)};
        encrypt_lwe(ct, data.u64(), key, NoiseDistribution::gaussian(0x1p-30), rng);
        std::vector<std::uint64_t> out(n + 1);
        modulus_switch_lwe(out, ct.data(), log2_two_n, log2_f);
        for (std::size_t i = 0; i <= n; ++i) {
          ASSERT_EQ(out[i], reference_modulus_switch(ct.data()[i], log2_two_n - log2_f) << log2_f)
              << "i=" << i;
          ASSERT_LT(out[i], two_n);
          ASSERT_EQ(out[i] % f, 0u);
        }
        // The switched phase b̃ − Σ ã_i·s_i (mod 2N) is the phase scaled to 2N, up to the
        // rounding of n + 1 terms (each at most F/2): far less than n·F/2 + F in practice.
        std::uint64_t switched_phase = out[n];
        for (std::size_t i = 0; i < n; ++i) {
          switched_phase = (switched_phase + two_n - (out[i] * key.bits()[i]) % two_n) % two_n;
        }
        const double exact =
            testing::to_real(decrypt_lwe_phase(ct, key)) * static_cast<double>(two_n);
        double diff = static_cast<double>(switched_phase) - exact;
        diff -= std::round(diff / static_cast<double>(two_n)) * static_cast<double>(two_n);
        ASSERT_LE(std::fabs(diff), 8.0 * std::sqrt((n / 2.0 + 1.0) / 12.0) * static_cast<double>(f))
            << "log2(2N)=" << log2_two_n << " F=" << f;
      }
    }
  }
}

}  // namespace
}  // namespace lutfhe
