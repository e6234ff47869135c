// The image data set loader (models/dataset.hpp) and the quantization-aware trainer
// (models/trainer.hpp): learning on a small synthetic set, bit-identical models for one seed,
// the exported file's clear-evaluator accuracy equal to the reported one, weights within their
// bit widths; and, when present, the committed MNIST sample and Debian's Fashion-MNIST.
#include "models/trainer.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/errors.hpp"
#include "core/file_format.hpp"
#include "models/dataset.hpp"
#include "models/model_file.hpp"

namespace lutfhe::testing {
namespace {

using namespace models;
using Bytes = std::vector<unsigned char>;

std::filesystem::path temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "lutfhe_trainer_test" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

Bytes idx_u8(const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data) {
  Bytes b = {0, 0, 0x08, static_cast<unsigned char>(dims.size())};
  for (auto d : dims) {
    for (int i = 3; i >= 0; --i) b.push_back(static_cast<unsigned char>(d >> (8 * i)));
  }
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

void write_gz(const std::filesystem::path& p, const Bytes& b) {
  gzFile f = gzopen(p.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(gzwrite(f, b.data(), static_cast<unsigned>(b.size())), static_cast<int>(b.size()));
  EXPECT_EQ(gzclose(f), Z_OK);
}

void write_plain(const std::filesystem::path& p, const Bytes& b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// 10 classes of 12x12 images: class k is a bright 3x3 blob at one of 10 places, shifted by up
// to one pixel, on a noisy background.
ImageDataset synthetic(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  ImageDataset d;
  d.rows = d.cols = 12;
  d.pixels.assign(count * 144, 0);
  for (std::size_t n = 0; n < count; ++n) {
    const auto label = static_cast<std::uint8_t>(n % 10);
    d.labels.push_back(label);
    std::uint8_t* img = d.pixels.data() + n * 144;
    for (std::size_t i = 0; i < 144; ++i) img[i] = static_cast<std::uint8_t>(rng() % 60);
    const long r0 = 1 + static_cast<long>(label / 5) * 5 + static_cast<long>(rng() % 3) - 1;
    const long c0 = 1 + static_cast<long>(label % 5) * 2 + static_cast<long>(rng() % 3) - 1;
    for (long r = r0; r < r0 + 3; ++r) {
      for (long c = c0; c < c0 + 3; ++c) {
        if (r >= 0 && c >= 0 && r < 12 && c < 12) img[r * 12 + c] = 255;
      }
    }
  }
  return d;
}

TrainConfig small_config() {
  TrainConfig cfg;
  cfg.hidden = 16;
  cfg.epochs = 3;
  cfg.float_epochs = 1;
  cfg.batch_size = 16;
  cfg.learning_rate = 0.005;
  cfg.max_shift = 1;
  cfg.max_rotation = 5;
  cfg.max_scale = 0.05;
  cfg.threads = 1;
  cfg.seed = 7;
  cfg.name = "synthetic";
  return cfg;
}

// ---------------------------------------------------------------------------------------------

TEST(Dataset, LoadsPlainAndGzipped) {
  const auto dir = temp_dir("good");
  std::vector<std::uint8_t> px(3 * 4);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i * 20);
  write_gz(dir / "train-images-idx3-ubyte.gz", idx_u8({3, 2, 2}, px));
  write_plain(dir / "train-labels-idx1-ubyte", idx_u8({3}, {4, 0, 9}));
  const ImageDataset d = load_image_dataset(dir, Split::kTrain);
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.rows, 2u);
  EXPECT_EQ(d.cols, 2u);
  EXPECT_EQ(d.pixels, px);
  EXPECT_EQ(d.labels, (std::vector<std::uint8_t>{4, 0, 9}));
  EXPECT_EQ(d.image(1)[0], 80);
  const ImageDataset two = load_image_dataset(dir, Split::kTrain, 2);
  EXPECT_EQ(two.size(), 2u);
  EXPECT_EQ(two.pixels.size(), 8u);
}

TEST(Dataset, Errors) {
  const auto expect_error = [](auto&& f, const std::string& fragment) {
    try {
      f();
      ADD_FAILURE() << "no exception, expected one containing '" << fragment << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  const auto missing = temp_dir("missing") / "nothing";
  expect_error([&] { load_image_dataset(missing, Split::kTrain); }, "no such data set directory");

  const auto dir = temp_dir("errors");
  expect_error([&] { load_image_dataset(dir, Split::kTest); }, "t10k-images-idx3-ubyte(.gz)");
  write_gz(dir / "t10k-images-idx3-ubyte.gz", idx_u8({3, 2, 2}, std::vector<std::uint8_t>(12)));
  expect_error([&] { load_image_dataset(dir, Split::kTest); }, "t10k-labels-idx1-ubyte(.gz)");
  write_gz(dir / "t10k-labels-idx1-ubyte.gz", idx_u8({2}, {1, 2}));
  EXPECT_THROW(load_image_dataset(dir, Split::kTest), FileFormatError);
  expect_error([&] { load_image_dataset(dir, Split::kTest); }, "holds 3 images but");
  // Even when fewer items are asked for than either file holds.
  expect_error([&] { load_image_dataset(dir, Split::kTest, 1); }, "2 labels");
  // Images that are not 3-D.
  write_gz(dir / "t10k-images-idx3-ubyte.gz", idx_u8({2, 4}, std::vector<std::uint8_t>(8)));
  expect_error([&] { load_image_dataset(dir, Split::kTest); }, "expected 3-D uint8 images");
}

// ---------------------------------------------------------------------------------------------

class TrainerSynthetic : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    train_ = new ImageDataset(synthetic(600, 1));
    test_ = new ImageDataset(synthetic(200, 2));
    result_ = new TrainResult(train_mlp(*train_, *test_, small_config(), {}));
  }
  static void TearDownTestSuite() {
    delete result_;
    delete test_;
    delete train_;
  }
  static ImageDataset* train_;
  static ImageDataset* test_;
  static TrainResult* result_;
};
ImageDataset* TrainerSynthetic::train_ = nullptr;
ImageDataset* TrainerSynthetic::test_ = nullptr;
TrainResult* TrainerSynthetic::result_ = nullptr;

TEST_F(TrainerSynthetic, LearnsAndReports) {
  const TrainResult& r = *result_;
  RecordProperty("quantized_accuracy", std::to_string(r.quantized_test_accuracy));
  EXPECT_GT(r.quantized_test_accuracy, 0.6);  // chance: 0.1
  EXPECT_GT(r.float_test_accuracy, 0.6);
  ASSERT_EQ(r.history.size(), 3u);
  EXPECT_FALSE(r.history[0].quantized);
  EXPECT_TRUE(r.history[2].quantized);
  EXPECT_GT(r.history[2].activation_clip, 0.0);
  EXPECT_LT(r.history[2].loss, r.history[0].loss);
  EXPECT_LE(r.fc1_range.min, r.fc1_range.q_low);
  EXPECT_LE(r.fc1_range.q_low, r.fc1_range.q_high);
  EXPECT_LE(r.fc1_range.q_high, r.fc1_range.max);
  EXPECT_GE(r.fc1_range.bits, r.fc1_range.quantile_bits);
  EXPECT_LT(r.fc1_range.max - r.fc1_range.min + 1, std::int64_t{1} << r.fc1_range.bits);
  const std::string report = train_report_json(small_config(), r, "synthetic");
  EXPECT_NE(report.find("\"float_accuracy\": "), std::string::npos);
  EXPECT_NE(report.find("\"quantized_accuracy\": "), std::string::npos);
  EXPECT_NE(report.find("\"history\": ["), std::string::npos);
}

TEST_F(TrainerSynthetic, ExportedFileGivesTheReportedAccuracy) {
  const auto path = temp_dir("export") / "model.json";
  write_file_atomically(path, model_to_json(result_->model));
  const QuantizedModel loaded = load_model(path);
  EXPECT_EQ(quantized_accuracy(loaded, *test_), result_->quantized_test_accuracy);
  EXPECT_EQ(fast_quantized_accuracy(loaded, *test_), result_->quantized_test_accuracy);
  EXPECT_EQ(result_->fast_quantized_test_accuracy, result_->quantized_test_accuracy);
  // The last epoch's figure is the same model's.
  EXPECT_EQ(result_->history.back().quantized_test_accuracy, result_->quantized_test_accuracy);
  // No temporary file left behind.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(path.parent_path())) {
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(TrainerSynthetic, RespectsBitWidths) {
  const QuantizedModel m = parse_model_json(model_to_json(result_->model), "trained");
  const TrainConfig cfg = small_config();
  EXPECT_EQ(m.input_shape, (compiler::Shape{144}));
  EXPECT_EQ(m.input.bits, cfg.input_bits);
  EXPECT_FALSE(m.input.is_signed);
  ASSERT_EQ(m.layers.size(), 2u);
  const auto& fc1 = std::get<DenseLayer>(m.layers[0].op);
  const auto& fc2 = std::get<DenseLayer>(m.layers[1].op);
  EXPECT_EQ(fc1.units, cfg.hidden);
  EXPECT_EQ(fc1.weight_bits, cfg.weight_bits);
  EXPECT_EQ(fc1.weight_scales.size(), 1u);
  EXPECT_EQ(fc1.activation, Activation::kRelu);
  ASSERT_TRUE(fc1.output.has_value());
  EXPECT_EQ(fc1.output->bits, cfg.act_bits);
  EXPECT_EQ(fc1.output->zero_point, 0);
  EXPECT_EQ(fc2.units, 10u);
  EXPECT_EQ(fc2.weight_scales.size(), 1u);
  EXPECT_FALSE(fc2.output.has_value());
  const std::int64_t lim1 = (std::int64_t{1} << (cfg.weight_bits - 1)) - 1;
  for (std::int64_t w : fc1.weights) EXPECT_LE(std::abs(w), lim1);
  for (std::int64_t w : fc2.weights) EXPECT_LE(std::abs(w), lim1);
  EXPECT_EQ(fc1.weights.size(), cfg.hidden * 144);
  EXPECT_EQ(fc2.weights.size(), 10 * cfg.hidden);
}

TEST(TrainerDeterminism, SameSeedSameBytes) {
  const ImageDataset train = synthetic(300, 3), test = synthetic(100, 4);
  TrainConfig cfg = small_config();
  cfg.epochs = 2;
  cfg.threads = 2;  // the parallel paths (augmentation, Eigen's products) too
  const std::string a = model_to_json(train_mlp(train, test, cfg, {}).model);
  const std::string b = model_to_json(train_mlp(train, test, cfg, {}).model);
  EXPECT_EQ(a, b);
  cfg.seed = 8;
  const std::string c = model_to_json(train_mlp(train, test, cfg, {}).model);
  EXPECT_NE(a, c);
}

TEST(TrainerDeterminism, PerChannelScales) {
  const ImageDataset train = synthetic(300, 3), test = synthetic(100, 4);
  TrainConfig cfg = small_config();
  cfg.epochs = 2;
  cfg.per_channel_scales = true;
  cfg.snap_epochs = 0;
  cfg.range_penalty = 1e-3;
  cfg.acc_bits = 8;
  const TrainResult r = train_mlp(train, test, cfg, {});
  const auto& fc1 = std::get<DenseLayer>(r.model.layers[0].op);
  EXPECT_EQ(fc1.weight_scales.size(), cfg.hidden);
  EXPECT_EQ(quantized_accuracy(r.model, test), r.quantized_test_accuracy);
  EXPECT_EQ(r.fast_quantized_test_accuracy, r.quantized_test_accuracy);
}

TEST(TrainerDeterminism, SnappedStepIsAPowerOfTwoAndRoundsExactly) {
  const ImageDataset train = synthetic(300, 3), test = synthetic(100, 4);
  TrainConfig cfg = small_config();
  cfg.epochs = 3;
  cfg.snap_epochs = 1;
  cfg.acc_noise = 0.2;
  const TrainResult r = train_mlp(train, test, cfg, {});
  const QuantizedModel& m = r.model;
  const auto& fc1 = std::get<DenseLayer>(m.layers[0].op);
  ASSERT_EQ(fc1.weight_scales.size(), 1u);
  const double acc_scale = m.input.scale * fc1.weight_scales[0];
  const double step = fc1.output->scale / acc_scale;
  const int k = static_cast<int>(std::lround(std::log2(step)));
  EXPECT_NEAR(step, std::ldexp(1.0, k), 1e-9 * step);
  // The lookup's requantization equals the activation level of round_k (half up): rounding
  // the accumulator to its top bits loses nothing.
  ASSERT_GE(k, 1);
  for (std::int64_t v = r.fc1_range.min - 64; v <= r.fc1_range.max + 64; ++v) {
    const std::int64_t level =
        fc1.output->quantize(std::max(0.0, acc_scale * static_cast<double>(v)));
    const std::int64_t rounded = (v + (std::int64_t{1} << (k - 1))) >> k;  // floor division
    EXPECT_EQ(level, std::clamp<std::int64_t>(rounded, 0, fc1.output->max())) << v;
  }
  EXPECT_EQ(quantized_accuracy(m, test), r.quantized_test_accuracy);
  EXPECT_EQ(r.fast_quantized_test_accuracy, r.quantized_test_accuracy);
  // Deterministic with the noise on, and the noise changes the model.
  EXPECT_EQ(model_to_json(train_mlp(train, test, cfg, {}).model), model_to_json(m));
  cfg.acc_noise = 0;
  EXPECT_NE(model_to_json(train_mlp(train, test, cfg, {}).model), model_to_json(m));
  // Snapping needs one fc1 scale.
  cfg.per_channel_scales = true;
  EXPECT_THROW(train_mlp(train, test, cfg, {}), InvalidArgument);
}

TEST(TrainerDeterminism, RefusesBadInput) {
  const ImageDataset train = synthetic(50, 3);
  TrainConfig cfg = small_config();
  cfg.weight_bits = 1;
  EXPECT_THROW(train_mlp(train, train, cfg, {}), InvalidArgument);
  cfg = small_config();
  ImageDataset bad = train;
  bad.labels[3] = 10;
  EXPECT_THROW(train_mlp(bad, train, cfg, {}), InvalidArgument);
  EXPECT_THROW(train_mlp(ImageDataset{}, train, cfg, {}), InvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Real digits, when present: the committed 300-digit MNIST sample (200 to train, 100 to test)
// and Debian's Fashion-MNIST (dataset-fashion-mnist; 1,000 to train, 500 to test).

ImageDataset slice(const ImageDataset& d, std::size_t first, std::size_t count) {
  ImageDataset out;
  out.rows = d.rows;
  out.cols = d.cols;
  out.pixels.assign(
      d.pixels.begin() + static_cast<std::ptrdiff_t>(first * d.image_size()),
      d.pixels.begin() + static_cast<std::ptrdiff_t>((first + count) * d.image_size()));
  out.labels.assign(d.labels.begin() + static_cast<std::ptrdiff_t>(first),
                    d.labels.begin() + static_cast<std::ptrdiff_t>(first + count));
  return out;
}

TEST(TrainerRealData, MnistSample) {
  const std::filesystem::path dir =
      std::filesystem::path(LUTFHE_SOURCE_DIR) / "tests" / "data" / "mnist-sample";
  if (!std::filesystem::exists(dir / "t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "no MNIST sample at " << dir;
  }
  const ImageDataset all = load_image_dataset(dir, Split::kTest);
  ASSERT_GE(all.size(), 300u);
  TrainConfig cfg;
  cfg.hidden = 32;
  cfg.epochs = 6;
  cfg.float_epochs = 1;
  cfg.batch_size = 16;
  cfg.threads = 1;
  const TrainResult r = train_mlp(slice(all, 0, 200), slice(all, 200, 100), cfg, {});
  RecordProperty("quantized_accuracy", std::to_string(r.quantized_test_accuracy));
  EXPECT_GT(r.quantized_test_accuracy, 0.5) << "chance is 0.1";
  EXPECT_EQ(r.quantized_test_accuracy, r.fast_quantized_test_accuracy);
}

TEST(TrainerRealData, FashionSubset) {
  const std::filesystem::path dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no Fashion-MNIST at " << dir;
  const ImageDataset train = load_image_dataset(dir, Split::kTrain, 1000);
  const ImageDataset test = load_image_dataset(dir, Split::kTest, 500);
  TrainConfig cfg;
  cfg.hidden = 32;
  cfg.epochs = 2;
  cfg.float_epochs = 1;
  cfg.batch_size = 16;
  cfg.threads = 1;
  const TrainResult r = train_mlp(train, test, cfg, {});
  RecordProperty("quantized_accuracy", std::to_string(r.quantized_test_accuracy));
  EXPECT_GT(r.quantized_test_accuracy, 0.55) << "chance is 0.1";
  EXPECT_EQ(r.quantized_test_accuracy, r.fast_quantized_test_accuracy);
}

}  // namespace
}  // namespace lutfhe::testing
