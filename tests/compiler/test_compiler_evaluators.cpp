// Evaluators: the clear oracle on hand-computed numbers, the simulator against the integer
// semantics on random circuits, and encrypted execution (TOY parameters) against both.
#include <gtest/gtest.h>

#include "compiler/client.hpp"
#include "compiler/compile.hpp"
#include "compiler/execute.hpp"
#include "compiler/simulate.hpp"
#include "tests/support/random_circuits.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe::testing {
namespace {

using namespace compiler;

CompileOptions toy_options(std::optional<unsigned> r) {
  CompileOptions o;
  o.parameters = find_parameter_set("TOY");
  o.rounding_bits = r;
  return o;
}

bool has_rounding(const CompiledCircuit& c) {
  for (NodeId i = 0; i < c.circuit.size(); ++i) {
    if (c.plans[i].live && c.circuit.node(i).op == OpKind::kLookup && c.plans[i].lookup.round_bits)
      return true;
  }
  return false;
}

TEST(CompilerClear, HandComputedMlp) {
  // x = [1, 2, 3] → dense [[1, −1, 2], [0, 3, −2]] + [1, −4] = [1−2+6+1, 6−6−4] = [6, −4]
  // → relu → [6, 0] → dense [[2, 1]] + [−3] = [9].
  Circuit c;
  const NodeId x = c.input({3}, {0, 3}, "x");
  const NodeId h = c.dense(x, 2, {1, -1, 2, 0, 3, -2}, {1, -4}, "fc1");
  const NodeId a =
      c.lookup(h, LookupFunction::function([](std::int64_t v) { return v > 0 ? v : 0; }, "relu"));
  const NodeId y = c.dense(a, 1, {2, 1}, {-3}, "fc2");
  c.mark_output(y);
  const auto out = evaluate_clear(c, {{1, 2, 3}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (Tensor{9}));
  const auto all = evaluate_all(c, {{1, 2, 3}}, RoundingSemantics::kModel);
  EXPECT_EQ(all[h], (Tensor{6, -4}));
  EXPECT_EQ(all[a], (Tensor{6, 0}));
}

TEST(CompilerClear, ConvPoolRoundAndTables) {
  // A 1×3×3 image, a 2×2 kernel, stride 1, no padding → 1×2×2, then a 2×2 sum pool → 1×1×1.
  Circuit c;
  const NodeId x = c.input({1, 3, 3}, {0, 9}, "img");
  const NodeId conv = c.conv2d(x, 1, {1, 0, 0, -1}, {2}, Conv2dAttributes{2, 2, 1, 1, 0, 0});
  const NodeId pool = c.sum_pool2d(conv, PoolAttributes{2, 2, 2, 2});
  const NodeId r = c.round(pool, 2);
  const NodeId t = c.lookup(r, LookupFunction::table(-2, {10, 20, 30}));
  c.mark_output(conv);
  c.mark_output(pool);
  c.mark_output(r);
  c.mark_output(t);
  // img = 1 2 3 / 4 5 6 / 7 8 9: conv = x[y][x] − x[y+1][x+1] + 2 = −4 + 2 = −2 everywhere.
  const auto out = evaluate_clear(c, {{1, 2, 3, 4, 5, 6, 7, 8, 9}});
  EXPECT_EQ(out[0], (Tensor{-2, -2, -2, -2}));
  EXPECT_EQ(out[1], (Tensor{-8}));
  EXPECT_EQ(out[2], (Tensor{-2}));  // floor((−8 + 2) / 4) = −2
  EXPECT_EQ(out[3], (Tensor{10}));  // table at −2 → first entry
  EXPECT_EQ(round_bits(5, 1), 3);   // 2.5 rounds half up
  EXPECT_EQ(round_bits(-5, 1), -2);
  EXPECT_EQ(round_bits(-6, 2), -1);  // −1.5 → −1
}

TEST(CompilerSimulate, EqualsClearWithoutRounding) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    LUTFHE_TRACE_SEED(seed);
    TestRng rng(seed);
    RandomCircuitOptions o;
    o.linear_output = seed % 3 == 0;
    const Circuit c = random_circuit(rng, o);
    const auto samples = random_samples(rng, c, 12);
    const CompileResult r = compile(c, samples, toy_options(12));
    ASSERT_FALSE(has_rounding(r.compiled)) << r.report.text();
    Simulator sim(r.compiled);
    for (const auto& s : samples) EXPECT_EQ(sim.run(s), evaluate_clear(c, s));
  }
}

TEST(CompilerSimulate, EqualsRoundedSemantics) {
  std::size_t rounded = 0;
  for (std::uint64_t seed = 100; seed < 140; ++seed) {
    LUTFHE_TRACE_SEED(seed);
    TestRng rng(seed);
    RandomCircuitOptions o;
    o.inputs = 6;
    o.input_bits = 3;
    o.max_weight = 3;
    o.linear_output = seed % 4 == 0;
    const Circuit c = random_circuit(rng, o);
    const auto samples = random_samples(rng, c, 16);
    const bool calibrated = seed % 2 == 0;
    const std::span<const Sample> calibration =
        calibrated ? std::span<const Sample>(samples) : std::span<const Sample>();
    const CompileResult r = compile(c, calibration, toy_options(2 + seed % 3));
    rounded += has_rounding(r.compiled);
    Simulator sim(r.compiled);
    for (const auto& s : samples) {
      EXPECT_EQ(sim.run(s), evaluate_clear(r.compiled.circuit, s, RoundingSemantics::kCompiled));
    }
  }
  EXPECT_GT(rounded, 20u);
}

