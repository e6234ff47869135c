// Encrypted training (models/encrypted_training.hpp): the step circuit in the clear equals a
// hand-written integer SGD step; the compiled step's clear semantics equals the simulator; the
// encrypted step (TOY) equals the simulator weight for weight through the client/server API;
// inputs outside the calibrated ranges; the simulated training of the breast-cancer table
// against float logistic regression; the settings and spec refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "compiler/client_spec.hpp"
#include "core/client_key.hpp"
#include "core/errors.hpp"
#include "core/random.hpp"
#include "models/encrypted_training.hpp"
#include "models/samples.hpp"
#include "models/training_client.hpp"
#include "models/training_server.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe::testing {
namespace {

using namespace models;
using compiler::Tensor;

const std::filesystem::path kSuite =
    std::filesystem::path(LUTFHE_SOURCE_DIR) / "tests/data/model_suite";

SgdSettings small_settings() {
  SgdSettings s;
  s.features = 4;
  s.batch = 3;
  s.x_max = 3;
  s.w_max = 4;
  s.w_scale = 2.0;
  s.p_levels = 4;
  s.learning_rate = 1.5;
  s.max_step = 2;
  return s;
}

// The SGD step written out by hand on the quantized values (no circuit, no library pieces).
Tensor reference_step(const SgdSettings& s, const QuantizedBatch& b, const Tensor& w) {
  const auto f = s.features;
  std::vector<std::int64_t> e(s.batch);
  for (std::size_t i = 0; i < s.batch; ++i) {
    std::int64_t z = s.x_max * w[f];
    for (std::size_t j = 0; j < f; ++j) z += b.x[i * f + j] * w[j];
    const double sig =
        1.0 /
        (1.0 + std::exp(-static_cast<double>(z) / (static_cast<double>(s.x_max) * s.w_scale)));
    e[i] = static_cast<std::int64_t>(std::floor(static_cast<double>(s.p_levels) * sig + 0.5)) -
           s.p_levels * b.y[i];
  }
  Tensor out(f + 1);
  for (std::size_t j = 0; j <= f; ++j) {
    std::int64_t g = 0;
    for (std::size_t i = 0; i < s.batch; ++i) g += e[i] * (j < f ? b.x[i * f + j] : s.x_max);
    const double step =
        -s.learning_rate * s.w_scale * static_cast<double>(g) /
        static_cast<double>(static_cast<std::int64_t>(s.batch) * s.p_levels * s.x_max);
    const auto d =
        std::clamp(static_cast<std::int64_t>(std::floor(step + 0.5)), -s.max_step, s.max_step);
    out[j] = std::clamp(w[j] + d, -s.w_max, s.w_max);
  }
  return out;
}

QuantizedBatch random_batch(TestRng& rng, const SgdSettings& s) {
  QuantizedBatch b;
  for (std::size_t i = 0; i < s.batch * s.features; ++i) {
    b.x.push_back(static_cast<std::int64_t>(rng.below(2 * s.x_max + 1)) - s.x_max);
  }
  for (std::size_t i = 0; i < s.batch; ++i) b.y.push_back(rng.coin() ? 1 : 0);
  return b;
}

Tensor random_weights(TestRng& rng, const SgdSettings& s) {
  Tensor w;
  for (std::size_t j = 0; j < s.weights(); ++j) {
    w.push_back(static_cast<std::int64_t>(rng.below(2 * s.w_max + 1)) - s.w_max);
  }
  return w;
}

TEST(EncryptedTrainingClear, StepEqualsHandWrittenSgd) {
  for (const SgdSettings& s : {small_settings(), SgdSettings{}}) {
    const std::uint64_t seed = 1410 + s.features;
    LUTFHE_TRACE_SEED(seed);
    TestRng rng(seed);
    const compiler::Circuit model = sgd_step_circuit(s);
    const auto r = compile_sgd_step(s, find_parameter_set("TOY"));
    PlainTrainer clear(r.compiled, model, StepMode::kModel);
    Tensor w = random_weights(rng, s);
    std::size_t moved = 0;
    for (int step = 0; step < 12; ++step) {
      const QuantizedBatch b = random_batch(rng, s);
      const Tensor expected = reference_step(s, b, w);
      const Tensor got = clear.step(b, w);
      ASSERT_EQ(got, expected) << "step " << step << " " << s.describe();
      moved += got != w;
      w = got;
    }
    EXPECT_GE(moved, 6u);  // the steps do change the weights
  }
}

TEST(EncryptedTrainingClear, SimulateEqualsCompiledClearEvenAtTheExtremes) {
  for (const SgdSettings& s : {small_settings(), SgdSettings{}}) {
    const std::uint64_t seed = 1420 + s.features;
    LUTFHE_TRACE_SEED(seed);
    TestRng rng(seed);
    const compiler::Circuit model = sgd_step_circuit(s);
    const auto r = compile_sgd_step(s, find_parameter_set("TOY"));
    PlainTrainer clear(r.compiled, model, StepMode::kCompiled);
    PlainTrainer sim(r.compiled, model, StepMode::kSimulate);
    Tensor w = random_weights(rng, s);
    for (int step = 0; step < 10; ++step) {
      QuantizedBatch b = random_batch(rng, s);
      if (step == 3) {
        // Every feature and weight at its extreme, all labels against the prediction: the
        // widest accumulators the worst case allows.
        std::fill(b.x.begin(), b.x.end(), s.x_max);
        std::fill(b.y.begin(), b.y.end(), 0);
        std::fill(w.begin(), w.end(), s.w_max);
      }
      const Tensor expected = clear.step(b, w);
      ASSERT_EQ(sim.step(b, w), expected) << "step " << step << " " << s.describe();
      if (step == 3) {
        EXPECT_EQ(expected[0], s.w_max - s.max_step);  // the clipped step, not a wrap
      }
      w = expected;
    }
  }
}

TEST(EncryptedTrainingClear, FeaturesOutsideTheirRangeAreClamped) {
  const SgdSettings s = small_settings();
  EXPECT_EQ(quantize_feature(1.7, s), s.x_max);
  EXPECT_EQ(quantize_feature(-40.0, s), -s.x_max);
  EXPECT_EQ(quantize_feature(0.5, s), 2);  // 1.5 rounds half away from zero
  const std::vector<compiler::RealSample> xs = {{2, -2, 0, 0.1}, {0, 0, 0, 0}, {1, 1, 1, 1}};
  const auto batches = make_batches(xs, std::vector<int>{1, 0, 1}, s);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].x, (Tensor{3, -3, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3}));
  EXPECT_THROW(make_batches(xs, std::vector<int>{1, 2, 0}, s), InvalidArgument);
}

