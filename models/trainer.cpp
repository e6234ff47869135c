#include "models/trainer.hpp"

#include <omp.h>
#include <unistd.h>

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <numbers>
#include <random>

#include "compiler/clear_evaluator.hpp"
#include "core/errors.hpp"
#include "core/file_format.hpp"
#include "core/json_text.hpp"
#include "models/lowering.hpp"

namespace lutfhe::models {
namespace {

using Clock = std::chrono::steady_clock;
// Activations and data: one sample per column. Weights: one output unit per row.
using MatF = Eigen::MatrixXf;
using RowMatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using VecF = Eigen::VectorXf;
using MatD = Eigen::MatrixXd;

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

std::int64_t signed_max(unsigned bits) {
  return (std::int64_t{1} << (bits - 1)) - 1;
}
std::int64_t unsigned_max(unsigned bits) {
  return (std::int64_t{1} << bits) - 1;
}

QuantParams input_params(unsigned bits) {
  QuantParams q;
  q.bits = bits;
  q.scale = 1.0 / static_cast<double>(unsigned_max(bits));
  return q;
}

// The scale of symmetric `bits`-bit quantization of `w` (qmax = 2^(bits−1) − 1 levels each
// side) with the least squared error, among clips at fractions of max|w|. Low-bit weights are
// better served by clipping the few large ones than by covering them.
double best_scale(const float* w, Eigen::Index n, unsigned bits) {
  const Eigen::Map<const Eigen::ArrayXf> a(w, n);
  const float qmax = static_cast<float>(signed_max(bits));
  const float m = a.abs().maxCoeff();
  if (!(m > 0)) return 1.0;
  double best = static_cast<double>(m / qmax);
  float best_err = -1;
  for (int step = 6; step <= 20; ++step) {
    const float s = m * (static_cast<float>(step) / 20.0f) / qmax;
    const float err = (a - (a * (1.0f / s)).round().max(-qmax).min(qmax) * s).square().sum();
    if (best_err < 0 || err < best_err) {
      best_err = err;
      best = static_cast<double>(s);
    }
  }
  return best;
}

std::int64_t quantize_weight(float w, double scale, unsigned bits) {
  const double q = std::round(static_cast<double>(w) / scale);
  const double m = static_cast<double>(signed_max(bits));
  return static_cast<std::int64_t>(std::clamp(q, -m, m));
}

struct Net {
  RowMatF w1;  // hidden × inputs
  VecF b1;
  RowMatF w2;  // classes × hidden
  VecF b2;
  float clip = 1.0f;  // PACT clip of the hidden activations
  // Once snapped, the activation step is 2^snap_k accumulator units: the clip follows the fc1
  // weight scale instead of being learned.
  bool snapped = false;
  int snap_k = 0;
};

// The weights as the network uses them in one step: float, or fake-quantized (integers times
// scales, biases rounded to accumulator units).
struct Effective {
  RowMatF w1;
  VecF b1;
  std::vector<double> s1;  // per hidden unit
  VecF acc_scale1;         // s_x · s1[o]
  RowMatF w2;
  VecF b2;
  double s2 = 1.0;
  double act_scale = 1.0;  // hidden activation step (real units)
  float clip = 1.0f;       // act_scale · (2^act_bits − 1), or the float model's clip
};

unsigned out_bits(const TrainConfig& cfg) {
  return cfg.out_weight_bits ? cfg.out_weight_bits : cfg.weight_bits;
}

double activation_scale(const TrainConfig& cfg, float clip) {
  return static_cast<double>(clip) / static_cast<double>(unsigned_max(cfg.act_bits));
}

// The activation step of a snapped model: 2^k accumulator units, less 2^-40 relative, so that an
// accumulator exactly halfway between two levels rounds up in the lookup's floating-point
// requantization (acc·s_x·s_w / step), as round_k does (compiler/README.md "Rounding").
double snapped_activation_scale(double acc_scale, int k) {
  return std::ldexp(acc_scale, k) * (1 - 0x1p-40);
}

Effective effective_weights(const Net& net, const TrainConfig& cfg, bool quantized) {
  Effective e;
  e.clip = net.clip;
  e.act_scale = activation_scale(cfg, net.clip);
  if (!quantized) {
    e.w1 = net.w1;
    e.b1 = net.b1;
    e.w2 = net.w2;
    e.b2 = net.b2;
    return e;
  }
  const double sx = input_params(cfg.input_bits).scale;
  const auto hidden = net.w1.rows();
  e.w1.resize(hidden, net.w1.cols());
  e.b1.resize(hidden);
  e.acc_scale1.resize(hidden);
  e.s1.resize(static_cast<std::size_t>(hidden));
  const double tensor_scale =
      cfg.per_channel_scales ? 0.0 : best_scale(net.w1.data(), net.w1.size(), cfg.weight_bits);
  for (Eigen::Index o = 0; o < hidden; ++o) {
    const double s = cfg.per_channel_scales
                         ? best_scale(net.w1.row(o).data(), net.w1.cols(), cfg.weight_bits)
                         : tensor_scale;
    e.s1[static_cast<std::size_t>(o)] = s;
    for (Eigen::Index i = 0; i < net.w1.cols(); ++i) {
      e.w1(o, i) = static_cast<float>(
          static_cast<double>(quantize_weight(net.w1(o, i), s, cfg.weight_bits)) * s);
    }
    const double acc_scale = sx * s;
    e.acc_scale1(o) = static_cast<float>(acc_scale);
    e.b1(o) =
        static_cast<float>(std::round(static_cast<double>(net.b1(o)) / acc_scale) * acc_scale);
  }
  const unsigned wb2 = out_bits(cfg);
  e.s2 = best_scale(net.w2.data(), net.w2.size(), wb2);
  e.w2.resize(net.w2.rows(), net.w2.cols());
  for (Eigen::Index o = 0; o < net.w2.rows(); ++o) {
    for (Eigen::Index i = 0; i < net.w2.cols(); ++i) {
      e.w2(o, i) =
          static_cast<float>(static_cast<double>(quantize_weight(net.w2(o, i), e.s2, wb2)) * e.s2);
    }
  }
  if (net.snapped) {
    e.act_scale = snapped_activation_scale(sx * e.s1.front(), net.snap_k);
    e.clip = static_cast<float>(e.act_scale * static_cast<double>(unsigned_max(cfg.act_bits)));
  }
  const double acc_scale2 = e.act_scale * e.s2;
  e.b2.resize(net.b2.size());
  for (Eigen::Index o = 0; o < net.b2.size(); ++o) {
    e.b2(o) =
        static_cast<float>(std::round(static_cast<double>(net.b2(o)) / acc_scale2) * acc_scale2);
  }
  return e;
}

// Hidden activations from pre-activations: relu clipped at `clip`, then (quantized)
// rounded to act_bits levels.
MatF hidden_activations(const MatF& z, float clip, const TrainConfig& cfg, bool quantized) {
  MatF y = z.cwiseMax(0.0f).cwiseMin(clip);
  if (quantized) {
    const float s = static_cast<float>(activation_scale(cfg, clip));
    const float inv = 1.0f / s;
    y = y.unaryExpr([s, inv](float v) { return std::round(v * inv) * s; });
  }
  return y;
}

// Pixel bytes of items [first, first + count) scaled to [0, 1], optionally input-quantized.
MatF pixel_block(const ImageDataset& data, std::size_t first, std::size_t count,
                 const QuantParams* input) {
  const std::size_t d = data.image_size();
  MatF x(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(count));
  for (std::size_t j = 0; j < count; ++j) {
    const auto img = data.image(first + j);
    for (std::size_t i = 0; i < d; ++i) {
      const double v = img[i] / 255.0;
      x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
          input ? static_cast<float>(input->dequantize(input->quantize(v))) : static_cast<float>(v);
    }
  }
  return x;
}

struct Affine {
  double dx = 0, dy = 0, angle = 0, scale = 1;
};

// Samples `img` (rows × cols bytes) under the inverse of "scale and rotate about the centre,
// then shift", bilinearly, zero outside; writes values in [0, 1] to `out`.
void warp(std::span<const std::uint8_t> img, std::size_t rows, std::size_t cols, const Affine& a,
          float* out) {
  const double cy = (static_cast<double>(rows) - 1) / 2, cx = (static_cast<double>(cols) - 1) / 2;
  const double c = std::cos(a.angle) / a.scale, s = std::sin(a.angle) / a.scale;
  const auto at = [&](long r, long col) -> double {
    if (r < 0 || col < 0 || r >= static_cast<long>(rows) || col >= static_cast<long>(cols)) {
      return 0.0;
    }
    return img[static_cast<std::size_t>(r) * cols + static_cast<std::size_t>(col)];
  };
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t col = 0; col < cols; ++col) {
      const double u = static_cast<double>(col) - cx - a.dx;
      const double v = static_cast<double>(r) - cy - a.dy;
      const double sx = c * u + s * v + cx;
      const double sy = -s * u + c * v + cy;
      const double fx = std::floor(sx), fy = std::floor(sy);
      const double tx = sx - fx, ty = sy - fy;
      const long x0 = static_cast<long>(fx), y0 = static_cast<long>(fy);
      const double val = (1 - ty) * ((1 - tx) * at(y0, x0) + tx * at(y0, x0 + 1)) +
                         ty * ((1 - tx) * at(y0 + 1, x0) + tx * at(y0 + 1, x0 + 1));
      out[r * cols + col] = static_cast<float>(val / 255.0);
    }
  }
}

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

