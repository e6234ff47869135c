// Encodings, random streams, secret keys, LWE and GLWE encryption and their linear operations,
// and the polynomial helpers, each against a plain reference.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/encoding.hpp"
#include "core/errors.hpp"
#include "core/glwe.hpp"
#include "core/hex.hpp"
#include "core/lwe.hpp"
#include "core/lwe_encryption.hpp"
#include "core/polynomial.hpp"
#include "core/random.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe {
namespace {

using testing::centred;
using testing::TestRng;

const NoiseDistribution kSmallNoise = NoiseDistribution::gaussian(0x1p-40);
// |e| < 2^-33 for σ = 2^-40 (a 128σ bound: never reached).
constexpr std::int64_t kSmallNoiseBound = std::int64_t{1} << 31;

// ---------------------------------------------------------------------------------------------
// Encoding

TEST(Encoding, DeltaAndEncodeFollowThePaddingConvention) {
  for (unsigned bits = 1; bits <= kMaxMessageBits; ++bits) {
    const Torus delta = delta_with_padding(bits);
    EXPECT_EQ(delta, Torus{1} << (63 - bits)) << "bits=" << bits;
    const std::uint64_t p = std::uint64_t{1} << bits;
    for (std::uint64_t m : {std::uint64_t{0}, std::uint64_t{1}, p / 2, p - 1}) {
      EXPECT_EQ(encode_with_padding(m, bits), m * delta) << "m=" << m << " bits=" << bits;
      // The padding bit stays clear for every message.
      EXPECT_EQ(encode_with_padding(m, bits) >> 63, 0u) << "m=" << m << " bits=" << bits;
    }
  }
}

TEST(Encoding, DecodeRoundsWithinHalfDelta) {
  const std::uint64_t seed = 31;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  for (unsigned bits = 1; bits <= 10; ++bits) {
    const Torus delta = delta_with_padding(bits);
    const std::int64_t half = static_cast<std::int64_t>(delta / 2);
    for (std::uint64_t m = 0; m < (std::uint64_t{1} << bits); ++m) {
      const Torus pt = encode_with_padding(m, bits);
      // Errors strictly inside (−Δ/2, Δ/2) decode to m and are reported exactly.
      for (std::int64_t e : {std::int64_t{0}, half - 1, -half + 1, rng.signed_bits(60 - bits)}) {
        const Torus phase = pt + static_cast<Torus>(e);
        ASSERT_EQ(decode_with_padding(phase, bits), m) << "m=" << m << " e=" << e;
        ASSERT_EQ(padding_decoding_error(phase, bits), e) << "m=" << m << " e=" << e;
      }
    }
  }
}

TEST(Encoding, SetPaddingBitWrapsTheMessage) {
  // m·Δ + 1/2 decodes to m: the padding bit is dropped (TFHE-rs convention).
  for (unsigned bits : {1u, 4u, 7u}) {
    for (std::uint64_t m = 0; m < (std::uint64_t{1} << bits); ++m) {
      EXPECT_EQ(decode_with_padding(encode_with_padding(m, bits) + (Torus{1} << 63), bits), m);
    }
  }
}

TEST(Encoding, Booleans) {
  EXPECT_EQ(encode_bool(true), Torus{1} << 61);
  EXPECT_EQ(encode_bool(false), Torus{0} - (Torus{1} << 61));
  EXPECT_TRUE(decode_bool(encode_bool(true)));
  EXPECT_FALSE(decode_bool(encode_bool(false)));
  EXPECT_TRUE(decode_bool(0));
  EXPECT_TRUE(decode_bool((Torus{1} << 63) - 1));
  EXPECT_FALSE(decode_bool(Torus{1} << 63));
  EXPECT_FALSE(decode_bool(~Torus{0}));
}

// ---------------------------------------------------------------------------------------------
// Random streams

TEST(RandomStreams, SameSeedAndPurposeGiveTheSameStream) {
  LUTFHE_TRACE_SEED(41);
  RandomStream a(test_seed(41), StreamPurpose::kMask);
  RandomStream b(test_seed(41), StreamPurpose::kMask);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_u64(), b.next_u64()) << "word " << i;
  // fill() continues the same stream as next_u64().
  std::vector<std::uint64_t> block(777);
  a.fill(block);
  for (std::size_t i = 0; i < block.size(); ++i) ASSERT_EQ(block[i], b.next_u64()) << i;
}

