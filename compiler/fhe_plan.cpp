#include "compiler/fhe_plan.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

#include "compiler/linear_terms.hpp"
#include "core/encoding.hpp"
#include "core/errors.hpp"
#include "core/noise.hpp"

namespace lutfhe::compiler {
namespace {

constexpr int kUnconstrained = INT_MAX;

std::vector<bool> live_nodes(const Circuit& c) {
  std::vector<bool> live(c.size(), false);
  for (NodeId o : c.outputs()) live[o] = true;
  for (std::size_t i = c.size(); i-- > 0;) {
    if (!live[i]) continue;
    for (NodeId in : c.nodes()[i].inputs) live[in] = true;
  }
  return live;
}

// Width of the unsigned span of a range, at least 1.
unsigned width_of(const Range& r) {
  return std::max(1U, bit_width_of(r.span()));
}

}  // namespace

double approximate_step_rate(const ParameterSet& p, const NoiseSite& site) {
  const double sigma = std::sqrt(noise::at_modulus_switch(p, site.input.variance(p), 1.0));
  const double step = std::exp2(-static_cast<double>(site.precision) - 1.0);
  return std::min(1.0, sigma * std::sqrt(2.0 / 3.141592653589793) / step);
}

unsigned table_bits_for(Range input, unsigned k) {
  const std::int64_t lo = round_bits(input.lo, k);
  const std::int64_t hi = round_bits(input.hi, k);
  return std::max(1U,
                  bit_width_of(static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo)));
}

unsigned rounding_bits_for(Range input, unsigned r) {
  const unsigned w = table_bits_for(input, 0);
  unsigned k = w > r ? w - r : 0;
  while (table_bits_for(input, k) > r) ++k;
  return k;
}

std::vector<unsigned> truncation_chunks(unsigned k, unsigned max_chunk) {
  if (k == 0) return {};
  if (max_chunk == 0) throw InvalidArgument("truncation chunks must hold at least one bit");
  const unsigned count = (k + max_chunk - 1) / max_chunk;
  std::vector<unsigned> chunks(count, k / count);
  for (unsigned i = 0; i < k % count; ++i) ++chunks[i];
  return chunks;
}

