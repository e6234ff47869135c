// Negative tests: the wrong key decrypts to noise, and every public entry point refuses
// mismatched sizes and out-of-range arguments with a typed exception and a readable message.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/blind_rotate.hpp"
#include "core/bootstrap_key_generation.hpp"
#include "core/client_key.hpp"
#include "core/decomposition.hpp"
#include "core/encoding.hpp"
#include "core/errors.hpp"
#include "core/evaluation_key.hpp"
#include "core/external_product.hpp"
#include "core/gates.hpp"
#include "core/glwe.hpp"
#include "core/key_id.hpp"
#include "core/keyswitch.hpp"
#include "core/keyswitch_key_generation.hpp"
#include "core/lookup_table.hpp"
#include "core/lwe.hpp"
#include "core/lwe_encryption.hpp"
#include "core/modulus_switch.hpp"
#include "core/parameters.hpp"
#include "core/pbs.hpp"
#include "core/polynomial.hpp"
#include "core/sample_extract.hpp"
#include "core/server_key.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe {
namespace {

using testing::keys_for;
using testing::TestRng;

// ---------------------------------------------------------------------------------------------
// Decrypting with the wrong key

TEST(WrongKey, DecodedMessagesAreUniform) {
  const ParameterSet& p = find_parameter_set("TOY");
  const std::uint64_t seed = 501;
  LUTFHE_TRACE_SEED(seed);
  const ClientKey right(p, test_seed(seed));
  const ClientKey wrong(p, test_seed(seed + 1));
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 2));
  TestRng data(seed + 3);
  const unsigned bits = 4;
  const std::size_t p_msgs = 16, samples = 4000;
  std::vector<std::size_t> histogram(p_msgs, 0);
  std::size_t agree = 0, right_agree = 0;
  for (std::size_t i = 0; i < samples; ++i) {
    const std::uint64_t m = data.below(p_msgs);
    const LweCiphertext ct = right.encrypt(m, bits, rng);
    const std::uint64_t got = wrong.decrypt(ct, bits);
    ++histogram[got];
    agree += got == m;
    right_agree += right.decrypt(ct, bits) == m;
  }
  EXPECT_EQ(right_agree, samples) << "the right key must decrypt everything";
  // Agreement with the true message at chance level 1/16 (99.9% binomial interval).
  const auto [lo, hi] = testing::binomial_interval(samples, 1.0 / p_msgs, 0.999);
  EXPECT_GE(agree, lo) << "agreement " << agree << " of " << samples;
  EXPECT_LE(agree, hi) << "agreement " << agree << " of " << samples << ": the wrong key decrypts";
  // And the decoded values are uniform (chi-square, 15 degrees of freedom, p = 10^-4).
  const double chi2 = testing::chi_square_uniform(histogram);
  EXPECT_LT(chi2, testing::chi_square_upper_quantile(p_msgs - 1.0, 1e-4))
      << "decoded values under the wrong key are not uniform";
}

TEST(WrongKey, WrongKeyBootstrapOutputsAreUniformBooleans) {
  // Gate outputs decrypted with an unrelated key: about half true, whatever the inputs.
  const ParameterSet& p = find_parameter_set("TOY");
  const std::uint64_t seed = 505;
  LUTFHE_TRACE_SEED(seed);
  auto& keys = keys_for(p, seed);
  const ClientKey other(p, test_seed(seed + 100));
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  Scratch scratch = keys.server.make_scratch();
  const LweCiphertext t = keys.client.encrypt_bool(true, rng);
  LweCiphertext out(p.big_dimension());
  std::size_t trues = 0;
  const std::size_t samples = 400;
  for (std::size_t i = 0; i < samples; ++i) {
    gate_and(out, t, t, keys.server, scratch);  // always true under the right key
    ASSERT_TRUE(keys.client.decrypt_bool(out));
    // Vary the ciphertext with a fresh (true) input each time.
    const LweCiphertext fresh = keys.client.encrypt_bool(true, rng);
    gate_and(out, fresh, t, keys.server, scratch);
    trues += other.decrypt_bool(out);
  }
  const auto [lo, hi] = testing::binomial_interval(samples, 0.5, 0.999);
  EXPECT_GE(trues, lo);
  EXPECT_LE(trues, hi);
}