TEST(EncryptedTrainingClear, SettingsAndSpecsAreChecked) {
  SgdSettings s = small_settings();
  s.max_step = 0;
  EXPECT_THROW(s.validate(), InvalidArgument);
  s = small_settings();
  s.x_max = 100;
  s.w_max = 100;
  EXPECT_THROW(s.validate(), InvalidArgument);  // 9-bit product tables
  const auto r = compile_sgd_step(small_settings(), find_parameter_set("TOY"));
  const compiler::ClientSpec spec = compiler::make_client_spec(
      r.compiled, {{1.0 / 3, 0}, {1.0, 0}, {0.5, 0}}, {{0.5, 0}}, "training step");
  const SgdSettings back = settings_from_spec(spec);
  EXPECT_EQ(back.features, 4u);
  EXPECT_EQ(back.batch, 3u);
  EXPECT_EQ(back.x_max, 3);
  EXPECT_EQ(back.w_max, 4);
  EXPECT_DOUBLE_EQ(back.w_scale, 2.0);
  compiler::Circuit other;
  other.mark_output(other.dense(other.input({2}, {0, 3}), 1, {1, 1}, {0}));
  EXPECT_THROW(
      settings_from_spec(compiler::make_client_spec(compiler::compile(other, {}).compiled)),
      InvalidArgument);
}

TEST(EncryptedTrainingExecuteToy, EncryptedStepsEqualSimulatedStepsWeightForWeight) {
  const SgdSettings s = small_settings();
  const ParameterSet& toy = find_parameter_set("TOY");
  KeyBundle& keys = keys_for(toy, 7);
  const std::uint64_t seed = 1430;
  LUTFHE_TRACE_SEED(seed);
  TestRng rng(seed);
  const compiler::Circuit model = sgd_step_circuit(s);
  const auto r = compile_sgd_step(s, toy);
  const compiler::ClientSpec spec = compiler::make_client_spec(
      r.compiled, {{1.0 / 3, 0}, {1.0, 0}, {0.5, 0}}, {{0.5, 0}}, "training step");
  std::vector<QuantizedBatch> batches;
  for (int i = 0; i < 4; ++i) batches.push_back(random_batch(rng, s));
  const Tensor w0 = random_weights(rng, s);
  // Client: batches and initial weights encrypted; server: steps with the evaluation key.
  const CiphertextBatch data = encrypt_training_batches(spec, keys.client, batches);
  CiphertextBatch weights = encrypt_weights(spec, keys.client, w0);
  TrainingServer server(r.compiled, keys.server, 2);
  ASSERT_EQ(server.steps_in(data), batches.size());
  PlainTrainer sim(r.compiled, model, StepMode::kSimulate);
  Tensor expected = w0;
  std::size_t moved = 0;
  for (std::size_t t = 0; t < batches.size(); ++t) {
    const Tensor next = sim.step(batches[t], expected);
    moved += next != expected;
    expected = next;
    weights = server.step(data, t, weights);
    ASSERT_EQ(decrypt_weights(spec, keys.client, weights), expected) << "step " << t;
  }
  EXPECT_GE(moved, 2u);
  EXPECT_EQ(server.bootstraps(), batches.size() * compiler::bootstrap_count(r.compiled));
  EXPECT_THROW(server.step(data, batches.size(), weights), InvalidArgument);
}

