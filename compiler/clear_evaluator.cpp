#include "compiler/clear_evaluator.hpp"

#include <limits>

#include "compiler/int128.hpp"
#include "compiler/linear_terms.hpp"
#include "core/errors.hpp"

namespace lutfhe::compiler {
namespace {

std::int64_t checked(Int128 v, const Circuit& c, NodeId id) {
  constexpr Int128 limit = Int128{1} << 62;
  if (v >= limit || v <= -limit) {
    throw InvalidArgument(describe(c, id) + ": a value exceeds ±2^62");
  }
  return static_cast<std::int64_t>(v);
}

}  // namespace

void check_sample(const Circuit& circuit, const Sample& inputs) {
  const std::vector<NodeId> ids = circuit.inputs();
  require_equal(inputs.size(), ids.size(), "sample", "tensors", "circuit inputs");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const Node& n = circuit.node(ids[i]);
    require_equal(inputs[i].size(), element_count(n.shape), "sample input", "values", "elements");
    for (std::size_t e = 0; e < inputs[i].size(); ++e) {
      if (!n.declared_range.contains(inputs[i][e])) {
        throw InvalidArgument(describe(circuit, ids[i]) + ": element " + std::to_string(e) + " = " +
                              std::to_string(inputs[i][e]) + " is outside [" +
                              std::to_string(n.declared_range.lo) + ", " +
                              std::to_string(n.declared_range.hi) + "]");
      }
    }
  }
}

std::vector<Tensor> evaluate_all(const Circuit& circuit, const Sample& inputs,
                                 RoundingSemantics semantics) {
  check_sample(circuit, inputs);
  const auto& nodes = circuit.nodes();
  std::vector<Tensor> values(nodes.size());
  std::size_t next_input = 0;
  for (NodeId id = 0; id < nodes.size(); ++id) {
    const Node& n = nodes[id];
    const std::size_t count = element_count(n.shape);
    Tensor& out = values[id];
    switch (n.op) {
      case OpKind::kInput:
        out = inputs[next_input++];
        break;
      case OpKind::kLookup: {
        const Tensor& x = values[n.inputs[0]];
        const bool compiled = semantics == RoundingSemantics::kCompiled;
        out.resize(count);
        for (std::size_t e = 0; e < count; ++e) {
          const std::size_t c = n.functions.size() == 1 ? 0 : channel_of(n.shape, e);
          const LookupFunction& f = n.functions[c];
          const unsigned k = compiled ? lookup_round_bits(n, c) : 0;
          const std::int64_t arg =
              k == 0 ? x[e] : checked(static_cast<Int128>(round_bits(x[e], k)) << k, circuit, id);
          out[e] = f(arg);
        }
        break;
      }
      case OpKind::kMul: {
        const Tensor& x = values[n.inputs[0]];
        const Tensor& y = values[n.inputs[1]];
        out.resize(count);
        for (std::size_t e = 0; e < count; ++e) {
          out[e] = checked(static_cast<Int128>(x[e]) * y[e], circuit, id);
        }
        break;
      }
      case OpKind::kRound: {
        const Tensor& x = values[n.inputs[0]];
        out.resize(count);
        for (std::size_t e = 0; e < count; ++e) out[e] = round_bits(x[e], n.round_bits);
        break;
      }
      default: {
        const Shape& in0 = nodes[n.inputs[0]].shape;
        out.resize(count);
        for (std::size_t e = 0; e < count; ++e) {
          Int128 acc = 0;
          const std::int64_t constant =
              for_each_linear_term(n, in0, e, [&](std::size_t slot, std::size_t i, std::int64_t w) {
                acc += static_cast<Int128>(w) * values[n.inputs[slot]][i];
              });
          out[e] = checked(acc + constant, circuit, id);
        }
        break;
      }
    }
  }
  return values;
}

std::vector<Tensor> evaluate_clear(const Circuit& circuit, const Sample& inputs,
                                   RoundingSemantics semantics) {
  std::vector<Tensor> all = evaluate_all(circuit, inputs, semantics);
  std::vector<Tensor> out;
  out.reserve(circuit.outputs().size());
  for (NodeId o : circuit.outputs()) out.push_back(std::move(all[o]));
  return out;
}

}  // namespace lutfhe::compiler
