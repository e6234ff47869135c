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

// Test polynomials (N torus values each) may take at most this much memory, far above what the
// models lutfhe compiles need (the MNIST MLP: 8 MiB at N = 8192).
inline constexpr std::size_t kMaxBootstrapTableBytes = std::size_t{256} << 20;

// How many test polynomials build_bootstrap_tables makes, from the plans alone.
std::size_t bootstrap_table_count(const CompiledCircuit& compiled);
// LimitExceeded when they would take more than kMaxBootstrapTableBytes.
void check_bootstrap_table_memory(const CompiledCircuit& compiled);

// LimitExceeded as check_bootstrap_table_memory, before anything is built.
BootstrapTables build_bootstrap_tables(const CompiledCircuit& compiled);

}  // namespace lutfhe::compiler
