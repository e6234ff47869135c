// The one-hidden-layer MLP that train_mlp trains (models/trainer.hpp) under quantization-aware
// training: its float parameters, the fake-quantized weights a training step uses, the forward
// pieces (pixels, hidden activations) and its export as a QuantizedModel. Not for users: shared
// by models/qat_network.cpp, models/trainer.cpp and models/train_report.cpp.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/dataset.hpp"
#include "models/quantized_model.hpp"
#include "models/trainer.hpp"

namespace lutfhe::models::qat {

// Activations and data: one sample per column. Weights: one output unit per row.
using MatF = Eigen::MatrixXf;
using RowMatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using VecF = Eigen::VectorXf;

// 2^bits − 1.
std::int64_t unsigned_max(unsigned bits);

// The input quantization: pixels/255 to `bits` unsigned bits, scale 1/(2^bits − 1).
QuantParams input_params(unsigned bits);

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

// fc2's weight bits: out_weight_bits, or weight_bits when it is 0.
unsigned out_bits(const TrainConfig& cfg);

// `quantized`: fake-quantized weights and activation step; otherwise the float ones.
Effective effective_weights(const Net& net, const TrainConfig& cfg, bool quantized);

// Hidden activations from pre-activations: relu clipped at `clip`, then (quantized)
// rounded to act_bits levels.
MatF hidden_activations(const MatF& z, float clip, const TrainConfig& cfg, bool quantized);

// Pixel bytes of items [first, first + count) scaled to [0, 1], optionally input-quantized.
MatF pixel_block(const ImageDataset& data, std::size_t first, std::size_t count,
                 const QuantParams* input);

// Accuracy of the float network (no fake quantization) on `data`.
double float_test_accuracy(const Net& net, const ImageDataset& data, const TrainConfig& cfg);

// The integer model of `net` (fc1, fc2) for images of `inputs` pixels; validated.
QuantizedModel export_model(const Net& net, const TrainConfig& cfg, std::size_t inputs);

}  // namespace lutfhe::models::qat