double float_test_accuracy(const Net& net, const ImageDataset& data, const TrainConfig& cfg) {
  const Effective e = effective_weights(net, cfg, false);
  std::size_t correct = 0;
  constexpr std::size_t kChunk = 1000;
  for (std::size_t first = 0; first < data.size(); first += kChunk) {
    const std::size_t n = std::min(kChunk, data.size() - first);
    const MatF x = pixel_block(data, first, n, nullptr);
    const MatF z = (e.w1 * x).colwise() + e.b1;
    const MatF y = hidden_activations(z, net.clip, cfg, false);
    const MatF logits = (e.w2 * y).colwise() + e.b2;
    for (std::size_t j = 0; j < n; ++j) {
      Eigen::Index best = 0;
      logits.col(static_cast<Eigen::Index>(j)).maxCoeff(&best);
      if (static_cast<std::size_t>(best) == data.labels[first + j]) ++correct;
    }
  }
  return static_cast<double>(correct) / static_cast<double>(data.size());
}

QuantizedModel export_model(const Net& net, const TrainConfig& cfg, std::size_t inputs) {
  const Effective e = effective_weights(net, cfg, true);
  QuantizedModel m;
  m.name = cfg.name;
  m.input_shape = {inputs};
  m.input = input_params(cfg.input_bits);
  char desc[256];
  std::snprintf(desc, sizeof desc,
                "MLP %zu-%zu-%zu by quantization-aware training (lutfhe train): inputs %u bits, "
                "weights %u/%u bits, activations %u bits, seed %llu",
                inputs, cfg.hidden, cfg.classes, cfg.input_bits, cfg.weight_bits, out_bits(cfg),
                cfg.act_bits, static_cast<unsigned long long>(cfg.seed));
  m.description = desc;

  DenseLayer fc1;
  fc1.units = cfg.hidden;
  fc1.weight_bits = cfg.weight_bits;
  fc1.weight_scales = e.s1;
  if (!cfg.per_channel_scales) fc1.weight_scales.resize(1);
  fc1.activation = Activation::kRelu;
  QuantParams act;
  act.bits = cfg.act_bits;
  act.scale = e.act_scale;
  fc1.output = act;
  for (Eigen::Index o = 0; o < net.w1.rows(); ++o) {
    const double s = e.s1[static_cast<std::size_t>(o)];
    for (Eigen::Index i = 0; i < net.w1.cols(); ++i) {
      fc1.weights.push_back(quantize_weight(net.w1(o, i), s, cfg.weight_bits));
    }
    fc1.bias.push_back(static_cast<std::int64_t>(
        std::llround(static_cast<double>(net.b1(o)) / (m.input.scale * s))));
  }
  DenseLayer fc2;
  fc2.units = cfg.classes;
  fc2.weight_bits = out_bits(cfg);
  fc2.weight_scales = {e.s2};
  fc2.activation = Activation::kIdentity;
  for (Eigen::Index o = 0; o < net.w2.rows(); ++o) {
    for (Eigen::Index i = 0; i < net.w2.cols(); ++i) {
      fc2.weights.push_back(quantize_weight(net.w2(o, i), e.s2, fc2.weight_bits));
    }
    fc2.bias.push_back(static_cast<std::int64_t>(
        std::llround(static_cast<double>(net.b2(o)) / (act.scale * e.s2))));
  }
  m.layers.push_back({"fc1", std::move(fc1)});
  m.layers.push_back({"fc2", std::move(fc2)});
  validate(m);
  return m;
}

