// `lutfhe train mnist`: quantization-aware training of an MLP on MNIST (or Fashion-MNIST) with
// models/trainer.hpp, written as the project's model file plus a sidecar report
// (<out>.train.json: config, seed, per-epoch history, float and quantized accuracy, fc1
// accumulator range).
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/progress.hpp"
#include "core/atomic_file.hpp"
#include "models/dataset.hpp"
#include "models/model_file.hpp"
#include "models/trainer.hpp"

namespace lutfhe::cli {
namespace {

constexpr const char* kFashionDir = "/usr/share/datasets/fashion-mnist";

struct TrainCommand {
  models::TrainConfig cfg;
  std::string dataset = "mnist";
  std::string data;
  std::string out = "model.json";
  std::size_t train_count = 0;
  std::size_t test_count = 0;
  bool no_augment = false;
  bool quiet = false;
};

std::string fmt_default(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

std::string percent(double x) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * x);
  return buf;
}

int run_train(TrainCommand c) {
  if (c.dataset != "mnist" && c.dataset != "fashion") {
    throw UsageError("--dataset " + c.dataset + ": use mnist or fashion");
  }
  const std::string dir =
      !c.data.empty() ? c.data : (c.dataset == "fashion" ? kFashionDir : "data/mnist");
  if (c.no_augment) c.cfg.max_shift = c.cfg.max_rotation = c.cfg.max_scale = 0;
  if (c.cfg.name.empty()) c.cfg.name = c.dataset + "_mlp";
  // The output directory is made before training, so that a bad --out fails at once.
  const std::filesystem::path parent = std::filesystem::path(c.out).parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
    std::filesystem::create_directories(parent, ec);
    if (ec)
      throw UsageError("--out " + c.out + ": cannot create " + parent.string() + ": " +
                       ec.message());
  }

  const models::ImageDataset train =
      models::load_image_dataset(dir, models::Split::kTrain, c.train_count);
  const models::ImageDataset test =
      models::load_image_dataset(dir, models::Split::kTest, c.test_count);
  std::printf(
      "lutfhe train: %s (%s): %zu training, %zu test images of %zux%zu; MLP %zu-%zu-%zu, "
      "inputs %u bits, weights %u/%u bits, activations %u bits, %zu epochs (%zu float), seed "
      "%llu\n",
      c.dataset.c_str(), dir.c_str(), train.size(), test.size(), train.rows, train.cols,
      train.image_size(), c.cfg.hidden, c.cfg.classes, c.cfg.input_bits, c.cfg.weight_bits,
      c.cfg.out_weight_bits ? c.cfg.out_weight_bits : c.cfg.weight_bits, c.cfg.act_bits,
      c.cfg.epochs, std::min(c.cfg.float_epochs, c.cfg.epochs),
      static_cast<unsigned long long>(c.cfg.seed));
  std::printf("%5s %6s %8s %9s %9s %9s %7s %7s\n", "epoch", "mode", "loss", "train", "float",
              "quant", "clip", "s");
  std::fflush(stdout);

  const bool bars = progress_wanted(c.quiet);
  std::unique_ptr<ProgressBar> bar;
  models::TrainCallbacks callbacks;
  std::size_t epoch = 0;
  callbacks.step = [&](std::size_t done, std::size_t total) {
    if (!bar) {
      bar = std::make_unique<ProgressBar>(
          "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(c.cfg.epochs), bars);
    }
    bar->update(done, total);
  };
  callbacks.epoch = [&](const models::EpochReport& r) {
    if (bar) bar->finish();
    bar.reset();
    ++epoch;
    std::printf("%5zu %6s %8.4f %9s %9s %9s %7.3f %7.1f\n", r.epoch, r.quantized ? "qat" : "float",
                r.loss, percent(r.train_accuracy).c_str(), percent(r.float_test_accuracy).c_str(),
                percent(r.quantized_test_accuracy).c_str(), r.activation_clip, r.seconds);
    std::fflush(stdout);
  };
  const models::TrainResult result = models::train_mlp(train, test, c.cfg, callbacks);

  const std::string sidecar = c.out + ".train.json";
  write_file_atomically(c.out, models::model_to_json(result.model));
  write_file_atomically(sidecar, models::train_report_json(c.cfg, result, c.dataset));
  const models::AccumulatorRange& a = result.fc1_range;
  std::printf("float test accuracy:     %s\n", percent(result.float_test_accuracy).c_str());
  std::printf(
      "quantized test accuracy: %s (exported model, clear evaluator; trainer's integer "
      "path %s)\n",
      percent(result.quantized_test_accuracy).c_str(),
      percent(result.fast_quantized_test_accuracy).c_str());
  std::printf(
      "fc1 accumulator over the training set: [%lld, %lld] (%u bits), 0.01%%..99.99%% "
      "quantiles [%lld, %lld] (%u bits)\n",
      static_cast<long long>(a.min), static_cast<long long>(a.max), a.bits,
      static_cast<long long>(a.q_low), static_cast<long long>(a.q_high), a.quantile_bits);
  std::printf("trained in %.1f s; wrote %s and %s\n", result.seconds, c.out.c_str(),
              sidecar.c_str());
  if (result.quantized_test_accuracy != result.fast_quantized_test_accuracy) {
    std::fprintf(stderr,
                 "lutfhe: warning: the trainer's integer inference disagrees with the clear "
                 "evaluator\n");
  }
  return kExitOk;
}

}  // namespace

