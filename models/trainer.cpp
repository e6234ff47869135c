// The training loop of train_mlp (models/trainer.hpp): seeded shuffling and augmentation, the
// float warm-up then fake-quantized epochs with the straight-through estimator, the PACT clip,
// the accumulator, range and centre penalties, Adam with cosine learning-rate decay. The network
// under fake quantization is models/internal/qat_network.hpp.
#include "models/trainer.hpp"

#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "models/internal/augmentation.hpp"
#include "models/internal/qat_network.hpp"

namespace lutfhe::models {
namespace {

using augmentation::Affine;
using augmentation::warp;
using qat::Effective;
using qat::effective_weights;
using qat::export_model;
using qat::float_test_accuracy;
using qat::hidden_activations;
using qat::input_params;
using qat::MatF;
using qat::Net;
using qat::out_bits;
using qat::pixel_block;
using qat::RowMatF;
using qat::unsigned_max;
using qat::VecF;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Uniform doubles and indices from mt19937_64, whose output sequence the standard fixes, by
// our own conversions (the standard distributions differ between libraries).
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  std::size_t index(std::size_t n) { return static_cast<std::size_t>(engine_() % n); }
  // Standard normal by Box–Muller (both values of a pair, in order).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    const double rad = std::sqrt(-2.0 * std::log(u1));
    spare_ = rad * std::sin(2 * std::numbers::pi * u2);
    has_spare_ = true;
    return rad * std::cos(2 * std::numbers::pi * u2);
  }
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[index(i)]);
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0;
  bool has_spare_ = false;
};

struct Adam {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  long t = 0;
};

template <class M>
struct Moments {
  M m, v;
  explicit Moments(const M& like) : m(M::Zero(like.rows(), like.cols())), v(m) {}
};

template <class M>
void adam_step(M& p, const M& g, Moments<M>& mo, const Adam& a, double lr, double decay) {
  const float b1 = static_cast<float>(a.beta1), b2 = static_cast<float>(a.beta2);
  mo.m = b1 * mo.m + (1 - b1) * g;
  mo.v = b2 * mo.v + (1 - b2) * g.cwiseProduct(g);
  const double c1 = 1 - std::pow(a.beta1, static_cast<double>(a.t));
  const double c2 = 1 - std::pow(a.beta2, static_cast<double>(a.t));
  const float step = static_cast<float>(lr / c1);
  const float inv_c2 = static_cast<float>(1 / c2);
  const float eps = static_cast<float>(a.eps);
  if (decay > 0) p *= static_cast<float>(1 - lr * decay);
  p.array() -= step * mo.m.array() / ((mo.v.array() * inv_c2).sqrt() + eps);
}

void check_config(const TrainConfig& cfg) {
  const auto need = [](bool ok, const std::string& what) {
    if (!ok) throw InvalidArgument("train: " + what);
  };
  need(cfg.input_bits >= 1 && cfg.input_bits <= 8, "input bits must be in 1..8");
  need(cfg.weight_bits >= 2 && cfg.weight_bits <= 8, "weight bits must be in 2..8");
  need(out_bits(cfg) >= 2 && out_bits(cfg) <= 8, "output weight bits must be in 2..8");
  need(cfg.act_bits >= 1 && cfg.act_bits <= 8, "activation bits must be in 1..8");
  need(cfg.hidden >= 1, "hidden units must be at least 1");
  need(cfg.batch_size >= 1, "batch size must be at least 1");
  need(cfg.classes >= 2, "at least 2 classes");
  need(cfg.acc_bits <= 30, "accumulator bits must be at most 30");
  need(cfg.acc_noise >= 0, "accumulator noise must be non-negative");
  need(cfg.center_penalty >= 0, "centre penalty must be non-negative");
  need(cfg.snap_epochs == 0 || !cfg.per_channel_scales,
       "snapping the activation step needs one fc1 weight scale (no per-channel scales)");
}

void check_data(const ImageDataset& d, const TrainConfig& cfg, const char* what) {
  if (d.size() == 0) throw InvalidArgument(std::string("train: the ") + what + " set is empty");
  if (d.pixels.size() != d.size() * d.image_size()) {
    throw InvalidArgument(std::string("train: the ") + what + " set has " +
                          std::to_string(d.pixels.size()) + " pixels for " +
                          std::to_string(d.size()) + " images of " + std::to_string(d.rows) + "x" +
                          std::to_string(d.cols));
  }
  for (std::uint8_t l : d.labels) {
    if (l >= cfg.classes) {
      throw InvalidArgument(std::string("train: the ") + what + " set has label " +
                            std::to_string(l) + ", expected fewer than " +
                            std::to_string(cfg.classes) + " classes");
    }
  }
}

}  // namespace