// ---------------------------------------------------------------------------------------------
// Dimension mismatches: DimensionMismatch, with both numbers in the message.

void expect_mismatch(const std::function<void()>& f, std::size_t a, std::size_t b,
                     const std::string& what) {
  try {
    f();
    ADD_FAILURE() << what << ": no exception for sizes " << a << " and " << b;
  } catch (const DimensionMismatch& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(std::to_string(a)), std::string::npos) << what << ": '" << msg << "'";
    EXPECT_NE(msg.find(std::to_string(b)), std::string::npos) << what << ": '" << msg << "'";
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": threw something other than DimensionMismatch: " << e.what();
  }
}

TEST(DimensionErrors, LweOperations) {
  LUTFHE_TRACE_SEED(511);
  const LweSecretKey key = testing::test_lwe_key(12, 511);
  auto rng = EncryptionRandomness::from_seed(test_seed(511));
  LweCiphertext a{LweDimension(10)}, b{LweDimension(12)};
  expect_mismatch([&] { lwe_add_assign(a, b); }, 10, 12, "lwe_add_assign");
  expect_mismatch([&] { lwe_sub_assign(a, b); }, 10, 12, "lwe_sub_assign");
  expect_mismatch([&] { lwe_add_scaled_assign(a, b, 3); }, 10, 12, "lwe_add_scaled_assign");
  expect_mismatch([&] { encrypt_lwe(a, 0, key, NoiseDistribution::gaussian(0.0), rng); }, 10, 12,
                  "encrypt_lwe");
  expect_mismatch([&] { decrypt_lwe_phase(a, key); }, 10, 12, "decrypt_lwe_phase");
}

TEST(DimensionErrors, GlweAndPolynomials) {
  LUTFHE_TRACE_SEED(512);
  const GlweSecretKey key = testing::test_glwe_key(1, 512, 512);
  auto rng = EncryptionRandomness::from_seed(test_seed(512));
  GlweCiphertext wrong_n{GlweDimension(1), PolynomialSize(1024)};
  GlweCiphertext wrong_k{GlweDimension(2), PolynomialSize(512)};
  GlweCiphertext ok{GlweDimension(1), PolynomialSize(512)};
  const std::vector<Torus> msg512(512, 0), msg300(300, 0);
  expect_mismatch(
      [&] { encrypt_glwe(wrong_n, msg512, key, NoiseDistribution::gaussian(0.0), rng); }, 1024, 512,
      "encrypt_glwe N");
  expect_mismatch(
      [&] { encrypt_glwe(wrong_k, msg512, key, NoiseDistribution::gaussian(0.0), rng); }, 2, 1,
      "encrypt_glwe k");
  expect_mismatch([&] { encrypt_glwe(ok, msg300, key, NoiseDistribution::gaussian(0.0), rng); },
                  300, 512, "encrypt_glwe message");
  std::vector<Torus> out300(300);
  expect_mismatch([&] { decrypt_glwe_phase(out300, ok, key); }, 300, 512, "decrypt_glwe_phase");
  expect_mismatch([&] { trivial_glwe(ok, msg300); }, 300, 512, "trivial_glwe");
  std::vector<Torus> a(512), b(256), out(512);
  expect_mismatch([&] { multiply_schoolbook(out, a, b); }, 256, 512, "multiply_schoolbook");
  expect_mismatch([&] { rotate_polynomial(b, a, 1); }, 256, 512, "rotate_polynomial");
  expect_mismatch([&] { multiply_add_binary(out, a, b, NegacyclicFft::for_size(512)); }, 256, 512,
                  "multiply_add_binary key");
  expect_mismatch([&] { multiply_add_binary(out, a, a, NegacyclicFft::for_size(1024)); }, 512, 1024,
                  "multiply_add_binary transform");
}

TEST(DimensionErrors, DecompositionAndSampleExtract) {
  const DecompositionParams d{DecompositionBaseLog(8), DecompositionLevelCount(3)};
  std::vector<std::int64_t> digits(2);
  expect_mismatch([&] { decompose(digits, 1, d); }, 2, 3, "decompose");
  std::vector<Torus> poly(64);
  std::vector<std::int64_t> out(100);
  expect_mismatch([&] { decompose_polynomial(out, poly, d); }, 100, 192, "decompose_polynomial");
  std::vector<Torus> glwe(2 * 512), lwe(600);
  expect_mismatch([&] { sample_extract(lwe, glwe, PolynomialSize(512), 0); }, 599, 512,
                  "sample_extract");
  std::vector<std::uint64_t> switched(10);
  std::vector<Torus> in(11);
  expect_mismatch([&] { modulus_switch_lwe(switched, in, 11, 0); }, 10, 11, "modulus_switch_lwe");
}

