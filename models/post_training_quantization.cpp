// Post-training quantization (quantize_onnx): weights symmetric per output channel, activations
// affine per tensor from the calibration ranges, biases in accumulator units; Q/DQ parameters an
// exporter wrote are kept.
#include "models/post_training_quantization.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <string>

#include "core/errors.hpp"

namespace lutfhe::models {
namespace {

constexpr unsigned kDefaultWeightBits = 6;
constexpr unsigned kDefaultActivationBits = 6;
constexpr unsigned kDefaultInputBits = 6;

unsigned bits_or(unsigned requested, unsigned dflt, const char* what) {
  const unsigned b = requested ? requested : dflt;
  if (b < 2 || b > 16) {
    throw InvalidArgument(std::string(what) + " must be 2..16, got " + std::to_string(b));
  }
  return b;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
};

Range range_of(std::vector<double>& values, double percentile) {
  Range r;
  if (values.empty()) return r;
  if (percentile >= 100.0) {
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    return {*lo, *hi};
  }
  const auto at = [&](double p) {
    const auto k =
        static_cast<std::size_t>(std::llround(p / 100.0 * static_cast<double>(values.size() - 1)));
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
    return values[k];
  };
  r.lo = at(100.0 - percentile);
  r.hi = at(percentile);
  return r;
}

// Unsigned affine quantization covering [lo, hi] ∪ {0} (zero stays exact).
QuantParams affine(Range r, unsigned bits) {
  QuantParams q;
  q.bits = bits;
  q.is_signed = false;
  const double lo = std::min(r.lo, 0.0);
  const double hi = std::max(r.hi, 0.0);
  const double levels = static_cast<double>((std::int64_t{1} << bits) - 1);
  if (!(hi - lo > 1e-12) || !std::isfinite(hi - lo)) {
    q.scale = 1.0;
    q.zero_point = 0;
    return q;
  }
  q.scale = (hi - lo) / levels;
  q.zero_point =
      std::clamp<std::int64_t>(std::llround(-lo / q.scale), 0, static_cast<std::int64_t>(levels));
  return q;
}

// Symmetric weights: per channel, or one scale for the whole tensor.
void quantize_weights(const OnnxLayer& l, unsigned bits, bool per_channel,
                      std::vector<std::int64_t>& q, std::vector<double>& scales) {
  const double top = static_cast<double>((std::int64_t{1} << (bits - 1)) - 1);
  const std::size_t per = l.weights.size() / l.channels;
  auto max_abs = [&](std::size_t from, std::size_t to) {
    double m = 0.0;
    for (std::size_t i = from; i < to; ++i) m = std::max(m, std::abs(l.weights[i]));
    return m > 0.0 ? m : 1.0;
  };
  scales.clear();
  if (per_channel) {
    for (std::size_t o = 0; o < l.channels; ++o)
      scales.push_back(max_abs(o * per, (o + 1) * per) / top);
  } else {
    scales.push_back(max_abs(0, l.weights.size()) / top);
  }
  q.resize(l.weights.size());
  for (std::size_t i = 0; i < q.size(); ++i) {
    const double s = scales[per_channel ? i / per : 0];
    q[i] = std::clamp<std::int64_t>(std::llround(l.weights[i] / s), -static_cast<std::int64_t>(top),
                                    static_cast<std::int64_t>(top));
  }
}

// The integer steps a quantized tensor spans.
double levels_of(const QuantParams& q) {
  return static_cast<double>(q.max() - q.min());
}

// A2Q after training: each output channel's accumulator Σ w·(x − z) spans at most
// ‖w‖₁·levels, so ‖w‖₁ ≤ (2^P − 1)/levels keeps it within P bits for every input (with room for
// rounding when asked). Weights are per channel (`scales` one per channel). A channel over the
// bound gets the finest scale at which its weights, rounded to nearest, fit it (small
// weights round to zero first, the large ones keep their precision); at the scale that makes the
// float l1 norm fit, rounding to nearest can exceed it by at most half a step per weight, so the
// search starts from twice that.
std::int64_t bound_accumulator(const OnnxLayer& l, unsigned weight_bits, double levels,
                               unsigned acc_bits, unsigned rounding, std::vector<std::int64_t>& q,
                               std::vector<double>& scales) {
  const std::size_t per = l.weights.size() / l.channels;
  const auto top = (std::int64_t{1} << (weight_bits - 1)) - 1;
  if (rounding >= acc_bits) {
    throw InvalidArgument("accumulator rounding " + std::to_string(rounding) +
                          " must be below its bits " + std::to_string(acc_bits));
  }
  // Spans whose values take at most 2^P of them: 2^P − 1; after rounding k bits to nearest the
  // count is at most span/2^k + 2 (both ends can round outward), so 2^k·(2^(P−k) − 2).
  const double span = rounding == 0
                          ? std::ldexp(1.0, static_cast<int>(acc_bits)) - 1.0
                          : std::ldexp(std::ldexp(1.0, static_cast<int>(acc_bits - rounding)) - 2.0,
                                       static_cast<int>(rounding));
  const auto bound = static_cast<std::int64_t>(std::floor(span / levels));
  if (bound < 1) {
    throw InvalidArgument("accumulator bits " + std::to_string(acc_bits) +
                          " leave no weight for inputs of " +
                          std::to_string(static_cast<long long>(levels)) + " levels");
  }
  for (std::size_t o = 0; o < l.channels; ++o) {
    const auto from = static_cast<std::ptrdiff_t>(o * per),
               to = from + static_cast<std::ptrdiff_t>(per);
    const std::span<const double> w(l.weights.data() + from, per);
    auto l1_at = [&](double s) {
      std::int64_t sum = 0;
      for (double v : w) sum += std::min<std::int64_t>(top, std::llabs(std::llround(v / s)));
      return sum;
    };
    double& scale = scales.at(o);
    if (l1_at(scale) <= bound) continue;
    double l1_float = 0.0;
    for (double v : w) l1_float += std::abs(v);
    double lo = scale, hi = 2.0 * l1_float / static_cast<double>(bound);
    if (l1_at(hi) > bound)
      throw Error("accumulator bound: no scale fits channel " + std::to_string(o));
    for (int i = 0; i < 60; ++i) {
      const double mid = 0.5 * (lo + hi);
      (l1_at(mid) <= bound ? hi : lo) = mid;
    }
    scale = hi;
    for (std::ptrdiff_t i = from; i < to; ++i) {
      q[static_cast<std::size_t>(i)] = std::clamp<std::int64_t>(
          std::llround(l.weights[static_cast<std::size_t>(i)] / scale), -top, top);
    }
  }
  return bound;
}

// Greedy path following (GPFQ, Lybrand and Saab 2021; with an l1 budget, as accumulator-aware
// post-training quantization does, Colbert et al. 2024), for a dense layer whose inputs are one
// quantized tensor: each output channel's weights are rounded one at a time, largest first, to
// the integer whose product with the quantized calibration inputs best cancels the error the
// earlier ones left against the float products; no channel's l1 norm exceeds `budget`. Returns
// the mean remaining error per channel, for the bias. `inputs` holds the float inputs, sample by
// sample.
std::vector<double> follow_path(const OnnxLayer& l, const std::vector<double>& inputs,
                                const QuantParams& input_quant, unsigned weight_bits,
                                std::int64_t budget, std::vector<std::int64_t>& q,
                                const std::vector<double>& scales) {
  const std::size_t d = l.weights.size() / l.channels;
  const std::size_t m = inputs.size() / d;
  const auto top = (std::int64_t{1} << (weight_bits - 1)) - 1;
  // Column t: the float inputs and what the quantized network sees of them.
  std::vector<double> x(d * m), xq(d * m), norm(d, 0.0);
  for (std::size_t k = 0; k < m; ++k) {
    for (std::size_t t = 0; t < d; ++t) {
      const double v = inputs[k * d + t];
      x[t * m + k] = v;
      xq[t * m + k] = input_quant.dequantize(input_quant.quantize(v));
      norm[t] += xq[t * m + k] * xq[t * m + k];
    }
  }
  std::vector<double> shift(l.channels, 0.0), error(m);
  std::vector<std::size_t> order(d);
  for (std::size_t o = 0; o < l.channels; ++o) {
    const double s = scales.at(o);
    const double* w = l.weights.data() + o * d;
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return std::abs(w[a]) > std::abs(w[b]); });
    std::fill(error.begin(), error.end(), 0.0);
    std::int64_t used = 0;
    for (std::size_t t : order) {
      const double* xt = &x[t * m];
      const double* qt = &xq[t * m];
      double dot = 0.0;
      for (std::size_t k = 0; k < m; ++k) dot += qt[k] * (error[k] + w[t] * xt[k]);
      const double ideal = norm[t] > 0.0 ? dot / norm[t] / s : w[t] / s;
      const std::int64_t limit = std::min(top, budget - used);
      const std::int64_t v = std::clamp<std::int64_t>(std::llround(ideal), -limit, limit);
      used += std::abs(v);
      q[o * d + t] = v;
      for (std::size_t k = 0; k < m; ++k) {
        error[k] += w[t] * xt[k] - s * static_cast<double>(v) * qt[k];
      }
    }
    shift[o] = std::accumulate(error.begin(), error.end(), 0.0) / static_cast<double>(m);
  }
  return shift;
}

}  // namespace