// The two dense layers of a train_mlp model, or InvalidArgument.
std::pair<const DenseLayer*, const DenseLayer*> mlp_layers(const QuantizedModel& model) {
  if (model.layers.size() != 2) {
    throw InvalidArgument("model '" + model.name + "': expected two dense layers");
  }
  const auto* fc1 = std::get_if<DenseLayer>(&model.layers[0].op);
  const auto* fc2 = std::get_if<DenseLayer>(&model.layers[1].op);
  if (!fc1 || !fc2 || !fc1->output || fc2->output) {
    throw InvalidArgument("model '" + model.name +
                          "': expected dense(output quantized) then dense(no output)");
  }
  return {fc1, fc2};
}

MatD int_matrix(const std::vector<std::int64_t>& v, std::size_t rows, std::size_t cols) {
  MatD m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
          static_cast<double>(v[r * cols + c]);
    }
  }
  return m;
}

// fc1 integer accumulators (hidden × count) of items [first, first + count). Doubles hold the
// integers exactly (|acc| < 2^53 for any valid model of this shape).
MatD fc1_accumulators(const QuantizedModel& model, const DenseLayer& fc1, const MatD& w1,
                      const ImageDataset& data, std::size_t first, std::size_t count) {
  const std::size_t d = data.image_size();
  MatD x(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(count));
  std::array<double, 256> q{};
  for (int p = 0; p < 256; ++p) {
    q[static_cast<std::size_t>(p)] =
        static_cast<double>(model.input.quantize(p / 255.0) - model.input.zero_point);
  }
  for (std::size_t j = 0; j < count; ++j) {
    const auto img = data.image(first + j);
    for (std::size_t i = 0; i < d; ++i) {
      x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = q[img[i]];
    }
  }
  MatD acc = w1 * x;
  for (Eigen::Index o = 0; o < acc.rows(); ++o) {
    acc.row(o).array() += static_cast<double>(fc1.bias[static_cast<std::size_t>(o)]);
  }
  return acc;
}

