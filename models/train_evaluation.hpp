// Accuracy of a quantized image classifier on an ImageDataset: by the compiler's clear evaluator,
// or, for train_mlp's two-dense-layer models, by a fast integer path; and the fc1 accumulator
// range of such a model. train_mlp (models/trainer.hpp) reports them.
#pragma once

#include <cstdint>

#include "models/dataset.hpp"
#include "models/quantized_model.hpp"

namespace lutfhe::models {

// Observed fc1 accumulators (integer units) over a data set.
struct AccumulatorRange {
  std::int64_t min = 0, max = 0;
  std::int64_t q_low = 0, q_high = 0;  // 0.01% and 99.99% quantiles
  unsigned bits = 0;                   // width of [min, max]: ceil(log2(max − min + 1))
  unsigned quantile_bits = 0;          // width of [q_low, q_high]
};

// Fraction of `data` that `model` classifies correctly, through lower_model and the
// compiler's clear evaluator (pixels/255 quantized by quantize_input).
double quantized_accuracy(const QuantizedModel& model, const ImageDataset& data);

// The same for a two-dense-layer model by a fast integer path (Eigen), with identical
// results for the models train_mlp exports.
double fast_quantized_accuracy(const QuantizedModel& model, const ImageDataset& data);

// fc1 accumulator statistics of a train_mlp model over `data`.
AccumulatorRange fc1_accumulator_range(const QuantizedModel& model, const ImageDataset& data);

}  // namespace lutfhe::models