// Simulated (quantized) training of the breast-cancer table against float logistic
// regression with the same batches of 8, learning rate and epochs.
TEST(EncryptedTrainingBreastCancer, SimulatedTrainingIsWithinThreePointsOfFloat) {
  const auto train = load_csv_samples(kSuite / "breast_logreg.calibration.csv");
  const auto train_labels = load_labels(kSuite / "breast_logreg.calibration_labels.csv");
  const auto test = load_csv_samples(kSuite / "breast_logreg.test.csv");
  const auto test_labels = load_labels(kSuite / "breast_logreg.test_labels.csv");
  const SgdSettings s;
  const auto batches = make_batches(train, train_labels, s);
  ASSERT_EQ(batches.size(), 25u);
  const compiler::Circuit model = sgd_step_circuit(s);
  const auto r = compile_sgd_step(s, find_parameter_set("TOY"));
  PlainTrainer sim(r.compiled, model, StepMode::kSimulate);
  const std::size_t epochs = 3;
  Tensor w = initial_weights(s);
  for (std::size_t e = 0; e < epochs; ++e) {
    for (const auto& b : batches) w = sim.step(b, w);
  }
  const double quantized = accuracy(dequantize_weights(w, s), test, test_labels);
  const double fp = accuracy(train_float(train, train_labels, s.batch, s.learning_rate, epochs),
                             test, test_labels);
  RecordProperty("simulated_accuracy", std::to_string(quantized));
  RecordProperty("float_accuracy", std::to_string(fp));
  EXPECT_GE(quantized, fp - 0.03) << "simulated " << quantized << ", float " << fp;
  EXPECT_GE(fp, 0.9);
}

// Label large: the breast-cancer step with the parameters the compiler chooses (128 bits,
// p_fail ≤ 2^-40 per bootstrap), three encrypted steps equal to the simulated ones.
TEST(EncryptedTrainingLarge, SecureParametersBreastCancerStepsEqualSimulate) {
  const auto train = load_csv_samples(kSuite / "breast_logreg.calibration.csv");
  const auto train_labels = load_labels(kSuite / "breast_logreg.calibration_labels.csv");
  const SgdSettings s;
  const auto batches = make_batches(train, train_labels, s);
  const auto r = compile_sgd_step(s);
  ASSERT_FALSE(r.compiled.params.insecure);
  const compiler::ClientSpec spec = compiler::make_client_spec(
      r.compiled, {{1.0 / 3, 0}, {1.0, 0}, {0.5, 0}}, {{0.5, 0}}, "training step");
  const ClientKey client(r.compiled.params, test_seed(1440));
  auto rng = EncryptionRandomness::from_seed(test_seed(1441));
  const ServerKey key = generate_server_key_in_process(client, rng);
  const std::size_t steps = 3;
  const CiphertextBatch data =
      encrypt_training_batches(spec, client, std::span(batches.data(), steps));
  CiphertextBatch weights = encrypt_weights(spec, client, initial_weights(s));
  TrainingServer server(r.compiled, key, 2);
  PlainTrainer sim(r.compiled, r.compiled.circuit, StepMode::kSimulate);
  Tensor expected = initial_weights(s);
  for (std::size_t t = 0; t < steps; ++t) {
    expected = sim.step(batches[t], expected);
    weights = server.step(data, t, weights);
    ASSERT_EQ(decrypt_weights(spec, client, weights), expected) << "step " << t;
  }
  EXPECT_NE(expected, initial_weights(s));
}

}  // namespace
}  // namespace lutfhe::testing