TEST(RandomStreams, PurposesAndSeedsGiveUnrelatedStreams) {
  LUTFHE_TRACE_SEED(42);
  RandomStream mask(test_seed(42), StreamPurpose::kMask);
  RandomStream noise(test_seed(42), StreamPurpose::kNoise);
  RandomStream other(test_seed(43), StreamPurpose::kMask);
  int equal_purpose = 0, equal_seed = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto x = mask.next_u64();
    equal_purpose += x == noise.next_u64();
    equal_seed += x == other.next_u64();
  }
  EXPECT_EQ(equal_purpose, 0);
  EXPECT_EQ(equal_seed, 0);
}

TEST(RandomStreams, TestSeedsAreMarkedAndPrintable) {
  const Seed s = test_seed(0x0102);
  EXPECT_EQ(s[0], 0x02);
  EXPECT_EQ(s[1], 0x01);
  EXPECT_EQ(s[31], 0x7e);
  const std::string hex = to_hex(s);
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_EQ(hex.substr(0, 4), "0201");
  EXPECT_EQ(hex.substr(62), "7e");
  EXPECT_NE(to_hex(random_seed()), to_hex(random_seed()));
}

TEST(RandomStreams, UniformBitsAreBalanced) {
  const std::uint64_t seed = 44;
  LUTFHE_TRACE_SEED(seed);
  RandomStream rng(test_seed(seed), StreamPurpose::kMask);
  std::vector<std::size_t> ones(64, 0);
  const std::size_t count = 100000;
  for (std::size_t i = 0; i < count; ++i) {
    const auto x = rng.next_u64();
    for (int b = 0; b < 64; ++b) ones[b] += (x >> b) & 1;
  }
  for (int b = 0; b < 64; ++b) {
    // 6 standard deviations of a fair coin over 10^5 draws.
    EXPECT_NEAR(static_cast<double>(ones[b]) / count, 0.5, 6.0 * 0.5 / std::sqrt(count))
        << "bit " << b;
  }
}

// ---------------------------------------------------------------------------------------------
// Secret keys

TEST(Keys, SecretKeysAreBinaryAndBalanced) {
  LUTFHE_TRACE_SEED(51);
  const LweSecretKey key = testing::test_lwe_key(4096, 51);
  std::size_t ones = 0;
  for (Torus b : key.bits()) {
    ASSERT_LE(b, 1u);
    ones += b;
  }
  EXPECT_NEAR(static_cast<double>(ones), 2048.0, 6.0 * 32.0);
  EXPECT_EQ(key.dimension().value(), 4096u);
}

TEST(Keys, FlattenedGlweKeyConcatenatesThePolynomials) {
  LUTFHE_TRACE_SEED(52);
  const GlweSecretKey key = testing::test_glwe_key(3, 512, 52);
  const LweSecretKey flat = key.flatten();
  ASSERT_EQ(flat.dimension().value(), 3u * 512u);
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t t = 0; t < 512; ++t) {
      ASSERT_EQ(flat.bits()[i * 512 + t], key.polynomial(i)[t]) << "polynomial " << i << " t=" << t;
      ASSERT_LE(key.polynomial(i)[t], 1u);
    }
  }
}

TEST(Keys, SameSeedGivesTheSameKey) {
  const LweSecretKey a = testing::test_lwe_key(700, 53);
  const LweSecretKey b = testing::test_lwe_key(700, 53);
  const LweSecretKey c = testing::test_lwe_key(700, 54);
  EXPECT_TRUE(std::equal(a.bits().begin(), a.bits().end(), b.bits().begin()));
  EXPECT_FALSE(std::equal(a.bits().begin(), a.bits().end(), c.bits().begin()));
}

// ---------------------------------------------------------------------------------------------
// LWE

// <a, s> the plain way, as the reference for phases.
Torus reference_phase(const LweCiphertext& ct, const LweSecretKey& key) {
  Torus dot = 0;
  for (std::size_t i = 0; i < key.dimension().value(); ++i) dot += ct.mask()[i] * key.bits()[i];
  return ct.body() - dot;
}

class Lwe : public ::testing::Test {
 protected:
  static constexpr std::size_t kN = 630;
  // Key from test_seed(61), encryption randomness from test_seed(62).
  Lwe()
      : key_(testing::test_lwe_key(kN, 61)), rng_(EncryptionRandomness::from_seed(test_seed(62))) {}
  LweCiphertext encrypt(Torus pt) {
    LweCiphertext ct{LweDimension(kN)};
    encrypt_lwe(ct, pt, key_, kSmallNoise, rng_);
    return ct;
  }
  LweSecretKey key_;
  EncryptionRandomness rng_;
};

