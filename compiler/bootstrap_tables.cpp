#include "compiler/bootstrap_tables.hpp"

#include "core/lookup_table.hpp"

#include <string>

#include "core/errors.hpp"

namespace lutfhe::compiler {

std::size_t bootstrap_table_count(const CompiledCircuit& compiled) {
  std::size_t count = 0;
  const auto& nodes = compiled.circuit.nodes();
  for (NodeId id = 0; id < nodes.size(); ++id) {
    const NodePlan& p = compiled.plans.at(id);
    if (!p.live || (nodes[id].op != OpKind::kLookup && nodes[id].op != OpKind::kRound)) continue;
    for (unsigned c : p.lookup.chunks) count += c >= 2 ? 2 : 1;
    if (nodes[id].op == OpKind::kLookup) count += p.lookup.tables.size();
  }
  return count;
}

void check_bootstrap_table_memory(const CompiledCircuit& compiled) {
  const std::size_t count = bootstrap_table_count(compiled);
  const std::size_t bytes_each = compiled.params.N.value() * sizeof(Torus);
  if (count > kMaxBootstrapTableBytes / bytes_each) {
    throw LimitExceeded("the circuit needs " + std::to_string(count) + " test polynomials of " +
                        std::to_string(bytes_each) + " bytes, more than the limit of " +
                        std::to_string(kMaxBootstrapTableBytes >> 20) + " MiB");
  }
}

BootstrapTables build_bootstrap_tables(const CompiledCircuit& compiled) {
  check_bootstrap_table_memory(compiled);
  const auto& nodes = compiled.circuit.nodes();
  const PolynomialSize big_n = compiled.params.N;
  BootstrapTables out;
  out.nodes.resize(nodes.size());
  for (std::size_t i = 0; i < compiled.sites.size(); ++i) {
    out.nodes[compiled.sites[i].node].site_indices.push_back(i);
  }
  for (NodeId id = 0; id < nodes.size(); ++id) {
    const Node& n = nodes[id];
    const NodePlan& p = compiled.plans[id];
    if (!p.live || (n.op != OpKind::kLookup && n.op != OpKind::kRound)) continue;
    const LookupPlan& lp = p.lookup;
    NodeTables& nt = out.nodes[id];
    const unsigned w = lp.width;
    unsigned s = 0;
    for (unsigned c : lp.chunks) {
      const Torus alpha = Torus{1} << (62 - w + s + c - 1);
      ChunkTables ct{s,     c,           make_sign_lookup_table(big_n, alpha), Torus{1} << (63 - c),
                     alpha, std::nullopt};
      if (c >= 2) {
        std::vector<std::vector<Torus>> values(1, std::vector<Torus>(std::size_t{1} << (c - 1)));
        for (std::size_t v = 0; v < values[0].size(); ++v) {
          values[0][v] = static_cast<Torus>(v) << (s + 63 - w);
        }
        ct.extract = make_lookup_table_torus(big_n, c - 1, values);
      }
      nt.chunks.push_back(std::move(ct));
      s += c;
    }
    if (n.op == OpKind::kLookup) {
      for (const auto& table : lp.tables) {
        std::vector<std::vector<Torus>> values(1, std::vector<Torus>(table.size()));
        for (std::size_t j = 0; j < table.size(); ++j) {
          values[0][j] = static_cast<Torus>(table[j]) << p.scale_log2;
        }
        nt.final_tables.push_back(make_lookup_table_torus(big_n, lp.table_bits, values));
      }
    }
  }
  return out;
}

}  // namespace lutfhe::compiler
