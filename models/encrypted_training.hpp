// Logistic regression trained by mini-batch SGD on encrypted data (DESIGN.md §8): one SGD step
// as a compiled circuit whose inputs are an encrypted batch (features, labels) and the
// encrypted current weights, and whose output — the new weights — is carried unchanged to the
// next step (compiler::Carry). This file holds the integer semantics of the step, its circuit,
// and its clear and simulated runs ("simulate first": check accuracy before paying for FHE);
// training_client.hpp and training_server.hpp split the encrypted run by role.
//
// The step on integers, for a batch of B samples with F features (settings below):
//   x_q   = clamp(round(x·X), −X, X)                        features in [−1, 1], X = x_max
//   θ_q  ∈ [−W, W], θ = θ_q / S                              F weights then the bias
//   z_i   = Σ_j x_ij·θ_j + X·θ_b                             z = X·S·(x·w + b)
//   p_i   = round(P·sigmoid(z_i / (X·S)))                    one lookup (rounded by the compiler)
//   e_i   = p_i − P·y_i                                      y ∈ {0, 1}, e ∈ [−P, P]
//   g_j   = Σ_i e_i·x_ij,   g_b = X·Σ_i e_i                   g = B·P·X · (mean gradient)
//   δ_j   = clamp(round(−η·S·g_j / (B·P·X)), −D, D)          one lookup (rounded)
//   θ'_j  = clamp(θ_j + δ_j, −W, W)                          one lookup: a bootstrap output
// The products x·θ and e·x are encrypted × encrypted (compiler/products.hpp: two bootstraps
// each, reading x + θ and x + e), so X + W and X + P set the table width r that every bootstrap
// of the circuit pays for; z and g are wide accumulators that the compiler rounds (exactly) to
// r bits before their lookups.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "compiler/compile.hpp"
#include "compiler/ir.hpp"
#include "compiler/simulate.hpp"
#include "compiler/tensor.hpp"

namespace lutfhe::models {

struct SgdSettings {
  std::size_t features = 30;
  std::size_t batch = 8;
  // The defaults keep every table at 4 bits (x + θ and x + e in [−7, 7]), which the compiler
  // serves with N = 2048 parameters; 5-bit tables (X = 7, W = P = 8, S = 4, η = 1) need
  // N = 4096, about 2.3× the time per bootstrap, for 94.2% instead of 92.4% simulated test
  // accuracy after 3 epochs on the breast-cancer table (bench/RESULTS.md).
  std::int64_t x_max = 3;      // X: features quantized to [−X, X]
  std::int64_t w_max = 4;      // W: weights and bias in [−W, W]
  double w_scale = 2.0;        // S: θ = θ_q / S
  std::int64_t p_levels = 4;   // P: the sigmoid's output levels
  double learning_rate = 2.0;  // η
  std::int64_t max_step = 2;   // D: at most this many weight units per step
  // Throws InvalidArgument naming the field.
  void validate() const;
  std::size_t weights() const { return features + 1; }
  // The table width the products need: bit_width(2·max(X + W, X + P)).
  unsigned product_bits() const;
  // "F=30 B=8 x:[-3,3] w:[-4,4]/2 P=4 lr=2 D=2"
  std::string describe() const;
};

// The pieces of the step, exactly as the circuit computes them (kModel semantics).
std::int64_t quantize_feature(double x, const SgdSettings& s);
std::int64_t sigmoid_level(std::int64_t z, const SgdSettings& s);
std::int64_t weight_step(std::int64_t g, const SgdSettings& s);
std::int64_t clamp_weight(std::int64_t v, const SgdSettings& s);

// Inputs x [B·F] (sample-major), y [B], θ [F + 1]; one output θ' [F + 1], carried to θ.
compiler::Circuit sgd_step_circuit(const SgdSettings& s);
// Sound ranges and r = product_bits(), so that every product is exact; `params` fixes the set
// (TOY in tests), otherwise the search picks the cheapest for p_error.
compiler::CompileOptions sgd_compile_options(const SgdSettings& s,
                                             std::optional<ParameterSet> params = {});
compiler::CompileResult compile_sgd_step(const SgdSettings& s,
                                         std::optional<ParameterSet> params = {});

struct QuantizedBatch {
  compiler::Tensor x;  // B·F
  compiler::Tensor y;  // B
};
// Consecutive batches of B samples (a last partial batch is dropped), features quantized;
// labels must be 0 or 1.
std::vector<QuantizedBatch> make_batches(std::span<const compiler::RealSample> features,
                                         std::span<const int> labels, const SgdSettings& s);
compiler::Sample step_sample(const QuantizedBatch& batch, const compiler::Tensor& weights);
compiler::Tensor initial_weights(const SgdSettings& s);  // all zero
std::vector<double> dequantize_weights(const compiler::Tensor& q, const SgdSettings& s);

// Share of samples with (Σ w_j·x_j + b > 0) == (label == 1); `weights` holds F weights then b.
double accuracy(std::span<const double> weights, std::span<const compiler::RealSample> features,
                std::span<const int> labels);

// Float logistic regression by the same mini-batch SGD (same batches, learning rate, epochs;
// mean gradient), from zero weights: the reference the quantized training is compared with.
std::vector<double> train_float(std::span<const compiler::RealSample> features,
                                std::span<const int> labels, std::size_t batch,
                                double learning_rate, std::size_t epochs);

// How the steps of a plaintext run are evaluated.
enum class StepMode {
  kModel,     // the circuit's integer semantics without the compiler's rounding (the oracle)
  kCompiled,  // the clear evaluator on the compiled circuit (its rounding included)
  kSimulate,  // the simulator on torus phases, as execute computes them
};

// Weights after each step of a plaintext training run over `batches` (in order).
class PlainTrainer {
 public:
  PlainTrainer(const compiler::CompiledCircuit& compiled, const compiler::Circuit& model,
               StepMode mode);
  compiler::Tensor step(const QuantizedBatch& batch, const compiler::Tensor& weights);

 private:
  const compiler::CompiledCircuit& compiled_;
  const compiler::Circuit& model_;
  StepMode mode_;
  std::optional<compiler::Simulator> simulator_;
};

}  // namespace lutfhe::models