TEST_F(Lwe, EncryptDecryptRoundTrip) {
  const std::uint64_t seed = 63;
  LUTFHE_TRACE_SEED(seed);
  for (std::size_t n : {1u, 64u, 630u, 2048u}) {
    const LweSecretKey key = testing::test_lwe_key(n, seed + n);
    auto rng = EncryptionRandomness::from_seed(test_seed(seed));
    for (unsigned bits : {1u, 4u, 8u}) {
      for (std::uint64_t m = 0; m < (std::uint64_t{1} << bits); ++m) {
        LweCiphertext ct{LweDimension(n)};
        const Torus pt = encode_with_padding(m, bits);
        encrypt_lwe(ct, pt, key, kSmallNoise, rng);
        const Torus phase = decrypt_lwe_phase(ct, key);
        ASSERT_EQ(phase, reference_phase(ct, key)) << "n=" << n;
        ASSERT_LT(std::abs(centred(phase - pt)), kSmallNoiseBound) << "n=" << n << " m=" << m;
        ASSERT_EQ(decode_with_padding(phase, bits), m) << "n=" << n << " bits=" << bits;
      }
    }
  }
}

TEST_F(Lwe, MaskIsTheMaskStreamAndBodyMatchesTheKey) {
  LUTFHE_TRACE_SEED(65);
  // encrypt_lwe_with_mask keeps the given mask; encrypt_lwe draws it from rng.mask.
  const LweSecretKey key = testing::test_lwe_key(100, 64);
  auto rng = EncryptionRandomness::from_seed(test_seed(65));
  RandomStream mask_copy(test_seed(65), StreamPurpose::kMask);
  LweCiphertext ct{LweDimension(100)};
  encrypt_lwe(ct, 12345, key, NoiseDistribution::gaussian(0.0), rng);
  for (std::size_t i = 0; i < 100; ++i) ASSERT_EQ(ct.mask()[i], mask_copy.next_u64()) << i;
  // Zero noise: the phase is the plaintext exactly.
  EXPECT_EQ(decrypt_lwe_phase(ct, key), 12345u);
  LweCiphertext again{LweDimension(100)};
  std::copy(ct.mask().begin(), ct.mask().end(), again.mask().begin());
  RandomStream noise(test_seed(66), StreamPurpose::kNoise);
  encrypt_lwe_with_mask(again, 999, key, NoiseDistribution::gaussian(0.0), noise);
  EXPECT_TRUE(std::equal(again.mask().begin(), again.mask().end(), ct.mask().begin()));
  EXPECT_EQ(decrypt_lwe_phase(again, key), 999u);
}

TEST_F(Lwe, LinearOperationsActOnPhasesExactly) {
  const std::uint64_t seed = 67;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  for (int rep = 0; rep < 50; ++rep) {
    const Torus p1 = rng.u64(), p2 = rng.u64(), pt = rng.u64();
    const std::int64_t scalar = rng.signed_bits(20);
    const LweCiphertext c1 = encrypt(p1), c2 = encrypt(p2);
    const Torus f1 = decrypt_lwe_phase(c1, key_), f2 = decrypt_lwe_phase(c2, key_);
    const auto s = static_cast<Torus>(scalar);

    LweCiphertext sum = c1;
    lwe_add_assign(sum, c2);
    LweCiphertext diff = c1;
    lwe_sub_assign(diff, c2);
    LweCiphertext neg = c1;
    lwe_negate_assign(neg);
    LweCiphertext scaled = c1;
    lwe_scalar_mul_assign(scaled, scalar);
    LweCiphertext plus_pt = c1;
    lwe_add_plaintext_assign(plus_pt, pt);
    LweCiphertext axpy = c1;
    lwe_add_scaled_assign(axpy, c2, scalar);

    // Element by element against plain arithmetic mod 2^64.
    for (std::size_t i = 0; i <= kN; ++i) {
      const Torus a = c1.data()[i], b = c2.data()[i];
      ASSERT_EQ(sum.data()[i], a + b) << i;
      ASSERT_EQ(diff.data()[i], a - b) << i;
      ASSERT_EQ(neg.data()[i], Torus{0} - a) << i;
      ASSERT_EQ(scaled.data()[i], a * s) << i;
      ASSERT_EQ(axpy.data()[i], a + s * b) << i;
      ASSERT_EQ(plus_pt.data()[i], i == kN ? a + pt : a) << i;
    }
    // And therefore on phases, exactly.
    EXPECT_EQ(decrypt_lwe_phase(sum, key_), f1 + f2);
    EXPECT_EQ(decrypt_lwe_phase(diff, key_), f1 - f2);
    EXPECT_EQ(decrypt_lwe_phase(neg, key_), Torus{0} - f1);
    EXPECT_EQ(decrypt_lwe_phase(scaled, key_), f1 * s);
    EXPECT_EQ(decrypt_lwe_phase(plus_pt, key_), f1 + pt);
    EXPECT_EQ(decrypt_lwe_phase(axpy, key_), f1 + s * f2);
  }
}

