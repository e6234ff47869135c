// The MLP under quantization-aware training (models/internal/qat_network.hpp): the weight scales
// with the least squared error, fake quantization of the weights and activations (with the
// snapped activation step), and the export of the integer model.
#include "models/internal/qat_network.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace lutfhe::models::qat {
namespace {

std::int64_t signed_max(unsigned bits) {
  return (std::int64_t{1} << (bits - 1)) - 1;
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

double activation_scale(const TrainConfig& cfg, float clip) {
  return static_cast<double>(clip) / static_cast<double>(unsigned_max(cfg.act_bits));
}

// The activation step of a snapped model: 2^k accumulator units, less 2^-40 relative, so that an
// accumulator exactly halfway between two levels rounds up in the lookup's floating-point
// requantization (acc·s_x·s_w / step), as round_k does (compiler/README.md "Rounding").
double snapped_activation_scale(double acc_scale, int k) {
  return std::ldexp(acc_scale, k) * (1 - 0x1p-40);
}

}  // namespace

std::int64_t unsigned_max(unsigned bits) {
  return (std::int64_t{1} << bits) - 1;
}

QuantParams input_params(unsigned bits) {
  QuantParams q;
  q.bits = bits;
  q.scale = 1.0 / static_cast<double>(unsigned_max(bits));
  return q;
}

unsigned out_bits(const TrainConfig& cfg) {
  return cfg.out_weight_bits ? cfg.out_weight_bits : cfg.weight_bits;
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

MatF hidden_activations(const MatF& z, float clip, const TrainConfig& cfg, bool quantized) {
  MatF y = z.cwiseMax(0.0f).cwiseMin(clip);
  if (quantized) {
    const float s = static_cast<float>(activation_scale(cfg, clip));
    const float inv = 1.0f / s;
    y = y.unaryExpr([s, inv](float v) { return std::round(v * inv) * s; });
  }
  return y;
}

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

}  // namespace lutfhe::models::qat
