#include "compiler/range_analysis.hpp"

#include <algorithm>
#include <limits>

#include "compiler/int128.hpp"
#include "compiler/linear_terms.hpp"
#include "core/errors.hpp"

namespace lutfhe::compiler {
namespace {

constexpr Int128 kLimit = Int128{1} << 62;
constexpr Range kEmpty{std::numeric_limits<std::int64_t>::max(),
                       std::numeric_limits<std::int64_t>::min()};

std::int64_t bound(Int128 v, const Circuit& c, NodeId id) {
  if (v >= kLimit || v <= -kLimit) {
    throw InvalidArgument(describe(c, id) + ": worst-case bound exceeds ±2^62");
  }
  return static_cast<std::int64_t>(v);
}

void include(Range& r, std::int64_t lo, std::int64_t hi) {
  r.lo = std::min(r.lo, lo);
  r.hi = std::max(r.hi, hi);
}

Range node_hull(const std::vector<Range>& channels) {
  Range r = kEmpty;
  for (const Range& c : channels) include(r, c.lo, c.hi);
  return r;
}

std::size_t channels_of(const Node& n) {
  return n.shape.empty() ? 1 : n.shape[0];
}

// The channel ranges of node `id` from those of its inputs (already in `r`).
std::vector<Range> compute_channel_ranges(const Circuit& circuit, RoundingSemantics semantics,
                                          NodeId id, const RangeSet& r) {
  const auto& nodes = circuit.nodes();
  const Node& n = nodes[id];
  const std::size_t channels = channels_of(n);
  const std::size_t count = element_count(n.shape);
  std::vector<Range> out(channels, kEmpty);
  switch (n.op) {
    case OpKind::kInput:
      std::fill(out.begin(), out.end(), n.declared_range);
      break;
    case OpKind::kRound: {
      const auto& in = r.channel[n.inputs[0]];
      for (std::size_t c = 0; c < channels; ++c) {
        out[c] = {round_bits(in[c].lo, n.round_bits), round_bits(in[c].hi, n.round_bits)};
      }
      break;
    }
    case OpKind::kMul: {
      // Same shape, so channel c of the product reads channel c of both factors.
      const auto& a = r.channel[n.inputs[0]];
      const auto& b = r.channel[n.inputs[1]];
      for (std::size_t c = 0; c < channels; ++c) {
        const Int128 corners[4] = {Int128{a[c].lo} * b[c].lo, Int128{a[c].lo} * b[c].hi,
                                   Int128{a[c].hi} * b[c].lo, Int128{a[c].hi} * b[c].hi};
        out[c] = {bound(*std::min_element(corners, corners + 4), circuit, id),
                  bound(*std::max_element(corners, corners + 4), circuit, id)};
      }
      break;
    }
    case OpKind::kLookup: {
      const auto& in = r.channel[n.inputs[0]];
      const bool compiled = semantics == RoundingSemantics::kCompiled;
      // One function: its range over the hull of the channels' domains, once.
      const bool shared = n.functions.size() == 1 && n.channel_round_bits.empty();
      const std::size_t passes = shared ? 1 : channels;
      std::uint64_t points = 0;
      for (std::size_t c = 0; c < passes; ++c) {
        const LookupFunction& f = n.functions.size() == 1 ? n.functions[0] : n.functions[c];
        const Range domain = shared ? node_hull(in) : in[c];
        const unsigned k = compiled ? lookup_round_bits(n, c) : 0;
        const std::int64_t jlo = round_bits(domain.lo, k);
        const std::int64_t jhi = round_bits(domain.hi, k);
        points += static_cast<std::uint64_t>(jhi) - static_cast<std::uint64_t>(jlo) + 1;
        if (points > (std::uint64_t{1} << 26)) {
          throw InvalidArgument(describe(circuit, id) + ": input range [" +
                                std::to_string(domain.lo) + ", " + std::to_string(domain.hi) +
                                "] is too wide for worst-case analysis; give calibration data");
        }
        Range y_range = kEmpty;
        for (std::int64_t j = jlo; j <= jhi; ++j) {
          const std::int64_t y = f(bound(static_cast<Int128>(j) << k, circuit, id));
          include(y_range, y, y);
        }
        if (shared) {
          std::fill(out.begin(), out.end(), y_range);
        } else {
          out[c] = y_range;
        }
      }
      break;
    }
    default: {
      const Shape& in0 = nodes[n.inputs[0]].shape;
      for (std::size_t e = 0; e < count; ++e) {
        Int128 lo = 0;
        Int128 hi = 0;
        const std::int64_t constant =
            for_each_linear_term(n, in0, e, [&](std::size_t slot, std::size_t i, std::int64_t w) {
              const NodeId src = n.inputs[slot];
              const Range in = r.channel[src][channel_of(nodes[src].shape, i)];
              const Int128 a = static_cast<Int128>(w) * in.lo;
              const Int128 b = static_cast<Int128>(w) * in.hi;
              lo += std::min(a, b);
              hi += std::max(a, b);
            });
        Range& ch = out[channel_of(n.shape, e)];
        include(ch, bound(lo + constant, circuit, id), bound(hi + constant, circuit, id));
      }
      break;
    }
  }
  return out;
}

}  // namespace

RangeSet worst_case_range_set(const Circuit& circuit, RoundingSemantics semantics,
                              std::span<const std::vector<Range>> assumed) {
  const auto& nodes = circuit.nodes();
  if (!assumed.empty()) {
    require_equal(assumed.size(), nodes.size(), "worst_case_ranges", "assumed ranges", "nodes");
  }
  RangeSet r;
  r.node.resize(nodes.size());
  r.channel.resize(nodes.size());
  for (NodeId id = 0; id < nodes.size(); ++id) {
    std::vector<Range> ch = compute_channel_ranges(circuit, semantics, id, r);
    if (!assumed.empty() && !assumed[id].empty()) {
      require_equal(assumed[id].size(), ch.size(), "worst_case_ranges", "assumed channels",
                    "channels");
      for (std::size_t c = 0; c < ch.size(); ++c) {
        const Range a = assumed[id][c];
        const Range both{std::max(ch[c].lo, a.lo), std::min(ch[c].hi, a.hi)};
        ch[c] = both.lo <= both.hi ? both : a;
      }
    }
    r.node[id] = node_hull(ch);
    r.channel[id] = std::move(ch);
  }
  return r;
}

std::vector<Range> worst_case_ranges(const Circuit& circuit, RoundingSemantics semantics) {
  return worst_case_range_set(circuit, semantics).node;
}

RangeSet observed_range_set(const Circuit& circuit, std::span<const Sample> samples,
                            RoundingSemantics semantics) {
  if (samples.empty()) throw InvalidArgument("observed_ranges: no calibration samples");
  const auto& nodes = circuit.nodes();
  RangeSet r;
  r.node.assign(nodes.size(), kEmpty);
  r.channel.resize(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) r.channel[i].assign(channels_of(nodes[i]), kEmpty);
  for (const Sample& s : samples) {
    const std::vector<Tensor> values = evaluate_all(circuit, s, semantics);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      for (std::size_t e = 0; e < values[i].size(); ++e) {
        const std::int64_t v = values[i][e];
        include(r.channel[i][channel_of(nodes[i].shape, e)], v, v);
      }
    }
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].op == OpKind::kInput) {
      for (Range& c : r.channel[i]) c = c.hull(nodes[i].declared_range);
    }
    r.node[i] = node_hull(r.channel[i]);
  }
  return r;
}

