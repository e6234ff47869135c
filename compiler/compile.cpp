#include "compiler/compile.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <sstream>

#include "compiler/cost_model.hpp"
#include "compiler/fhe_plan.hpp"
#include "compiler/products.hpp"
#include "compiler/range_analysis.hpp"
#include "compiler/simulate.hpp"
#include "core/errors.hpp"

namespace lutfhe::compiler {
namespace {

std::size_t argmax(const Tensor& t) {
  return static_cast<std::size_t>(std::max_element(t.begin(), t.end()) - t.begin());
}

bool is_classifier(const Circuit& model) {
  return model.outputs().size() == 1 && element_count(model.node(model.outputs()[0]).shape) > 1;
}

// Outputs agree: the same argmax for a classifier (one vector output), equal otherwise.
bool outputs_agree(bool classifier, const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  return classifier ? argmax(a[0]) == argmax(b[0]) : a == b;
}

// Agreement of the rounded circuit with the model (outputs `clear_outputs`, per sample) on the
// calibration samples.
void measure_agreement(const Circuit& model, const Circuit& rounded,
                       std::span<const Sample> calibration,
                       std::span<const std::vector<Tensor>> clear_outputs, RoundingCandidate& out) {
  if (calibration.empty()) return;
  const bool classifier = is_classifier(model);
  std::size_t agree = 0;
  double abs_error = 0.0;
  std::size_t elements = 0;
  for (std::size_t i = 0; i < calibration.size(); ++i) {
    const Sample& s = calibration[i];
    const auto& clear = clear_outputs[i];
    const auto approx = evaluate_clear(rounded, s, RoundingSemantics::kCompiled);
    bool same = true;
    for (std::size_t o = 0; o < clear.size(); ++o) {
      for (std::size_t e = 0; e < clear[o].size(); ++e) {
        abs_error += std::abs(static_cast<double>(clear[o][e] - approx[o][e]));
        ++elements;
        if (clear[o][e] != approx[o][e]) same = false;
      }
    }
    if (classifier ? argmax(clear[0]) == argmax(approx[0]) : same) ++agree;
  }
  out.agreement = static_cast<double>(agree) / static_cast<double>(calibration.size());
  out.mean_abs_error = elements ? abs_error / static_cast<double>(elements) : 0.0;
}

// Agreement with the model when every bootstrap of the compiled circuit gets the noise model's
// error (what approximate rounding costs on top of the rounding itself).
// Lower end of the Wilson score interval (z = 1.96, 95%) of a proportion p over n trials.
double wilson_lower(double p, std::size_t n) {
  if (n == 0) return 0.0;
  const double z = 1.959963984540054;
  const double nn = static_cast<double>(n);
  const double centre = p + z * z / (2 * nn);
  const double spread = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn));
  return (centre - spread) / (1 + z * z / nn);
}

double measure_noisy_agreement(const Circuit& model, const CompiledCircuit& compiled,
                               std::span<const Sample> calibration,
                               std::span<const std::vector<Tensor>> clear_outputs,
                               std::size_t max_samples, std::uint64_t seed, std::size_t& used) {
  const std::size_t n = std::min(max_samples, calibration.size());
  used = n;
  SimulateOptions so;
  so.inject_errors = true;
  so.seed = seed;
  Simulator sim(compiled, so);
  const bool classifier = is_classifier(model);
  std::size_t agree = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (outputs_agree(classifier, clear_outputs[i], sim.run(calibration[i]))) ++agree;
  }
  return n ? static_cast<double>(agree) / static_cast<double>(n) : 1.0;
}

std::string fmt(const char* format, double v) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string node_label(const Circuit& c, NodeId id) {
  const Node& n = c.node(id);
  std::string s(op_name(n.op));
  if (!n.name.empty()) s += " '" + n.name + "'";
  return s;
}

}  // namespace

RangeSet RangePolicy::ranges(const Circuit& circuit, RoundingSemantics semantics) const {
  if (mode_ == RangeMode::kSound || calibration_.empty()) {
    return worst_case_range_set(circuit, semantics);
  }
  // The inputs of lookups and rounds: calibrated, widened, never wider than the worst case
  // (when the worst case can be computed at all).
  const RangeSet observed = observed_range_set(circuit, calibration_, semantics);
  std::vector<std::vector<Range>> assumed(circuit.size());
  for (const Node& n : circuit.nodes()) {
    if (n.op == OpKind::kLookup || n.op == OpKind::kRound) {
      std::vector<Range>& a = assumed[n.inputs[0]];
      a = observed.channel[n.inputs[0]];
      for (Range& r : a) r = widen(r, headroom_bits_);
    }
  }
  try {
    return worst_case_range_set(circuit, semantics, assumed);
  } catch (const InvalidArgument&) {
    // Worst-case bounds beyond ±2^62: every node from calibration, widened.
    RangeSet out = observed;
    for (Range& r : out.node) r = widen(r, headroom_bits_);
    for (auto& channels : out.channel) {
      for (Range& r : channels) r = widen(r, headroom_bits_);
    }
    return out;
  }
}

