// Ranges of every node: worst-case interval arithmetic from the declared input ranges, or the
// values observed over calibration samples (then inputs keep their declared ranges).
#pragma once

#include <span>
#include <vector>

#include "compiler/clear_evaluator.hpp"
#include "compiler/ir.hpp"

namespace lutfhe::compiler {

// Interval arithmetic; a lookup's range is the min/max of its function over the (rounded)
// input range. Throws InvalidArgument when a lookup's domain exceeds 2^24 points (give
// calibration data instead) or a bound exceeds ±2^62.
std::vector<Range> worst_case_ranges(const Circuit& circuit, RoundingSemantics semantics);

// Min/max over the samples of every node's values; input nodes get the hull with their
// declared range. Needs at least one sample.
std::vector<Range> observed_ranges(const Circuit& circuit, std::span<const Sample> samples,
                                   RoundingSemantics semantics);

// Element-wise hull of two range lists of the same length.
std::vector<Range> hull(std::span<const Range> a, std::span<const Range> b);

}  // namespace lutfhe::compiler
