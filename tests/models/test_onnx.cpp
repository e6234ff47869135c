// ONNX import (models/onnx_import.hpp): the float graph against PyTorch's outputs, the
// post-training-quantized model against the float one, Q/DQ (QAT) graphs, and the errors for
// unsupported operators and damaged files. The models and PyTorch's outputs are in
// tests/data/onnx/ (examples/onnx/make_tiny_onnx.py writes them).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

#include "compiler/clear_evaluator.hpp"
#include "core/errors.hpp"
#include "models/lowering.hpp"
#include "models/model_file.hpp"
#include "models/onnx_import.hpp"
#include "models/samples.hpp"

namespace lutfhe::models {
namespace {

const std::filesystem::path kData = std::filesystem::path(LUTFHE_SOURCE_DIR) / "tests/data/onnx";

std::size_t argmax(const std::vector<double>& v) {
  return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The clear evaluator's output, dequantized as the client does.
std::vector<double> run_quantized(const QuantizedModel& m, const LoweredModel& low,
                                  const std::vector<double>& x) {
  const auto out = compiler::evaluate_clear(low.circuit, quantize_input(m, x));
  std::vector<double> y;
  for (auto v : out.at(0)) {
    y.push_back(low.output_quantization.scale *
                static_cast<double>(v - low.output_quantization.zero_point));
  }
  return y;
}

class OnnxModels : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxModels, FloatGraphMatchesPyTorch) {
  const std::string name = GetParam();
  const OnnxModel m = load_onnx(kData / (name + ".onnx"));
  const auto inputs = load_samples(kData / (name + ".inputs.csv"));
  const auto expected = load_samples(kData / (name + ".expected.csv"));
  ASSERT_EQ(inputs.size(), expected.size());
  ASSERT_FALSE(inputs.empty());
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const auto y = evaluate_float(m, inputs[k]);
    ASSERT_EQ(y.size(), expected[k].size());
    for (std::size_t o = 0; o < y.size(); ++o) {
      EXPECT_NEAR(y[o], expected[k][o], 1e-4) << name << " sample " << k << " output " << o;
    }
  }
}

// Post-training quantization with the default bit widths (6-bit inputs, activations and
// weights). The dequantized outputs must be within a bound derived from the quantization
// steps, and the predicted class must mostly agree with the float model's.
TEST_P(OnnxModels, QuantizedModelFollowsFloatModel) {
  const std::string name = GetParam();
  const OnnxModel f = load_onnx(kData / (name + ".onnx"));
  ModelImportOptions options;
  options.calibration = kData / (name + ".calibration.csv");
  const QuantizedModel q = import_onnx(kData / (name + ".onnx"), options);
  const LoweredModel low = lower_model(q);
  const auto inputs = load_samples(kData / (name + ".inputs.csv"));

  // Error bound, propagated layer by layer on the float weights: an error e in every input
  // element becomes Σ|w|·e in a dense/conv output, plus half a weight step times Σ|x| (taken
  // at the calibrated range) and half a bias step; activations are 1-Lipschitz; a requantized
  // output adds half its step. Loose (worst case) but tied to the steps: halving every step
  // halves it.
  double e = q.input.scale / 2;
  double x_max = std::max(std::abs(q.input.dequantize(q.input.min())),
                          std::abs(q.input.dequantize(q.input.max())));
  double scale = q.input.scale;
  for (std::size_t i = 0; i < f.layers.size(); ++i) {
    const OnnxLayer& l = f.layers[i];
    const Layer& ql = q.layers[i];
    if (const auto* d = std::get_if<DenseLayer>(&ql.op)) {
      const std::size_t per = l.weights.size() / l.channels;
      double worst = 0;
      for (std::size_t o = 0; o < l.channels; ++o) {
        double sum_w = 0;
        for (std::size_t k = 0; k < per; ++k) sum_w += std::abs(l.weights[o * per + k]);
        const double s_w = d->weight_scales[d->weight_scales.size() == 1 ? 0 : o];
        worst = std::max(worst,
                         sum_w * e + static_cast<double>(per) * x_max * s_w / 2 + scale * s_w / 2);
      }
      e = worst;
      if (d->output) {
        e += d->output->scale / 2;
        scale = d->output->scale;
        x_max = std::abs(d->output->dequantize(d->output->max())) +
                std::abs(d->output->dequantize(d->output->min()));
      }
    } else if (const auto* c = std::get_if<Conv2dLayer>(&ql.op)) {
      const std::size_t per = l.weights.size() / l.channels;
      double worst = 0;
      for (std::size_t o = 0; o < l.channels; ++o) {
        double sum_w = 0;
        for (std::size_t k = 0; k < per; ++k) sum_w += std::abs(l.weights[o * per + k]);
        const double s_w = c->weight_scales[c->weight_scales.size() == 1 ? 0 : o];
        worst = std::max(worst,
                         sum_w * e + static_cast<double>(per) * x_max * s_w / 2 + scale * s_w / 2);
      }
      e = worst;
      if (c->output) {
        e += c->output->scale / 2;
        scale = c->output->scale;
        x_max = std::abs(c->output->dequantize(c->output->max())) +
                std::abs(c->output->dequantize(c->output->min()));
      }
    } else if (const auto* a = std::get_if<ActivationLayer>(&ql.op)) {
      e += a->output.scale / 2;
      scale = a->output.scale;
    } else if (const auto* p = std::get_if<PoolLayer>(&ql.op)) {
      scale /= static_cast<double>(p->attributes.kernel_h * p->attributes.kernel_w);
    }
  }

  std::size_t agree = 0;
  double worst = 0;
  for (const auto& x : inputs) {
    const auto yf = evaluate_float(f, x);
    const auto yq = run_quantized(q, low, x);
    ASSERT_EQ(yf.size(), yq.size());
    for (std::size_t o = 0; o < yf.size(); ++o) {
      worst = std::max(worst, std::abs(yf[o] - yq[o]));
      EXPECT_NEAR(yq[o], yf[o], e) << name << " output " << o;
    }
    agree += argmax(yf) == argmax(yq);
  }
  std::cout << name << ": argmax agrees on " << agree << "/" << inputs.size() << ", largest error "
            << worst << " (bound " << e << ")\n";
  EXPECT_GE(agree * 10, inputs.size() * 8) << "fewer than 80% of the classes agree";
}

INSTANTIATE_TEST_SUITE_P(Onnx, OnnxModels,
                         ::testing::Values("tiny_mlp", "tiny_conv", "matmul_tanh",
                                           "conv_pool_tanh"));

TEST(OnnxImport, StructureOfTinyModels) {
  const OnnxModel mlp = load_onnx(kData / "tiny_mlp.onnx");
  EXPECT_EQ(mlp.name, "tiny_mlp");
  EXPECT_EQ(mlp.input_shape, (compiler::Shape{16}));
  ASSERT_EQ(mlp.layers.size(), 2u);  // Gemm+BatchNorm+Relu, Gemm
  EXPECT_EQ(mlp.layers[0].activation, Activation::kRelu);
  EXPECT_EQ(mlp.layers[1].channels, 4u);

  const OnnxModel conv = load_onnx(kData / "tiny_conv.onnx");
  EXPECT_EQ(conv.input_shape, (compiler::Shape{1, 8, 8}));
  ASSERT_EQ(conv.layers.size(), 4u);  // Conv+Relu, AveragePool, Flatten, Gemm
  EXPECT_EQ(conv.layers[0].kind, OnnxLayer::Kind::kConv);
  EXPECT_EQ(conv.layers[1].kind, OnnxLayer::Kind::kAvgPool);
  EXPECT_EQ(conv.layers[2].kind, OnnxLayer::Kind::kFlatten);
  EXPECT_EQ(conv.layers[3].output_shape, (compiler::Shape{3}));

  ModelImportOptions options;
  options.calibration = kData / "tiny_conv.calibration.csv";
  options.weight_bits = 4;
  options.activation_bits = 3;
  options.input_bits = 5;
  const QuantizedModel q = load_any_model(kData / "tiny_conv.onnx", options);
  EXPECT_EQ(q.input.bits, 5u);
  const auto& c = std::get<Conv2dLayer>(q.layers[0].op);
  EXPECT_EQ(c.weight_bits, 4u);
  EXPECT_EQ(c.weight_scales.size(), 2u);  // per filter
  ASSERT_TRUE(c.output.has_value());
  EXPECT_EQ(c.output->bits, 3u);
  EXPECT_EQ(c.output->zero_point, 0);  // relu output
  const auto& d = std::get<DenseLayer>(q.layers[3].op);
  EXPECT_FALSE(d.output.has_value());
  EXPECT_EQ(d.weight_scales.size(), 1u);  // the client dequantizes the last accumulator
}

TEST(OnnxImport, MatMulAddAndActivationAfterPooling) {
  const OnnxModel m = load_onnx(kData / "matmul_tanh.onnx");
  ASSERT_EQ(m.layers.size(), 2u);  // MatMul+Add+Tanh, Gemm+Sigmoid
  EXPECT_EQ(m.layers[0].activation, Activation::kTanh);
  EXPECT_EQ(m.layers[1].activation, Activation::kSigmoid);
  ModelImportOptions options;
  options.calibration = kData / "matmul_tanh.calibration.csv";
  const QuantizedModel q = import_onnx(kData / "matmul_tanh.onnx", options);
  // A last layer with an activation needs an output quantization.
  EXPECT_TRUE(std::get<DenseLayer>(q.layers[1].op).output.has_value());

  const OnnxModel p = load_onnx(kData / "conv_pool_tanh.onnx");
  ASSERT_EQ(p.layers.size(), 5u);  // Conv, AveragePool, Tanh, Flatten, Gemm
  EXPECT_EQ(p.layers[0].conv.pad_h, 1u);
  EXPECT_EQ(p.layers[2].kind, OnnxLayer::Kind::kActivation);
}

TEST(OnnxImport, PercentileNarrowsRanges) {
  ModelImportOptions options;
  options.calibration = kData / "tiny_mlp.calibration.csv";
  const QuantizedModel full = import_onnx(kData / "tiny_mlp.onnx", options);
  options.percentile = 90.0;
  const QuantizedModel clipped = import_onnx(kData / "tiny_mlp.onnx", options);
  const auto& a = *std::get<DenseLayer>(full.layers[0].op).output;
  const auto& b = *std::get<DenseLayer>(clipped.layers[0].op).output;
  EXPECT_LT(b.scale, a.scale);
  options.percentile = 40.0;
  EXPECT_THROW(import_onnx(kData / "tiny_mlp.onnx", options), InvalidArgument);
}

TEST(OnnxImport, QdqGraphKeepsItsScales) {
  const QuantizedModel q = import_onnx(kData / "qdq_mlp.onnx", {});  // no calibration needed
  EXPECT_DOUBLE_EQ(q.input.scale, 1.0 / 16);
  EXPECT_EQ(q.input.zero_point, 0);
  EXPECT_EQ(q.input.bits, 8u);
  ASSERT_EQ(q.layers.size(), 2u);
  const auto& fc1 = std::get<DenseLayer>(q.layers[0].op);
  EXPECT_EQ(fc1.activation, Activation::kRelu);
  EXPECT_EQ(fc1.weight_scales.size(), 5u);
  EXPECT_EQ(fc1.weight_bits, 8u);
  ASSERT_TRUE(fc1.output.has_value());
  EXPECT_NEAR(fc1.output->scale, 0.1, 1e-7);
  const auto& fc2 = std::get<DenseLayer>(q.layers[1].op);
  EXPECT_EQ(fc2.weight_scales.size(), 1u);
  EXPECT_NEAR(fc2.weight_scales[0], 0.02, 1e-9);
  // The float graph dequantizes the integer weights: they agree exactly.
  const OnnxModel f = load_onnx(kData / "qdq_mlp.onnx");
  for (std::size_t i = 0; i < fc1.weights.size(); ++i) {
    EXPECT_NEAR(f.layers[0].weights[i],
                static_cast<double>(fc1.weights[i]) * fc1.weight_scales[i / 4], 1e-9);
  }
  EXPECT_NO_THROW(lower_model(q));
}

TEST(OnnxImport, NeedsCalibrationWithoutQdq) {
  try {
    import_onnx(kData / "tiny_mlp.onnx", {});
    FAIL() << "expected an error";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("--calibration"), std::string::npos) << e.what();
  }
}