RangeSet apply_rounding(Circuit& circuit, const RangeSet& base, unsigned r,
                        const RangePolicy& policy, bool per_channel) {
  RangeSet ranges = base;
  for (int iteration = 0; iteration < 16; ++iteration) {
    for (NodeId id = 0; id < circuit.size(); ++id) {
      Node& n = circuit.mutable_node(id);
      if (n.op != OpKind::kLookup) continue;
      const NodeId in = n.inputs[0];
      n.channel_round_bits.clear();
      n.round_bits = rounding_bits_for(ranges.node[in], r);
      if (!per_channel || n.functions.size() < 2) continue;
      // Each channel rounds only what its own range needs, and is offset by its own range: the
      // union of channels whose accumulators are shifted by their biases can need more bits
      // than any one of them.
      std::vector<unsigned> ks;
      for (const Range& c : ranges.channel[in]) ks.push_back(rounding_bits_for(c, r));
      if (std::adjacent_find(ks.begin(), ks.end(), std::not_equal_to<>()) == ks.end() &&
          ks.front() == n.round_bits) {
        continue;
      }
      n.round_bits = *std::max_element(ks.begin(), ks.end());
      n.channel_round_bits = std::move(ks);
    }
    RangeSet next = hull(ranges, policy.ranges(circuit, RoundingSemantics::kCompiled));
    if (next.node == ranges.node && next.channel == ranges.channel) return ranges;
    ranges = std::move(next);
  }
  throw Error("rounding and range analysis did not reach a fixed point in 16 rounds");
}

Circuit materialize_tables(const Circuit& rounded, std::span<const NodePlan> plans) {
  Circuit out;
  for (NodeId id = 0; id < rounded.size(); ++id) {
    Node n = rounded.node(id);
    if (n.op == OpKind::kLookup) {
      const LookupPlan& lp = plans[id].lookup;
      std::vector<LookupFunction> tables;
      if (plans[id].live) {
        for (std::size_t f = 0; f < lp.tables.size(); ++f) {
          const bool per_channel = !lp.channel_shift.empty();
          const std::int64_t step = std::int64_t{1}
                                    << (lp.round_bits - (per_channel ? lp.channel_shift[f] : 0));
          const std::int64_t first = per_channel ? lp.channel_index_first[f] : lp.index_first;
          tables.push_back(LookupFunction::table(first * step, lp.tables[f], step));
        }
      } else {
        tables.assign(n.functions.size(), LookupFunction::table(0, {0}));
      }
      n.functions = std::move(tables);
    }
    out.append(std::move(n));
  }
  for (NodeId o : rounded.outputs()) out.mark_output(o);
  for (const Carry& c : rounded.carries()) out.carry(c.output, c.input);
  return out;
}

