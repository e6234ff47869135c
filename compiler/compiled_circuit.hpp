// A circuit ready for encrypted evaluation: the (rounded) IR, the parameter set, and for every
// node how its values are encoded on the torus and how lookups and rounds are carried out.
//
// Encoding. Every encrypted value v of node i is a ciphertext whose phase is v·2^σ_i mod 2^64
// (σ_i = NodePlan::scale_log2): no offsets, so linear nodes are plain integer combinations of
// ciphertexts, with input j's weight multiplied by 2^(σ_i − σ_j) (σ only grows along edges).
//
// Lookups and rounds (README.md, "Exact rounding"). The input x is first brought to
//   u = x + 2^(k−1) − offset ∈ [0, 2^W),  encoded as u·2^(63−W)   (padding bit clear)
// (offset is aligned to 2^k). With k rounding bits, the low k bits of u are then removed
// exactly, chunk by chunk from the least significant end, each chunk of c bits by one sign
// bootstrap (the chunk's top bit, moved into the padding position) and, for c ≥ 2, one
// bootstrap that reads the c − 1 bits below it; what remains is j' = u >> k at precision
// q = W − k, read by the final table bootstrap (kLookup) or re-based to j (kRound).
#pragma once

#include <cstdint>
#include <vector>

#include "compiler/ir.hpp"
#include "compiler/noise_budget.hpp"
#include "core/parameters.hpp"

namespace lutfhe::compiler {

// How a lookup whose input is wider than its table is rounded (README.md, "Rounding").
enum class RoundingMode : std::uint8_t {
  // The low bits are removed exactly by extra bootstraps: execute equals simulate except for
  // bootstrap failures, whose probability the parameters bound.
  kExact = 0,
  // The table reads the top bits directly (the box method): one bootstrap, but where acc/2^k
  // lies within the noise of a rounding boundary the noise picks the neighbouring entry, so
  // execute may differ from simulate by one table step there (predicted rate in the report).
  kApproximate = 1,
};

struct LookupPlan {
  // u = x + half − offset, half = 2^(k−1) (0 when k = 0); approximate lookups read round(u/2^k)
  // by the box method, so for them offset already includes the half (u = x − offset).
  std::int64_t offset = 0;
  bool approximate = false;      // RoundingMode::kApproximate and k ≥ 1 (kLookup only)
  unsigned width = 1;            // W: u is encoded as u·2^(63−W)
  unsigned round_bits = 0;       // k
  std::vector<unsigned> chunks;  // sizes of the exact truncation steps, Σ = k
  unsigned table_bits = 1;       // q = W − k, the final table's input precision
  std::int64_t index_first = 0;  // j at j' = 0 (= (offset + half) / 2^k)
  // kLookup: one table per function (per channel or one), 2^q output values each, for
  // j' = 0 … 2^q − 1, i.e. f(2^k·(index_first + j')).
  std::vector<std::vector<std::int64_t>> tables;
  // Lookups whose channels have their own ranges (Node::channel_round_bits; empty otherwise):
  // channel c rounds k_c = k − channel_shift[c] bits of its own range. Its input is multiplied
  // by 2^channel_shift[c] and shifted by channel_offset[c] (in place of `offset`), so that every
  // channel fills the same W bits and one truncation serves all; its table holds
  // f_c(2^k_c·(channel_index_first[c] + j')).
  std::vector<std::int64_t> channel_offset;
  std::vector<unsigned> channel_shift;
  std::vector<std::int64_t> channel_index_first;
};

struct NodePlan {
  bool live = false;   // feeds an output (dead nodes are not evaluated encrypted)
  int scale_log2 = 0;  // σ: phase = value·2^σ mod 2^64
  Range range;         // range of the node's values (from calibration or worst case)
  // Per channel, for the input of a lookup whose channels have their own ranges.
  std::vector<Range> channel_ranges;
  NoiseExpr noise;    // variance of its ciphertexts (worst element)
  LookupPlan lookup;  // kLookup and kRound only
};

struct CompiledCircuit {
  Circuit circuit;  // round bits set; lookups hold tables (their domain covers the plan's)
  std::vector<NodePlan> plans;
  std::vector<NoiseSite> sites;
  ParameterSet params;
  // r: truncation chunks hold at most r + 1 bits (the plan is a function of the circuit, the
  // ranges in `plans` and r, which is how a stored circuit is re-planned and checked).
  unsigned rounding_bits = 1;
  RoundingMode rounding_mode = RoundingMode::kExact;
};

// Bootstraps one evaluation performs.
std::size_t bootstrap_count(const CompiledCircuit& c);

}  // namespace lutfhe::compiler
