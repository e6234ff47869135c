// Accuracy and fc1 accumulator range of quantized models on image data sets
// (models/train_evaluation.hpp): the clear evaluator's path, and a fast integer path (Eigen)
// for train_mlp's models.
#include "models/train_evaluation.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "compiler/clear_evaluator.hpp"
#include "core/errors.hpp"
#include "models/lowering.hpp"

namespace lutfhe::models {
namespace {

using MatD = Eigen::MatrixXd;

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

}  // namespace lutfhe::models
