// Encrypted × encrypted multiplication, lowered to lookups by the two-squares identity
//
//   x·y = ⌊(x + y)²/4⌋ − ⌊(x − y)²/4⌋
//
// exact on integers: x + y and x − y have the same parity, so their squares leave the same
// remainder modulo 4 and the floors cancel it. A kMul node becomes add, sub, two lookups of
// v ↦ ⌊v²/4⌋ and a sub: two bootstraps per product (the quarter-square method of the
// programmable bootstrapping literature, cf. Chillotti–Ligier–Orfila–Tap eprint 2021/729 §4).
//
// Cost and precision. Each lookup reads x ± y, whose range is [lo_x ∓ …]: for x ∈ [−a, a] and
// y ∈ [−b, b] a table of bit_width(2(a + b)) bits. The product is exact when the compiler's r
// is at least that width (no rounding of the sums); with a smaller r the sums are rounded like
// any lookup input and the product is the clear evaluator's kCompiled value, no longer x·y.
// Noise: each lookup input carries var(x) + var(y) at its scale; the product, the difference of
// two bootstrap outputs, carries 2·var_pbs — analysed by the planner like any other node once
// lowered (fhe_plan.hpp), which is why the planner itself never sees kMul.
#pragma once

#include <cstdint>

#include "compiler/ir.hpp"

namespace lutfhe::compiler {

// ⌊v²/4⌋.
std::int64_t quarter_square(std::int64_t v);

// The circuit with every kMul replaced by its two-lookup form (node ids renumbered; outputs
// and carries follow their nodes). A circuit without kMul is returned as it is.
Circuit lower_products(const Circuit& circuit);

bool has_products(const Circuit& circuit);

}  // namespace lutfhe::compiler