TEST(DimensionErrors, KeySwitchingAndBootstrappingBuildingBlocks) {
  LUTFHE_TRACE_SEED(513);
  const LweSecretKey in_key = testing::test_lwe_key(100, 513);
  const LweSecretKey out_key = testing::test_lwe_key(20, 514);
  auto rng = EncryptionRandomness::from_seed(test_seed(513));
  const DecompositionParams d{DecompositionBaseLog(4), DecompositionLevelCount(3)};
  LweKeyswitchKey ksk(LweDimension(100), LweDimension(20), d);
  expect_mismatch(
      [&] { generate_keyswitch_key(ksk, out_key, out_key, NoiseDistribution::gaussian(0.0), rng); },
      100, 20, "generate_keyswitch_key input");
  generate_keyswitch_key(ksk, in_key, out_key, NoiseDistribution::gaussian(0.0), rng);
  LweCiphertext in_wrong{LweDimension(99)}, in{LweDimension(100)}, out{LweDimension(20)},
      out_wrong{LweDimension(21)};
  expect_mismatch([&] { keyswitch(out, in_wrong, ksk); }, 99, 100, "keyswitch input");
  expect_mismatch([&] { keyswitch(out_wrong, in, ksk); }, 21, 20, "keyswitch output");
  const CompactKeyswitchKey compact(ksk);
  expect_mismatch([&] { keyswitch(out, in_wrong, compact); }, 99, 100, "compact keyswitch input");
  expect_mismatch([&] { keyswitch(out_wrong, in, compact); }, 21, 20, "compact keyswitch output");

  const GlweSecretKey glwe_key = testing::test_glwe_key(1, 256, 515);
  LweBootstrapKey bsk(LweDimension(20), GlweDimension(1), PolynomialSize(256), d);
  expect_mismatch(
      [&] { generate_bootstrap_key(bsk, in_key, glwe_key, NoiseDistribution::gaussian(0.0), rng); },
      20, 100, "generate_bootstrap_key");
  generate_bootstrap_key(bsk, out_key, glwe_key, NoiseDistribution::gaussian(0x1p-50), rng);
  const NegacyclicFft& fft = NegacyclicFft::for_size(256);
  const FourierBootstrapKey fbsk(bsk, fft);
  Scratch scratch(programmable_bootstrap_scratch_size(fbsk));
  const LookupTable lut = make_lookup_table(
      PolynomialSize(256), 2, [](std::uint64_t m) { return m; }, 2);
  LweCiphertext pbs_out{LweDimension(256)};
  expect_mismatch([&] { programmable_bootstrap(pbs_out, in, lut, fbsk, fft, scratch); }, 100, 20,
                  "programmable_bootstrap input n");
  // A table with two functions needs two outputs.
  const std::vector<std::vector<std::uint64_t>> two{{0, 1, 2, 3}, {3, 2, 1, 0}};
  const LookupTable multi = make_multi_lookup_table(PolynomialSize(256), 2, two, 2);
  expect_mismatch([&] { programmable_bootstrap(pbs_out, out, multi, fbsk, fft, scratch); }, 1, 2,
                  "programmable_bootstrap output count");
  // blind_rotate checks the test polynomial and the accumulator.
  std::vector<std::uint64_t> switched(21, 0);
  std::vector<Torus> acc(2 * 256), short_lut(128);
  expect_mismatch([&] { blind_rotate(acc, switched, short_lut, fbsk, fft, scratch); }, 128, 256,
                  "blind_rotate test polynomial");
  std::vector<std::uint64_t> short_switched(15, 0);
  expect_mismatch([&] { blind_rotate(acc, short_switched, lut.polynomial(), fbsk, fft, scratch); },
                  15, 21, "blind_rotate switched ciphertext");
  // External product: input GLWE of the wrong size.
  GgswCiphertext ggsw{GlweDimension(1), PolynomialSize(256), d};
  const FourierGgsw fg(ggsw, fft);
  std::vector<Torus> glwe_in(3 * 256), glwe_out(2 * 256);
  Scratch ep_scratch(external_product_scratch_size(GlweDimension(1), PolynomialSize(256),
                                                   DecompositionLevelCount(3)));
  expect_mismatch([&] { external_product_add(glwe_out, fg.view(), glwe_in, fft, ep_scratch); }, 768,
                  512, "external_product_add");
}

