// One semantics (compiler/README.md): with sound ranges, clear evaluation of the compiled
// circuit, simulate and execute agree on every input the client can send — inside or far outside
// the calibration data — and a circuit without lookups needs no bootstrapping key.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "compiler/artifacts.hpp"
#include "compiler/client.hpp"
#include "compiler/compile.hpp"
#include "compiler/server.hpp"
#include "compiler/simulate.hpp"
#include "core/client_key.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/file_format.hpp"
#include "tests/support/file_test_support.hpp"
#include "tests/support/random_circuits.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe::testing {
namespace {

using namespace compiler;

// Samples whose inputs stay in the lowest quarter of their range: a calibration set that the
// test inputs then leave far behind.
std::vector<Sample> narrow_samples(TestRng& rng, const Circuit& c, std::size_t count) {
  std::vector<Sample> out = random_samples(rng, c, count);
  for (Sample& s : out) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      const Range r = c.node(c.inputs()[i]).declared_range;
      const std::int64_t top = r.lo + (r.hi - r.lo) / 4;
      for (auto& v : s[i]) v = std::min(v, top);
    }
  }
  return out;
}

// Inputs at the ends of their declared range (where accumulators are most extreme) and random.
std::vector<Sample> far_samples(TestRng& rng, const Circuit& c, std::size_t count) {
  std::vector<Sample> out = random_samples(rng, c, count);
  for (std::size_t k = 0; k < out.size(); ++k) {
    for (std::size_t i = 0; i < out[k].size(); ++i) {
      const Range r = c.node(c.inputs()[i]).declared_range;
      for (std::size_t e = 0; e < out[k][i].size(); ++e) {
        if (k % 3 == 0) out[k][i][e] = (e % 2 == 0) ? r.hi : r.lo;
        if (k % 3 == 1) out[k][i][e] = (e % 2 == 0) ? r.lo : r.hi;
      }
    }
  }
  return out;
}

// The client/server chain under fresh keys (seeds `seed` and `seed + 1`), two threads: the
// decrypted results of every sample.
std::vector<std::vector<Tensor>> execute_samples(const CompiledCircuit& compiled,
                                                 const std::vector<Sample>& samples,
                                                 std::uint64_t seed) {
  const ClientSpec spec = make_client_spec(compiled);
  const ClientKey client(spec.params, test_seed(seed));
  EncryptionRandomness keygen_rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  const ServerKey key = generate_server_key_in_process(client, keygen_rng);
  CircuitServer server(compiled, key, 2);
  return decrypt_results(spec, client, server.evaluate(encrypt_quantized(spec, client, samples)));
}

TEST(CompilerSemantics, SoundRangesAgreeFarOutsideCalibration) {
  std::size_t compared = 0;
  std::size_t calibrated_wraps = 0;
  for (std::uint64_t seed = 11; seed <= 16; ++seed) {
    LUTFHE_TRACE_SEED(seed);
    TestRng rng(seed);
    RandomCircuitOptions o;
    o.inputs = 6;
    o.input_bits = 3;
    o.max_weight = 3;
    o.linear_output = seed % 2 == 0;
    const Circuit model = random_circuit(rng, o);
    const std::vector<Sample> calibration = narrow_samples(rng, model, 24);
    CompileOptions options;
    options.parameters = find_parameter_set("TOY");
    options.rounding_bits = 3;
    const CompileResult r = compile(model, calibration, options);
    options.range_mode = RangeMode::kCalibrated;
    options.headroom_bits = 0;
    const CompileResult calibrated = compile(model, calibration, options);
    Simulator sim(r.compiled);
    Simulator calibrated_sim(calibrated.compiled);
    for (const Sample& s : far_samples(rng, model, 60)) {
      EXPECT_EQ(sim.run(s), evaluate_clear(r.compiled.circuit, s, RoundingSemantics::kCompiled));
      ++compared;
      if (calibrated_sim.run(s) !=
          evaluate_clear(calibrated.compiled.circuit, s, RoundingSemantics::kCompiled)) {
        ++calibrated_wraps;
      }
    }
  }
  EXPECT_EQ(compared, 360u);
  // The same circuits with calibrated ranges and no headroom do wrap on these inputs: the
  // inputs do leave the calibrated ranges, and the sound ranges are what keeps them exact.
  EXPECT_GT(calibrated_wraps, 0u);
}