TEST_F(Lwe, LinearOperationsOnMessages) {
  // Dot products with small clear weights, as a compiled layer does, decode exactly.
  const unsigned bits = 6;
  const std::uint64_t p = 1u << bits;
  const std::uint64_t seed = 68;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  for (int rep = 0; rep < 200; ++rep) {
    const std::uint64_t x = rng.below(8), y = rng.below(8), c = rng.below(4);
    const std::int64_t wx = static_cast<std::int64_t>(rng.below(4));
    const std::int64_t wy = -static_cast<std::int64_t>(rng.below(3));
    LweCiphertext acc = encrypt(encode_with_padding(x, bits));
    lwe_scalar_mul_assign(acc, wx);
    lwe_add_scaled_assign(acc, encrypt(encode_with_padding(y, bits)), wy);
    lwe_add_plaintext_assign(acc, encode_with_padding(c, bits));
    const auto want = static_cast<std::uint64_t>((static_cast<std::int64_t>(x) * wx +
                                                  static_cast<std::int64_t>(y) * wy +
                                                  static_cast<std::int64_t>(c)) &
                                                 static_cast<std::int64_t>(p - 1));
    ASSERT_EQ(decode_with_padding(decrypt_lwe_phase(acc, key_), bits), want)
        << x << "·" << wx << " + " << y << "·" << wy << " + " << c;
    LweCiphertext n = encrypt(encode_with_padding(x, bits));
    lwe_negate_assign(n);
    lwe_add_assign(n, encrypt(encode_with_padding(y, bits)));
    lwe_sub_assign(n, encrypt(encode_with_padding(c, bits)));
    ASSERT_EQ(decode_with_padding(decrypt_lwe_phase(n, key_), bits), (y - x - c) & (p - 1));
  }
}

TEST_F(Lwe, TrivialEncryptionsAreNoiselessUnderEveryKey) {
  LUTFHE_TRACE_SEED(69);
  const LweSecretKey other = testing::test_lwe_key(kN, 69);
  for (Torus pt : {Torus{0}, Torus{1}, Torus{1} << 63, ~Torus{0}, Torus{0x123456789abcdefULL}}) {
    const LweCiphertext ct = trivial_lwe(LweDimension(kN), pt);
    for (Torus a : ct.mask()) ASSERT_EQ(a, 0u);
    EXPECT_EQ(decrypt_lwe_phase(ct, key_), pt);
    EXPECT_EQ(decrypt_lwe_phase(ct, other), pt);
  }
  // A trivial ciphertext combines with a real one like a plaintext.
  LweCiphertext ct = encrypt(encode_with_padding(3, 4));
  lwe_add_assign(ct, trivial_lwe(LweDimension(kN), encode_with_padding(5, 4)));
  EXPECT_EQ(decode_with_padding(decrypt_lwe_phase(ct, key_), 4), 8u);
}

// ---------------------------------------------------------------------------------------------
// GLWE

struct GlweCase {
  std::size_t k;
  std::size_t n;
};

TEST(Glwe, EncryptDecryptRoundTrip) {
  const std::uint64_t seed = 71;
  LUTFHE_TRACE_SEED(seed);
  TestRng data(seed);
  auto rng = EncryptionRandomness::from_seed(test_seed(seed));
  for (const GlweCase c : {GlweCase{1, 512}, GlweCase{1, 2048}, GlweCase{3, 512}, GlweCase{2, 1024},
                           GlweCase{1, 4096}}) {
    SCOPED_TRACE("k=" + std::to_string(c.k) + " N=" + std::to_string(c.n));
    const GlweSecretKey key = testing::test_glwe_key(c.k, c.n, seed + c.n + c.k);
    const unsigned bits = 5;
    std::vector<std::uint64_t> msg(c.n);
    std::vector<Torus> pt(c.n);
    for (std::size_t t = 0; t < c.n; ++t) {
      msg[t] = data.below(32);
      pt[t] = encode_with_padding(msg[t], bits);
    }
    GlweCiphertext ct{GlweDimension(c.k), PolynomialSize(c.n)};
    encrypt_glwe(ct, pt, key, kSmallNoise, rng);
    std::vector<Torus> phase(c.n);
    decrypt_glwe_phase(phase, ct, key);
    // Reference: B − Σ A_i·S_i by schoolbook.
    std::vector<Torus> want(ct.body().begin(), ct.body().end()), prod(c.n);
    for (std::size_t i = 0; i < c.k; ++i) {
      multiply_schoolbook(prod, ct.polynomial(i), key.polynomial(i));
      for (std::size_t t = 0; t < c.n; ++t) want[t] -= prod[t];
    }
    for (std::size_t t = 0; t < c.n; ++t) {
      ASSERT_EQ(phase[t], want[t]) << "coefficient " << t;
      ASSERT_LT(std::abs(centred(phase[t] - pt[t])), kSmallNoiseBound) << "coefficient " << t;
      ASSERT_EQ(decode_with_padding(phase[t], bits), msg[t]) << "coefficient " << t;
    }
  }
}