TrainResult train_mlp(const ImageDataset& train, const ImageDataset& test, const TrainConfig& cfg,
                      const TrainCallbacks& callbacks) {
  check_config(cfg);
  check_data(train, cfg, "training");
  check_data(test, cfg, "test");
  if (test.rows != train.rows || test.cols != train.cols) {
    throw InvalidArgument("train: training images are " + std::to_string(train.rows) + "x" +
                          std::to_string(train.cols) + ", test images " +
                          std::to_string(test.rows) + "x" + std::to_string(test.cols));
  }
  const Clock::time_point start = Clock::now();
  const int threads = cfg.threads > 0 ? cfg.threads : omp_get_max_threads();
  Eigen::setNbThreads(threads);
  const std::size_t d = train.image_size();
  const auto hidden = static_cast<Eigen::Index>(cfg.hidden);
  const auto classes = static_cast<Eigen::Index>(cfg.classes);
  const auto inputs = static_cast<Eigen::Index>(d);
  const QuantParams input = input_params(cfg.input_bits);

  Random rng(cfg.seed);
  Net net;
  const auto init = [&rng](RowMatF& w, Eigen::Index rows, Eigen::Index cols, double limit) {
    w.resize(rows, cols);
    for (Eigen::Index r = 0; r < rows; ++r) {
      for (Eigen::Index c = 0; c < cols; ++c) {
        w(r, c) = static_cast<float>(rng.uniform(-limit, limit));
      }
    }
  };
  init(net.w1, hidden, inputs, std::sqrt(6.0 / static_cast<double>(inputs)));
  init(net.w2, classes, hidden, std::sqrt(6.0 / static_cast<double>(hidden + classes)));
  net.b1 = VecF::Zero(hidden);
  net.b2 = VecF::Zero(classes);
  net.clip = 1e9f;  // unclipped relu during the float warm-up

  Moments<RowMatF> mw1(net.w1), mw2(net.w2);
  Moments<VecF> mb1(net.b1), mb2(net.b2);
  double clip_m = 0, clip_v = 0;
  Adam adam;

  const bool augment = cfg.max_shift > 0 || cfg.max_rotation > 0 || cfg.max_scale > 0;
  const std::size_t batches = (train.size() + cfg.batch_size - 1) / cfg.batch_size;
  const double total_steps = static_cast<double>(batches * cfg.epochs);
  std::vector<std::size_t> order(train.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const float acc_limit =
      cfg.acc_bits ? static_cast<float>(std::int64_t{1} << (cfg.acc_bits - 1)) : 0.0f;

  TrainResult result;
  for (std::size_t epoch = 0; epoch < cfg.epochs; ++epoch) {
    const Clock::time_point epoch_start = Clock::now();
    const bool quantized = epoch >= cfg.float_epochs;
    if (quantized && epoch == cfg.float_epochs) {
      // Start the clip at the 99th percentile of the positive float activations.
      const std::size_t n = std::min<std::size_t>(train.size(), 2000);
      const MatF x = pixel_block(train, 0, n, &input);
      const MatF z = (net.w1 * x).colwise() + net.b1;
      std::vector<float> pos;
      for (Eigen::Index i = 0; i < z.size(); ++i) {
        if (z.data()[i] > 0) pos.push_back(z.data()[i]);
      }
      float clip = 1.0f;
      if (!pos.empty()) {
        const auto k = static_cast<std::size_t>(0.99 * static_cast<double>(pos.size() - 1));
        std::nth_element(pos.begin(), pos.begin() + static_cast<std::ptrdiff_t>(k), pos.end());
        clip = std::max(pos[k], 1e-3f);
      }
      net.clip = clip;
    }
    if (quantized && cfg.snap_epochs > 0 && !net.snapped && epoch + cfg.snap_epochs >= cfg.epochs) {
      // Snap the activation step to the nearest power of two in accumulator units; the
      // remaining epochs fine-tune with it fixed.
      const Effective e = effective_weights(net, cfg, true);
      const double step = e.act_scale / (input.scale * e.s1.front());
      net.snap_k = static_cast<int>(std::lround(std::log2(step)));
      net.snapped = true;
    }
    rng.shuffle(order);
    double loss_sum = 0;
    std::size_t correct = 0;
    for (std::size_t b = 0; b < batches; ++b) {
      const std::size_t first = b * cfg.batch_size;
      const std::size_t n = std::min(cfg.batch_size, train.size() - first);
      std::vector<Affine> aff(n);
      if (augment) {
        for (Affine& a : aff) {
          a.dx = rng.uniform(-cfg.max_shift, cfg.max_shift);
          a.dy = rng.uniform(-cfg.max_shift, cfg.max_shift);
          a.angle = rng.uniform(-cfg.max_rotation, cfg.max_rotation) * std::numbers::pi / 180;
          a.scale = 1 + rng.uniform(-cfg.max_scale, cfg.max_scale);
        }
      }
      MatF x(inputs, static_cast<Eigen::Index>(n));
#pragma omp parallel for num_threads(threads) schedule(static)
      for (std::ptrdiff_t j = 0; j < static_cast<std::ptrdiff_t>(n); ++j) {
        const std::size_t item = order[first + static_cast<std::size_t>(j)];
        float* col = x.col(j).data();
        if (augment) {
          warp(train.image(item), train.rows, train.cols, aff[static_cast<std::size_t>(j)], col);
        } else {
          const auto img = train.image(item);
          for (std::size_t i = 0; i < d; ++i) col[i] = static_cast<float>(img[i] / 255.0);
        }
        if (quantized) {
          for (std::size_t i = 0; i < d; ++i) {
            col[i] = static_cast<float>(input.dequantize(input.quantize(col[i])));
          }
        }
      }
      const Effective e = effective_weights(net, cfg, quantized);
      if (net.snapped) net.clip = e.clip;
      const MatF z0 = (e.w1 * x).colwise() + e.b1;  // noiseless, for the penalties
      MatF z = z0;
      if (quantized && cfg.acc_noise > 0) {
        // The encrypted lookup reads its table at a noisy accumulator: train with that noise.
        const float sigma = static_cast<float>(cfg.acc_noise * e.act_scale);
        for (Eigen::Index i = 0; i < z.size(); ++i) {
          z.data()[i] += sigma * static_cast<float>(rng.normal());
        }
      }
      const MatF y = hidden_activations(z, e.clip, cfg, quantized);
      const MatF logits = (e.w2 * y).colwise() + e.b2;
      // Softmax cross-entropy; its gradient, averaged over the batch.
      MatF g(classes, static_cast<Eigen::Index>(n));
      const float inv_n = 1.0f / static_cast<float>(n);
      for (Eigen::Index j = 0; j < static_cast<Eigen::Index>(n); ++j) {
        const std::uint8_t label = train.labels[order[first + static_cast<std::size_t>(j)]];
        Eigen::Index best = 0;
        const float mx = logits.col(j).maxCoeff(&best);
        if (static_cast<std::size_t>(best) == label) ++correct;
        const VecF ex = (logits.col(j).array() - mx).exp();
        const float sum = ex.sum();
        loss_sum += static_cast<double>(std::log(sum) - (logits(label, j) - mx));
        g.col(j) = ex * (inv_n / sum);
        g(label, j) -= inv_n;
      }
      const RowMatF gw2 = g * y.transpose();
      const VecF gb2 = g.rowwise().sum();
      MatF gy = e.w2.transpose() * g;
      // Straight-through: the gradient passes the rounding and stops where the clip acts;
      // the clip receives what passes above it (PACT).
      double gclip = 0;
      for (Eigen::Index i = 0; i < gy.size(); ++i) {
        const float zi = z.data()[i];
        if (zi <= 0) {
          gy.data()[i] = 0;
        } else if (zi >= e.clip) {
          gclip += static_cast<double>(gy.data()[i]);
          gy.data()[i] = 0;
        }
      }
      if (quantized && cfg.acc_bits) {
        // Penalty on accumulators (integer units) beyond ±acc_limit.
        const float k = static_cast<float>(2 * cfg.accumulator_penalty) /
                        static_cast<float>(static_cast<double>(n) * static_cast<double>(hidden));
        for (Eigen::Index j = 0; j < gy.cols(); ++j) {
          for (Eigen::Index o = 0; o < hidden; ++o) {
            const float a = z0(o, j) / e.acc_scale1(o);
            const float excess = std::abs(a) - acc_limit;
            if (excess > 0) gy(o, j) += k * excess * (a > 0 ? 1.0f : -1.0f) / e.acc_scale1(o);
          }
        }
      }
      if (quantized && cfg.range_penalty > 0) {
        // Penalty on pre-activations (in activation steps) outside the window the table
        // distinguishes, widened by range_margin clips on each side.
        const float step = static_cast<float>(e.act_scale);
        const float lo = -static_cast<float>(cfg.range_margin) * e.clip;
        const float hi = e.clip - lo;
        const float k = static_cast<float>(2 * cfg.range_penalty) /
                        (step * step *
                         static_cast<float>(static_cast<double>(n) * static_cast<double>(hidden)));
        for (Eigen::Index i = 0; i < gy.size(); ++i) {
          const float zi = z0.data()[i];
          if (zi < lo) gy.data()[i] += k * (zi - lo);
          if (zi > hi) gy.data()[i] += k * (zi - hi);
        }
      }
      if (quantized && cfg.center_penalty > 0) {
        // Penalty center_penalty · mean(sin²(π·d)) on the pre-activations within the levels
        // [0, clip], d = z/step − round(z/step): away from the thresholds between levels, where
        // the lookup's noise flips the level.
        const float inv_step = static_cast<float>(1 / e.act_scale);
        const float top = static_cast<float>(unsigned_max(cfg.act_bits));
        const float k = static_cast<float>(cfg.center_penalty * std::numbers::pi) * inv_step /
                        static_cast<float>(static_cast<double>(n) * static_cast<double>(hidden));
        const auto two_pi = static_cast<float>(2 * std::numbers::pi);
        for (Eigen::Index i = 0; i < gy.size(); ++i) {
          const float t = z0.data()[i] * inv_step;
          if (t > 0 && t < top) gy.data()[i] += k * std::sin(two_pi * (t - std::round(t)));
        }
      }
      const RowMatF gw1 = gy * x.transpose();
      const VecF gb1 = gy.rowwise().sum();

      ++adam.t;
      const double progress = static_cast<double>(epoch * batches + b) / total_steps;
      const double lr = cfg.learning_rate *
                        (cfg.final_lr_fraction + (1 - cfg.final_lr_fraction) * 0.5 *
                                                     (1 + std::cos(std::numbers::pi * progress)));
      adam_step(net.w1, gw1, mw1, adam, lr, cfg.weight_decay);
      adam_step(net.b1, gb1, mb1, adam, lr, 0);
      adam_step(net.w2, gw2, mw2, adam, lr, cfg.weight_decay);
      adam_step(net.b2, gb2, mb2, adam, lr, 0);
      if (quantized && !net.snapped) {
        clip_m = adam.beta1 * clip_m + (1 - adam.beta1) * gclip;
        clip_v = adam.beta2 * clip_v + (1 - adam.beta2) * gclip * gclip;
        const double mhat = clip_m / (1 - std::pow(adam.beta1, static_cast<double>(adam.t)));
        const double vhat = clip_v / (1 - std::pow(adam.beta2, static_cast<double>(adam.t)));
        const double c = static_cast<double>(net.clip) - lr * mhat / (std::sqrt(vhat) + adam.eps);
        net.clip = static_cast<float>(std::max(c, 1e-3));
      }
      if (callbacks.step) callbacks.step(b + 1, batches);
    }
    EpochReport rep;
    rep.epoch = epoch + 1;
    rep.quantized = quantized;
    rep.loss = loss_sum / static_cast<double>(train.size());
    rep.train_accuracy = static_cast<double>(correct) / static_cast<double>(train.size());
    if (net.snapped) net.clip = effective_weights(net, cfg, true).clip;
    rep.float_test_accuracy = float_test_accuracy(net, test, cfg);
    Net exported = net;
    if (!quantized) {
      // During the warm-up the clip is not yet set; export as the next epoch would start.
      exported.clip = 1.0f;
    }
    rep.quantized_test_accuracy = fast_quantized_accuracy(export_model(exported, cfg, d), test);
    rep.activation_clip = quantized ? static_cast<double>(net.clip) : 0.0;
    rep.seconds = seconds_since(epoch_start);
    result.history.push_back(rep);
    if (callbacks.epoch) callbacks.epoch(rep);
  }
  if (cfg.epochs <= cfg.float_epochs) net.clip = 1.0f;
  result.model = export_model(net, cfg, d);
  result.float_test_accuracy = float_test_accuracy(net, test, cfg);
  result.fast_quantized_test_accuracy = fast_quantized_accuracy(result.model, test);
  result.quantized_test_accuracy = quantized_accuracy(result.model, test);
  result.fc1_range = fc1_accumulator_range(result.model, train);
  result.seconds = seconds_since(start);
  return result;
}

}  // namespace lutfhe::models