TEST(DimensionErrors, ClientServerAndGates) {
  const ParameterSet& p = find_parameter_set("TOY");
  const std::uint64_t seed = 516;
  LUTFHE_TRACE_SEED(seed);
  auto& keys = keys_for(p, seed);
  Scratch scratch = keys.server.make_scratch();
  const std::size_t big = p.big_dimension().value(), n = p.n.value();
  // A small-key ciphertext handed where a big-key one belongs.
  const LweCiphertext small_ct{p.n};
  const LweCiphertext big_ct{p.big_dimension()};
  expect_mismatch([&] { keys.client.decrypt(small_ct, 4); }, n, big, "ClientKey::decrypt");
  expect_mismatch([&] { keys.client.phase(small_ct); }, n, big, "ClientKey::phase");
  const LookupTable lut = make_lookup_table(
      p.N, 3, [](std::uint64_t m) { return m; }, 3);
  LweCiphertext out(p.big_dimension());
  expect_mismatch([&] { keyswitch_bootstrap(out, small_ct, lut, keys.server, scratch); }, n, big,
                  "keyswitch_bootstrap");
  expect_mismatch([&] { gate_nand(out, small_ct, big_ct, keys.server, scratch); }, n, big,
                  "gate_nand first input");
  expect_mismatch([&] { gate_xor(out, big_ct, small_ct, keys.server, scratch); }, n, big,
                  "gate_xor second input");
  LweCiphertext small_out{p.n};
  expect_mismatch([&] { gate_not(small_out, big_ct); }, n, big, "gate_not");
  expect_mismatch([&] { gate_mux(out, big_ct, big_ct, small_ct, keys.server, scratch); }, n, big,
                  "gate_mux");
  // A table for another ring size.
  const LookupTable other_n = make_lookup_table(
      PolynomialSize(2048), 3, [](std::uint64_t m) { return m; }, 3);
  expect_mismatch([&] { keyswitch_bootstrap(out, big_ct, other_n, keys.server, scratch); }, 2048,
                  p.N.value(), "keyswitch_bootstrap table N");
}

TEST(DimensionErrors, ServerKeyRefusesAnInconsistentEvaluationKey) {
  // A tiny evaluation key (nothing is encrypted; only its shape matters) under parameters that
  // claim another n.
  ParameterSet p = find_parameter_set("TOY");
  p.name = "TINY_SHAPE";
  p.n = LweDimension(8);
  p.N = PolynomialSize(256);
  EvaluationKey ek{p, KeyId{}, LweBootstrapKey(LweDimension(8), p.k, p.N, p.pbs),
                   LweKeyswitchKey(p.big_dimension(), LweDimension(8), p.ks), std::nullopt};
  EXPECT_NO_THROW(ServerKey{ek});
  ek.params.n = LweDimension(9);
  expect_mismatch([&] { ServerKey key(ek); }, 8, 9, "ServerKey with n=9 parameters");
  ek.params.n = LweDimension(8);
  ek.keyswitch_key = LweKeyswitchKey(LweDimension(300), LweDimension(8), p.ks);
  expect_mismatch([&] { ServerKey key(ek); }, 300, 256, "ServerKey with a KSK for 300");
}

// ---------------------------------------------------------------------------------------------
// Arguments out of range: InvalidArgument (or Error for exhausted scratch).

TEST(ArgumentErrors, UnknownParameterSet) {
  EXPECT_THROW(find_parameter_set("NOPE"), InvalidArgument);
  EXPECT_THROW(find_parameter_set("toy"), InvalidArgument);  // names are case-sensitive
  EXPECT_THROW(find_parameter_set(""), InvalidArgument);
  try {
    find_parameter_set("PBS_5BIT");
    ADD_FAILURE() << "PBS_5BIT accepted";
  } catch (const InvalidArgument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("PBS_5BIT"), std::string::npos) << msg;
    EXPECT_NE(msg.find("PBS_4BIT"), std::string::npos)
        << "the message should list known sets: " << msg;
  }
}

