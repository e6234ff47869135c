// Choosing the cheapest parameter set that meets the failure targets at 128-bit security.
//
// Candidates are the named sets of the core table that claim at least 128 bits and are not
// insecure (their security is the published one), and sets this search builds itself on the
// 128-bit curve (security.hpp): n, k, N, the bootstrapping gadget (β, l) and the key-switching
// gadget (β_ks, l_ks), with Gaussian noise at exactly the curve's minimal standard deviation
// for n (LWE) and k·N (GLWE). Feasibility comes from the core noise model through the circuit's
// noise sites (noise_budget.hpp); cost from cost_model.hpp. Results are cached in memory.
#pragma once

#include <span>
#include <vector>

#include "compiler/cost_model.hpp"
#include "compiler/noise_budget.hpp"
#include "core/parameters.hpp"

namespace lutfhe::compiler {

struct SearchSpace {
  std::size_t n_min = 450;
  std::size_t n_max = 1600;
  std::size_t n_step = 8;
  unsigned log2_big_n_min = 8;
  unsigned log2_big_n_max = 14;
  std::size_t k_max = 4;
  std::size_t glwe_dimension_max = 1U << 15;  // k·N
  std::size_t pbs_levels_max = 6;
  std::size_t ks_levels_max = 24;
  double max_evaluation_key_bytes = 4.0 * (1U << 30);
  bool include_named_sets = true;
  bool search = true;
  // Searched sets use the centred modulus switch (eprint 2025/809): half the key term of the
  // switch's noise at no cost, so a smaller n meets the same target.
  bool centred_modulus_switch = true;
  // Multi-bit candidates (grouping g = 2 … max_grouping, with the plain switch multi-bit keys
  // use) beside the classic ones. Off (1) by default: on this project's machines multi-bit
  // measured slower than the classic rotation and the cost model's key-streaming term ranks
  // it so (bench/RESULTS.md), so the wider search would only cost time. `lutfhe compile
  // --multi-bit` sets 3.
  unsigned max_grouping = 1;
};

struct ParameterCandidate {
  ParameterSet params;
  double ms_per_bootstrap = 0.0;  // cost model, one thread
  FailureSummary failure;
  bool searched = false;  // built by the search (false: a named set)
};

// The feasible candidates, cheapest first: every feasible named set and the cheapest searched
// set. Empty when nothing meets the targets.
std::vector<ParameterCandidate> rank_parameters(std::span<const NoiseSite> sites,
                                                const FailureTargets& targets,
                                                const SearchSpace& space = {},
                                                const CostModel& cost = {});

// The cheapest searched set alone (no named sets), if any meets the targets.
std::optional<ParameterCandidate> search_parameters(std::span<const NoiseSite> sites,
                                                    const FailureTargets& targets,
                                                    const SearchSpace& space = {},
                                                    const CostModel& cost = {});

// For a circuit without bootstraps: the set whose ciphertexts are smallest (least k·N) among
// those where fresh encryption noise, carried through the linear nodes, still decrypts within
// the targets, with the GLWE noise at the 128-bit curve's minimum for k·N. Only the GLWE key is
// ever used (nothing is key-switched or bootstrapped): n equals k·N with the same noise, and the
// gadgets are placeholders that no key is made for. Nullopt when no size up to 2^15 suffices.
std::optional<ParameterCandidate> linear_parameters(std::span<const NoiseSite> sites,
                                                    const FailureTargets& targets);

// A searched set: Gaussian noise at the curve's minimum for n and k·N, claimed 128 bits. A
// centred set's name ends in "-cms".
ParameterSet make_searched_parameters(std::size_t n, std::size_t k, std::size_t big_n,
                                      DecompositionParams pbs, DecompositionParams ks,
                                      unsigned message_bits,
                                      ModulusSwitchKind ms = ModulusSwitchKind::kStandard,
                                      unsigned grouping = 1);

}  // namespace lutfhe::compiler