Plan plan_circuit(const Circuit& circuit, std::span<const Range> ranges, unsigned chunk_bits,
                  RoundingMode mode, std::span<const std::vector<Range>> channel_ranges) {
  const auto& nodes = circuit.nodes();
  require_equal(ranges.size(), nodes.size(), "plan_circuit", "ranges", "nodes");
  if (chunk_bits < 1) throw InvalidArgument("plan_circuit: chunk_bits must be at least 1");
  Plan plan;
  plan.plans.resize(nodes.size());
  const std::vector<bool> live = live_nodes(circuit);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    plan.plans[i].live = live[i];
    plan.plans[i].range = ranges[i];
    if (nodes[i].op == OpKind::kMul) {
      throw InvalidArgument(describe(circuit, static_cast<NodeId>(i)) +
                            ": encrypted products must be lowered to lookups first "
                            "(lower_products; compile does it)");
    }
  }
  for (const Carry& c : circuit.carries()) {
    const Range& declared = nodes[c.input].declared_range;
    if (ranges[c.output].lo < declared.lo || ranges[c.output].hi > declared.hi) {
      throw InvalidArgument("carry from " + describe(circuit, c.output) + ": its range [" +
                            std::to_string(ranges[c.output].lo) + ", " +
                            std::to_string(ranges[c.output].hi) + "] leaves the range [" +
                            std::to_string(declared.lo) + ", " + std::to_string(declared.hi) +
                            "] of " + describe(circuit, c.input));
    }
  }

  // Lookup and round recipes (they fix the scale their input must have).
  for (NodeId i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (!live[i] || (n.op != OpKind::kLookup && n.op != OpKind::kRound)) continue;
    const Range in = ranges[n.inputs[0]];
    LookupPlan& lp = plan.plans[i].lookup;
    const unsigned k = n.round_bits;
    lp.round_bits = k;
    const std::int64_t half = k > 0 ? std::int64_t{1} << (k - 1) : 0;
    lp.approximate = mode == RoundingMode::kApproximate && k > 0 && n.op == OpKind::kLookup;
    if (!n.channel_round_bits.empty()) {
      // Each channel over its own range, scaled up by 2^(k − k_c) to fill the common width.
      const NodeId src = n.inputs[0];
      if (channel_ranges.size() != nodes.size() ||
          channel_ranges[src].size() != n.channel_round_bits.size()) {
        throw InvalidArgument(describe(circuit, i) + ": per-channel rounding needs the ranges of " +
                              std::to_string(n.channel_round_bits.size()) + " input channels");
      }
      plan.plans[src].channel_ranges = channel_ranges[src];
      lp.table_bits = 1;
      for (std::size_t ch = 0; ch < n.channel_round_bits.size(); ++ch) {
        const unsigned kc = n.channel_round_bits[ch];
        const Range rc = channel_ranges[src][ch];
        lp.table_bits = std::max(lp.table_bits, table_bits_for(rc, kc));
        const std::int64_t first = round_bits(rc.lo, kc);
        lp.channel_shift.push_back(k - kc);
        lp.channel_index_first.push_back(first);
        lp.channel_offset.push_back(first * (std::int64_t{1} << k) - (lp.approximate ? 0 : half));
      }
      lp.index_first = 0;
      lp.offset = 0;
    } else {
      lp.table_bits = table_bits_for(in, k);
      lp.index_first = round_bits(in.lo, k);
      // The box of table entry j' is centred on u = j'·2^k: approximate lookups read round(u/2^k)
      // to nearest without the half.
      lp.offset = lp.index_first * (std::int64_t{1} << k) - (lp.approximate ? 0 : half);
    }
    if (lp.table_bits > kMaxMessageBits) {
      throw InvalidArgument(describe(circuit, i) + ": its table would read " +
                            std::to_string(lp.table_bits) + " bits (input range [" +
                            std::to_string(in.lo) + ", " + std::to_string(in.hi) + "], " +
                            std::to_string(k) + " rounding bits); at most " +
                            std::to_string(kMaxMessageBits) + " are supported");
    }
    if (!lp.approximate) lp.chunks = truncation_chunks(k, chunk_bits + 1);
  }

  // Scales, from the outputs backwards: each node takes the finest scale any consumer needs.
  // A carried output and its input must share a scale: when they differ, both are capped at
  // the coarser of the two and the pass is repeated (caps only lower scales, which every
  // consumer accepts, so this ends).
  std::vector<int> cap(nodes.size(), kUnconstrained);
  for (int pass = 0;; ++pass) {
    std::vector<int> required = cap;
    for (NodeId o : circuit.outputs()) {
      required[o] = std::min(required[o], 64 - static_cast<int>(width_of(ranges[o])));
    }
    for (std::size_t idx = nodes.size(); idx-- > 0;) {
      const auto i = static_cast<NodeId>(idx);
      if (!live[i]) continue;
      const Node& n = nodes[i];
      NodePlan& p = plan.plans[i];
      if (required[i] == kUnconstrained) required[i] = 63 - static_cast<int>(width_of(ranges[i]));
      if (n.op == OpKind::kRound) {
        // The round's output scale is 2^(63 − q): raise q when a consumer needs a finer scale.
        LookupPlan& lp = p.lookup;
        const int q = std::max(static_cast<int>(lp.table_bits), 63 - required[i]);
        if (q > 62) throw InvalidArgument(describe(circuit, i) + ": output range is too wide");
        lp.table_bits = static_cast<unsigned>(q);
        p.scale_log2 = 63 - q;
      } else {
        p.scale_log2 = std::max(0, required[i]);
      }
      if (n.op == OpKind::kLookup || n.op == OpKind::kRound) {
        LookupPlan& lp = p.lookup;
        lp.width = lp.table_bits + lp.round_bits;
        if (lp.width > 62) {
          throw InvalidArgument(describe(circuit, i) + ": input needs " + std::to_string(lp.width) +
                                " bits, more than the torus holds");
        }
        const NodeId in = n.inputs[0];
        required[in] = std::min(required[in], 63 - static_cast<int>(lp.width));
      } else {
        for (NodeId in : n.inputs) required[in] = std::min(required[in], p.scale_log2);
      }
    }
    bool tied = true;
    for (const Carry& c : circuit.carries()) {
      const int s = std::min(plan.plans[c.input].scale_log2, plan.plans[c.output].scale_log2);
      if (plan.plans[c.input].scale_log2 == s && plan.plans[c.output].scale_log2 == s) continue;
      tied = false;
      cap[c.input] = std::min(cap[c.input], s);
      cap[c.output] = std::min(cap[c.output], s);
    }
    if (tied) break;
    if (pass >= 8) throw InvalidArgument("plan_circuit: carried values found no common scale");
  }

  // Noise, forwards; bootstrap sites along the way.
  for (NodeId i = 0; i < nodes.size(); ++i) {
    if (!live[i]) continue;
    const Node& n = nodes[i];
    NodePlan& p = plan.plans[i];
    const std::size_t count = element_count(n.shape);
    if (n.op == OpKind::kInput) {
      // A carried input is a fresh encryption in the first evaluation and a bootstrap output
      // in the next ones: a bound for both.
      p.noise = circuit.carry_into(i) ? NoiseExpr{1.0, 1.0} : NoiseExpr{0.0, 1.0};
    } else if (is_linear(n.op)) {
      const Shape& in0 = nodes[n.inputs[0]].shape;
      NoiseExpr worst;
      // Σ w² per input slot, then the slot's noise scaled by it (the scales are per node).
      double scale_factor[2] = {0.0, 0.0};
      for (std::size_t slot = 0; slot < n.inputs.size(); ++slot) {
        scale_factor[slot] =
            std::exp2(2.0 * (p.scale_log2 - plan.plans[n.inputs[slot]].scale_log2));
      }
      for (std::size_t e = 0; e < count; ++e) {
        double squares[2] = {0.0, 0.0};
        for_each_linear_term(n, in0, e, [&](std::size_t slot, std::size_t, std::int64_t w) {
          squares[slot] += static_cast<double>(w) * static_cast<double>(w);
        });
        NoiseExpr sum;
        for (std::size_t slot = 0; slot < n.inputs.size(); ++slot) {
          sum += plan.plans[n.inputs[slot]].noise.scaled(squares[slot] * scale_factor[slot]);
        }
        worst = worst.max(sum);
      }
      p.noise = worst;
    } else {
      const LookupPlan& lp = p.lookup;
      const NodePlan& src = plan.plans[n.inputs[0]];
      const int normalised = 63 - static_cast<int>(lp.width);
      unsigned max_shift = 0;
      for (unsigned d : lp.channel_shift) max_shift = std::max(max_shift, d);
      NoiseExpr r = src.noise.scaled(std::exp2(2.0 * (normalised - src.scale_log2 + max_shift)));
      unsigned s = 0;
      for (unsigned c : lp.chunks) {
        // The chunk's top bit is moved into the padding position: ×2^(W − s − c + 1).
        const double amplification = std::exp2(2.0 * (static_cast<double>(lp.width) - s - c + 1));
        const double half_width = -static_cast<double>(c) - 1.0;
        plan.sites.push_back(
            {i, SiteKind::kSignBootstrap, r.scaled(amplification), half_width, c - 1, count});
        r += NoiseExpr{1.0, 0.0};
        if (c >= 2) {
          plan.sites.push_back(
              {i, SiteKind::kExtractBootstrap, r.scaled(amplification), half_width, c - 1, count});
          r += NoiseExpr{1.0, 0.0};
        }
        s += c;
      }
      if (n.op == OpKind::kLookup) {
        // An approximate lookup may land one entry off by design; it fails when the error
        // passes a whole step (two entries off).
        const double half_width = lp.approximate ? -static_cast<double>(lp.table_bits) - 1.0
                                                 : -static_cast<double>(lp.table_bits) - 2.0;
        plan.sites.push_back({i, SiteKind::kLookupBootstrap, r, half_width, lp.table_bits, count});
        p.noise = {1.0, 0.0};
      } else {
        p.noise = r;
      }
    }
  }
  for (NodeId o : circuit.outputs()) {
    const NodePlan& p = plan.plans[o];
    plan.sites.push_back({o, SiteKind::kDecryption, p.noise, p.scale_log2 - 1.0 - 64.0, 0,
                          element_count(nodes[o].shape)});
  }

  // Tables of the final lookups, sized before anything is allocated (a stored circuit must
  // not make us allocate without limit).
  std::size_t total_entries = 0;
  for (NodeId i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (!live[i] || n.op != OpKind::kLookup) continue;
    const std::size_t size = std::size_t{1} << plan.plans[i].lookup.table_bits;
    total_entries += size * n.functions.size();
    if (total_entries > kMaxTableEntries) {
      throw InvalidArgument(describe(circuit, i) + ": the circuit's tables exceed 2^24 entries");
    }
  }
  for (NodeId i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (!live[i] || n.op != OpKind::kLookup) continue;
    LookupPlan& lp = plan.plans[i].lookup;
    const std::size_t size = std::size_t{1} << lp.table_bits;
    for (std::size_t fi = 0; fi < n.functions.size(); ++fi) {
      const bool per_channel = !lp.channel_shift.empty();
      const unsigned kc = per_channel ? n.channel_round_bits[fi] : lp.round_bits;
      const std::int64_t first = per_channel ? lp.channel_index_first[fi] : lp.index_first;
      const std::int64_t step = std::int64_t{1} << kc;
      std::vector<std::int64_t> values(size);
      for (std::size_t j = 0; j < size; ++j) {
        values[j] = n.functions[fi]((first + static_cast<std::int64_t>(j)) * step);
      }
      lp.tables.push_back(std::move(values));
    }
  }
  return plan;
}

}  // namespace lutfhe::compiler