TEST(ArgumentErrors, EncodingOutOfRange) {
  EXPECT_THROW(encode_with_padding(16, 4), InvalidArgument);
  EXPECT_THROW(encode_with_padding(1, 0), InvalidArgument);
  EXPECT_THROW(encode_with_padding(1, kMaxMessageBits + 1), InvalidArgument);
  EXPECT_THROW(delta_with_padding(0), InvalidArgument);
  EXPECT_THROW(delta_with_padding(kMaxMessageBits + 1), InvalidArgument);
  EXPECT_NO_THROW(encode_with_padding(15, 4));
  const ClientKey client(find_parameter_set("TOY"), test_seed(521));
  auto rng = EncryptionRandomness::from_seed(test_seed(521));
  EXPECT_THROW(client.encrypt(8, 3, rng), InvalidArgument);
  EXPECT_THROW(client.encrypt(std::uint64_t{1} << 40, 7, rng), InvalidArgument);
}

TEST(ArgumentErrors, LookupTables) {
  const PolynomialSize n(512);
  const std::vector<std::uint64_t> seven(7, 0), eight(8, 0);
  // Wrong length for the input precision.
  expect_mismatch([&] { make_lookup_table(n, 3, seven, 3); }, 7, 8, "make_lookup_table length");
  EXPECT_THROW(make_lookup_table(n, 4, eight, 3), DimensionMismatch);
  // An entry that does not fit the output precision.
  const std::vector<std::uint64_t> too_big{0, 1, 2, 8, 0, 0, 0, 0};
  EXPECT_THROW(make_lookup_table(n, 3, too_big, 3), InvalidArgument);
  // Precision that does not fit N = 512 (bits + 1 ≤ 9).
  EXPECT_THROW(make_lookup_table(
                   n, 9, [](std::uint64_t) { return 0; }, 1),
               InvalidArgument);
  EXPECT_NO_THROW(make_lookup_table(
      n, 8, [](std::uint64_t) { return 0; }, 1));
  EXPECT_THROW(make_lookup_table(
                   n, 0, [](std::uint64_t) { return 0; }, 1),
               InvalidArgument);
  EXPECT_THROW(make_lookup_table(
                   n, 17, [](std::uint64_t) { return 0; }, 1),
               InvalidArgument);
}

TEST(ArgumentErrors, MultiLookupTables) {
  const PolynomialSize n(512);
  const std::vector<std::uint64_t> t(32, 1);
  // 5 bits + padding + 2 multi-LUT bits = 8 ≤ 9 fits; 7 + 1 + 2 = 10 does not.
  EXPECT_NO_THROW(make_multi_lookup_table(n, 5, std::vector<std::vector<std::uint64_t>>(4, t), 2));
  const std::vector<std::uint64_t> t7(128, 1);
  EXPECT_THROW(make_multi_lookup_table(n, 7, std::vector<std::vector<std::uint64_t>>(4, t7), 2),
               InvalidArgument);
  EXPECT_THROW(
      make_multi_lookup_table(
          n, 8, std::vector<std::vector<std::uint64_t>>(2, std::vector<std::uint64_t>(256, 0)), 2),
      InvalidArgument);
  // The number of functions must be a power of two (and at least one).
  EXPECT_THROW(make_multi_lookup_table(n, 5, std::vector<std::vector<std::uint64_t>>(3, t), 2),
               InvalidArgument);
  EXPECT_THROW(make_multi_lookup_table(n, 5, std::vector<std::vector<std::uint64_t>>{}, 2),
               InvalidArgument);
  // Tables of different lengths.
  std::vector<std::vector<std::uint64_t>> ragged{t, std::vector<std::uint64_t>(16, 0)};
  EXPECT_THROW(make_multi_lookup_table(n, 5, ragged, 2), DimensionMismatch);
}

