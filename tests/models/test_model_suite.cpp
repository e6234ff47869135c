// The model suite (examples/model_suite): PyTorch float models trained the ordinary way and
// exported with torch.onnx.export's defaults. The importer's float network must reproduce
// PyTorch's logits; the cost-aware import must pick an accurate circuit and the cheapest such;
// the logistic regression must give FHE == simulate == clear on every test sample; bounded
// accumulators (accumulator-aware quantization) must hold for every input and cut bootstraps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "compiler/clear_evaluator.hpp"
#include "compiler/client.hpp"
#include "compiler/server.hpp"
#include "compiler/simulate.hpp"
#include "core/client_key.hpp"
#include "core/server_key.hpp"
#include "models/lowering.hpp"
#include "models/model_compilation.hpp"
#include "models/onnx_import.hpp"
#include "models/post_training_quantization.hpp"
#include "models/samples.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe::testing {
namespace {

const std::filesystem::path kSuite =
    std::filesystem::path(LUTFHE_SOURCE_DIR) / "tests/data/model_suite";

// The data file of `name` for `part` ("test", "calibration", "test_labels", ...): CSV for the
// tabular models, gzipped IDX for the Fashion-MNIST ones.
std::filesystem::path data_file(const std::string& name, const std::string& part) {
  const std::filesystem::path csv = kSuite / (name + "." + part + ".csv");
  return std::filesystem::exists(csv) ? csv : kSuite / (name + "." + part + ".idx.gz");
}

std::size_t argmax(const std::vector<double>& v) {
  return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

double accuracy_of(const std::vector<std::size_t>& predicted, const std::vector<int>& labels) {
  std::size_t right = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    right += predicted[i] == static_cast<std::size_t>(labels[i]);
  }
  return static_cast<double>(right) / static_cast<double>(predicted.size());
}

// The class each test sample gets from the compiled circuit's integer semantics (what simulate
// computes, and execute with exact rounding).
std::vector<std::size_t> compiled_predictions(const models::CompiledModel& m,
                                              const std::vector<models::RealSample>& samples) {
  std::vector<std::size_t> out;
  for (const models::RealSample& x : samples) {
    const compiler::Sample q = compiler::quantize_sample(m.spec, x);
    const auto outputs = compiler::evaluate_clear(m.result.compiled.circuit, q,
                                                  compiler::RoundingSemantics::kCompiled);
    out.push_back(argmax(compiler::dequantize_outputs(m.spec, outputs)));
  }
  return out;
}

// Accuracies on the model's test file (never seen by the search): the float model's and the
// compiled circuit's.
std::pair<double, double> test_accuracies(const std::string& name, const models::CompiledModel& m) {
  const auto test = models::load_samples(data_file(name, "test"));
  const std::vector<int> labels = models::load_labels(data_file(name, "test_labels"));
  const models::OnnxModel onnx = models::load_onnx(kSuite / (name + ".onnx"));
  std::vector<std::size_t> float_classes;
  for (const auto& x : test) float_classes.push_back(argmax(models::evaluate_float(onnx, x)));
  return {accuracy_of(float_classes, labels), accuracy_of(compiled_predictions(m, test), labels)};
}

// The model compiled as `lutfhe compile` does by default, with its calibration labels.
models::CompiledModel compile_with_default_search(const std::string& name) {
  const auto calibration = models::load_samples(data_file(name, "calibration"));
  models::ModelCompileOptions options;
  options.search_options.labels = models::load_labels(data_file(name, "calibration_labels"));
  return models::compile_model(kSuite / (name + ".onnx"), calibration, options);
}

class ModelSuiteFloat : public ::testing::TestWithParam<std::string> {};

// The float network the importer builds gives PyTorch's logits (to float32 precision) and so
// the same class on every test sample.
TEST_P(ModelSuiteFloat, FloatNetworkGivesPyTorchsLogits) {
  const std::string name = GetParam();
  const models::OnnxModel model = models::load_onnx(kSuite / (name + ".onnx"));
  const auto samples = models::load_samples(data_file(name, "test"));
  const auto expected = models::load_csv_samples(kSuite / (name + ".float_outputs.csv"));
  ASSERT_EQ(samples.size(), expected.size());
  ASSERT_GE(samples.size(), 100u);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const std::vector<double> logits = models::evaluate_float(model, samples[i]);
    ASSERT_EQ(logits.size(), expected[i].size()) << "sample " << i;
    for (std::size_t c = 0; c < logits.size(); ++c) {
      EXPECT_NEAR(logits[c], expected[i][c], 1e-4 * std::max(1.0, std::abs(expected[i][c])))
          << name << " sample " << i << " class " << c;
    }
    EXPECT_EQ(argmax(logits), argmax(expected[i])) << name << " sample " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Suite, ModelSuiteFloat,
                         ::testing::Values("breast_logreg", "breast_mlp", "digits_mlp",
                                           "fashion_mlp", "fashion_cnn"));

// The search on a model with a hidden ReLU layer: the chosen candidate meets the accuracy target
// on the held-out calibration samples, no accurate candidate is estimated cheaper, and on the
// test samples (never seen by the search) the circuit stays close to the float model.
TEST(ModelSuiteSearch, ChoosesTheCheapestAccurateCircuit) {
  const std::string name = "breast_mlp";
  const auto calibration = models::load_samples(data_file(name, "calibration"));
  models::ModelCompileOptions options;
  options.search_options.labels = models::load_labels(data_file(name, "calibration_labels"));
  options.search_options.weight_bits = {3, 5, 7};
  options.search_options.activation_bits = {3, 5};
  options.search_options.input_bits = {3, 6};
  const models::CompiledModel m =
      models::compile_model(kSuite / (name + ".onnx"), calibration, options);
  ASSERT_TRUE(m.search.has_value());
  const models::ImportSearchReport& report = *m.search;
  ASSERT_LT(report.chosen, report.trials.size());
  const models::ImportTrial& chosen = report.trials[report.chosen];
  EXPECT_TRUE(chosen.accurate);
  EXPECT_GE(chosen.score, report.target);
  EXPECT_EQ(chosen.parameters, m.result.compiled.params.name);
  EXPECT_EQ(chosen.bootstraps, compiler::bootstrap_count(m.result.compiled));
  std::size_t accurate = 0;
  for (const models::ImportTrial& t : report.trials) {
    if (!t.accurate || t.parameters.empty()) continue;
    ++accurate;
    EXPECT_GE(t.estimated_ms, chosen.estimated_ms * (1.0 - 1e-9))
        << "w" << t.weight_bits << " a" << t.activation_bits << " i" << t.input_bits;
  }
  EXPECT_GE(accurate, 1u);
  // Some candidate misses the target (3-bit weights and inputs are too coarse): the search does
  // discriminate.
  EXPECT_TRUE(std::any_of(report.trials.begin(), report.trials.end(),
                          [](const models::ImportTrial& t) { return !t.accurate; }));
  EXPECT_NE(report.text().find("chosen"), std::string::npos) << report.text();
  // The held-out samples bound what the score can promise: an interval around it that a
  // handful of samples makes wide, printed in the report.
  const auto [low, high] = report.chosen_interval();
  EXPECT_LE(low, chosen.score);
  EXPECT_GE(high, chosen.score);
  EXPECT_GT(high - low, 0.05) << report.held_out_samples << " held-out samples";
  EXPECT_NE(report.text().find("reliability: " + std::to_string(report.held_out_samples)),
            std::string::npos)
      << report.text();

  const auto [float_accuracy, circuit_accuracy] = test_accuracies(name, m);
  // One point on the held-out calibration samples; the test set is another sample of the same
  // data, so allow sampling error on 171 samples (3 points).
  EXPECT_GE(circuit_accuracy, float_accuracy - 0.03)
      << "float " << float_accuracy << " circuit " << circuit_accuracy;
}

// The logistic regression has no lookup: the search keeps it exact, its parameters need no
// bootstrapping key, and FHE equals simulate and the clear evaluation on every test sample,
// including those a little outside the calibration range.
TEST(ModelSuiteSearch, LogisticRegressionIsExactOnEveryTestSample) {
  const std::string name = "breast_logreg";
  const models::CompiledModel m = compile_with_default_search(name);
  EXPECT_EQ(compiler::bootstrap_count(m.result.compiled), 0u);
  EXPECT_FALSE(m.spec.needs_bootstrapping);

  const auto test = models::load_samples(data_file(name, "test"));
  const ClientKey client(m.spec.params, test_seed(91));
  const ServerKey key(generate_evaluation_key(client, {}, false));
  compiler::CircuitServer server(m.result.compiled, key, 2);
  const auto results = compiler::decrypt_results(
      m.spec, client, server.evaluate(compiler::encrypt_samples(m.spec, client, test)));
  ASSERT_EQ(results.size(), test.size());
  compiler::Simulator sim(m.result.compiled);
  const std::vector<int> labels = models::load_labels(data_file(name, "test_labels"));
  std::vector<std::size_t> fhe_classes;
  for (std::size_t i = 0; i < test.size(); ++i) {
    const compiler::Sample q = compiler::quantize_sample(m.spec, test[i]);
    const auto clear = compiler::evaluate_clear(m.result.compiled.circuit, q,
                                                compiler::RoundingSemantics::kCompiled);
    EXPECT_EQ(results[i], clear) << "sample " << i;
    EXPECT_EQ(sim.run(q), clear) << "sample " << i;
    fhe_classes.push_back(argmax(compiler::dequantize_outputs(m.spec, results[i])));
  }
  EXPECT_GE(accuracy_of(fhe_classes, labels), 0.93);
}

// Accumulator-aware quantization: with a bound of P bits (k of them rounded), every channel's l1
// norm times its input levels fits, the sound range analysis finds every lookup within r = P − k
// bits after rounding k, so each lookup takes 1 (k = 0) or 2 (k = 1) bootstraps; with k = 0 the
// compiled circuit computes the quantized model exactly on every input of the declared range,
// far beyond the calibration data.
TEST(ModelSuiteAccumulator, BoundHoldsForEveryInput) {
  TestRng rng(95);
  for (const std::string name : {"breast_mlp", "digits_mlp"}) {
    const models::OnnxModel onnx = models::load_onnx(kSuite / (name + ".onnx"));
    const auto calibration = models::load_samples(data_file(name, "calibration"));
    for (unsigned rounding : {0u, 1u}) {
      SCOPED_TRACE(name + " rounding " + std::to_string(rounding));
      models::ModelImportOptions io;
      io.weight_bits = 5;
      io.activation_bits = 4;
      io.input_bits = 2;
      io.accumulator_bits = 5 + rounding;
      io.accumulator_rounding = rounding;
      const models::QuantizedModel q = models::quantize_onnx(onnx, calibration, io);
      const auto& dense = std::get<models::DenseLayer>(q.layers.at(0).op);
      ASSERT_TRUE(dense.output.has_value());
      const std::int64_t span = rounding == 0 ? 31 : 2 * (32 - 2);  // 2^P − 1; 2^k(2^(P−k) − 2)
      const std::size_t per = dense.weights.size() / dense.units;
      for (std::size_t o = 0; o < dense.units; ++o) {
        std::int64_t l1 = 0;
        for (std::size_t i = o * per; i < (o + 1) * per; ++i) l1 += std::abs(dense.weights[i]);
        EXPECT_LE(l1 * 3, span) << "channel " << o;  // 2-bit inputs: 3 levels
        EXPECT_GT(l1, 0) << "channel " << o;
      }
      const models::LoweredModel lowered = models::lower_model(q);
      std::vector<compiler::Sample> cal;
      for (const auto& x : calibration) cal.push_back(models::quantize_input(q, x));
      compiler::CompileOptions co;
      co.range_mode = compiler::RangeMode::kSound;
      co.rounding_bits = 5;
      const compiler::CompileResult c = compiler::compile(lowered.circuit, cal, co);
      std::size_t lookups = 0;
      for (const compiler::Node& n : c.compiled.circuit.nodes()) {
        if (n.op != compiler::OpKind::kLookup) continue;
        EXPECT_EQ(n.round_bits, rounding);
        lookups += n.shape.at(0);
      }
      EXPECT_EQ(dense.units, lookups);
      EXPECT_EQ(compiler::bootstrap_count(c.compiled), lookups * (1 + rounding));
      if (rounding != 0) continue;
      const compiler::Node& input = lowered.circuit.node(lowered.circuit.inputs()[0]);
      for (int trial = 0; trial < 200; ++trial) {
        compiler::Sample x{std::vector<std::int64_t>(input.shape.at(0))};
        for (auto& v : x[0])
          v = input.declared_range.lo +
              static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(
                  input.declared_range.hi - input.declared_range.lo + 1)));
        ASSERT_EQ(
            compiler::evaluate_clear(c.compiled.circuit, x, compiler::RoundingSemantics::kCompiled),
            compiler::evaluate_clear(lowered.circuit, x))
            << "trial " << trial;
      }
    }
  }
}

