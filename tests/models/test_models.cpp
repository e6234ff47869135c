// The model file (parse, round trip, errors), lowering of the example models against numbers
// computed by hand, and compiled example models run encrypted (TOY).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "compiler/client.hpp"
#include "compiler/compile.hpp"
#include "compiler/execute.hpp"
#include "compiler/simulate.hpp"
#include "models/lowering.hpp"
#include "models/model_file.hpp"
#include "models/samples.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe::testing {
namespace {

using namespace compiler;
using namespace models;

const std::filesystem::path kExamples =
    std::filesystem::path(LUTFHE_SOURCE_DIR) / "examples/models";

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void expect_model_error(const std::string& json, const std::string& fragment) {
  try {
    parse_model_json(json, "test.json");
    ADD_FAILURE() << "no error; expected one mentioning '" << fragment << "'";
  } catch (const ModelFormatError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

TEST(ModelFile, ExamplesRoundTrip) {
  for (const char* name : {"tiny_mlp.json", "tiny_conv.json"}) {
    SCOPED_TRACE(name);
    const QuantizedModel m = load_model(kExamples / name);
    const std::string json = model_to_json(m);
    const QuantizedModel again = parse_model_json(json);
    EXPECT_EQ(model_to_json(again), json);
    EXPECT_EQ(again.layers.size(), m.layers.size());
    const auto dir = std::filesystem::temp_directory_path() / "lutfhe_model_roundtrip";
    std::filesystem::create_directories(dir);
    save_model(dir / name, m);
    EXPECT_EQ(model_to_json(load_model(dir / name)), json);
  }
}

TEST(ModelFile, RefusesBadFiles) {
  const std::string good = read_text(kExamples / "tiny_mlp.json");
  expect_model_error("{", "not valid JSON");
  expect_model_error(replace(good, "lutfhe-quantized-model", "other"), "format");
  expect_model_error(replace(good, "\"version\": 1", "\"version\": 9"), "version 9");
  expect_model_error(replace(good, "\"relu\"", "\"swish\""), "layers[0].activation");
  expect_model_error(replace(good, "\"units\": 3", "\"units\": 3, \"unit\": 3"),
                     "unknown field 'unit'");
  expect_model_error(replace(good, "[ 2,  1, -1,  0]", "[ 2,  1, -1]"), "layers[0].weights[1]");
  expect_model_error(replace(good, "[ 1, -2,  0,  3]", "[ 1, -9,  0,  3]"),
                     "does not fit 3 signed bits");
  expect_model_error(replace(good, "\"bias\": [2, -1, 0]", "\"bias\": [2, -1]"), "layers[0].bias");
  expect_model_error(replace(good, "\"weight_scale\": 0.5", "\"weight_scale\": -0.5"), "scale");
}

TEST(ModelLowering, TinyMlpByHand) {
  const QuantizedModel m = load_model(kExamples / "tiny_mlp.json");
  const LoweredModel low = lower_model(m);
  // Real input [1, 0.5, 0.25, 2] at scale 0.25 → [4, 2, 1, 8].
  const Sample x = quantize_input(m, {1.0, 0.5, 0.25, 2.0});
  EXPECT_EQ(x[0], (Tensor{4, 2, 1, 8}));
  // fc1: [4−4+24+2, 8+2−1−1, −12+2+8] = [26, 8, −2]; real ×0.125 = [3.25, 1, −0.25];
  // relu /0.5 = [6.5, 2, 0] → round half away → [7, 2, 0].
  // fc2: [7−2+0+1, −14+6+0] = [6, −8], dequantized ×0.125 = [0.75, −1].
  const auto all = evaluate_all(low.circuit, x, RoundingSemantics::kModel);
  EXPECT_EQ(all[1], (Tensor{26, 8, -2}));
  EXPECT_EQ(all[2], (Tensor{7, 2, 0}));
  const auto out = evaluate_clear(low.circuit, x);
  EXPECT_EQ(out[0], (Tensor{6, -8}));
  EXPECT_DOUBLE_EQ(low.output_quantization.scale, 0.125);
  EXPECT_EQ(low.output_quantization.zero_point, 0);
}

TEST(ModelLowering, TinyConvByHand) {
  const QuantizedModel m = load_model(kExamples / "tiny_conv.json");
  const LoweredModel low = lower_model(m);
  // All pixels 1.0 → 3. Filter 0: 3−3+0+3 = 3, ×(1/6) = 0.5 → /0.25 = 2; filter 1:
  // −3+0+3+3+1 = 4 → 2/3 → 2.67 → 3 (clamped to 2 bits: 3). Average pool (a sum of 4):
  // [8, 8, 8, 8, 12, 12, 12, 12]; fc: [8, 12+1, 16−1].
  const Sample x = quantize_input(m, std::vector<double>(16, 1.0));
  const auto out = evaluate_clear(low.circuit, x);
  EXPECT_EQ(out[0], (Tensor{8, 13, 15}));
  EXPECT_DOUBLE_EQ(low.output_quantization.scale, 0.25 / 4.0);
}

std::vector<Sample> grid_samples(const QuantizedModel& m, std::size_t count, std::uint64_t seed) {
  TestRng rng(seed);
  std::vector<Sample> out;
  for (std::size_t i = 0; i < count; ++i) {
    compiler::Tensor t(element_count(m.input_shape));
    for (auto& v : t)
      v = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(m.input.max() + 1)));
    out.push_back({t});
  }
  return out;
}

// A layer with one weight scale still gets one lookup function per unit, so that the compiler
// can offset and round each unit by its own range (the units' biases shift their accumulators
// apart; tiny_mlp's fc1 spans [-45, 62] as a tensor): with r = 5, some unit rounds fewer bits
// than the tensor would.
TEST(ModelLowering, OneWeightScaleStillRoundsPerUnit) {
  const QuantizedModel m = load_model(kExamples / "tiny_mlp.json");
  const LoweredModel low = lower_model(m);
  const NodeId act = low.circuit.node(low.circuit.outputs()[0]).inputs[0];
  const NodeId lookup =
      low.circuit.node(act).op == OpKind::kLookup ? act : low.circuit.node(act).inputs[0];
  ASSERT_EQ(low.circuit.node(lookup).op, OpKind::kLookup);
  EXPECT_EQ(low.circuit.node(lookup).functions.size(), 3u);
  CompileOptions options;
  options.parameters = find_parameter_set("TOY");
  options.rounding_bits = 5;
  const CompileResult per = compile(low.circuit, {}, options);
  options.per_channel_ranges = false;
  const CompileResult tensor = compile(low.circuit, {}, options);
  const unsigned tensor_bits = tensor.compiled.circuit.node(lookup).round_bits;
  const auto& channel_bits = per.compiled.circuit.node(lookup).channel_round_bits;
  ASSERT_EQ(channel_bits.size(), 3u);
  EXPECT_LT(*std::min_element(channel_bits.begin(), channel_bits.end()), tensor_bits);
  Simulator sim(per.compiled);
  for (const Sample& s : grid_samples(m, 32, 5)) {
    EXPECT_EQ(sim.run(s), evaluate_clear(per.compiled.circuit, s, RoundingSemantics::kCompiled));
  }
}

TEST(ModelCompile, ExamplesExecuteOnToy) {
  const ParameterSet& toy = find_parameter_set("TOY");
  KeyBundle& keys = keys_for(toy, 11);
  for (const char* name : {"tiny_mlp.json", "tiny_conv.json"}) {
    SCOPED_TRACE(name);
    const std::uint64_t seed = 21;
    LUTFHE_TRACE_SEED(seed);
    const QuantizedModel m = load_model(kExamples / name);
    const LoweredModel low = lower_model(m);
    const auto calibration = grid_samples(m, 64, seed);
    CompileOptions options;
    options.parameters = toy;
    options.rounding_bits = 8;  // no rounding: execute must equal the clear model
    const CompileResult r = compile(low.circuit, calibration, options);
    const ClientSpec spec =
        make_client_spec(r.compiled, {low.input_quantization}, {low.output_quantization});
    ServerEvaluator server(r.compiled, keys.server, 2);
    Simulator sim(r.compiled);
    auto rng = EncryptionRandomness::from_seed(test_seed(seed));
    for (std::size_t i = 0; i < 3; ++i) {
      const Sample& s = calibration[i];
      const auto got =
          decrypt_outputs(spec, keys.client, server.run(encrypt_sample(spec, keys.client, s, rng)));
      EXPECT_EQ(got, sim.run(s));
      EXPECT_EQ(got, evaluate_clear(low.circuit, s)) << r.report.text();
    }
  }
}

TEST(ModelCompile, ExamplesWithSearchedParameters) {
  for (const char* name : {"tiny_mlp.json", "tiny_conv.json"}) {
    SCOPED_TRACE(name);
    const QuantizedModel m = load_model(kExamples / name);
    const LoweredModel low = lower_model(m);
    const CompileResult r = compile(low.circuit, grid_samples(m, 64, 5), {});
    EXPECT_FALSE(r.compiled.params.insecure);
    EXPECT_GE(r.compiled.params.claimed_security_bits, 128.0);
    EXPECT_LE(r.report.worst_log2_pfail, -40.0);
    EXPECT_GE(r.report.candidates.size(), 2u);
    EXPECT_NE(r.report.text().find("bootstraps per evaluation"), std::string::npos);
  }
}

TEST(Samples, CsvAndHook) {
  const auto dir = std::filesystem::temp_directory_path() / "lutfhe_samples";
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir / "x.csv");
    f << "# two samples\n1, 2.5,3\n\n-1,0,1e-3\r\n";
  }
  const auto s = load_samples(dir / "x.csv", 0, 3);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1], (RealSample{-1, 0, 1e-3}));
  EXPECT_EQ(load_samples(dir / "x.csv", 1).size(), 1u);
  EXPECT_THROW(load_samples(dir / "x.csv", 0, 4), InvalidArgument);
  {
    std::ofstream f(dir / "bad.csv");
    f << "1,two,3\n";
  }
  EXPECT_THROW(load_samples(dir / "bad.csv"), InvalidArgument);
  register_sample_format(".fake", [](const std::filesystem::path&, std::size_t) {
    return std::vector<RealSample>{{7.0}};
  });
  EXPECT_EQ(load_samples(dir / "any.fake"), (std::vector<RealSample>{{7.0}}));
}

}  // namespace
}  // namespace lutfhe::testing
