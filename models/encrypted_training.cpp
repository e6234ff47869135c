#include "models/encrypted_training.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "compiler/client_spec.hpp"
#include "core/errors.hpp"

namespace lutfhe::models {
namespace {

using compiler::Circuit;
using compiler::LookupFunction;
using compiler::NodeId;
using compiler::Tensor;

std::int64_t round_half_up(double v) {
  return static_cast<std::int64_t>(std::floor(v + 0.5));
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

void SgdSettings::validate() const {
  const auto need = [](bool ok, const std::string& what) {
    if (!ok) throw InvalidArgument("training settings: " + what);
  };
  need(features >= 1 && features <= 1024,
       "features must be 1..1024, got " + std::to_string(features));
  need(batch >= 1 && batch <= 256, "batch must be 1..256, got " + std::to_string(batch));
  need(x_max >= 1 && x_max <= 127, "x_max must be 1..127, got " + std::to_string(x_max));
  need(w_max >= 1 && w_max <= 127, "w_max must be 1..127, got " + std::to_string(w_max));
  need(p_levels >= 1 && p_levels <= 127,
       "p_levels must be 1..127, got " + std::to_string(p_levels));
  need(max_step >= 1 && max_step <= w_max,
       "max_step must be 1..w_max, got " + std::to_string(max_step));
  need(std::isfinite(w_scale) && w_scale > 0, "w_scale must be positive, got " + number(w_scale));
  need(std::isfinite(learning_rate) && learning_rate > 0,
       "learning rate must be positive, got " + number(learning_rate));
  need(product_bits() <= 8, "x_max + max(w_max, p_levels) needs " + std::to_string(product_bits()) +
                                "-bit product tables; at most 8 are supported");
}

unsigned SgdSettings::product_bits() const {
  const auto span = static_cast<std::uint64_t>(2 * (x_max + std::max(w_max, p_levels)));
  return compiler::bit_width_of(span);
}

std::string SgdSettings::describe() const {
  return "F=" + std::to_string(features) + " B=" + std::to_string(batch) + " x:[-" +
         std::to_string(x_max) + "," + std::to_string(x_max) + "] w:[-" + std::to_string(w_max) +
         "," + std::to_string(w_max) + "]/" + number(w_scale) + " P=" + std::to_string(p_levels) +
         " lr=" + number(learning_rate) + " D=" + std::to_string(max_step);
}

std::int64_t quantize_feature(double x, const SgdSettings& s) {
  return compiler::quantize_value(x, {1.0 / static_cast<double>(s.x_max), 0}, {-s.x_max, s.x_max});
}

std::int64_t sigmoid_level(std::int64_t z, const SgdSettings& s) {
  const double real = static_cast<double>(z) / (static_cast<double>(s.x_max) * s.w_scale);
  return round_half_up(static_cast<double>(s.p_levels) / (1.0 + std::exp(-real)));
}

std::int64_t weight_step(std::int64_t g, const SgdSettings& s) {
  const double denominator =
      static_cast<double>(s.batch) * static_cast<double>(s.p_levels) * static_cast<double>(s.x_max);
  const std::int64_t d =
      round_half_up(-s.learning_rate * s.w_scale * static_cast<double>(g) / denominator);
  return std::clamp(d, -s.max_step, s.max_step);
}

std::int64_t clamp_weight(std::int64_t v, const SgdSettings& s) {
  return std::clamp(v, -s.w_max, s.w_max);
}

Circuit sgd_step_circuit(const SgdSettings& s) {
  s.validate();
  const std::size_t f = s.features;
  const std::size_t b = s.batch;
  const std::size_t nw = s.weights();
  Circuit c;
  const NodeId x = c.input({b * f}, {-s.x_max, s.x_max}, "x");
  const NodeId y = c.input({b}, {0, 1}, "y");
  const NodeId theta = c.input({nw}, {-s.w_max, s.w_max}, "weights");

  // Forward: every sample's features times the weights (encrypted × encrypted), summed.
  std::vector<std::int64_t> per_sample(b * f * nw, 0);
  for (std::size_t i = 0; i < b; ++i) {
    for (std::size_t j = 0; j < f; ++j) per_sample[(i * f + j) * nw + j] = 1;
  }
  const NodeId theta_rep =
      c.dense(theta, b * f, per_sample, std::vector<std::int64_t>(b * f, 0), "weights.per_sample");
  const NodeId xw = c.mul(x, theta_rep, "x*w");
  std::vector<std::int64_t> row_sums(b * b * f, 0);
  for (std::size_t i = 0; i < b; ++i) {
    for (std::size_t j = 0; j < f; ++j) row_sums[i * b * f + i * f + j] = 1;
  }
  const NodeId dot = c.dense(xw, b, row_sums, std::vector<std::int64_t>(b, 0), "x.w");
  std::vector<std::int64_t> bias(b * nw, 0);
  for (std::size_t i = 0; i < b; ++i) bias[i * nw + f] = s.x_max;
  const NodeId bias_rep = c.dense(theta, b, bias, std::vector<std::int64_t>(b, 0), "X*b");
  const NodeId z = c.add(dot, bias_rep, "z");
  const NodeId p = c.lookup(
      z, LookupFunction::function([s](std::int64_t v) { return sigmoid_level(v, s); }, "sigmoid"),
      "sigmoid");

  // Error against the encrypted label, and the gradient (encrypted × encrypted again).
  const NodeId py = c.mul_constant(y, {s.p_levels}, "P*y");
  const NodeId e = c.sub(p, py, "error");
  std::vector<std::int64_t> per_feature(b * f * b, 0);
  for (std::size_t i = 0; i < b; ++i) {
    for (std::size_t j = 0; j < f; ++j) per_feature[(i * f + j) * b + i] = 1;
  }
  const NodeId e_rep =
      c.dense(e, b * f, per_feature, std::vector<std::int64_t>(b * f, 0), "error.per_feature");
  const NodeId ex = c.mul(x, e_rep, "error*x");
  std::vector<std::int64_t> column_sums(nw * b * f, 0);
  for (std::size_t j = 0; j < f; ++j) {
    for (std::size_t i = 0; i < b; ++i) column_sums[j * b * f + i * f + j] = 1;
  }
  std::vector<std::int64_t> bias_gradient(nw * b, 0);
  for (std::size_t i = 0; i < b; ++i) bias_gradient[f * b + i] = s.x_max;
  const NodeId g = c.add(
      c.dense(ex, nw, column_sums, std::vector<std::int64_t>(nw, 0), "gradient.weights"),
      c.dense(e, nw, bias_gradient, std::vector<std::int64_t>(nw, 0), "gradient.bias"), "gradient");

  // The update, rounded back to the weights' precision and clamped to their range.
  const NodeId d =
      c.lookup(g,
               LookupFunction::function([s](std::int64_t v) { return weight_step(v, s); },
                                        "-lr * gradient, rounded"),
               "step");
  const NodeId next =
      c.lookup(c.add(theta, d, "weights+step"),
               LookupFunction::function([s](std::int64_t v) { return clamp_weight(v, s); },
                                        "clamp to the weights' range"),
               "weights.next");
  c.mark_output(next);
  c.carry(next, theta);
  return c;
}

compiler::CompileOptions sgd_compile_options(const SgdSettings& s,
                                             std::optional<ParameterSet> params) {
  s.validate();
  compiler::CompileOptions o;
  o.range_mode = compiler::RangeMode::kSound;
  o.rounding_bits = s.product_bits();
  o.parameters = std::move(params);
  return o;
}

compiler::CompileResult compile_sgd_step(const SgdSettings& s, std::optional<ParameterSet> params) {
  return compiler::compile(sgd_step_circuit(s), {}, sgd_compile_options(s, std::move(params)));
}

std::vector<QuantizedBatch> make_batches(std::span<const compiler::RealSample> features,
                                         std::span<const int> labels, const SgdSettings& s) {
  s.validate();
  require_equal(labels.size(), features.size(), "training data", "labels", "samples");
  std::vector<QuantizedBatch> out;
  for (std::size_t start = 0; start + s.batch <= features.size(); start += s.batch) {
    QuantizedBatch qb;
    for (std::size_t i = start; i < start + s.batch; ++i) {
      require_equal(features[i].size(), s.features, "training sample", "features", "expected");
      for (double v : features[i]) qb.x.push_back(quantize_feature(v, s));
      if (labels[i] != 0 && labels[i] != 1) {
        throw InvalidArgument("training label " + std::to_string(i) + " is " +
                              std::to_string(labels[i]) + "; binary labels must be 0 or 1");
      }
      qb.y.push_back(labels[i]);
    }
    out.push_back(std::move(qb));
  }
  return out;
}

compiler::Sample step_sample(const QuantizedBatch& batch, const Tensor& weights) {
  return {batch.x, batch.y, weights};
}

Tensor initial_weights(const SgdSettings& s) {
  return Tensor(s.weights(), 0);
}

std::vector<double> dequantize_weights(const Tensor& q, const SgdSettings& s) {
  std::vector<double> out;
  out.reserve(q.size());
  for (std::int64_t v : q) out.push_back(static_cast<double>(v) / s.w_scale);
  return out;
}

double accuracy(std::span<const double> weights, std::span<const compiler::RealSample> features,
                std::span<const int> labels) {
  require_equal(labels.size(), features.size(), "test data", "labels", "samples");
  if (features.empty()) throw InvalidArgument("accuracy of no samples");
  std::size_t right = 0;
  for (std::size_t i = 0; i < features.size(); ++i) {
    require_equal(features[i].size() + 1, weights.size(), "test sample", "features + 1", "weights");
    double z = weights.back();
    for (std::size_t j = 0; j < features[i].size(); ++j) z += weights[j] * features[i][j];
    right += (z > 0) == (labels[i] == 1);
  }
  return static_cast<double>(right) / static_cast<double>(features.size());
}

std::vector<double> train_float(std::span<const compiler::RealSample> features,
                                std::span<const int> labels, std::size_t batch,
                                double learning_rate, std::size_t epochs) {
  require_equal(labels.size(), features.size(), "training data", "labels", "samples");
  if (features.empty() || batch == 0) throw InvalidArgument("float training needs data");
  const std::size_t f = features[0].size();
  std::vector<double> w(f + 1, 0.0);
  std::vector<double> grad(f + 1);
  for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
    for (std::size_t start = 0; start + batch <= features.size(); start += batch) {
      std::fill(grad.begin(), grad.end(), 0.0);
      for (std::size_t i = start; i < start + batch; ++i) {
        double z = w[f];
        for (std::size_t j = 0; j < f; ++j) z += w[j] * features[i][j];
        const double e = 1.0 / (1.0 + std::exp(-z)) - labels[i];
        for (std::size_t j = 0; j < f; ++j) grad[j] += e * features[i][j];
        grad[f] += e;
      }
      for (std::size_t j = 0; j <= f; ++j) {
        w[j] -= learning_rate * grad[j] / static_cast<double>(batch);
      }
    }
  }
  return w;
}

PlainTrainer::PlainTrainer(const compiler::CompiledCircuit& compiled, const Circuit& model,
                           StepMode mode)
    : compiled_(compiled), model_(model), mode_(mode) {
  if (mode == StepMode::kSimulate) simulator_.emplace(compiled_);
}

Tensor PlainTrainer::step(const QuantizedBatch& batch, const Tensor& weights) {
  const compiler::Sample sample = step_sample(batch, weights);
  switch (mode_) {
    case StepMode::kModel:
      return compiler::evaluate_clear(model_, sample, compiler::RoundingSemantics::kModel).at(0);
    case StepMode::kCompiled:
      return compiler::evaluate_clear(compiled_.circuit, sample,
                                      compiler::RoundingSemantics::kCompiled)
          .at(0);
    case StepMode::kSimulate:
      return simulator_->run(sample).at(0);
  }
  return {};
}

}  // namespace lutfhe::models
