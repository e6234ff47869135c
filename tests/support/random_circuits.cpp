#include "tests/support/random_circuits.hpp"

namespace lutfhe::testing {

using namespace compiler;

namespace {

std::int64_t in_range(TestRng& rng, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(hi - lo + 1)));
}

// A random function as a table over a generous domain (clamped beyond it).
LookupFunction random_function(TestRng& rng) {
  std::vector<std::int64_t> values(1024);
  const std::int64_t lo = in_range(rng, -6, 0);
  const std::int64_t hi = in_range(rng, 1, 7);
  for (auto& v : values) v = in_range(rng, lo, hi);
  return LookupFunction::table(-512, std::move(values));
}

}  // namespace

Circuit random_circuit(TestRng& rng, const RandomCircuitOptions& o) {
  Circuit c;
  NodeId x = c.input({o.inputs}, {0, (std::int64_t{1} << o.input_bits) - 1}, "x");
  std::size_t width = o.inputs;
  for (std::size_t layer = 0; layer < o.layers; ++layer) {
    const bool last = layer + 1 == o.layers;
    const std::size_t out = o.hidden;
    std::vector<std::int64_t> w(out * width);
    for (auto& v : w) v = in_range(rng, -o.max_weight, o.max_weight);
    std::vector<std::int64_t> b(out);
    for (auto& v : b) v = in_range(rng, -4, 4);
    NodeId acc = c.dense(x, out, std::move(w), std::move(b), "fc" + std::to_string(layer));
    if (o.branches) {
      switch (rng.below(4)) {
        case 0:
          acc = c.add_constant(acc, {in_range(rng, -3, 3)});
          break;
        case 1:
          acc = c.mul_constant(acc, {in_range(rng, 2, 3)});
          break;
        case 2: {
          std::vector<std::int64_t> w2(out * width);
          for (auto& v : w2) v = in_range(rng, -1, 1);
          const NodeId other = c.dense(x, out, std::move(w2), std::vector<std::int64_t>(out, 0));
          acc = rng.coin() ? c.add(acc, other) : c.sub(acc, other);
          break;
        }
        default:
          acc = c.round(acc, 1 + static_cast<unsigned>(rng.below(2)));
          break;
      }
    }
    if (last && o.linear_output) {
      x = acc;
    } else {
      x = c.lookup(acc, random_function(rng), "act" + std::to_string(layer));
    }
    width = out;
  }
  c.mark_output(x);
  return c;
}

Sample random_sample(TestRng& rng, const Circuit& circuit) {
  Sample s;
  for (NodeId id : circuit.inputs()) {
    const Node& n = circuit.node(id);
    Tensor t(element_count(n.shape));
    for (auto& v : t) v = in_range(rng, n.declared_range.lo, n.declared_range.hi);
    s.push_back(std::move(t));
  }
  return s;
}

std::vector<Sample> random_samples(TestRng& rng, const Circuit& circuit, std::size_t count) {
  std::vector<Sample> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(random_sample(rng, circuit));
  return out;
}

}  // namespace lutfhe::testing