// The wrap a calibrated range allows, documented rather than hidden: some far-out input breaks
// the clear evaluation of the compiled circuit there, while simulate still equals execute.
TEST(CompilerSemantics, CalibratedRangesWrapOnlyBeyondTheirHeadroom) {
  TestRng rng(21);
  Circuit c;
  const NodeId x = c.input({4}, {0, 7}, "x");
  const NodeId h = c.dense(x, 1, {3, 3, 3, 3}, {0}, "acc");
  const NodeId y = c.lookup(h, LookupFunction::function([](std::int64_t v) { return v / 4; }, "q"));
  c.mark_output(y);
  std::vector<Sample> calibration;
  for (std::int64_t v = 0; v <= 2; ++v) calibration.push_back({{v, v, v, v}});  // acc in [0, 24]
  CompileOptions options;
  options.parameters = find_parameter_set("TOY");
  options.range_mode = RangeMode::kCalibrated;
  options.headroom_bits = 1;  // [-12, 36]
  const CompileResult r = compile(c, calibration, options);
  const Range widened = r.compiled.plans[h].range;
  EXPECT_EQ(widened.lo, 0);  // capped at the worst case: the weights and inputs are positive
  EXPECT_GE(widened.hi, 36);
  EXPECT_LT(widened.hi, 84);  // narrower than the worst case
  Simulator sim(r.compiled);
  // Inside the headroom (acc = 36): the model's answer.
  EXPECT_EQ(sim.run({{3, 3, 3, 3}}),
            evaluate_clear(r.compiled.circuit, {{3, 3, 3, 3}}, RoundingSemantics::kCompiled));
  // The sound default compiles the same circuit to agree everywhere.
  options.range_mode = RangeMode::kSound;
  const CompileResult sound = compile(c, calibration, options);
  Simulator sound_sim(sound.compiled);
  EXPECT_EQ(sound_sim.run({{7, 7, 7, 7}}),
            evaluate_clear(sound.compiled.circuit, {{7, 7, 7, 7}}, RoundingSemantics::kCompiled));
}

// A random circuit of `inputs` 3-bit inputs (weights up to 3) compiled for TOY to 3-bit
// tables on narrow calibration samples, with a client key from test_seed(seed) and a server key
// from test_seed(seed + 1). Draws from `rng` in the order circuit, then calibration.
struct ToyCircuitWithKeys {
  ToyCircuitWithKeys(TestRng& rng, std::size_t inputs, std::uint64_t seed)
      : model(make_model(rng, inputs)),
        r(compile_for_toy(model, rng)),
        spec(make_client_spec(r.compiled)),
        client(spec.params, test_seed(seed)),
        key(make_server_key(client, seed + 1)) {}

  Circuit model;
  CompileResult r;
  ClientSpec spec;
  ClientKey client;
  ServerKey key;

 private:
  static Circuit make_model(TestRng& rng, std::size_t inputs) {
    RandomCircuitOptions o;
    o.inputs = inputs;
    o.input_bits = 3;
    o.max_weight = 3;
    return random_circuit(rng, o);
  }
  static CompileResult compile_for_toy(const Circuit& model, TestRng& rng) {
    CompileOptions options;
    options.parameters = find_parameter_set("TOY");
    options.rounding_bits = 3;
    return compile(model, narrow_samples(rng, model, 16), options);
  }
  static ServerKey make_server_key(const ClientKey& client, std::uint64_t seed) {
    EncryptionRandomness keygen_rng = EncryptionRandomness::from_seed(test_seed(seed));
    return generate_server_key_in_process(client, keygen_rng);
  }
};

// Execute equals simulate and the compiled clear evaluation on inputs far outside calibration.
TEST(CompilerSemantics, ExecuteAgreesFarOutsideCalibration) {
  TestRng rng(31);
  const ToyCircuitWithKeys t(rng, 5, 31);
  const auto& [model, r, spec, client, key] = t;
  CircuitServer server(r.compiled, key, 2);
  Simulator sim(r.compiled);
  const std::vector<Sample> samples = far_samples(rng, model, 6);
  const auto results =
      decrypt_results(spec, client, server.evaluate(encrypt_quantized(spec, client, samples)));
  ASSERT_EQ(results.size(), samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    EXPECT_EQ(results[i], sim.run(samples[i])) << "sample " << i;
    EXPECT_EQ(results[i],
              evaluate_clear(r.compiled.circuit, samples[i], RoundingSemantics::kCompiled))
        << "sample " << i;
  }
}