TEST(OnnxImport, UnsupportedOperatorNamesNodeAndOp) {
  const auto path = kData / "unsupported_softmax.onnx";
  try {
    load_onnx(path);
    FAIL() << "expected an error";
  } catch (const ModelFormatError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(path.string() + ": node '/1/Softmax' (op Softmax): unsupported operator;"
                                        " supported: Gemm, MatMul",
                        0),
              0u)
        << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
  }
}

// Every prefix of a model, and a few corrupted copies: a one-line ModelFormatError (or, for a
// prefix that happens to parse, any clean lutfhe error), never a crash.
TEST(OnnxImport, DamagedFilesGiveOneLineErrors) {
  const std::string good = read_bytes(kData / "tiny_conv.onnx");
  ASSERT_GT(good.size(), 100u);
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("lutfhe_onnx_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "damaged.onnx";
  auto check = [&](const std::string& bytes, const std::string& what) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    try {
      import_onnx(path, {});
      ADD_FAILURE() << what << ": loaded";
    } catch (const ModelFormatError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind(path.string() + ": ", 0), 0u) << what << ": " << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << what << ": " << msg;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << what;
    }
  };
  for (std::size_t n = 0; n < good.size(); n += 7)
    check(good.substr(0, n), "prefix " + std::to_string(n));
  std::mt19937 rng(20240601);  // fixed seed
  for (int k = 0; k < 200; ++k) {
    std::string bad = good;
    for (int flips = 0; flips < 3; ++flips) bad[rng() % bad.size()] = static_cast<char>(rng());
    check(bad, "corruption " + std::to_string(k));
  }
  check("not an onnx file at all\n", "text");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lutfhe::models
