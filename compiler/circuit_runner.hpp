// One interpreter for the compiled circuit, generic over what a "ciphertext" is. The simulator
// instantiates it with noiseless torus phases, the server with LWE ciphertexts: both run the
// very same sequence of linear operations and bootstraps with the very same tables, so they
// can only differ where a real bootstrap's noise crossed its decision boundary.
//
// A Backend provides:
//   using Value;                                   // a ciphertext (or its phase)
//   Value zero() const;                            // the trivial encryption of 0
//   void add_scaled(Value&, const Value&, Torus w) const;   // acc += w·x (mod 2^64)
//   void scale(Value&, Torus w) const;                      // v *= w
//   void add_plaintext(Value&, Torus c) const;              // phase += c
//   void bootstrap(std::span<Value> out, std::span<const Value> in,
//                  std::span<const LookupTable* const> tables, std::size_t site);
//   template <class F> void parallel_for(std::size_t count, F&& f) const;
#pragma once

#include <span>
#include <vector>

#include "compiler/bootstrap_tables.hpp"
#include "compiler/compiled_circuit.hpp"
#include "compiler/linear_terms.hpp"
#include "core/errors.hpp"
#include "core/types.hpp"

namespace lutfhe::compiler {

// 2^e as a torus multiplier (e ≤ 63).
inline Torus pow2_torus(int e) {
  return Torus{1} << e;
}

// Runs `compiled` on `inputs` (one vector of values per input node, in Circuit::inputs()
// order, each already encoded at its node's scale) and returns the values of the outputs.
template <class Backend>
std::vector<std::vector<typename Backend::Value>> run_compiled(
    const CompiledCircuit& compiled, const BootstrapTables& tables, Backend& backend,
    std::vector<std::vector<typename Backend::Value>> inputs) {
  using Value = typename Backend::Value;
  const auto& nodes = compiled.circuit.nodes();
  const std::vector<NodeId> input_ids = compiled.circuit.inputs();
  require_equal(inputs.size(), input_ids.size(), "encrypted circuit", "input tensors",
                "circuit inputs");
  // Free every value after its last use.
  std::vector<std::size_t> last_use(nodes.size(), 0);
  for (NodeId id = 0; id < nodes.size(); ++id) {
    if (!compiled.plans[id].live) continue;
    for (NodeId in : nodes[id].inputs) last_use[in] = id;
  }
  for (NodeId o : compiled.circuit.outputs()) last_use[o] = nodes.size();

  std::vector<std::vector<Value>> values(nodes.size());
  std::size_t next_input = 0;
  for (NodeId id = 0; id < nodes.size(); ++id) {
    const Node& n = nodes[id];
    const NodePlan& plan = compiled.plans[id];
    const std::size_t count = element_count(n.shape);
    if (n.op == OpKind::kInput) {
      std::vector<Value>& in = inputs[next_input++];
      require_equal(in.size(), count, "encrypted circuit input", "ciphertexts", "elements");
      if (plan.live) values[id] = std::move(in);
      continue;
    }
    if (!plan.live) continue;
    std::vector<Value> out(count, backend.zero());
    if (is_linear(n.op)) {
      const Shape& in0 = nodes[n.inputs[0]].shape;
      backend.parallel_for(count, [&](std::size_t e) {
        const Torus constant = static_cast<Torus>(
            for_each_linear_term(n, in0, e, [&](std::size_t slot, std::size_t i, std::int64_t w) {
              const NodeId src = n.inputs[slot];
              const Torus factor = static_cast<Torus>(w) *
                                   pow2_torus(plan.scale_log2 - compiled.plans[src].scale_log2);
              backend.add_scaled(out[e], values[src][i], factor);
            }));
        backend.add_plaintext(out[e], constant * pow2_torus(plan.scale_log2));
      });
    } else {
      // Lookup or round: normalise, truncate exactly, then look up (README.md).
      const LookupPlan& lp = plan.lookup;
      const NodeTables& nt = tables.nodes[id];
      const NodeId src = n.inputs[0];
      const int normalised = 63 - static_cast<int>(lp.width);
      // u = x·2^d − offset at the scale of a W-bit value; per channel when the channels have
      // their own ranges (d = channel_shift[c]), else d = 0 and one offset.
      const bool per_channel = !lp.channel_shift.empty();
      const std::size_t groups = per_channel ? lp.channel_shift.size() : 1;
      std::vector<Torus> factor(groups);
      std::vector<Torus> shift_in(groups);
      for (std::size_t c = 0; c < groups; ++c) {
        const int d = per_channel ? static_cast<int>(lp.channel_shift[c]) : 0;
        const std::int64_t offset = per_channel ? lp.channel_offset[c] : lp.offset;
        factor[c] = pow2_torus(normalised - compiled.plans[src].scale_log2 + d);
        shift_in[c] = static_cast<Torus>(-offset) * pow2_torus(normalised);
      }
      std::vector<Value> r(count, backend.zero());
      backend.parallel_for(count, [&](std::size_t e) {
        const std::size_t c = per_channel ? channel_of(n.shape, e) : 0;
        r[e] = values[src][e];
        backend.scale(r[e], factor[c]);
        backend.add_plaintext(r[e], shift_in[c]);
      });
      std::size_t site = 0;
      std::vector<Value> scaled(count, backend.zero());
      std::vector<Value> boot(count, backend.zero());
      for (const ChunkTables& ct : nt.chunks) {
        const Torus to_top = pow2_torus(static_cast<int>(lp.width - ct.start - ct.bits + 1));
        // Sign bootstrap: the chunk's top bit b sits in the padding position; the output is
        // α·(−1)^b, and B = b·2α = α − output is that bit at the accumulator's scale.
        backend.parallel_for(count, [&](std::size_t e) {
          scaled[e] = r[e];
          backend.scale(scaled[e], to_top);
          backend.add_plaintext(scaled[e], ct.sign_offset);
        });
        const std::vector<const LookupTable*> sign(count, &ct.sign);
        backend.bootstrap(boot, scaled, sign, nt.site_indices.at(site++));
        backend.parallel_for(count, [&](std::size_t e) {
          // r −= α − output
          backend.add_scaled(r[e], boot[e], 1);
          backend.add_plaintext(r[e], Torus{0} - ct.alpha);
        });
        if (ct.extract) {
          // The chunk's remaining c − 1 bits, now with a clear padding bit.
          backend.parallel_for(count, [&](std::size_t e) {
            scaled[e] = r[e];
            backend.scale(scaled[e], to_top);
          });
          const std::vector<const LookupTable*> extract(count, &*ct.extract);
          backend.bootstrap(boot, scaled, extract, nt.site_indices.at(site++));
          backend.parallel_for(count, [&](std::size_t e) {
            backend.add_scaled(r[e], boot[e], ~Torus{0});  // r −= output
          });
        }
      }
      if (n.op == OpKind::kLookup) {
        std::vector<const LookupTable*> finals(count);
        for (std::size_t e = 0; e < count; ++e) {
          finals[e] = nt.final_tables.size() == 1 ? &nt.final_tables[0]
                                                  : &nt.final_tables[channel_of(n.shape, e)];
        }
        backend.bootstrap(out, r, finals, nt.site_indices.at(site++));
      } else {
        const Torus base =
            static_cast<Torus>(lp.index_first) * pow2_torus(63 - static_cast<int>(lp.table_bits));
        backend.parallel_for(count, [&](std::size_t e) {
          out[e] = std::move(r[e]);
          backend.add_plaintext(out[e], base);
        });
      }
    }
    values[id] = std::move(out);
    for (NodeId in : n.inputs) {
      if (last_use[in] == id) values[in] = {};
    }
  }
  std::vector<std::vector<Value>> outputs;
  for (NodeId o : compiled.circuit.outputs()) outputs.push_back(values[o]);
  return outputs;
}

}  // namespace lutfhe::compiler
