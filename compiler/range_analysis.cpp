#include "compiler/range_analysis.hpp"

#include <algorithm>
#include <limits>

#include "compiler/int128.hpp"
#include "compiler/linear_terms.hpp"
#include "core/errors.hpp"

namespace lutfhe::compiler {
namespace {

constexpr Int128 kLimit = Int128{1} << 62;

std::int64_t bound(Int128 v, const Circuit& c, NodeId id) {
  if (v >= kLimit || v <= -kLimit) {
    throw InvalidArgument(describe(c, id) + ": worst-case bound exceeds ±2^62");
  }
  return static_cast<std::int64_t>(v);
}

void compute_node_range(const Circuit& circuit, RoundingSemantics semantics, NodeId id,
                        std::vector<Range>& r) {
  const auto& nodes = circuit.nodes();
  {
    const Node& n = nodes[id];
    const std::size_t count = element_count(n.shape);
    switch (n.op) {
      case OpKind::kInput:
        r[id] = n.declared_range;
        break;
      case OpKind::kRound: {
        const Range in = r[n.inputs[0]];
        r[id] = {round_bits(in.lo, n.round_bits), round_bits(in.hi, n.round_bits)};
        break;
      }
      case OpKind::kLookup: {
        const Range in = r[n.inputs[0]];
        const unsigned k = semantics == RoundingSemantics::kCompiled ? n.round_bits : 0;
        const std::int64_t jlo = round_bits(in.lo, k);
        const std::int64_t jhi = round_bits(in.hi, k);
        if (static_cast<std::uint64_t>(jhi) - static_cast<std::uint64_t>(jlo) > (1U << 24)) {
          throw InvalidArgument(describe(circuit, id) + ": input range [" + std::to_string(in.lo) +
                                ", " + std::to_string(in.hi) +
                                "] is too wide for worst-case analysis; give calibration data");
        }
        std::int64_t lo = std::numeric_limits<std::int64_t>::max();
        std::int64_t hi = std::numeric_limits<std::int64_t>::min();
        for (const LookupFunction& f : n.functions) {
          for (std::int64_t j = jlo; j <= jhi; ++j) {
            const std::int64_t y = f(bound(static_cast<Int128>(j) << k, circuit, id));
            lo = std::min(lo, y);
            hi = std::max(hi, y);
          }
        }
        r[id] = {lo, hi};
        break;
      }
      default: {
        const Shape& in0 = nodes[n.inputs[0]].shape;
        Int128 node_lo = 0;
        Int128 node_hi = 0;
        for (std::size_t e = 0; e < count; ++e) {
          Int128 lo = 0;
          Int128 hi = 0;
          const std::int64_t c =
              for_each_linear_term(n, in0, e, [&](std::size_t slot, std::size_t, std::int64_t w) {
                const Range in = r[n.inputs[slot]];
                const Int128 a = static_cast<Int128>(w) * in.lo;
                const Int128 b = static_cast<Int128>(w) * in.hi;
                lo += std::min(a, b);
                hi += std::max(a, b);
              });
          lo += c;
          hi += c;
          if (e == 0 || lo < node_lo) node_lo = lo;
          if (e == 0 || hi > node_hi) node_hi = hi;
        }
        r[id] = {bound(node_lo, circuit, id), bound(node_hi, circuit, id)};
        break;
      }
    }
  }
}

}  // namespace

std::vector<Range> worst_case_ranges(const Circuit& circuit, RoundingSemantics semantics,
                                     std::span<const std::optional<Range>> assumed) {
  const auto& nodes = circuit.nodes();
  if (!assumed.empty()) {
    require_equal(assumed.size(), nodes.size(), "worst_case_ranges", "assumed ranges", "nodes");
  }
  std::vector<Range> r(nodes.size());
  for (NodeId id = 0; id < nodes.size(); ++id) {
    compute_node_range(circuit, semantics, id, r);
    if (!assumed.empty() && assumed[id]) {
      const Range a = *assumed[id];
      const Range both{std::max(r[id].lo, a.lo), std::min(r[id].hi, a.hi)};
      r[id] = both.lo <= both.hi ? both : a;
    }
  }
  return r;
}

std::vector<Range> observed_ranges(const Circuit& circuit, std::span<const Sample> samples,
                                   RoundingSemantics semantics) {
  if (samples.empty()) throw InvalidArgument("observed_ranges: no calibration samples");
  const auto& nodes = circuit.nodes();
  std::vector<Range> r(nodes.size(), Range{std::numeric_limits<std::int64_t>::max(),
                                           std::numeric_limits<std::int64_t>::min()});
  for (const Sample& s : samples) {
    const std::vector<Tensor> values = evaluate_all(circuit, s, semantics);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      for (std::int64_t v : values[i]) {
        r[i].lo = std::min(r[i].lo, v);
        r[i].hi = std::max(r[i].hi, v);
      }
    }
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].op == OpKind::kInput) r[i] = r[i].hull(nodes[i].declared_range);
  }
  return r;
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

}  // namespace lutfhe::compiler
