// Programmable bootstrapping through the public API (ClientKey / ServerKey /
// keyswitch_bootstrap): every input of full random tables at every precision a set supports,
// multi-LUT bootstraps, small circuits, and the lower-level entry points.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/blind_rotate.hpp"
#include "core/client_key.hpp"
#include "core/encoding.hpp"
#include "core/errors.hpp"
#include "core/lookup_table.hpp"
#include "core/lwe.hpp"
#include "core/lwe_encryption.hpp"
#include "core/noise.hpp"
#include "core/parameters.hpp"
#include "core/pbs.hpp"
#include "core/server_key.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe {
namespace {

using testing::KeyBundle;
using testing::keys_for;
using testing::TestRng;

std::vector<std::uint64_t> random_table(TestRng& rng, unsigned in_bits, unsigned out_bits) {
  std::vector<std::uint64_t> t(std::size_t{1} << in_bits);
  for (auto& v : t) v = rng.below(std::uint64_t{1} << out_bits);
  return t;
}

std::string describe_table(const std::vector<std::uint64_t>& t) {
  std::string s;
  for (std::size_t i = 0; i < t.size() && i < 32; ++i) s += (i ? "," : "") + std::to_string(t[i]);
  return t.size() > 32 ? s + ",…" : s;
}

// Encrypts every listed input, bootstraps it through `table` and compares each decrypted
// output with the table. Returns the number of wrong outputs.
std::size_t check_table(KeyBundle& keys, unsigned in_bits, unsigned out_bits,
                        const std::vector<std::uint64_t>& table,
                        const std::vector<std::uint64_t>& inputs, EncryptionRandomness& rng,
                        Scratch& scratch) {
  const ParameterSet& p = keys.client.parameters();
  const LookupTable lut = make_lookup_table(p.N, in_bits, table, out_bits);
  EXPECT_EQ(lut.input_bits(), in_bits);
  EXPECT_EQ(lut.lut_count(), 1u);
  LweCiphertext out(p.big_dimension());
  std::size_t wrong = 0;
  for (std::uint64_t m : inputs) {
    const LweCiphertext ct = keys.client.encrypt(m, in_bits, rng);
    keyswitch_bootstrap(out, ct, lut, keys.server, scratch);
    const std::uint64_t got = keys.client.decrypt(out, out_bits);
    if (got != table[m]) {
      if (wrong < 5) {
        ADD_FAILURE() << p.display_name() << " " << in_bits << "→" << out_bits << " bits: input "
                      << m << " gave " << got << ", table says " << table[m] << " (table "
                      << describe_table(table) << ")";
      }
      ++wrong;
    }
  }
  return wrong;
}

std::vector<std::uint64_t> all_inputs(unsigned bits) {
  std::vector<std::uint64_t> v(std::size_t{1} << bits);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = i;
  return v;
}

// Every precision 1..message_bits, `tables` random tables each (the first one the identity,
// or its truncation), at the input precision and at one other output precision.
void full_table_sweep(const ParameterSet& p, std::uint64_t seed, int tables) {
  LUTFHE_TRACE_SEED(seed);
  SCOPED_TRACE(p.display_name());
  KeyBundle& keys = keys_for(p, seed);
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  TestRng data(seed + 2);
  Scratch scratch = keys.server.make_scratch();
  const unsigned max_bits = p.message_bits;
  ASSERT_GE(max_bits, 1u);
  for (unsigned in_bits = 1; in_bits <= max_bits; ++in_bits) {
    ASSERT_LE(in_bits + 1, p.log2_two_n() - 1) << "precision does not fit N";
    for (unsigned out_bits : {in_bits, in_bits == max_bits ? 1u : max_bits}) {
      for (int t = 0; t < tables; ++t) {
        std::vector<std::uint64_t> table = random_table(data, in_bits, out_bits);
        if (t == 0) {
          for (std::size_t m = 0; m < table.size(); ++m) table[m] = m % (1u << out_bits);
        }
        const std::size_t wrong =
            check_table(keys, in_bits, out_bits, table, all_inputs(in_bits), rng, scratch);
        EXPECT_EQ(wrong, 0u) << in_bits << "→" << out_bits << " bits, table " << t;
      }
    }
  }
}

TEST(PbsToy, FullTablesAtEveryPrecision) {
  full_table_sweep(find_parameter_set("TOY"), 201, 3);
}

TEST(Pbs2Bit, FullTablesAtEveryPrecision) {
  full_table_sweep(find_parameter_set("PBS_2BIT"), 202, 3);
}

TEST(Pbs4Bit, FullTablesAtEveryPrecision) {
  full_table_sweep(find_parameter_set("PBS_4BIT"), 203, 3);
}

// The p_fail ≤ 2^-128 sets (TFHE-rs 1.4.0 values, centred modulus switch): every table entry at
// every precision, and a circuit whose bootstrap inputs have 2-norm √17 (within their 5).
TEST(Pbs2M128, TwoBitFullTablesAtEveryPrecision) {
  full_table_sweep(find_parameter_set("PBS_2BIT_2M128"), 204, 2);
}

TEST(Pbs2M128, FourBitFullTablesAtEveryPrecision) {
  full_table_sweep(find_parameter_set("PBS_4BIT_2M128"), 205, 2);
}

void two_level_circuit(const ParameterSet& p, std::uint64_t seed);

TEST(Pbs2M128, FourBitCircuit) {
  two_level_circuit(find_parameter_set("PBS_4BIT_2M128"), 206);
}

// ---------------------------------------------------------------------------------------------
// Multi-LUT: F functions from one blind rotation.

// Precisions at which F functions fit N and the model's failure probability is below 2^-20
// (PBS_2BIT carries 4 functions only at 1 bit, where the model gives 2^-23.6).
std::vector<unsigned> multi_lut_precisions(const ParameterSet& p, std::size_t f) {
  std::vector<unsigned> bits;
  const unsigned log2_f = static_cast<unsigned>(std::countr_zero(f));
  for (unsigned b = 1; b <= p.message_bits; ++b) {
    if (b + 1 + log2_f > p.log2_two_n() - 1) break;
    if (noise::log2_pfail_pbs(p, b, 1.0, f) > -20.0) break;
    bits.push_back(b);
  }
  return bits;
}

void multi_lut_sweep(const ParameterSet& p, std::uint64_t seed) {
  LUTFHE_TRACE_SEED(seed);
  SCOPED_TRACE(p.display_name());
  KeyBundle& keys = keys_for(p, seed);
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  TestRng data(seed + 2);
  Scratch scratch = keys.server.make_scratch();
  for (std::size_t f : {std::size_t{2}, std::size_t{4}}) {
    const std::vector<unsigned> precisions = multi_lut_precisions(p, f);
    std::printf("%s: %zu functions per bootstrap at %zu precisions (up to %u bits)\n",
                p.name.c_str(), f, precisions.size(), precisions.empty() ? 0 : precisions.back());
    EXPECT_FALSE(precisions.empty()) << "no precision supports " << f << " functions";
    for (unsigned bits : precisions) {
      const unsigned out_bits = std::min(p.message_bits, bits + 1);
      std::vector<std::vector<std::uint64_t>> tables;
      for (std::size_t i = 0; i < f; ++i) tables.push_back(random_table(data, bits, out_bits));
      const LookupTable lut = make_multi_lookup_table(p.N, bits, tables, out_bits);
      ASSERT_EQ(lut.lut_count(), f);
      std::vector<LweCiphertext> outputs(f, LweCiphertext(p.big_dimension()));
      std::size_t wrong = 0;
      for (std::uint64_t m = 0; m < (std::uint64_t{1} << bits); ++m) {
        const LweCiphertext ct = keys.client.encrypt(m, bits, rng);
        keyswitch_bootstrap(outputs, ct, lut, keys.server, scratch);
        for (std::size_t i = 0; i < f; ++i) {
          const std::uint64_t got = keys.client.decrypt(outputs[i], out_bits);
          if (got != tables[i][m]) {
            if (wrong < 5) {
              ADD_FAILURE() << f << " functions, " << bits << " bits: function " << i
                            << " of input " << m << " gave " << got << ", want " << tables[i][m];
            }
            ++wrong;
          }
        }
      }
      EXPECT_EQ(wrong, 0u) << f << " functions at " << bits << " bits";
    }
  }
}

TEST(MultiLutToy, TwoAndFourFunctionsEveryInputEveryOutput) {
  multi_lut_sweep(find_parameter_set("TOY"), 211);
}

TEST(MultiLut2Bit, TwoAndFourFunctionsEveryInputEveryOutput) {
  multi_lut_sweep(find_parameter_set("PBS_2BIT"), 212);
}

TEST(MultiLut4Bit, TwoAndFourFunctionsEveryInputEveryOutput) {
  multi_lut_sweep(find_parameter_set("PBS_4BIT"), 213);
}

// ---------------------------------------------------------------------------------------------
// Circuits: bootstrapped outputs feeding linear operations and further bootstraps.

void two_level_circuit(const ParameterSet& p, std::uint64_t seed) {
  // z = g(4·f1(x) + f2(y)) for all 2-bit x, y: f1, f2 lift to the 4-bit space; g is random.
  LUTFHE_TRACE_SEED(seed);
  SCOPED_TRACE(p.display_name());
  KeyBundle& keys = keys_for(p, seed);
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  TestRng data(seed + 2);
  Scratch scratch = keys.server.make_scratch();
  const unsigned wide = 4;
  const std::vector<std::uint64_t> f1{3, 0, 2, 1}, f2{1, 3, 0, 2};
  const std::vector<std::uint64_t> g = random_table(data, wide, wide);
  const LookupTable lut1 = make_lookup_table(p.N, 2, f1, wide);
  const LookupTable lut2 = make_lookup_table(p.N, 2, f2, wide);
  const LookupTable lut_g = make_lookup_table(p.N, wide, g, wide);
  LweCiphertext a(p.big_dimension()), b(p.big_dimension()), z(p.big_dimension());
  for (std::uint64_t x = 0; x < 4; ++x) {
    for (std::uint64_t y = 0; y < 4; ++y) {
      keyswitch_bootstrap(a, keys.client.encrypt(x, 2, rng), lut1, keys.server, scratch);
      keyswitch_bootstrap(b, keys.client.encrypt(y, 2, rng), lut2, keys.server, scratch);
      ASSERT_EQ(keys.client.decrypt(a, wide), f1[x]);
      lwe_scalar_mul_assign(a, 4);
      lwe_add_assign(a, b);
      const std::uint64_t mid = 4 * f1[x] + f2[y];
      ASSERT_EQ(keys.client.decrypt(a, wide), mid) << "x=" << x << " y=" << y;
      keyswitch_bootstrap(z, a, lut_g, keys.server, scratch);
      EXPECT_EQ(keys.client.decrypt(z, wide), g[mid]) << "x=" << x << " y=" << y;
    }
  }
  // A chain of ten bootstraps, each fed with the previous output.
  std::uint64_t m = 5;
  LweCiphertext c = keys.client.encrypt(m, wide, rng);
  const LookupTable step = make_lookup_table(
      p.N, wide, [](std::uint64_t v) { return (3 * v + 1) % 16; }, wide);
  for (int i = 0; i < 10; ++i) {
    keyswitch_bootstrap(z, c, step, keys.server, scratch);
    c = z;
    m = (3 * m + 1) % 16;
    ASSERT_EQ(keys.client.decrypt(c, wide), m) << "after " << i + 1 << " bootstraps";
  }
}

TEST(PbsCircuits, BootstrappedOutputsFeedLinearOpsAndBootstrapsToy) {
  two_level_circuit(find_parameter_set("TOY"), 221);
}

TEST(PbsCircuits, BootstrappedOutputsFeedLinearOpsAndBootstraps4Bit) {
  two_level_circuit(find_parameter_set("PBS_4BIT"), 222);
}

// ---------------------------------------------------------------------------------------------
// The lower-level entry points and the table layout.

TEST(PbsApi, LookupTableLayoutFollowsTheBoxMethod) {
  // Message m owns the coefficients t with round(t·p/N) = m; the last half box holds −f(0)
  // (negative noise around 0 seen through the negacyclic wrap).
  const std::uint64_t seed = 231;
  LUTFHE_TRACE_SEED(seed);
  TestRng data(seed);
  for (std::size_t n : {512u, 4096u}) {
    for (unsigned bits : {1u, 3u, 5u}) {
      const unsigned out_bits = 6;
      const std::vector<std::uint64_t> table = random_table(data, bits, out_bits);
      const LookupTable lut = make_lookup_table(PolynomialSize(n), bits, table, out_bits);
      ASSERT_EQ(lut.polynomial().size(), n);
      const std::size_t box = n >> bits, half = box / 2;
      for (std::size_t t = 0; t < n; ++t) {
        const std::size_t m = (t + half) / box;
        const Torus want = m < table.size() ? encode_with_padding(table[m], out_bits)
                                            : Torus{0} - encode_with_padding(table[0], out_bits);
        ASSERT_EQ(lut.polynomial()[t], want) << "N=" << n << " bits=" << bits << " t=" << t;
      }
    }
  }
  // Two functions interleave: function f sits in coefficient t + f of every pair.
  const std::vector<std::vector<std::uint64_t>> two{{1, 2, 3, 0}, {0, 0, 1, 1}};
  const LookupTable multi = make_multi_lookup_table(PolynomialSize(64), 2, two, 2);
  for (std::size_t t = 0; t < 64; t += 2) {
    const std::size_t m = (t + 8) / 16;
    for (std::size_t f = 0; f < 2; ++f) {
      const Torus want =
          m < 4 ? encode_with_padding(two[f][m], 2) : Torus{0} - encode_with_padding(two[f][0], 2);
      ASSERT_EQ(multi.polynomial()[t + f], want) << "t=" << t << " f=" << f;
    }
  }
}

// Batched KS-PBS (one walk of the bootstrapping key for several ciphertexts) must give the
// very same ciphertexts as one KS-PBS at a time, for every batch size up to the scratch's, with
// a different table per member; and the batch API's results decrypt to the tables' values.
TEST(PbsApi, BatchedBootstrapEqualsOneAtATime) {
  for (const char* name : {"TOY", "PBS_2BIT"}) {
    const ParameterSet& p = find_parameter_set(name);
    const std::uint64_t seed = 236;
    LUTFHE_TRACE_SEED(seed);
    KeyBundle& keys = keys_for(p, seed);
    auto rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
    TestRng data(seed + 2);
    const unsigned bits = std::min(p.message_bits - 1, 3u);
    std::vector<LookupTable> tables;
    for (int t = 0; t < 3; ++t) {
      tables.push_back(make_lookup_table(p.N, bits, random_table(data, bits, bits), bits));
    }
    Scratch single = keys.server.make_scratch();
    Scratch batched = keys.server.make_batch_scratch(kBootstrapBatch);
    for (std::size_t count = 1; count <= kBootstrapBatch; ++count) {
      std::vector<LweCiphertext> in, one, many;
      std::vector<const LookupTable*> luts;
      std::vector<std::uint64_t> messages;
      for (std::size_t b = 0; b < count; ++b) {
        messages.push_back(data.below(std::uint64_t{1} << bits));
        in.push_back(keys.client.encrypt(messages.back(), bits, rng));
        luts.push_back(&tables[b % tables.size()]);
        one.emplace_back(p.big_dimension());
        many.emplace_back(p.big_dimension());
        keyswitch_bootstrap(one.back(), in.back(), *luts.back(), keys.server, single);
      }
      keyswitch_bootstrap_batch(many, in, luts, keys.server, batched);
      for (std::size_t b = 0; b < count; ++b) {
        ASSERT_TRUE(std::equal(one[b].data().begin(), one[b].data().end(), many[b].data().begin()))
            << name << " batch of " << count << ", member " << b;
      }
    }
    // A scratch sized for one KS-PBS cannot hold a full batch: refused, not overrun.
    {
      std::vector<LweCiphertext> in(kBootstrapBatch, keys.client.encrypt(0, bits, rng));
      std::vector<LweCiphertext> out(kBootstrapBatch, LweCiphertext(p.big_dimension()));
      std::vector<const LookupTable*> luts(kBootstrapBatch, &tables[0]);
      EXPECT_THROW(keyswitch_bootstrap_batch(out, in, luts, keys.server, single), Error);
    }
    // The thread-level batch API (groups of kBootstrapBatch) on 19 inputs, one table.
    std::vector<LweCiphertext> xs, ys;
    std::vector<std::uint64_t> ms;
    for (int i = 0; i < 19; ++i) {
      ms.push_back(data.below(std::uint64_t{1} << bits));
      xs.push_back(keys.client.encrypt(ms.back(), bits, rng));
      ys.emplace_back(p.big_dimension());
    }
    const auto f = [](std::uint64_t m) { return (3 * m + 1) % 8; };
    const LookupTable lut = make_lookup_table(
        p.N, bits, [&](std::uint64_t m) { return f(m) % (1u << bits); }, bits);
    keyswitch_bootstrap_batch(ys, xs, lut, keys.server, 2);
    for (int i = 0; i < 19; ++i) {
      EXPECT_EQ(keys.client.decrypt(ys[static_cast<std::size_t>(i)], bits),
                f(ms[static_cast<std::size_t>(i)]) % (1u << bits))
          << name << " i=" << i;
    }
  }
}

TEST(PbsApi, ProgrammableBootstrapOfASmallKeyCiphertext) {
  // programmable_bootstrap without key switching: the input lives under the small key.
  const ParameterSet& p = find_parameter_set("TOY");
  const std::uint64_t seed = 232;
  LUTFHE_TRACE_SEED(seed);
  KeyBundle& keys = keys_for(p, seed);
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  const FourierBootstrapKey& bsk = keys.server.bootstrap_key();
  Scratch scratch(programmable_bootstrap_scratch_size(bsk));
  const unsigned bits = 5;
  const LookupTable lut = make_lookup_table(
      p.N, bits, [](std::uint64_t m) { return (m * m + 7) % 32; }, bits);
  LweCiphertext out(p.big_dimension());
  for (std::uint64_t m = 0; m < 32; ++m) {
    LweCiphertext in(p.n);
    encrypt_lwe(in, encode_with_padding(m, bits), keys.client.small_key(), p.lwe_noise, rng);
    programmable_bootstrap(out, in, lut, bsk, keys.server.fft(), scratch);
    EXPECT_EQ(keys.client.decrypt(out, bits), (m * m + 7) % 32) << "m=" << m;
  }
}

TEST(PbsApi, EntryPointsAgreeAndAreDeterministic) {
  const ParameterSet& p = find_parameter_set("TOY");
  const std::uint64_t seed = 233;
  LUTFHE_TRACE_SEED(seed);
  KeyBundle& keys = keys_for(p, seed);
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  Scratch scratch = keys.server.make_scratch();
  EXPECT_EQ(scratch.capacity(), keys.server.scratch_size());
  const LookupTable lut = make_lookup_table(
      p.N, 3, [](std::uint64_t m) { return 7 - m; }, 3);
  const LweCiphertext in = keys.client.encrypt(2, 3, rng);
  LweCiphertext a(p.big_dimension()), b(p.big_dimension());
  keyswitch_bootstrap(a, in, lut, keys.server, scratch);
  keyswitch_bootstrap(b, in, lut, keys.server, scratch);
  EXPECT_EQ(a, b) << "the same input bootstrapped twice differs";
  std::vector<Torus> raw(p.big_dimension().value() + 1);
  const std::span<Torus> views[1] = {raw};
  keyswitch_bootstrap(views, in.data(), lut, keys.server, scratch);
  EXPECT_TRUE(std::equal(raw.begin(), raw.end(), a.data().begin())) << "raw overload differs";
  std::vector<LweCiphertext> outs(1, LweCiphertext(p.big_dimension()));
  keyswitch_bootstrap(outs, in, lut, keys.server, scratch);
  EXPECT_EQ(outs[0], a) << "span-of-ciphertexts overload differs";
  EXPECT_EQ(keys.client.decrypt(a, 3), 5u);
}

TEST(PbsApi, SignTableGivesPlusOrMinusMu) {
  // The negacyclic table: +μ for a phase in [0, 1/2), −μ in [1/2, 1).
  const ParameterSet& p = find_parameter_set("TOY");
  const std::uint64_t seed = 234;
  LUTFHE_TRACE_SEED(seed);
  KeyBundle& keys = keys_for(p, seed);
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  TestRng data(seed + 2);
  Scratch scratch = keys.server.make_scratch();
  const Torus mu = Torus{1} << 60;
  const LookupTable lut = make_sign_lookup_table(p.N, mu);
  EXPECT_EQ(lut.input_bits(), 0u);
  LweCiphertext out(p.big_dimension());
  for (int i = 0; i < 24; ++i) {
    // Phases away from 0 and 1/2 by more than the noise: in (1/16, 7/16) or (9/16, 15/16).
    const bool upper = data.coin();
    const Torus offset = (Torus{1} << 60) + data.below(Torus{3} << 61);
    const Torus phase = upper ? (Torus{1} << 63) + offset : offset;
    LweCiphertext ct(p.big_dimension());
    encrypt_lwe(ct, phase, keys.client.big_key(), p.glwe_noise, rng);
    keyswitch_bootstrap(out, ct, lut, keys.server, scratch);
    const Torus want = upper ? Torus{0} - mu : mu;
    EXPECT_LT(std::abs(testing::centred(keys.client.phase(out) - want)), std::int64_t{1} << 50)
        << "phase " << testing::to_real(phase);
  }
}

TEST(PbsApi, InProcessServerKeyEqualsTheEvaluationKeyPath) {
  // ServerKey::generate_in_process draws the same randomness in the same order as
  // generate_evaluation_key (key-switching rows, then the bootstrapping key's GGSWs: the order
  // seeded key files rely on), so from the same seed it must build the same server key.
  const ParameterSet& p = find_parameter_set("TOY");
  const std::uint64_t seed = 235;
  LUTFHE_TRACE_SEED(seed);
  const ClientKey client(p, test_seed(seed));
  auto rng_a = EncryptionRandomness::from_seed(test_seed(seed + 1));
  auto rng_b = EncryptionRandomness::from_seed(test_seed(seed + 1));
  const ServerKey via_file(generate_evaluation_key(client, rng_a));
  const ServerKey in_process = generate_server_key_in_process(client, rng_b);
  EXPECT_EQ(in_process.key_id(), client.key_id());
  const auto ka = via_file.keyswitch_key().data(), kb = in_process.keyswitch_key().data();
  ASSERT_EQ(ka.size(), kb.size());
  EXPECT_TRUE(std::equal(ka.begin(), ka.end(), kb.begin())) << "key-switching keys differ";
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 2));
  Scratch scratch = via_file.make_scratch();
  const LookupTable lut = make_lookup_table(
      p.N, 5, [](std::uint64_t m) { return (m * 5 + 2) % 32; }, 5);
  LweCiphertext a(p.big_dimension()), b(p.big_dimension());
  for (std::uint64_t m = 0; m < 32; ++m) {
    const LweCiphertext in = client.encrypt(m, 5, rng);
    keyswitch_bootstrap(a, in, lut, via_file, scratch);
    keyswitch_bootstrap(b, in, lut, in_process, scratch);
    EXPECT_EQ(a, b) << "m=" << m;
    EXPECT_EQ(client.decrypt(b, 5), (m * 5 + 2) % 32) << "m=" << m;
  }
}

