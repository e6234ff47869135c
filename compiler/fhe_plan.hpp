// Planning the encrypted evaluation of a rounded circuit: torus scales, the lookup/round
// recipes (offsets, widths, exact-truncation chunks, tables) and the noise of every bootstrap.
#pragma once

#include <span>
#include <vector>

#include "compiler/compiled_circuit.hpp"

namespace lutfhe::compiler {

// At most this many entries in all the final tables of a circuit (the MNIST MLP has 2^14).
inline constexpr std::size_t kMaxTableEntries = std::size_t{1} << 24;

struct Plan {
  std::vector<NodePlan> plans;
  std::vector<NoiseSite> sites;
};

// `circuit`'s lookups carry their round bits; `ranges` holds every node's value range (with
// those round bits applied) and `channel_ranges`, per node, the ranges of its channels where a
// lookup with per-channel round bits reads it (empty elsewhere, or empty altogether).
// Truncation chunks have at most chunk_bits + 1 bits, so that no bootstrap reads more than
// max(chunk_bits, table bits) bits.
Plan plan_circuit(const Circuit& circuit, std::span<const Range> ranges, unsigned chunk_bits,
                  RoundingMode mode = RoundingMode::kExact,
                  std::span<const std::vector<Range>> channel_ranges = {});

// For an approximate lookup: the expected fraction of its bootstraps that read a neighbouring
// table entry, for inputs spread evenly within a table step (σ·√(2/π) / step, σ the standard
// deviation at the modulus switch).
double approximate_step_rate(const ParameterSet& p, const NoiseSite& site);

// The input precision of the table that reads round_k(x) for x in `input`:
// max(1, bit width of round_k(hi) − round_k(lo)).
unsigned table_bits_for(Range input, unsigned k);
// The smallest k for which table_bits_for(input, k) ≤ r.
unsigned rounding_bits_for(Range input, unsigned r);
// Chunk sizes for removing k bits with chunks of at most max_chunk bits, as even as possible.
std::vector<unsigned> truncation_chunks(unsigned k, unsigned max_chunk);

}  // namespace lutfhe::compiler