std::vector<Range> observed_ranges(const Circuit& circuit, std::span<const Sample> samples,
                                   RoundingSemantics semantics) {
  return observed_range_set(circuit, samples, semantics).node;
}

Range widen(Range r, unsigned bits) {
  if (bits == 0) return r;
  const Int128 span = static_cast<Int128>(r.hi) - r.lo;
  const Int128 extra = (span * ((Int128{1} << bits) - 1) + 1) / 2;
  const auto clip = [](Int128 v) {
    return static_cast<std::int64_t>(std::clamp<Int128>(v, -kLimit + 1, kLimit - 1));
  };
  return {clip(r.lo - extra), clip(r.hi + extra)};
}

std::vector<Range> hull(std::span<const Range> a, std::span<const Range> b) {
  require_equal(a.size(), b.size(), "range hull", "first", "second");
  std::vector<Range> out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = a[i].hull(b[i]);
  return out;
}

RangeSet hull(const RangeSet& a, const RangeSet& b) {
  RangeSet out{hull(a.node, b.node), {}};
  require_equal(a.channel.size(), b.channel.size(), "range hull", "first", "second");
  out.channel.resize(a.channel.size());
  for (std::size_t i = 0; i < a.channel.size(); ++i)
    out.channel[i] = hull(a.channel[i], b.channel[i]);
  return out;
}

}  // namespace lutfhe::compiler
