#include "compiler/products.hpp"

#include <algorithm>

#include "core/errors.hpp"

namespace lutfhe::compiler {

std::int64_t quarter_square(std::int64_t v) {
  // |v| < 2^31 in any range a lookup can read; the product then fits 62 bits.
  const std::int64_t a = v < 0 ? -v : v;
  return (a / 2) * (a / 2) + (a % 2) * (a / 2);  // ⌊a²/4⌋ for a = 2q or 2q + 1
}

bool has_products(const Circuit& circuit) {
  return std::any_of(circuit.nodes().begin(), circuit.nodes().end(),
                     [](const Node& n) { return n.op == OpKind::kMul; });
}

Circuit lower_products(const Circuit& circuit) {
  if (!has_products(circuit)) return circuit;
  Circuit out;
  std::vector<NodeId> map(circuit.size());
  const LookupFunction square = LookupFunction::function(quarter_square, "floor(v^2 / 4)");
  for (NodeId id = 0; id < circuit.size(); ++id) {
    Node n = circuit.node(id);
    for (NodeId& in : n.inputs) in = map[in];
    if (n.op != OpKind::kMul) {
      map[id] = out.append(std::move(n));
      continue;
    }
    const std::string base = n.name.empty() ? "mul" + std::to_string(id) : n.name;
    const NodeId sum = out.add(n.inputs[0], n.inputs[1], base + ".sum");
    const NodeId diff = out.sub(n.inputs[0], n.inputs[1], base + ".diff");
    const NodeId sq_sum = out.lookup(sum, square, base + ".sum_sq");
    const NodeId sq_diff = out.lookup(diff, square, base + ".diff_sq");
    map[id] = out.sub(sq_sum, sq_diff, n.name);
  }
  for (NodeId o : circuit.outputs()) out.mark_output(map[o]);
  for (const Carry& c : circuit.carries()) out.carry(map[c.output], map[c.input]);
  return out;
}

}  // namespace lutfhe::compiler
