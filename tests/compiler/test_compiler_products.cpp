// Encrypted × encrypted products (kMul, lowered by the two-squares identity) and loop-carried
// values (an output fed to the next evaluation's input without decryption): the identity on
// every pair of a range, range analysis, clear == simulate == execute (TOY) on products,
// carried ciphertexts through several evaluations equal to the simulator's carried integers,
// refusals, and server circuits of version 2 still read.
#include <gtest/gtest.h>

#include <algorithm>

#include "compiler/artifacts.hpp"
#include "compiler/client.hpp"
#include "compiler/compile.hpp"
#include "compiler/execute.hpp"
#include "compiler/fhe_plan.hpp"
#include "compiler/products.hpp"
#include "compiler/simulate.hpp"
#include "core/errors.hpp"
#include "tests/support/file_test_support.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe::testing {
namespace {

using namespace compiler;

CompileOptions toy_options(unsigned r) {
  CompileOptions o;
  o.parameters = find_parameter_set("TOY");
  o.rounding_bits = r;
  return o;
}

TEST(CompilerProducts, QuarterSquaresGiveEveryProduct) {
  for (std::int64_t x = -40; x <= 40; ++x) {
    for (std::int64_t y = -40; y <= 40; ++y) {
      ASSERT_EQ(quarter_square(x + y) - quarter_square(x - y), x * y) << x << " * " << y;
    }
  }
  EXPECT_EQ(quarter_square(-7), 12);
  EXPECT_EQ(quarter_square(6), 9);
}

TEST(CompilerProducts, ClearRangesAndLowering) {
  Circuit c;
  const NodeId x = c.input({3}, {-3, 5}, "x");
  const NodeId y = c.input({3}, {-7, 2}, "y");
  const NodeId p = c.mul(x, y, "p");
  c.mark_output(p);
  EXPECT_EQ(evaluate_clear(c, {{-3, 0, 5}, {-7, 2, 2}}), (std::vector<Tensor>{{21, 0, 10}}));
  EXPECT_EQ(worst_case_ranges(c, RoundingSemantics::kModel)[p], (Range{-35, 21}));
  const Circuit lowered = lower_products(c);
  EXPECT_FALSE(has_products(lowered));
  std::size_t lookups = 0;
  for (const Node& n : lowered.nodes()) lookups += n.op == OpKind::kLookup;
  EXPECT_EQ(lookups, 2u);
  // The planner refuses what was not lowered.
  EXPECT_THROW(plan_circuit(c, worst_case_ranges(c, RoundingSemantics::kModel), 6),
               InvalidArgument);
  Circuit bad;
  const NodeId a = bad.input({2}, {0, 1});
  EXPECT_THROW(bad.mul(a, bad.input({3}, {0, 1})), InvalidArgument);
}

TEST(CompilerProducts, ExecuteEqualsSimulateEqualsProduct) {
  const ParameterSet& toy = find_parameter_set("TOY");
  KeyBundle& keys = keys_for(toy, 7);
  const std::uint64_t seed = 1401;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  Circuit c;
  const NodeId x = c.input({6}, {-7, 7}, "x");
  const NodeId w = c.input({6}, {-8, 8}, "w");
  const NodeId p = c.mul(x, w, "xw");
  c.mark_output(p);
  c.mark_output(c.dense(p, 1, {1, 1, 1, 1, 1, 1}, {3}, "dot"));
  // x + w spans 5 bits: r = 5 reads the sums exactly, so the products are exact.
  const CompileResult r = compile(c, {}, toy_options(5));
  EXPECT_EQ(bootstrap_count(r.compiled), 12u) << r.report.text();
  const ClientSpec spec = make_client_spec(r.compiled);
  ServerEvaluator server(r.compiled, keys.server, 2);
  Simulator sim(r.compiled);
  auto enc = EncryptionRandomness::from_seed(test_seed(seed));
  for (int trial = 0; trial < 4; ++trial) {
    Sample s(2);
    for (int i = 0; i < 6; ++i) {
      s[0].push_back(static_cast<std::int64_t>(rng.below(15)) - 7);
      s[1].push_back(static_cast<std::int64_t>(rng.below(17)) - 8);
    }
    // Corners too: the extremes of both ranges.
    if (trial == 0) s = {{-7, -7, 7, 7, 0, 1}, {-8, 8, -8, 8, 0, -1}};
    const auto clear = evaluate_clear(c, s);
    EXPECT_EQ(sim.run(s), clear);
    EXPECT_EQ(
        decrypt_outputs(spec, keys.client, server.run(encrypt_sample(spec, keys.client, s, enc))),
        clear);
  }
}

// w ← clamp(w + x, −6, 6): the output is carried to the input, as a training step's weights.
Circuit counter_circuit() {
  Circuit c;
  const NodeId x = c.input({4}, {-3, 3}, "x");
  const NodeId w = c.input({4}, {-6, 6}, "w");
  const NodeId next = c.lookup(
      c.add(w, x, "sum"),
      LookupFunction::function([](std::int64_t v) { return std::clamp<std::int64_t>(v, -6, 6); },
                               "clamp to [-6, 6]"),
      "w_next");
  c.mark_output(next);
  c.carry(next, w);
  return c;
}

TEST(CompilerProducts, CarriedCiphertextsEqualCarriedIntegers) {
  const ParameterSet& toy = find_parameter_set("TOY");
  KeyBundle& keys = keys_for(toy, 7);
  const std::uint64_t seed = 1402;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  const Circuit c = counter_circuit();
  const CompileResult r = compile(c, {}, toy_options(5));
  const auto& plans = r.compiled.plans;
  const Carry carry = r.compiled.circuit.carries().at(0);
  EXPECT_EQ(plans[carry.input].scale_log2, plans[carry.output].scale_log2);
  EXPECT_EQ(plans[carry.input].noise.pbs, 1.0);  // accepts a bootstrap output
  const ClientSpec spec = make_client_spec(r.compiled);
  ServerEvaluator server(r.compiled, keys.server, 2);
  Simulator sim(r.compiled);
  auto enc = EncryptionRandomness::from_seed(test_seed(seed));
  Tensor w = {5, -5, 0, 2};
  EncryptedTensors w_ct = {encrypt_sample(spec, keys.client, {{0, 0, 0, 0}, w}, enc).at(1)};
  for (int step = 0; step < 6; ++step) {
    Tensor x;
    for (int i = 0; i < 4; ++i) x.push_back(static_cast<std::int64_t>(rng.below(7)) - 3);
    Tensor expected = w;
    for (int i = 0; i < 4; ++i) expected[i] = std::clamp<std::int64_t>(w[i] + x[i], -6, 6);
    w = sim.run({x, w}).at(0);
    ASSERT_EQ(w, expected) << "step " << step;
    EncryptedTensors in = encrypt_sample(spec, keys.client, {x, Tensor(4, 0)}, enc);
    in[1] = w_ct[0];
    w_ct = server.run(in);
    ASSERT_EQ(decrypt_outputs(spec, keys.client, w_ct).at(0), w) << "step " << step;
  }
}

TEST(CompilerProducts, CarryRefusals) {
  Circuit c;
  const NodeId x = c.input({2}, {-3, 3}, "x");
  const NodeId w = c.input({2}, {-2, 2}, "w");
  const NodeId sum = c.add(w, x);
  c.mark_output(sum);
  EXPECT_THROW(c.carry(sum, w), InvalidArgument);  // not a bootstrap output
  const NodeId next = c.lookup(
      sum, LookupFunction::function([](std::int64_t v) { return v; }, "identity"), "w_next");
  EXPECT_THROW(c.carry(next, w), InvalidArgument);  // not an output yet
  c.mark_output(next);
  EXPECT_THROW(c.carry(next, sum), InvalidArgument);  // not an input
  c.carry(next, w);
  EXPECT_THROW(c.carry(next, x), InvalidArgument);  // carried twice
  // The identity lets w + x leave w's range [−2, 2]: the planner refuses the carry.
  try {
    compile(c, {}, toy_options(5));
    ADD_FAILURE() << "a carry whose range leaves its input's was compiled";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("leaves the range"), std::string::npos) << e.what();
  }
}