// A batch is evaluated side by side (one thread per sample) when it has at least as many
// samples as threads, and the remainder one sample at a time over all threads: the result
// ciphertexts are the same bytes with 1, 2 and 3 threads, and every bootstrap is counted.
TEST(CompilerSemantics, BatchIsTheSameWithAnyThreadCount) {
  TestRng rng(37);
  const ToyCircuitWithKeys t(rng, 4, 37);
  const auto& [model, r, spec, client, key] = t;
  const std::vector<Sample> samples = far_samples(rng, model, 5);  // 2 rounds of 2, then 1
  const CiphertextBatch in = encrypt_quantized(spec, client, samples);
  CircuitServer one(r.compiled, key, 1);
  const CiphertextBatch expected = one.evaluate(in);
  ASSERT_GT(one.stats().bootstraps, 0u);
  for (int threads : {2, 3}) {
    CircuitServer server(r.compiled, key, threads);
    std::size_t last_done = 0;
    const CiphertextBatch got = server.evaluate(in, [&](std::size_t done, std::size_t total) {
      EXPECT_EQ(done, last_done + 1);
      EXPECT_EQ(total, samples.size());
      last_done = done;
    });
    EXPECT_EQ(last_done, samples.size());
    EXPECT_EQ(server.stats().bootstraps, one.stats().bootstraps) << threads << " threads";
    ASSERT_EQ(got.ciphertexts.size(), expected.ciphertexts.size());
    for (std::size_t i = 0; i < got.ciphertexts.size(); ++i) {
      ASSERT_EQ(got.ciphertexts[i], expected.ciphertexts[i]) << threads << " threads, value " << i;
    }
  }
  const auto results = decrypt_results(spec, client, expected);
  Simulator sim(r.compiled);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    EXPECT_EQ(results[i], sim.run(samples[i])) << "sample " << i;
  }
}

// File to file, a chunk of samples at a time (the service's jobs and `lutfhe run`): the same
// bytes as the whole batch in memory for every chunk size, from a seeded input whose masks are
// expanded chunk by chunk; progress counts every sample once, in order. An input under another
// key is refused before anything is evaluated, and no result file is left.
TEST(CompilerSemantics, FileEvaluationInChunksIsTheWholeBatch) {
  TestRng rng(41);
  const ToyCircuitWithKeys t(rng, 4, 41);
  const auto& [model, r, spec, client, key] = t;
  const std::vector<Sample> samples = far_samples(rng, model, 5);
  const CiphertextBatch in = encrypt_quantized(spec, client, samples);
  TempDir dir("file-eval");
  save_ciphertexts((dir / "in.ct"), in, /*seeded=*/true);
  CircuitServer whole(r.compiled, key, 2);
  const CiphertextBatch expected = whole.evaluate(load_ciphertexts((dir / "in.ct")));
  for (std::size_t chunk : {1u, 2u, 0u}) {
    CircuitServer server(r.compiled, key, 2);
    std::size_t last_done = 0;
    const std::size_t n = server.evaluate_file(
        (dir / "in.ct"), (dir / "out.ct"), chunk, [&](std::size_t done, std::size_t total) {
          EXPECT_EQ(done, last_done + 1) << "chunk " << chunk;
          EXPECT_EQ(total, samples.size());
          last_done = done;
        });
    EXPECT_EQ(n, samples.size());
    EXPECT_EQ(last_done, samples.size());
    EXPECT_EQ(server.stats().bootstraps, whole.stats().bootstraps) << "chunk " << chunk;
    const CiphertextBatch got = load_ciphertexts((dir / "out.ct"));
    EXPECT_EQ(got.key_id, expected.key_id);
    ASSERT_EQ(got.ciphertexts.size(), expected.ciphertexts.size()) << "chunk " << chunk;
    for (std::size_t i = 0; i < got.ciphertexts.size(); ++i) {
      ASSERT_EQ(got.ciphertexts[i], expected.ciphertexts[i])
          << "chunk " << chunk << ", value " << i;
    }
  }
  const auto results = decrypt_results(spec, client, load_ciphertexts((dir / "out.ct")));
  Simulator sim(r.compiled);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    EXPECT_EQ(results[i], sim.run(samples[i])) << "sample " << i;
  }

  const ClientKey other(spec.params, test_seed(4100));
  save_ciphertexts((dir / "other.ct"), encrypt_quantized(spec, other, samples), true);
  CircuitServer server(r.compiled, key, 2);
  EXPECT_THROW(server.evaluate_file((dir / "other.ct"), (dir / "refused.ct")), KeyMismatch);
  EXPECT_FALSE(std::filesystem::exists((dir / "refused.ct")));
  EXPECT_EQ(server.stats().bootstraps, 0u);
}

