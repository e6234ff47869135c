// Seeded random small circuits and samples for the compiler tests.
#pragma once

#include <cstdint>
#include <vector>

#include "compiler/clear_evaluator.hpp"
#include "compiler/ir.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe::testing {

struct RandomCircuitOptions {
  std::size_t inputs = 4;       // elements of the single input vector
  unsigned input_bits = 2;      // inputs in [0, 2^bits)
  std::size_t hidden = 3;       // neurons per dense layer
  std::size_t layers = 2;       // dense + lookup layers
  std::int64_t max_weight = 2;  // weights in [−max, max]
  bool branches = true;         // also add/sub/add_constant/mul_constant/round nodes
  bool linear_output = false;   // end with a dense layer instead of a lookup
};

compiler::Circuit random_circuit(TestRng& rng, const RandomCircuitOptions& options);
compiler::Sample random_sample(TestRng& rng, const compiler::Circuit& circuit);
std::vector<compiler::Sample> random_samples(TestRng& rng, const compiler::Circuit& circuit,
                                             std::size_t count);

}  // namespace lutfhe::testing