// The default search on the digits MLP (64-32-10) chooses bounded accumulators: fewer
// bootstraps than any accurate unbounded candidate, accurate on the fit samples too, and on the
// test samples (never seen by the search) within 2 points of the float model (measured: 1.1).
TEST(ModelSuiteAccumulator, SearchBoundsTheDigitsMlp) {
  const std::string name = "digits_mlp";
  const models::CompiledModel m = compile_with_default_search(name);
  ASSERT_TRUE(m.search.has_value());
  const models::ImportSearchReport& report = *m.search;
  const models::ImportTrial& chosen = report.trials.at(report.chosen);
  ASSERT_TRUE(chosen.accurate) << report.text();
  EXPECT_GT(chosen.accumulator_bits, 0u) << report.text();
  ASSERT_TRUE(chosen.fit_score.has_value());
  EXPECT_GE(*chosen.fit_score, report.fit_target);
  EXPECT_EQ(chosen.bootstraps, compiler::bootstrap_count(m.result.compiled));
  std::size_t unbounded = 0;
  for (const models::ImportTrial& t : report.trials) {
    if (!t.accurate || t.accumulator_bits != 0) continue;
    ++unbounded;
    EXPECT_LT(chosen.bootstraps, t.bootstraps) << report.text();
  }
  EXPECT_GE(unbounded, 1u) << report.text();

  const auto [float_accuracy, circuit_accuracy] = test_accuracies(name, m);
  EXPECT_GE(circuit_accuracy, float_accuracy - 0.02)
      << "float " << float_accuracy << " circuit " << circuit_accuracy;
}

}  // namespace
}  // namespace lutfhe::testing