// Per-channel ranges: a lookup with one function per channel whose channels have very different
// accumulator widths rounds each channel by its own amount, so the narrow channels keep their
// precision; simulate, execute and the compiled clear evaluation still agree value by value.
TEST(CompilerSemantics, PerChannelRangesRoundEachChannelByItsOwnWidth) {
  TestRng rng(81);
  Circuit c;
  const NodeId x = c.input({4}, {0, 7}, "x");
  // Channel 0 narrow (weights ±1), channel 1 wide (weights ±40), channel 2 in between.
  const NodeId h = c.dense(x, 3, {1, -1, 1, 1, 40, -40, 37, 40, 5, 6, -5, 7}, {0, 0, 0}, "acc");
  std::vector<LookupFunction> per_channel;
  for (int ch = 0; ch < 3; ++ch) {
    per_channel.push_back(LookupFunction::function(
        [](std::int64_t v) { return std::max<std::int64_t>(v, 0); }, "relu" + std::to_string(ch)));
  }
  c.mark_output(c.lookup(h, per_channel, "act"));
  CompileOptions options;
  options.parameters = find_parameter_set("TOY");
  options.rounding_bits = 3;
  const CompileResult per = compile(c, {}, options);
  options.per_channel_ranges = false;
  const CompileResult tensor = compile(c, {}, options);
  const Node& lookup = per.compiled.circuit.node(per.compiled.circuit.outputs()[0]);
  ASSERT_EQ(lookup.channel_round_bits.size(), 3u);
  EXPECT_LT(lookup.channel_round_bits[0], lookup.channel_round_bits[1]);
  EXPECT_LT(lookup.channel_round_bits[2], lookup.channel_round_bits[1]);
  EXPECT_TRUE(tensor.compiled.circuit.node(tensor.compiled.circuit.outputs()[0])
                  .channel_round_bits.empty());

  // Every input of the declared range: the per-channel circuit is never further from the model
  // than the per-tensor one, and strictly closer in total.
  std::vector<Sample> all;
  for (int v = 0; v < 4096; v += 7) {
    all.push_back({{v & 7, (v >> 3) & 7, (v >> 6) & 7, (v >> 9) & 7}});
  }
  std::int64_t per_error = 0;
  std::int64_t tensor_error = 0;
  for (const Sample& s : all) {
    const auto model = evaluate_clear(c, s);
    const auto a = evaluate_clear(per.compiled.circuit, s, RoundingSemantics::kCompiled);
    const auto b = evaluate_clear(tensor.compiled.circuit, s, RoundingSemantics::kCompiled);
    for (std::size_t e = 0; e < 3; ++e) {
      per_error += std::abs(a[0][e] - model[0][e]);
      tensor_error += std::abs(b[0][e] - model[0][e]);
    }
  }
  EXPECT_LT(per_error, tensor_error);

  // Simulate and execute equal the compiled clear evaluation, per channel.
  Simulator sim(per.compiled);
  std::vector<Sample> samples = far_samples(rng, c, 6);
  samples.push_back({{7, 0, 7, 0}});
  samples.push_back({{0, 7, 0, 7}});
  const auto results = execute_samples(per.compiled, samples, 82);
  ASSERT_EQ(results.size(), samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto expected =
        evaluate_clear(per.compiled.circuit, samples[i], RoundingSemantics::kCompiled);
    EXPECT_EQ(sim.run(samples[i]), expected) << "sample " << i;
    EXPECT_EQ(results[i], expected) << "sample " << i;
  }

  // The per-channel rounding survives the artifacts.
  TempDir dir("lutfhe-per-channel");
  save_server_circuit(dir / "c.circuit", per.compiled);
  const CompiledCircuit loaded = load_server_circuit(dir / "c.circuit");
  EXPECT_EQ(loaded.circuit.node(loaded.circuit.outputs()[0]).channel_round_bits,
            lookup.channel_round_bits);
  Simulator loaded_sim(loaded);
  for (const Sample& s : samples) EXPECT_EQ(loaded_sim.run(s), sim.run(s));
}