CompileResult compile(const Circuit& source, std::span<const Sample> calibration,
                      const CompileOptions& options) {
  source.validate();
  // Encrypted products become lookups first (products.hpp): exact on integers, so the lowered
  // circuit is the same model for the clear evaluator.
  const Circuit model = lower_products(source);
  if (model.outputs().empty()) throw InvalidArgument("the circuit has no outputs");
  for (const Node& n : model.nodes()) {
    if (n.op == OpKind::kLookup && n.round_bits != 0) {
      throw InvalidArgument("compile: lookups of the model must have round_bits 0");
    }
  }
  CompileReport report;
  report.calibrated = !calibration.empty();
  report.calibration_samples = calibration.size();
  report.targets = options.targets;
  const RangePolicy policy(options.range_mode, options.headroom_bits, calibration);
  report.range_mode = options.range_mode;
  const RangeSet base = policy.ranges(model, RoundingSemantics::kModel);
  std::vector<std::vector<Tensor>> clear_outputs;
  clear_outputs.reserve(calibration.size());
  for (const Sample& s : calibration) {
    clear_outputs.push_back(evaluate_clear(model, s, RoundingSemantics::kModel));
  }

  // Without lookups or rounds r means nothing: one candidate.
  const bool has_lookups =
      std::any_of(model.nodes().begin(), model.nodes().end(),
                  [](const Node& n) { return n.op == OpKind::kLookup || n.op == OpKind::kRound; });
  std::vector<unsigned> rs;
  if (!has_lookups) {
    rs.push_back(options.rounding_bits.value_or(options.default_rounding_bits));
  } else if (options.rounding_bits) {
    rs.push_back(*options.rounding_bits);
  } else if (calibration.empty()) {
    rs.push_back(options.default_rounding_bits);
  } else {
    for (unsigned r = options.min_rounding_bits; r <= options.max_rounding_bits; ++r) {
      rs.push_back(r);
    }
  }

  struct Attempt {
    Circuit rounded;
    RangeSet ranges;
    Plan plan;
    std::vector<ParameterCandidate> ranking;
  };
  std::vector<Attempt> attempts;
  for (unsigned r : rs) {
    if (r < 1 || r > 16)
      throw InvalidArgument("rounding bits must be 1..16, got " + std::to_string(r));
    Attempt a{model, {}, {}, {}};
    a.ranges = apply_rounding(a.rounded, base, r, policy, options.per_channel_ranges);
    RoundingCandidate cand;
    cand.rounding_bits = r;
    measure_agreement(model, a.rounded, calibration, clear_outputs, cand);
    a.plan = plan_circuit(a.rounded, a.ranges.node, r, options.rounding_mode, a.ranges.channel);
    cand.bootstraps = bootstrap_count(a.plan.sites);
    if (options.parameters) {
      ParameterCandidate pc{
          *options.parameters, estimate_ks_pbs_ms(*options.parameters, options.cost),
          evaluate_failure(*options.parameters, a.plan.sites, options.targets), false};
      if (pc.failure.feasible) {
        a.ranking.push_back(pc);
      } else {
        cand.infeasible_reason = pc.failure.reason;
      }
    } else if (cand.bootstraps == 0) {
      // No bootstrapping key at all: only fresh noise and security matter.
      if (auto lc = linear_parameters(a.plan.sites, options.targets)) a.ranking.push_back(*lc);
      if (a.ranking.empty()) cand.infeasible_reason = "no ciphertext size meets the targets";
    } else {
      a.ranking = rank_parameters(a.plan.sites, options.targets, options.search, options.cost);
      if (a.ranking.empty()) cand.infeasible_reason = "no parameter set meets the targets";
    }
    if (!a.ranking.empty()) {
      cand.parameters = a.ranking.front();
      cand.estimated_ms = static_cast<double>(cand.bootstraps) * a.ranking.front().ms_per_bootstrap;
    }
    report.candidates.push_back(cand);
    attempts.push_back(std::move(a));
  }

  // The cheapest candidate that is feasible and accurate enough — with approximate rounding
  // also under injected noise, measured in cost order until one passes; else the most accurate
  // feasible one.
  const bool check_noise = options.rounding_mode == RoundingMode::kApproximate &&
                           !calibration.empty() && options.noisy_agreement_samples > 0;
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < report.candidates.size(); ++i) {
    const auto& c = report.candidates[i];
    if (c.parameters && c.agreement >= options.min_agreement) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return report.candidates[x].estimated_ms < report.candidates[y].estimated_ms;
  });
  std::optional<std::size_t> chosen;
  for (std::size_t i : order) {
    RoundingCandidate& c = report.candidates[i];
    if (check_noise) {
      const Attempt& a = attempts[i];
      const CompiledCircuit trial{materialize_tables(a.rounded, a.plan.plans),
                                  a.plan.plans,
                                  a.plan.sites,
                                  c.parameters->params,
                                  c.rounding_bits,
                                  options.rounding_mode};
      std::size_t used = 0;
      c.noisy_agreement = measure_noisy_agreement(model, trial, calibration, clear_outputs,
                                                  options.noisy_agreement_samples,
                                                  options.noisy_agreement_seed, used);
      c.noisy_agreement_low = wilson_lower(*c.noisy_agreement, used);
      if (*c.noisy_agreement_low < options.min_agreement) continue;
    }
    chosen = i;
    break;
  }
  if (!chosen) {
    // Nothing passes: the candidate that agrees best (under noise where measured).
    auto score = [](const RoundingCandidate& c) {
      return std::min(c.agreement, c.noisy_agreement_low.value_or(c.agreement));
    };
    for (std::size_t i = 0; i < report.candidates.size(); ++i) {
      const auto& c = report.candidates[i];
      if (!c.parameters) continue;
      if (!chosen || score(c) > score(report.candidates[*chosen])) chosen = i;
    }
  }
  if (!chosen) {
    std::string why;
    for (const auto& c : report.candidates) {
      why += "\n  r=" + std::to_string(c.rounding_bits) + ": " + c.infeasible_reason;
    }
    throw Error("no parameter set makes this circuit meet its failure target:" + why);
  }
  Attempt& a = attempts[*chosen];
  const RoundingCandidate& cand = report.candidates[*chosen];

  CompiledCircuit cc{materialize_tables(a.rounded, a.plan.plans),
                     std::move(a.plan.plans),
                     std::move(a.plan.sites),
                     cand.parameters->params,
                     cand.rounding_bits,
                     options.rounding_mode};

  report.rounding_bits = cand.rounding_bits;
  report.rounding_mode = options.rounding_mode;
  report.alternatives = a.ranking;
  report.params = cc.params;
  report.ms_per_bootstrap = cand.parameters->ms_per_bootstrap;
  report.bootstraps = cand.bootstraps;
  report.estimated_ms = cand.estimated_ms;
  const FailureSummary f = evaluate_failure(cc.params, cc.sites, options.targets);
  report.worst_log2_pfail = f.worst_log2_pfail;
  report.log2_circuit_pfail = f.log2_global_pfail;
  // A bootstrap-free circuit's evaluation key holds its parameters and key id only.
  report.evaluation_key_bytes = report.bootstraps > 0 ? evaluation_key_bytes(cc.params) : 512.0;
  report.ciphertext_bytes = ciphertext_bytes(cc.params);
  for (NodeId id : cc.circuit.inputs()) {
    report.input_ciphertexts += element_count(cc.circuit.node(id).shape);
  }
  for (NodeId id : cc.circuit.outputs()) {
    report.output_ciphertexts += element_count(cc.circuit.node(id).shape);
  }
  for (NodeId id = 0; id < cc.circuit.size(); ++id) {
    const Node& n = cc.circuit.node(id);
    if (!cc.plans[id].live || (n.op != OpKind::kLookup && n.op != OpKind::kRound)) continue;
    const LookupPlan& lp = cc.plans[id].lookup;
    LayerReport layer;
    layer.node = id;
    layer.label = node_label(cc.circuit, id);
    layer.shape = n.shape;
    layer.input_range = cc.plans[n.inputs[0]].range;
    layer.accumulator_bits = std::max(1U, bit_width_of(layer.input_range.span()));
    layer.round_bits = lp.round_bits;
    layer.table_bits = lp.table_bits;
    layer.chunks = lp.chunks;
    layer.bootstraps = 0;
    layer.worst_log2_pfail = -std::numeric_limits<double>::infinity();
    for (std::size_t s = 0; s < cc.sites.size(); ++s) {
      if (cc.sites[s].node != id || !cc.sites[s].bootstraps()) continue;
      layer.bootstraps += cc.sites[s].count;
      layer.worst_log2_pfail = std::max(layer.worst_log2_pfail, f.site_log2_pfail[s]);
      if (lp.approximate)
        layer.approximate_step_rate = approximate_step_rate(cc.params, cc.sites[s]);
    }
    report.layers.push_back(layer);
  }
  return CompileResult{std::move(cc), std::move(report)};
}

