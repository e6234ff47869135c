// The test polynomials of a compiled circuit under its parameter set, built once and shared
// read-only by the simulator and the encrypted evaluator (so both read the very same tables).
#pragma once

#include <optional>
#include <vector>

#include "compiler/compiled_circuit.hpp"
#include "core/entities/lookup_table.hpp"

namespace lutfhe::compiler {

struct ChunkTables {
  unsigned start = 0;                  // s: bits of u removed before this chunk
  unsigned bits = 1;                   // c
  LookupTable sign;                    // constant α: ±α by the padding-position bit
  Torus sign_offset = 0;               // 2^(63 − c), added before the sign bootstrap
  Torus alpha = 0;                     // α = 2^(62 − W + s + c − 1); B = α − output
  std::optional<LookupTable> extract;  // c ≥ 2: v' ↦ v'·2^(s + 63 − W)
};

struct NodeTables {
  std::vector<ChunkTables> chunks;
  std::vector<LookupTable> final_tables;  // kLookup: one per function
  std::vector<std::size_t> site_indices;  // CompiledCircuit::sites of this node, in order
};

struct BootstrapTables {
  std::vector<NodeTables> nodes;  // index = node id (empty for other nodes)
};

BootstrapTables build_bootstrap_tables(const CompiledCircuit& compiled);

}  // namespace lutfhe::compiler