// Channels of equal, narrow widths shifted apart by their biases: their union needs more bits
// than the table reads, each channel alone none. Each channel is offset by its own range, so no
// channel rounds and the lookup takes one bootstrap per value (per tensor it would round and
// take a truncation chain); the results are the model's exactly, in every evaluator.
TEST(CompilerSemantics, ChannelsShiftedByTheirBiasesAreNotRounded) {
  TestRng rng(84);
  Circuit c;
  const NodeId x = c.input({2}, {0, 3}, "x");
  const NodeId h = c.dense(x, 3, {1, -1, 1, 1, -1, 0}, {0, 100, -60}, "acc");
  std::vector<LookupFunction> per_channel;
  for (int ch = 0; ch < 3; ++ch) {
    per_channel.push_back(LookupFunction::function([ch](std::int64_t v) { return (v + ch) % 5; },
                                                   "f" + std::to_string(ch)));
  }
  c.mark_output(c.lookup(h, per_channel, "act"));
  CompileOptions options;
  options.parameters = find_parameter_set("TOY");
  options.rounding_bits = 3;
  const CompileResult per = compile(c, {}, options);
  const Node& lookup = per.compiled.circuit.node(per.compiled.circuit.outputs()[0]);
  EXPECT_EQ(lookup.round_bits, 0u);
  EXPECT_EQ(lookup.channel_round_bits, (std::vector<unsigned>{0, 0, 0}));
  EXPECT_EQ(bootstrap_count(per.compiled), 3u);
  options.per_channel_ranges = false;
  const CompileResult tensor = compile(c, {}, options);
  EXPECT_GT(tensor.compiled.circuit.node(tensor.compiled.circuit.outputs()[0]).round_bits, 0u);
  EXPECT_GT(bootstrap_count(tensor.compiled), 3u);

  Simulator sim(per.compiled);
  std::vector<Sample> samples;
  for (std::int64_t v = 0; v < 16; ++v) samples.push_back({{v & 3, v >> 2}});
  const auto results = execute_samples(per.compiled, samples, 85);
  ASSERT_EQ(results.size(), samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto model = evaluate_clear(c, samples[i]);
    EXPECT_EQ(evaluate_clear(per.compiled.circuit, samples[i], RoundingSemantics::kCompiled), model)
        << "sample " << i;
    EXPECT_EQ(sim.run(samples[i]), model) << "sample " << i;
    EXPECT_EQ(results[i], model) << "sample " << i;
  }
}