TEST(CompilerExecuteToy, EqualsSimulateAndClear) {
  const ParameterSet& toy = find_parameter_set("TOY");
  KeyBundle& keys = keys_for(toy, 7);
  std::size_t checked_rounded = 0;
  for (std::uint64_t seed = 300; seed < 306; ++seed) {
    LUTFHE_TRACE_SEED(seed);
    TestRng rng(seed);
    const bool round = seed % 3 != 0;
    RandomCircuitOptions o;
    if (round) {
      o.inputs = 5;
      o.input_bits = 3;
      o.max_weight = 3;
    }
    o.linear_output = seed % 2 == 0;
    const Circuit c = random_circuit(rng, o);
    const auto samples = random_samples(rng, c, 3);
    const CompileResult r = compile(c, samples, toy_options(round ? 2 : 12));
    const ClientSpec spec = make_client_spec(r.compiled);
    ServerEvaluator server(r.compiled, keys.server, 2);
    Simulator sim(r.compiled);
    auto enc = EncryptionRandomness::from_seed(test_seed(seed));
    for (const auto& s : samples) {
      const auto expected = sim.run(s);
      const auto got =
          decrypt_outputs(spec, keys.client, server.run(encrypt_sample(spec, keys.client, s, enc)));
      EXPECT_EQ(got, expected) << r.report.text();
      if (!has_rounding(r.compiled)) {
        EXPECT_EQ(got, evaluate_clear(c, s));
      }
    }
    checked_rounded += has_rounding(r.compiled);
  }
  EXPECT_GE(checked_rounded, 2u);
}

TEST(CompilerExecuteToy, WideAccumulatorManyChunks) {
  // ~20-bit accumulators read by 3-bit tables: 16 rounding bits in four 4-bit chunks.
  const ParameterSet& toy = find_parameter_set("TOY");
  KeyBundle& keys = keys_for(toy, 7);
  const std::uint64_t seed = 600;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  Circuit c;
  const NodeId x = c.input({16}, {0, 255}, "x");
  std::vector<std::int64_t> w(4 * 16);
  for (auto& v : w) v = static_cast<std::int64_t>(rng.below(201)) - 100;
  const NodeId acc = c.dense(x, 4, w, {5, -7, 1000, -3});
  c.mark_output(
      c.lookup(acc, LookupFunction::function([](std::int64_t v) { return v / 4096; }, "v/4096")));
  const auto samples = random_samples(rng, c, 24);
  const CompileResult r = compile(c, samples, toy_options(3));
  const LookupPlan& lp = r.compiled.plans[r.compiled.circuit.outputs()[0]].lookup;
  EXPECT_GE(lp.chunks.size(), 4u) << r.report.text();
  Simulator sim(r.compiled);
  for (const auto& s : samples) {
    EXPECT_EQ(sim.run(s), evaluate_clear(r.compiled.circuit, s, RoundingSemantics::kCompiled));
  }
  const ClientSpec spec = make_client_spec(r.compiled);
  ServerEvaluator server(r.compiled, keys.server, 2);
  auto enc = EncryptionRandomness::from_seed(test_seed(seed));
  for (std::size_t i = 0; i < 2; ++i) {
    const auto got = decrypt_outputs(
        spec, keys.client, server.run(encrypt_sample(spec, keys.client, samples[i], enc)));
    EXPECT_EQ(got, sim.run(samples[i]));
  }
}

TEST(CompilerExecuteToy, ApproximateRoundingWithinOneStep) {
  // x (8 values of 4 bits) → dense → lookup j ↦ j read approximately at 3 bits.
  const ParameterSet& toy = find_parameter_set("TOY");
  KeyBundle& keys = keys_for(toy, 7);
  const std::uint64_t seed = 500;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  Circuit c;
  const NodeId x = c.input({8}, {0, 15}, "x");
  std::vector<std::int64_t> w(8 * 8);
  for (auto& v : w) v = static_cast<std::int64_t>(rng.below(7)) - 3;
  const NodeId acc = c.dense(x, 8, w, std::vector<std::int64_t>(8, 0));
  c.mark_output(c.lookup(acc, LookupFunction::function([](std::int64_t v) { return v; }, "id")));
  const auto samples = random_samples(rng, c, 6);
  CompileOptions o = toy_options(3);
  o.rounding_mode = RoundingMode::kApproximate;
  const CompileResult r = compile(c, samples, o);
  ASSERT_TRUE(has_rounding(r.compiled));
  const NodeId lookup_id = r.compiled.circuit.outputs()[0];
  const std::int64_t step = std::int64_t{1} << r.compiled.plans[lookup_id].lookup.round_bits;
  EXPECT_EQ(bootstrap_count(r.compiled), 8u);  // one bootstrap per lookup, no truncation
  const ClientSpec spec = make_client_spec(r.compiled);
  ServerEvaluator server(r.compiled, keys.server, 2);
  Simulator sim(r.compiled);
  auto enc = EncryptionRandomness::from_seed(test_seed(seed));
  std::size_t same = 0;
  std::size_t total = 0;
  for (const auto& s : samples) {
    const auto expected = sim.run(s);
    const auto clear = evaluate_clear(c, s);
    const auto got =
        decrypt_outputs(spec, keys.client, server.run(encrypt_sample(spec, keys.client, s, enc)));
    for (std::size_t i = 0; i < got[0].size(); ++i) {
      EXPECT_LE(std::abs(got[0][i] - expected[0][i]), step);
      EXPECT_LE(std::abs(expected[0][i] - clear[0][i]), step / 2);  // rounding to the nearest step
      same += got[0][i] == expected[0][i];
      ++total;
    }
  }
  EXPECT_GE(same * 100, total * 95);
}

}  // namespace
}  // namespace lutfhe::testing