QuantizedModel quantize_onnx(const OnnxModel& model, const std::vector<RealSample>& calibration,
                             const ModelImportOptions& options) {
  const unsigned weight_bits = bits_or(options.weight_bits, kDefaultWeightBits, "weight bits");
  const unsigned act_bits =
      bits_or(options.activation_bits, kDefaultActivationBits, "activation bits");
  const unsigned input_bits = bits_or(options.input_bits, kDefaultInputBits, "input bits");
  if (!(options.percentile > 50.0 && options.percentile <= 100.0)) {
    throw InvalidArgument("percentile must be in (50, 100], got " +
                          std::to_string(options.percentile));
  }
  const std::size_t n_layers = model.layers.size();
  // Calibration: every layer's output values over all samples, and the input's.
  std::vector<std::vector<double>> seen(n_layers);
  std::vector<double> inputs;
  // With an accumulator bound, each dense layer's float inputs (sample by sample) steer the
  // rounding of its weights.
  std::vector<std::vector<double>> dense_inputs(n_layers);
  for (const RealSample& s : calibration) {
    std::vector<std::vector<double>> rec;
    evaluate_float(model, s, rec);
    for (std::size_t i = 0; i < n_layers && options.accumulator_bits; ++i) {
      if (model.layers[i].kind != OnnxLayer::Kind::kDense) continue;
      const std::vector<double>& in = i == 0 ? s : rec[i - 1];
      dense_inputs[i].insert(dense_inputs[i].end(), in.begin(), in.end());
    }
    inputs.insert(inputs.end(), s.begin(), s.end());
    for (std::size_t i = 0; i < n_layers; ++i)
      seen[i].insert(seen[i].end(), rec[i].begin(), rec[i].end());
  }
  auto calibrated = [&](std::vector<double>& values, unsigned bits, const std::string& what) {
    if (calibration.empty()) {
      throw InvalidArgument(model.origin + ": " + what +
                            " needs a range: give calibration samples (--calibration)");
    }
    return affine(range_of(values, options.percentile), bits);
  };

  QuantizedModel q;
  q.name = model.name;
  q.description =
      "imported from " + std::filesystem::path(model.origin).filename().string() + " (ONNX), " +
      (calibration.empty() ? std::string("Q/DQ scales")
                           : std::to_string(calibration.size()) + " calibration samples");
  q.input_shape = model.input_shape;
  q.input = model.input_quant ? *model.input_quant : calibrated(inputs, input_bits, "the input");
  // Scale of the tensor between layers (pooling divides it); biases are in accumulator units.
  double scale = q.input.scale;
  // How many integer steps that tensor spans (pooling sums windows); bounds accumulator widths.
  double levels = levels_of(q.input);
  // Its quantization, while it is one quantized tensor (not after pooling).
  std::optional<QuantParams> tensor_quant = q.input;
  for (std::size_t i = 0; i < n_layers; ++i) {
    const OnnxLayer& l = model.layers[i];
    const bool last = i + 1 == n_layers;
    const std::string what = "layer '" + l.name + "'";
    Layer out;
    out.name = l.name;
    auto output_quant = [&]() -> std::optional<QuantParams> {
      if (l.output_quant) return l.output_quant;
      if (last && l.activation == Activation::kIdentity) return std::nullopt;
      return calibrated(seen[i], act_bits, what + "'s output");
    };
    if (l.kind == OnnxLayer::Kind::kDense || l.kind == OnnxLayer::Kind::kConv) {
      const std::optional<QuantParams> oq = output_quant();
      std::vector<std::int64_t> w;
      std::vector<double> ws;
      std::vector<double> bias_shift(l.channels, 0.0);  // the rounding's mean error, corrected
      unsigned wb = weight_bits;
      if (l.weight_quant) {
        w = l.weight_quant->values;
        ws = l.weight_quant->scales;
        wb = l.weight_quant->bits;
        if (!oq && ws.size() > 1) {
          throw InvalidArgument(model.origin + ": " + what +
                                ": the last layer needs one weight scale (or an output Q/DQ)");
        }
      } else {
        quantize_weights(l, wb, oq.has_value(), w, ws);
        // Only an accumulator a lookup reads costs bootstraps by its width.
        if (options.accumulator_bits && oq) {
          const std::int64_t budget = bound_accumulator(l, wb, levels, options.accumulator_bits,
                                                        options.accumulator_rounding, w, ws);
          if (tensor_quant && l.kind == OnnxLayer::Kind::kDense && !dense_inputs[i].empty()) {
            bias_shift = follow_path(l, dense_inputs[i], *tensor_quant, wb, budget, w, ws);
          }
        }
      }
      std::vector<std::int64_t> bias(l.channels);
      for (std::size_t o = 0; o < l.channels; ++o) {
        const double b = (l.bias[o] + bias_shift[o]) / (scale * ws[ws.size() == 1 ? 0 : o]);
        if (!std::isfinite(b) || std::abs(b) > 0x1p40) {
          throw ModelFormatError(model.origin + ": " + what + ": bias " +
                                 std::to_string(l.bias[o]) +
                                 " is out of range for the layer's scales");
        }
        bias[o] = std::llround(b);
      }
      if (l.kind == OnnxLayer::Kind::kDense) {
        DenseLayer d;
        d.units = l.channels;
        d.weights = std::move(w);
        d.bias = std::move(bias);
        d.weight_scales = std::move(ws);
        d.weight_bits = wb;
        d.activation = l.activation;
        d.output = oq;
        out.op = std::move(d);
      } else {
        Conv2dLayer c;
        c.filters = l.channels;
        c.attributes = l.conv;
        c.weights = std::move(w);
        c.bias = std::move(bias);
        c.weight_scales = std::move(ws);
        c.weight_bits = wb;
        c.activation = l.activation;
        c.output = oq;
        out.op = std::move(c);
      }
      if (oq) {
        scale = oq->scale;
        levels = levels_of(*oq);
      }
      tensor_quant = oq;
    } else if (l.kind == OnnxLayer::Kind::kAvgPool) {
      PoolLayer p;
      p.average = true;
      p.attributes = l.pool;
      out.op = p;
      const auto k = static_cast<std::int64_t>(l.pool.kernel_h * l.pool.kernel_w);
      scale /= static_cast<double>(k);
      levels *= static_cast<double>(k);
      tensor_quant.reset();
    } else if (l.kind == OnnxLayer::Kind::kFlatten) {
      out.op = FlattenLayer{};
    } else {
      ActivationLayer a;
      a.activation = l.activation;
      a.output =
          *(l.output_quant
                ? l.output_quant
                : std::optional<QuantParams>(calibrated(seen[i], act_bits, what + "'s output")));
      scale = a.output.scale;
      levels = levels_of(a.output);
      tensor_quant = a.output;
      out.op = a;
    }
    q.layers.push_back(std::move(out));
  }
  validate(q);
  return q;
}

}  // namespace lutfhe::models