unsigned width_bits(std::int64_t lo, std::int64_t hi) {
  unsigned b = 0;
  const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
  while (b < 64 && (std::uint64_t{1} << b) < span) ++b;
  return b;
}

}  // namespace

double fast_quantized_accuracy(const QuantizedModel& model, const ImageDataset& data) {
  const auto [fc1, fc2] = mlp_layers(model);
  const std::size_t d = data.image_size();
  const MatD w1 = int_matrix(fc1->weights, fc1->units, d);
  const MatD w2 = int_matrix(fc2->weights, fc2->units, fc1->units);
  // Requantization exactly as lowering.cpp's lookup tables compute it.
  std::vector<double> acc_scale;
  for (std::size_t o = 0; o < fc1->units; ++o) {
    acc_scale.push_back(model.input.scale *
                        fc1->weight_scales[fc1->weight_scales.size() == 1 ? 0 : o]);
  }
  std::size_t correct = 0;
  constexpr std::size_t kChunk = 1000;
  for (std::size_t first = 0; first < data.size(); first += kChunk) {
    const std::size_t n = std::min(kChunk, data.size() - first);
    const MatD acc = fc1_accumulators(model, *fc1, w1, data, first, n);
    MatD y(acc.rows(), acc.cols());
    for (Eigen::Index j = 0; j < acc.cols(); ++j) {
      for (Eigen::Index o = 0; o < acc.rows(); ++o) {
        const double real = acc_scale[static_cast<std::size_t>(o)] * acc(o, j);
        y(o, j) =
            static_cast<double>(fc1->output->quantize(apply_activation(fc1->activation, real)) -
                                fc1->output->zero_point);
      }
    }
    MatD out = w2 * y;
    for (Eigen::Index j = 0; j < out.cols(); ++j) {
      Eigen::Index best = 0;
      for (Eigen::Index o = 0; o < out.rows(); ++o) {
        out(o, j) += static_cast<double>(fc2->bias[static_cast<std::size_t>(o)]);
        if (out(o, j) > out(best, j)) best = o;
      }
      if (static_cast<std::size_t>(best) == data.labels[first + static_cast<std::size_t>(j)]) {
        ++correct;
      }
    }
  }
  return static_cast<double>(correct) / static_cast<double>(data.size());
}