TEST(Glwe, TrivialGlweDecryptsExactly) {
  const std::uint64_t seed = 72;
  LUTFHE_TRACE_SEED(seed);
  TestRng data(seed);
  const GlweSecretKey key = testing::test_glwe_key(2, 1024, seed);
  const std::vector<Torus> msg = data.torus_vector(1024);
  GlweCiphertext ct{GlweDimension(2), PolynomialSize(1024)};
  std::fill(ct.data().begin(), ct.data().end(), Torus{99});  // overwritten entirely
  trivial_glwe(ct, msg);
  for (std::size_t i = 0; i < 2; ++i) {
    for (Torus a : ct.polynomial(i)) ASSERT_EQ(a, 0u);
  }
  std::vector<Torus> phase(1024);
  decrypt_glwe_phase(phase, ct, key);
  for (std::size_t t = 0; t < 1024; ++t) ASSERT_EQ(phase[t], msg[t]) << t;
}

TEST(Glwe, MultiplyAddBinaryEqualsSchoolbook) {
  for (std::size_t n : {512, 1024, 2048, 4096, 8192}) {
    const std::uint64_t seed = 73 + n;
    LUTFHE_TRACE_SEED(seed);
    TestRng data(seed);
    const NegacyclicFft& fft = NegacyclicFft::for_size(n);
    // Full 64-bit coefficients (uniform masks) times a binary key, added onto random data.
    const std::vector<Torus> a = data.torus_vector(n);
    std::vector<Torus> s(n);
    for (auto& v : s) v = data.coin() ? 1 : 0;
    const std::vector<Torus> base = data.torus_vector(n);
    std::vector<Torus> got = base, prod(n);
    multiply_add_binary(got, a, s, fft);
    multiply_schoolbook(prod, a, s);
    for (std::size_t t = 0; t < n; ++t) {
      ASSERT_EQ(got[t], base[t] + prod[t]) << "N=" << n << " coefficient " << t;
    }
    // Extreme coefficients: all ones in a and in s.
    std::vector<Torus> ones(n, ~Torus{0}), key_ones(n, 1), zero(n, 0);
    multiply_add_binary(zero, ones, key_ones, fft);
    multiply_schoolbook(prod, ones, key_ones);
    for (std::size_t t = 0; t < n; ++t) ASSERT_EQ(zero[t], prod[t]) << "N=" << n << " t=" << t;
  }
}

// ---------------------------------------------------------------------------------------------
// Polynomials

TEST(Polynomial, RotationEqualsProductWithMonomial) {
  const std::uint64_t seed = 81;
  LUTFHE_TRACE_SEED(seed);
  TestRng data(seed);
  const std::size_t n = 64;
  const std::vector<Torus> a = data.torus_vector(n);
  std::vector<Torus> got(n), want(n), mono(n);
  for (std::size_t shift = 0; shift < 2 * n; ++shift) {
    std::fill(mono.begin(), mono.end(), Torus{0});
    mono[shift % n] = shift < n ? Torus{1} : ~Torus{0};  // X^shift, with X^N = −1
    multiply_schoolbook(want, a, mono);
    rotate_polynomial(got, a, shift);
    for (std::size_t t = 0; t < n; ++t)
      ASSERT_EQ(got[t], want[t]) << "shift " << shift << " t=" << t;
  }
}

TEST(Polynomial, SchoolbookIsNegacyclic) {
  // (X^(N−1))·X = X^N = −1.
  const std::size_t n = 16;
  std::vector<Torus> a(n, 0), b(n, 0), out(n);
  a[n - 1] = 1;
  b[1] = 1;
  multiply_schoolbook(out, a, b);
  EXPECT_EQ(out[0], ~Torus{0});
  for (std::size_t t = 1; t < n; ++t) EXPECT_EQ(out[t], 0u) << t;
}

}  // namespace
}  // namespace lutfhe