void add_train_command(CLI::App& app, Action& action) {
  CLI::App* train = app.add_subcommand("train", "Train a quantized model (quantization-aware)");
  train->require_subcommand(1);
  auto o = std::make_shared<TrainCommand>();
  o->cfg.name.clear();
  CLI::App* cmd = train->add_subcommand(
      "mnist", "MLP inputs→hidden→10 on MNIST-layout IDX data, exported as a model file");
  models::TrainConfig& cfg = o->cfg;
  cmd->add_option(
      "--dataset", o->dataset,
      "mnist (default, --data data/mnist) or fashion (" + std::string(kFashionDir) + ")");
  cmd->add_option("--data", o->data, "Directory with the four IDX files (plain or .gz)");
  cmd->add_option("--out", o->out,
                  "Model file to write (default model.json; the report goes "
                  "to <out>.train.json)");
  cmd->add_option("--name", cfg.name, "Model name (default <dataset>_mlp)");
  cmd->add_option("--hidden", cfg.hidden, "Hidden units (default 128): one table lookup each")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--input-bits", cfg.input_bits, "Input bits (default 2; 1 = binarized)")
      ->check(CLI::Range(1, 8));
  cmd->add_option("--weight-bits", cfg.weight_bits, "fc1 weight bits, signed (default 3)")
      ->check(CLI::Range(2, 8));
  cmd->add_option("--out-weight-bits", cfg.out_weight_bits,
                  "fc2 weight bits (default: --weight-bits)")
      ->check(CLI::Range(2, 8));
  cmd->add_option("--act-bits", cfg.act_bits, "Hidden activation bits (default 3)")
      ->check(CLI::Range(1, 8));
  cmd->add_option("--epochs", cfg.epochs, "Epochs (default 40)");
  cmd->add_option("--float-epochs", cfg.float_epochs,
                  "Float warm-up epochs before fake quantization (default 2)");
  cmd->add_option("--batch-size", cfg.batch_size, "Mini-batch size (default 64)")
      ->check(CLI::Range(1, 65536));
  cmd->add_option("--lr", cfg.learning_rate, "Adam learning rate (default 0.003, cosine decay)");
  cmd->add_option("--weight-decay", cfg.weight_decay, "Decoupled weight decay (default 0)");
  cmd->add_option("--max-shift", cfg.max_shift, "Augmentation: shift in ± pixels (default 2)");
  cmd->add_option("--max-rotation", cfg.max_rotation,
                  "Augmentation: rotation in ± degrees (default 10)");
  cmd->add_option("--max-scale", cfg.max_scale, "Augmentation: scaling 1 ± this (default 0.1)");
  cmd->add_flag("--no-augment", o->no_augment, "No data augmentation");
  cmd->add_option("--acc-bits", cfg.acc_bits,
                  "Penalize fc1 accumulators outside ±2^(B-1) (default 0: off); narrower "
                  "accumulators need fewer rounding bootstraps")
      ->check(CLI::Range(0, 30));
  cmd->add_option("--acc-penalty", cfg.accumulator_penalty,
                  "Weight of the accumulator penalty (default 1e-4)");
  cmd->add_option("--range-penalty", cfg.range_penalty,
                  "Penalize fc1 pre-activations outside [-m*clip, (1+m)*clip] (default " +
                      fmt_default(cfg.range_penalty) + "; 0: off)");
  cmd->add_option("--range-margin", cfg.range_margin,
                  "m of --range-penalty (default " + fmt_default(cfg.range_margin) + ")");
  cmd->add_flag("--per-channel-scales", cfg.per_channel_scales,
                "One fc1 weight scale per hidden unit (default: one for the layer, a narrower "
                "accumulator); turns --snap-epochs off unless given");
  cmd->add_option("--acc-noise", cfg.acc_noise,
                  "Gaussian noise on fc1 pre-activations during quantized training, sigma in "
                  "activation steps (default " +
                      fmt_default(cfg.acc_noise) + "; 0: off)");
  CLI::Option* snap = cmd->add_option(
      "--snap-epochs", cfg.snap_epochs,
      "Fix the activation step at a power of two in accumulator units for the last N "
      "epochs (default " +
          std::to_string(cfg.snap_epochs) + "; 0: off)");
  cmd->add_option("--center-penalty", cfg.center_penalty,
                  "Penalize fc1 pre-activations near the thresholds between activation levels "
                  "(default " +
                      fmt_default(cfg.center_penalty) + "; 0: off)");
  cmd->add_option("--seed", cfg.seed,
                  "Random seed (default 1); same seed and threads give "
                  "the same model file");
  add_threads_option(cmd, cfg.threads, "OpenMP threads (default 1, fastest on a busy machine)");
  cmd->add_option("--train-count", o->train_count, "Use the first N training images (0: all)");
  cmd->add_option("--test-count", o->test_count, "Use the first N test images (0: all)");
  add_quiet_flag(cmd, o->quiet);
  cmd->callback([o, snap, &action] {
    // Snapping needs one fc1 scale: per-channel scales turn the default off.
    if (o->cfg.per_channel_scales && snap->count() == 0) o->cfg.snap_epochs = 0;
    action = [o] { return run_train(*o); };
  });
}

}  // namespace lutfhe::cli