TEST(CompilerProducts, ServerCircuitCarriesRoundTripAndVersionTwoIsRead) {
  TempDir dir("lutfhe-carry");
  const CompileResult carried = compile(counter_circuit(), {}, toy_options(5));
  save_server_circuit(dir / "carry.circuit", carried.compiled);
  const CompiledCircuit back = load_server_circuit(dir / "carry.circuit");
  EXPECT_EQ(back.circuit.carries(), carried.compiled.circuit.carries());

  Circuit plain;
  plain.mark_output(plain.lookup(plain.input({2}, {0, 3}),
                                 LookupFunction::function([](std::int64_t v) { return v; }, "id")));
  const CompileResult r = compile(plain, {}, toy_options(5));
  save_server_circuit(dir / "v3.circuit", r.compiled);
  SplitFile f = split_file(dir / "v3.circuit");
  // Version 2: the same payload without the trailing carry count (8 bytes, zero).
  ASSERT_EQ(f.payload[1], kArtifactVersion);
  ASSERT_EQ(kArtifactVersion, 3u);
  f.payload[1] = 2;
  f.payload.resize(f.payload.size() - 8);
  reframe(dir / "v2.circuit", f.header, f.payload);
  const CompiledCircuit v2 = load_server_circuit(dir / "v2.circuit");
  EXPECT_TRUE(v2.circuit.carries().empty());
  EXPECT_EQ(v2.circuit.size(), r.compiled.circuit.size());
  f.payload[1] = kArtifactVersion + 1;
  reframe(dir / "v9.circuit", f.header, f.payload);
  EXPECT_THROW(load_server_circuit(dir / "v9.circuit"), FileFormatError);
}

}  // namespace
}  // namespace lutfhe::testing