std::string CompileReport::text() const {
  std::ostringstream os;
  os << "calibration: "
     << (calibrated ? std::to_string(calibration_samples) + " samples" : std::string("none"))
     << "\nranges: "
     << (range_mode == RangeMode::kSound || !calibrated
             ? "worst case from the input ranges (no value can leave its range: clear, simulate "
               "and execute agree on every input)"
             : "lookup inputs from calibration with headroom, the rest worst case (an "
               "accumulator beyond its widened range wraps, in simulate as in execute)")
     << "\n";
  os << "failure target: "
     << (targets.log2_global_p_error
             ? "global p_error 2^" + fmt("%.1f", *targets.log2_global_p_error)
             : "p_error 2^" + fmt("%.1f", targets.log2_p_error) + " per bootstrap")
     << "\nrounding: "
     << (rounding_mode == RoundingMode::kExact
             ? "exact (low bits removed by extra bootstraps; execute == simulate)"
             : "approximate (box method; execute may differ from simulate by one table step "
               "near rounding boundaries)")
     << "\n\nrounding bits r (the most bits a table reads):\n";
  os << "  r  agreement  with noise (95% low)  mean|err|  bootstraps  parameters              "
        "                 est. ms\n";
  for (const auto& c : candidates) {
    char line[320];
    const std::string noisy =
        c.noisy_agreement ? fmt("%9.2f%%", 100.0 * *c.noisy_agreement) +
                                fmt(" (%6.2f%%)", 100.0 * c.noisy_agreement_low.value_or(0.0))
                          : std::string(20, ' ');
    std::snprintf(line, sizeof line, "  %-2u %8.2f%%  %s  %9.3f  %10zu  %-40s %8.1f%s\n",
                  c.rounding_bits, 100.0 * c.agreement, noisy.c_str(), c.mean_abs_error,
                  c.bootstraps,
                  c.parameters ? c.parameters->params.display_name().c_str() : "(none feasible)",
                  c.estimated_ms, c.rounding_bits == rounding_bits ? "  <- chosen" : "");
    os << line;
  }
  os << "\nlayers (lookups and rounds):\n";
  os << "  node  layer                          shape         acc.range             acc.bits  "
        "k  q  chunks   bootstraps  log2 p_fail\n";
  for (const auto& l : layers) {
    std::string chunks;
    for (unsigned c : l.chunks) chunks += (chunks.empty() ? "" : "+") + std::to_string(c);
    if (chunks.empty()) chunks = "-";
    const std::string range =
        "[" + std::to_string(l.input_range.lo) + ", " + std::to_string(l.input_range.hi) + "]";
    char line[320];
    std::snprintf(line, sizeof line, "  %-5u %-30s %-13s %-21s %8u  %-2u %-2u %-8s %10zu  %11.1f\n",
                  l.node, l.label.c_str(), to_string(l.shape).c_str(), range.c_str(),
                  l.accumulator_bits, l.round_bits, l.table_bits, chunks.c_str(), l.bootstraps,
                  l.worst_log2_pfail);
    os << line;
    if (l.approximate_step_rate > 0.0) {
      os << fmt(
          "        approximate rounding: about %.2f%% of these lookups read a neighbouring "
          "entry\n",
          100.0 * l.approximate_step_rate);
    }
  }
  if (!params) return os.str();
  const ParameterSet& params = *this->params;
  os << "\nparameters: " << params.display_name() << " (" << params.version << ")\n";
  os << "  n=" << params.n.value() << " k=" << params.k.value() << " N=" << params.N.value()
     << " pbs 2^" << params.pbs.base_log.value() << "x" << params.pbs.levels.value() << " ks 2^"
     << params.ks.base_log.value() << "x" << params.ks.levels.value() << " lwe noise "
     << params.lwe_noise.describe() << " glwe noise " << params.glwe_noise.describe() << "\n";
  os << "  security: "
     << (params.insecure ? std::string("NONE (INSECURE test set)")
                         : fmt("%.0f bits", params.claimed_security_bits))
     << " — " << params.security_source << "\n";
  if (alternatives.size() > 1) {
    os << "  other feasible sets:";
    for (std::size_t i = 1; i < alternatives.size() && i < 6; ++i) {
      os << " " << alternatives[i].params.name
         << fmt(" (%.1f ms)", alternatives[i].ms_per_bootstrap);
    }
    os << "\n";
  }
  os << "\nbootstraps per evaluation: " << bootstraps << "\n";
  if (bootstraps == 0) {
    os << "no lookups: linear operations only, no bootstrapping key (the evaluation key holds "
          "the parameters and the key id); parameters chosen for the smallest secure "
          "ciphertext whose fresh noise still decrypts\n";
    os << "predicted decryption failure: "
       << (log2_circuit_pfail < -300.0 ? std::string("below 2^-300")
                                       : "2^" + fmt("%.1f", log2_circuit_pfail))
       << " per evaluation\n";
  } else {
    os << "estimated time: " << fmt("%.2f", ms_per_bootstrap) << " ms per KS-PBS, "
       << fmt("%.1f", estimated_ms) << " ms per evaluation on one thread (cost model)\n";
    const auto log2_text = [](double v) {
      return v < -300.0 ? std::string("below 2^-300") : "2^" + fmt("%.1f", v);
    };
    os << "predicted p_fail: worst bootstrap " << log2_text(worst_log2_pfail) << ", whole circuit "
       << log2_text(log2_circuit_pfail) << "\n";
  }
  os << "sizes: evaluation key " << format_bytes(evaluation_key_bytes) << ", ciphertext "
     << format_bytes(ciphertext_bytes) << " (" << input_ciphertexts
     << " in = " << format_bytes(ciphertext_bytes * static_cast<double>(input_ciphertexts)) << ", "
     << output_ciphertexts
     << " out = " << format_bytes(ciphertext_bytes * static_cast<double>(output_ciphertexts))
     << " per sample)\n";
  return os.str();
}

std::size_t bootstrap_count(const CompiledCircuit& c) {
  return bootstrap_count(c.sites);
}

}  // namespace lutfhe::compiler
