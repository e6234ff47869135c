// The simulator: the compiled circuit evaluated on noiseless torus phases, with the bootstraps
// read from the very same test polynomials as the encrypted evaluation (circuit_runner.hpp).
// Its outputs are those of `execute` except where a real bootstrap failed; optionally it
// injects such failures at the rate the noise model predicts for each bootstrap.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "compiler/bootstrap_tables.hpp"
#include "compiler/clear_evaluator.hpp"
#include "compiler/compiled_circuit.hpp"

namespace lutfhe::compiler {

struct SimulateOptions {
  // Add to every bootstrap's input a Gaussian error with the noise model's standard deviation
  // at its modulus switch (noise_budget.hpp), so that bootstraps fail — and approximate
  // lookups step — at the rate the model predicts for real execution.
  bool inject_errors = false;
  std::uint64_t seed = 0;  // for the injected errors (printed by tests)
};

struct SimulationStats {
  std::size_t bootstraps = 0;
  std::size_t injected_failures = 0;  // bootstraps whose result the injected noise changed
};

class Simulator {
 public:
  explicit Simulator(const CompiledCircuit& compiled, SimulateOptions options = {});
  // Outputs, in Circuit::outputs() order, decoded as the client decodes them.
  std::vector<Tensor> run(const Sample& inputs);
  const SimulationStats& stats() const { return stats_; }

 private:
  const CompiledCircuit& compiled_;
  BootstrapTables tables_;
  SimulateOptions options_;
  std::vector<double> site_sigma_;  // standard deviation at the modulus switch, per site
  SimulationStats stats_;
  std::uint64_t runs_ = 0;
};

// One-shot convenience.
std::vector<Tensor> simulate(const CompiledCircuit& compiled, const Sample& inputs,
                             SimulateOptions options = {});

}  // namespace lutfhe::compiler