// A linear model: no lookup, so no bootstrapping key; parameters chosen for fresh noise only.
TEST(CompilerLinear, NoLookupsNeedNoBootstrappingKey) {
  TestRng rng(41);
  Circuit c;
  const NodeId x = c.input({30}, {0, 63}, "x");
  std::vector<std::int64_t> w(60);
  for (auto& v : w) v = static_cast<std::int64_t>(rng.below(255)) - 127;
  const NodeId y = c.dense(x, 2, w, {1000, -1000}, "logits");
  c.mark_output(y);
  const std::vector<Sample> calibration = narrow_samples(rng, c, 20);
  const CompileResult r = compile(c, calibration);
  EXPECT_EQ(bootstrap_count(r.compiled), 0u);
  EXPECT_EQ(r.report.bootstraps, 0u);
  EXPECT_EQ(r.compiled.params.name.rfind("LINEAR-", 0), 0u) << r.compiled.params.name;
  EXPECT_EQ(r.report.text().find("ms per KS-PBS"), std::string::npos);
  const ClientSpec spec = make_client_spec(r.compiled);
  EXPECT_FALSE(spec.needs_bootstrapping);

  TempDir dir("lutfhe-linear");
  save_client_spec(dir / "client.spec", spec);
  EXPECT_FALSE(load_client_spec(dir / "client.spec").needs_bootstrapping);
  const ClientKey client(spec.params, test_seed(42));
  const EvaluationKey eval = generate_evaluation_key(client, {}, false);
  EXPECT_FALSE(eval.has_bootstrapping());
  save_evaluation_key(dir / "eval.key", eval, false);
  EXPECT_LT(std::filesystem::file_size(dir / "eval.key"), 4096u);
  EXPECT_TRUE(read_file_header(dir / "eval.key").flags & kFlagNoBootstrapping);
  const ServerKey key = load_server_key(dir / "eval.key");
  EXPECT_FALSE(key.can_bootstrap());

  CircuitServer server(r.compiled, key, 2);
  const std::vector<Sample> samples = far_samples(rng, c, 9);  // far from the calibration
  const auto results =
      decrypt_results(spec, client, server.evaluate(encrypt_quantized(spec, client, samples)));
  for (std::size_t i = 0; i < samples.size(); ++i) {
    EXPECT_EQ(results[i], evaluate_clear(c, samples[i])) << "sample " << i;
  }
}

TEST(CompilerLinear, BootstrappingCircuitRefusesAKeyWithoutBootstrapping) {
  TestRng rng(51);
  const Circuit model = random_circuit(rng, {});
  CompileOptions options;
  options.parameters = find_parameter_set("TOY");
  const CompileResult r = compile(model, {}, options);
  ASSERT_GT(bootstrap_count(r.compiled), 0u);
  const ClientKey client(r.compiled.params, test_seed(52));
  const ServerKey key(generate_evaluation_key(client, {}, false));
  EXPECT_THROW(CircuitServer(r.compiled, key, 1), KeyMismatch);
}

// Client specs of version 1 (before needs_bootstrapping) are still read, as needing a key.
TEST(CompilerLinear, VersionOneClientSpecIsRead) {
  TestRng rng(61);
  Circuit c;
  c.mark_output(c.dense(c.input({2}, {0, 3}), 1, {1, 2}, {0}));
  const CompileResult r = compile(c, {});
  ClientSpec spec = make_client_spec(r.compiled);
  ASSERT_FALSE(spec.needs_bootstrapping);
  TempDir dir("lutfhe-spec-v1");
  save_client_spec(dir / "v2.spec", spec);
  SplitFile f = split_file(dir / "v2.spec");
  // Version 1: the same payload without the trailing flag, version field (after the cereal
  // endianness byte) 1.
  ASSERT_EQ(f.payload[1], kArtifactVersion);
  f.payload[1] = 1;
  f.payload.pop_back();
  reframe(dir / "v1.spec", f.header, f.payload);
  const ClientSpec v1 = load_client_spec(dir / "v1.spec");
  EXPECT_TRUE(v1.needs_bootstrapping);
  EXPECT_EQ(v1.inputs, spec.inputs);
  // A version this lutfhe does not know is refused.
  f.payload[1] = kArtifactVersion + 1;
  reframe(dir / "v9.spec", f.header, f.payload);
  EXPECT_THROW(load_client_spec(dir / "v9.spec"), FileFormatError);
}

TEST(CompilerLinear, EvaluationKeyWithoutBootstrappingHasNoSeededForm) {
  TempDir dir("lutfhe-nobsk");
  const ClientKey client(find_parameter_set("TOY"), test_seed(71));
  save_evaluation_key(dir / "eval.key", generate_evaluation_key(client, {}, false), false);
  SplitFile f = split_file(dir / "eval.key");
  f.header.flags |= kFlagSeeded;
  reframe(dir / "both.key", f.header, f.payload);
  EXPECT_THROW(load_server_key(dir / "both.key"), FileFormatError);
  EXPECT_THROW(load_evaluation_key(dir / "both.key"), FileFormatError);
}

}  // namespace
}  // namespace lutfhe::testing