double quantized_accuracy(const QuantizedModel& model, const ImageDataset& data) {
  const LoweredModel low = lower_model(model);
  const std::size_t d = data.image_size();
  std::size_t correct = 0;
  const auto n = static_cast<std::ptrdiff_t>(data.size());
#pragma omp parallel for schedule(static) reduction(+ : correct)
  for (std::ptrdiff_t k = 0; k < n; ++k) {
    const auto img = data.image(static_cast<std::size_t>(k));
    std::vector<double> x(d);
    for (std::size_t i = 0; i < d; ++i) x[i] = img[i] / 255.0;
    const std::vector<compiler::Tensor> out =
        compiler::evaluate_clear(low.circuit, quantize_input(model, x));
    const compiler::Tensor& scores = out.at(0);
    const auto best = std::max_element(scores.begin(), scores.end()) - scores.begin();
    if (static_cast<std::size_t>(best) == data.labels[static_cast<std::size_t>(k)]) ++correct;
  }
  return static_cast<double>(correct) / static_cast<double>(data.size());
}

AccumulatorRange fc1_accumulator_range(const QuantizedModel& model, const ImageDataset& data) {
  const auto [fc1, fc2] = mlp_layers(model);
  (void)fc2;
  const MatD w1 = int_matrix(fc1->weights, fc1->units, data.image_size());
  std::vector<std::int64_t> all;
  all.reserve(data.size() * fc1->units);
  constexpr std::size_t kChunk = 1000;
  for (std::size_t first = 0; first < data.size(); first += kChunk) {
    const std::size_t n = std::min(kChunk, data.size() - first);
    const MatD acc = fc1_accumulators(model, *fc1, w1, data, first, n);
    for (Eigen::Index i = 0; i < acc.size(); ++i) {
      all.push_back(static_cast<std::int64_t>(acc.data()[i]));
    }
  }
  AccumulatorRange r;
  if (all.empty()) return r;
  const auto [lo, hi] = std::minmax_element(all.begin(), all.end());
  r.min = *lo;
  r.max = *hi;
  const auto quantile = [&](double p) {
    const auto k = static_cast<std::size_t>(p * static_cast<double>(all.size() - 1));
    std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
    return all[k];
  };
  r.q_low = quantile(0.0001);
  r.q_high = quantile(0.9999);
  r.bits = width_bits(r.min, r.max);
  r.quantile_bits = width_bits(r.q_low, r.q_high);
  return r;
}

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

