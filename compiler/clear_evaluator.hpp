// The clear evaluator: the circuit on plain integers. With RoundingSemantics::kModel it ignores
// the round bits the compiler put on lookups — the quantized model itself, the oracle every
// other evaluator is tested against. With kCompiled it honours them: the integer semantics of
// the encrypted circuit for inputs inside the calibrated ranges.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "compiler/ir.hpp"
#include "compiler/tensor.hpp"

namespace lutfhe::compiler {

enum class RoundingSemantics { kModel, kCompiled };

// Values of every node (index = node id).
std::vector<Tensor> evaluate_all(const Circuit& circuit, const Sample& inputs,
                                 RoundingSemantics semantics);
// Values of the outputs, in Circuit::outputs() order.
std::vector<Tensor> evaluate_clear(const Circuit& circuit, const Sample& inputs,
                                   RoundingSemantics semantics = RoundingSemantics::kModel);

// Throws InvalidArgument unless `inputs` has one tensor per input node, of its element count,
// with values inside its declared range.
void check_sample(const Circuit& circuit, const Sample& inputs);

}  // namespace lutfhe::compiler
