// Post-training quantization (quantize_onnx): weights symmetric per output channel, activations
// affine per tensor from the calibration ranges, biases in accumulator units; Q/DQ parameters an
// exporter wrote are kept.
#include "models/post_training_quantization.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
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
  for (const RealSample& s : calibration) {
    std::vector<std::vector<double>> rec;
    evaluate_float(model, s, rec);
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
      }
      std::vector<std::int64_t> bias(l.channels);
      for (std::size_t o = 0; o < l.channels; ++o) {
        const double b = l.bias[o] / (scale * ws[ws.size() == 1 ? 0 : o]);
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
      if (oq) scale = oq->scale;
    } else if (l.kind == OnnxLayer::Kind::kAvgPool) {
      PoolLayer p;
      p.average = true;
      p.attributes = l.pool;
      out.op = p;
      const auto k = static_cast<std::int64_t>(l.pool.kernel_h * l.pool.kernel_w);
      scale /= static_cast<double>(k);
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
      out.op = a;
    }
    q.layers.push_back(std::move(out));
  }
  validate(q);
  return q;
}

}  // namespace lutfhe::models