std::string train_report_json(const TrainConfig& cfg, const TrainResult& r,
                              const std::string& dataset) {
  std::string s = "{\n";
  const auto field = [&s](const std::string& key, const std::string& value, bool last = false) {
    s += "  \"" + key + "\": " + value + (last ? "\n" : ",\n");
  };
  const auto str = [](const std::string& v) {
    std::string out = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  };
  const auto u = [](auto v) { return std::to_string(v); };
  field("format", str("lutfhe-train-report"));
  field("version", "1");
  field("dataset", str(dataset));
  field("model", str(cfg.name));
  s += "  \"config\": {\"hidden\": " + u(cfg.hidden) + ", \"input_bits\": " + u(cfg.input_bits) +
       ", \"weight_bits\": " + u(cfg.weight_bits) + ", \"out_weight_bits\": " + u(out_bits(cfg)) +
       ", \"act_bits\": " + u(cfg.act_bits) + ", \"epochs\": " + u(cfg.epochs) +
       ", \"float_epochs\": " + u(cfg.float_epochs) + ", \"batch_size\": " + u(cfg.batch_size) +
       ", \"learning_rate\": " + json_number(cfg.learning_rate, 10) +
       ", \"final_lr_fraction\": " + json_number(cfg.final_lr_fraction, 10) +
       ", \"weight_decay\": " + json_number(cfg.weight_decay, 10) +
       ", \"max_shift\": " + json_number(cfg.max_shift, 10) +
       ", \"max_rotation\": " + json_number(cfg.max_rotation, 10) +
       ", \"max_scale\": " + json_number(cfg.max_scale, 10) + ", \"acc_bits\": " + u(cfg.acc_bits) +
       ", \"accumulator_penalty\": " + json_number(cfg.accumulator_penalty, 10) +
       ", \"range_penalty\": " + json_number(cfg.range_penalty, 10) +
       ", \"range_margin\": " + json_number(cfg.range_margin, 10) +
       ", \"per_channel_scales\": " + (cfg.per_channel_scales ? "true" : "false") +
       ", \"acc_noise\": " + json_number(cfg.acc_noise, 10) +
       ", \"snap_epochs\": " + u(cfg.snap_epochs) +
       ", \"center_penalty\": " + json_number(cfg.center_penalty, 10) +
       ", \"threads\": " + u(cfg.threads) + "},\n";
  field("seed", u(cfg.seed));
  field("float_accuracy", json_number(r.float_test_accuracy, 10));
  field("quantized_accuracy", json_number(r.quantized_test_accuracy, 10));
  field("fast_quantized_accuracy", json_number(r.fast_quantized_test_accuracy, 10));
  const AccumulatorRange& a = r.fc1_range;
  s += "  \"fc1_accumulator\": {\"min\": " + u(a.min) + ", \"max\": " + u(a.max) +
       ", \"q0001\": " + u(a.q_low) + ", \"q9999\": " + u(a.q_high) + ", \"bits\": " + u(a.bits) +
       ", \"quantile_bits\": " + u(a.quantile_bits) + "},\n";
  field("train_seconds", json_number(r.seconds, 10));
  s += "  \"history\": [";
  for (std::size_t i = 0; i < r.history.size(); ++i) {
    const EpochReport& e = r.history[i];
    s += std::string(i ? ",\n" : "\n") + "    {\"epoch\": " + u(e.epoch) +
         ", \"quantized\": " + (e.quantized ? "true" : "false") +
         ", \"loss\": " + json_number(e.loss, 10) +
         ", \"train_accuracy\": " + json_number(e.train_accuracy, 10) +
         ", \"float_test_accuracy\": " + json_number(e.float_test_accuracy, 10) +
         ", \"quantized_test_accuracy\": " + json_number(e.quantized_test_accuracy, 10) +
         ", \"activation_clip\": " + json_number(e.activation_clip, 10) +
         ", \"seconds\": " + json_number(e.seconds, 10) + "}";
  }
  s += "\n  ]\n}\n";
  return s;
}

}  // namespace lutfhe::models