TEST(PbsApi, BatchEqualsOneByOne) {
  const ParameterSet& p = find_parameter_set("TOY");
  const std::uint64_t seed = 236;
  LUTFHE_TRACE_SEED(seed);
  KeyBundle& keys = keys_for(p, seed);
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  TestRng data(seed + 2);
  Scratch scratch = keys.server.make_scratch();
  const std::vector<std::uint64_t> table = random_table(data, 4, 4);
  const LookupTable lut = make_lookup_table(p.N, 4, table, 4);
  std::vector<LweCiphertext> inputs, batch(24, LweCiphertext(p.big_dimension()));
  std::vector<std::uint64_t> msgs;
  for (int i = 0; i < 24; ++i) {
    msgs.push_back(data.below(16));
    inputs.push_back(keys.client.encrypt(msgs.back(), 4, rng));
  }
  for (int threads : {1, 2}) {
    keyswitch_bootstrap_batch(batch, inputs, lut, keys.server, threads);
    LweCiphertext one(p.big_dimension());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      keyswitch_bootstrap(one, inputs[i], lut, keys.server, scratch);
      EXPECT_EQ(batch[i], one) << threads << " threads, item " << i;
      EXPECT_EQ(keys.client.decrypt(batch[i], 4), table[msgs[i]]) << "item " << i;
    }
  }
  std::vector<LweCiphertext> short_out(3, LweCiphertext(p.big_dimension()));
  EXPECT_THROW(keyswitch_bootstrap_batch(short_out, inputs, lut, keys.server), DimensionMismatch);
  const std::vector<std::vector<std::uint64_t>> two(2, table);
  const LookupTable multi = make_multi_lookup_table(p.N, 4, two, 4);
  EXPECT_THROW(keyswitch_bootstrap_batch(batch, inputs, multi, keys.server), InvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Large: the big parameter sets (not in the default run).

std::vector<std::uint64_t> spread_inputs(unsigned bits, std::size_t count) {
  const std::size_t p = std::size_t{1} << bits;
  if (count >= p) return all_inputs(bits);
  std::vector<std::uint64_t> v;
  for (std::size_t i = 0; i < count; ++i) v.push_back(i * p / count);
  v.back() = p - 1;
  return v;
}

// Two random 6-bit tables on a 6-bit set, each checked on spread inputs.
void expect_six_bit_full_tables(const char* set, std::uint64_t seed) {
  const ParameterSet& p = find_parameter_set(set);
  LUTFHE_TRACE_SEED(seed);
  KeyBundle& keys = keys_for(p, seed);
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  TestRng data(seed + 2);
  Scratch scratch = keys.server.make_scratch();
  const std::vector<std::uint64_t> inputs = spread_inputs(6, testing::large_samples(64));
  for (int t = 0; t < 2; ++t) {
    const std::vector<std::uint64_t> table = random_table(data, 6, 6);
    EXPECT_EQ(check_table(keys, 6, 6, table, inputs, rng, scratch), 0u) << set << ", table " << t;
  }
}

TEST(PbsLarge, Pbs6BitFullTables) {
  expect_six_bit_full_tables("PBS_6BIT", 241);
}

TEST(PbsLarge, Pbs6Bit2M128FullTables) {
  expect_six_bit_full_tables("PBS_6BIT_2M128", 243);
}

TEST(PbsLarge, Pbs8BitFullTable) {
  // The server key is built in process (never holding the standard-domain keys: the 32-bit
  // key-switching key alone is 3.2 GB at N = 32768).
  const ParameterSet& p = find_parameter_set("PBS_8BIT");
  const std::uint64_t seed = 242;
  LUTFHE_TRACE_SEED(seed);
  const ClientKey client(p, test_seed(seed));
  auto key_rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  const ServerKey server = generate_server_key_in_process(client, key_rng);
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 2));
  TestRng data(seed + 3);
  Scratch scratch = server.make_scratch();
  const unsigned bits = 8;
  const std::vector<std::uint64_t> table = random_table(data, bits, bits);
  const LookupTable lut = make_lookup_table(p.N, bits, table, bits);
  LweCiphertext out(p.big_dimension());
  std::size_t wrong = 0;
  for (std::uint64_t m : spread_inputs(bits, testing::large_samples(256))) {
    keyswitch_bootstrap(out, client.encrypt(m, bits, rng), lut, server, scratch);
    const std::uint64_t got = client.decrypt(out, bits);
    if (got != table[m]) {
      ADD_FAILURE() << "input " << m << " gave " << got << ", want " << table[m];
      ++wrong;
    }
  }
  EXPECT_EQ(wrong, 0u);
}

}  // namespace
}  // namespace lutfhe
