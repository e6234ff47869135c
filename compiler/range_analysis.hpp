// Ranges of every node: worst-case interval arithmetic from the declared input ranges, or the
// values observed over calibration samples (then inputs keep their declared ranges).
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "compiler/clear_evaluator.hpp"
#include "compiler/ir.hpp"

namespace lutfhe::compiler {

// Interval arithmetic; a lookup's range is the min/max of its function over the (rounded)
// input range. Throws InvalidArgument when a lookup's domain exceeds 2^24 points (give
// calibration data instead) or a bound exceeds ±2^62.
// With `assumed` (one entry per node, or empty), a node with an entry is taken to stay within
// it (its interval is intersected with it): how the compiler bounds what follows a lookup whose
// input range comes from calibration.
std::vector<Range> worst_case_ranges(const Circuit& circuit, RoundingSemantics semantics,
                                     std::span<const std::optional<Range>> assumed = {});

// Min/max over the samples of every node's values; input nodes get the hull with their
// declared range. Needs at least one sample.
std::vector<Range> observed_ranges(const Circuit& circuit, std::span<const Sample> samples,
                                   RoundingSemantics semantics);

// [lo, hi] widened by `bits` of headroom around its centre: the span times 2^bits.
Range widen(Range r, unsigned bits);

// Element-wise hull of two range lists of the same length.
std::vector<Range> hull(std::span<const Range> a, std::span<const Range> b);

}  // namespace lutfhe::compiler