TEST(ArgumentErrors, ShiftsCoefficientsAndModuli) {
  std::vector<Torus> a(64), out(64);
  EXPECT_THROW(rotate_polynomial(out, a, 128), InvalidArgument);
  EXPECT_NO_THROW(rotate_polynomial(out, a, 127));
  std::vector<Torus> glwe(2 * 64), lwe(65);
  EXPECT_THROW(sample_extract(lwe, glwe, PolynomialSize(64), 64), InvalidArgument);
  EXPECT_NO_THROW(sample_extract(lwe, glwe, PolynomialSize(64), 63));
  std::vector<std::uint64_t> switched(5);
  std::vector<Torus> in(5);
  EXPECT_THROW(modulus_switch_lwe(switched, in, 10, 10), InvalidArgument);
  EXPECT_NO_THROW(modulus_switch_lwe(switched, in, 10, 9));
}

TEST(ArgumentErrors, NoiseDistributionsAndKeys) {
  EXPECT_THROW(NoiseDistribution::gaussian(-1e-9), InvalidArgument);
  EXPECT_THROW(NoiseDistribution::gaussian(1.0), InvalidArgument);
  EXPECT_THROW(NoiseDistribution::gaussian(std::numeric_limits<double>::quiet_NaN()),
               InvalidArgument);
  EXPECT_THROW(NoiseDistribution::tuniform(63), InvalidArgument);
  EXPECT_NO_THROW(NoiseDistribution::tuniform(62));
  SecureVector<Torus> bits{0, 1, 2};
  EXPECT_THROW(LweSecretKey{bits}, InvalidArgument);
}

TEST(ArgumentErrors, InvalidParameterSets) {
  const ParameterSet& base = find_parameter_set("TOY");
  auto with = [&](const std::function<void(ParameterSet&)>& change) {
    ParameterSet p = base;
    p.name = "BROKEN";
    change(p);
    return p;
  };
  EXPECT_THROW(check_parameters(with([](ParameterSet& p) { p.N = PolynomialSize(1000); })),
               InvalidArgument);
  EXPECT_THROW(check_parameters(with([](ParameterSet& p) { p.N = PolynomialSize(2); })),
               InvalidArgument);
  EXPECT_THROW(check_parameters(with([](ParameterSet& p) { p.n = LweDimension(0); })),
               InvalidArgument);
  EXPECT_THROW(check_parameters(with([](ParameterSet& p) { p.k = GlweDimension(0); })),
               InvalidArgument);
  EXPECT_THROW(check_parameters(with([](ParameterSet& p) {
                 p.pbs = {DecompositionBaseLog(20), DecompositionLevelCount(4)};
               })),
               InvalidArgument);
  EXPECT_THROW(check_parameters(with([](ParameterSet& p) {
                 p.ks = {DecompositionBaseLog(0), DecompositionLevelCount(4)};
               })),
               InvalidArgument);
  // A client key is never made from an invalid set.
  EXPECT_THROW(ClientKey(with([](ParameterSet& p) { p.N = PolynomialSize(1000); }), test_seed(1)),
               InvalidArgument);
  try {
    check_parameters(with([](ParameterSet& p) { p.N = PolynomialSize(1000); }));
  } catch (const InvalidArgument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("BROKEN"), std::string::npos) << msg;
    EXPECT_NE(msg.find("1000"), std::string::npos) << msg;
  }
}

TEST(ArgumentErrors, ScratchTooSmallAndTooManyOutputs) {
  const ParameterSet& p = find_parameter_set("TOY");
  const std::uint64_t seed = 522;
  LUTFHE_TRACE_SEED(seed);
  auto& keys = keys_for(p, seed);
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  const LookupTable lut = make_lookup_table(
      p.N, 2, [](std::uint64_t m) { return m; }, 2);
  const LweCiphertext in = keys.client.encrypt(1, 2, rng);
  LweCiphertext out(p.big_dimension());
  Scratch tiny(1024);
  EXPECT_THROW(keyswitch_bootstrap(out, in, lut, keys.server, tiny), Error);
  // 32 functions fit N = 4096 at 1 bit but exceed the 16 outputs one call handles.
  const std::vector<std::vector<std::uint64_t>> tables(32, std::vector<std::uint64_t>{0, 1});
  const LookupTable many = make_multi_lookup_table(p.N, 1, tables, 1);
  std::vector<LweCiphertext> outs(32, LweCiphertext(p.big_dimension()));
  Scratch scratch = keys.server.make_scratch();
  EXPECT_THROW(keyswitch_bootstrap(outs, in, many, keys.server, scratch), InvalidArgument);
}

}  // namespace
}  // namespace lutfhe
