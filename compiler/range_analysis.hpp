// Ranges of every node: worst-case interval arithmetic from the declared input ranges, or the
// values observed over calibration samples (then inputs keep their declared ranges). Both are
// kept per node and per channel (the first dimension), so that a lookup with one function per
// channel can give each channel its own range.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "compiler/clear_evaluator.hpp"
#include "compiler/ir.hpp"

namespace lutfhe::compiler {

struct RangeSet {
  std::vector<Range> node;                  // per node
  std::vector<std::vector<Range>> channel;  // per node, per channel (shape[0] entries)
};

// Interval arithmetic; a lookup's range is the min/max of its function over the (rounded)
// input range of each channel. With `assumed` (per node, empty vector = nothing assumed), a
// node is taken to stay within its assumed channel ranges (intersected with them): how the
// compiler bounds what follows a lookup whose input range comes from calibration. Throws
// InvalidArgument when a lookup's domain exceeds 2^24 points (give calibration data instead)
// or a bound exceeds ±2^62.
RangeSet worst_case_range_set(const Circuit& circuit, RoundingSemantics semantics,
                              std::span<const std::vector<Range>> assumed = {});
std::vector<Range> worst_case_ranges(const Circuit& circuit, RoundingSemantics semantics);

// Min/max over the samples of every node's values, per channel too; input nodes get the hull
// with their declared range. Needs at least one sample.
RangeSet observed_range_set(const Circuit& circuit, std::span<const Sample> samples,
                            RoundingSemantics semantics);
std::vector<Range> observed_ranges(const Circuit& circuit, std::span<const Sample> samples,
                                   RoundingSemantics semantics);

// [lo, hi] widened by `bits` of headroom around its centre: the span times 2^bits.
Range widen(Range r, unsigned bits);

// Element-wise hull of two range lists of the same length.
std::vector<Range> hull(std::span<const Range> a, std::span<const Range> b);
RangeSet hull(const RangeSet& a, const RangeSet& b);

}  // namespace lutfhe::compiler
