#include "compiler/parameter_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>

#include "compiler/security.hpp"
#include "core/noise.hpp"

namespace lutfhe::compiler {
namespace {

// Whether sites pass for the given variances (the inner loop of the search).
bool sites_pass(std::span<const NoiseSite> sites, const FailureTargets& targets, double v_pbs,
                double v_fresh, double bootstrap_extra, unsigned log2_n) {
  double global = -std::numeric_limits<double>::infinity();
  for (const auto& s : sites) {
    if (s.bootstraps() && s.precision + 1 > log2_n) return false;
    double v = s.input.pbs * v_pbs + s.input.fresh * v_fresh;
    if (s.bootstraps()) v += bootstrap_extra;
    if (v <= 0.0) continue;
    // As site_log2_pfail (continuity correction of the rotation lattice).
    const double hw = std::exp2(s.log2_half_width);
    const double unit = s.bootstraps() ? 0.25 / static_cast<double>(std::size_t{1} << log2_n) : 0.0;
    const double lp = s.bootstraps() ? log2_add(noise::log2_failure_probability(v, hw - unit) - 1.0,
                                                noise::log2_failure_probability(v, hw + unit) - 1.0)
                                     : noise::log2_failure_probability(v, hw);
    if (targets.log2_global_p_error) {
      if (s.count > 0) global = log2_add(global, lp + std::log2(static_cast<double>(s.count)));
      if (global > *targets.log2_global_p_error) return false;
    } else if (lp > targets.log2_p_error) {
      return false;
    }
  }
  return true;
}

std::string cache_key(std::span<const NoiseSite> sites, const FailureTargets& targets,
                      const SearchSpace& space, const CostModel& cost) {
  std::ostringstream os;
  os.precision(17);
  os << targets.log2_p_error << '|'
     << (targets.log2_global_p_error ? *targets.log2_global_p_error : 1.0) << '|' << space.n_min
     << ',' << space.n_max << ',' << space.n_step << ',' << space.log2_big_n_min << ','
     << space.log2_big_n_max << ',' << space.k_max << ',' << space.glwe_dimension_max << ','
     << space.pbs_levels_max << ',' << space.ks_levels_max << ',' << space.max_evaluation_key_bytes
     << ',' << space.include_named_sets << ',' << space.search << ','
     << space.centred_modulus_switch << ',' << space.max_grouping << '|'
     << cost.ms_per_mflop_blind_rotation << ',' << cost.ms_per_mop_keyswitch << ','
     << cost.ms_per_mib_multi_bit_key << '|';
  for (const auto& s : sites) {
    os << static_cast<int>(s.kind) << ':' << s.input.pbs << ':' << s.input.fresh << ':'
       << s.log2_half_width << ':' << s.precision << ':' << s.count << ';';
  }
  return os.str();
}

std::optional<ParameterCandidate> run_search(std::span<const NoiseSite> sites,
                                             const FailureTargets& targets,
                                             const SearchSpace& space, const CostModel& cost,
                                             double best_cost) {
  unsigned max_precision = 0;
  for (const auto& s : sites) {
    if (s.bootstraps()) max_precision = std::max(max_precision, s.precision);
  }
  struct Best {
    std::size_t n, k, big_n;
    DecompositionParams pbs, ks;
    ModulusSwitchKind ms;
    unsigned grouping;
  };
  std::optional<Best> best;
  const ModulusSwitchKind kind =
      space.centred_modulus_switch ? ModulusSwitchKind::kCentred : ModulusSwitchKind::kStandard;
  const double b = cost.ms_per_mop_keyswitch * 1e-6;
  const unsigned max_grouping = std::clamp(space.max_grouping, 1U, kMaxGrouping);
  for (unsigned log2_n = space.log2_big_n_min; log2_n <= space.log2_big_n_max; ++log2_n) {
    if (max_precision + 1 > log2_n) continue;
    const std::size_t big_n = std::size_t{1} << log2_n;
    for (std::size_t k = 1; k <= space.k_max; ++k) {
      const std::size_t glwe_dim = k * big_n;
      if (glwe_dim < kMinSecureDimension || glwe_dim > space.glwe_dimension_max) continue;
      const NoiseDistribution glwe_noise =
          NoiseDistribution::gaussian(std::exp2(secure_log2_std_dev_128(glwe_dim)));
      const double v_fresh = glwe_noise.variance();
      for (std::size_t l = 1; l <= space.pbs_levels_max; ++l) {
        for (unsigned g = 1; g <= max_grouping; ++g) {
          // Multi-bit keys use the plain switch (check_parameters refuses the centred one).
          const ModulusSwitchKind ms_kind = g == 1 ? kind : ModulusSwitchKind::kStandard;
          // The bootstrapping gadget base that minimises the rotation's noise per key bit.
          double ep = std::numeric_limits<double>::infinity();
          std::size_t pbs_beta = 1;
          for (std::size_t beta = 1; beta * l <= 64 && beta <= 62; ++beta) {
            const DecompositionParams d{DecompositionBaseLog(beta), DecompositionLevelCount(l)};
            const double v = g == 1
                                 ? noise::external_product(GlweDimension(k), PolynomialSize(big_n),
                                                           d, glwe_noise)
                                 : noise::multi_bit_group(GlweDimension(k), PolynomialSize(big_n),
                                                          d, glwe_noise, g) /
                                       static_cast<double>(g);
            if (v < ep) {
              ep = v;
              pbs_beta = beta;
            }
          }
          const DecompositionParams pbs{DecompositionBaseLog(pbs_beta), DecompositionLevelCount(l)};
          // The blind rotation's estimated cost per key bit (flops, and the key streaming of
          // a multi-bit set), from a probe with the smallest n.
          const std::size_t n_probe = (space.n_min + g - 1) / g * g;
          const ParameterSet probe =
              make_searched_parameters(n_probe, k, big_n, pbs, pbs, 1, ms_kind, g);
          const double br_per_n =
              (estimate_ks_pbs_ms(probe, cost) - b * keyswitch_operations(probe)) /
              static_cast<double>(n_probe);
          for (std::size_t n0 = space.n_min; n0 <= space.n_max; n0 += space.n_step) {
            const std::size_t n = (n0 + g - 1) / g * g;
            const double br_cost = br_per_n * static_cast<double>(n);
            if (br_cost >= best_cost) break;
            const double v_pbs = static_cast<double>(n) * ep;
            const NoiseDistribution lwe_noise =
                NoiseDistribution::gaussian(std::exp2(secure_log2_std_dev_128(n)));
            const double ms =
                noise::modulus_switch(LweDimension(n), PolynomialSize(big_n), 1, ms_kind, g);
            for (std::size_t lks = 1; lks <= space.ks_levels_max; ++lks) {
              const double total = br_cost + b * 2.0 * static_cast<double>(glwe_dim) *
                                                 static_cast<double>(lks) *
                                                 static_cast<double>(n + 1);
              if (total >= best_cost) break;
              double ks_var = std::numeric_limits<double>::infinity();
              std::size_t ks_beta = 1;
              for (std::size_t beta = 1; beta * lks <= 64 && beta <= 62; ++beta) {
                const DecompositionParams d{DecompositionBaseLog(beta),
                                            DecompositionLevelCount(lks)};
                const double v =
                    noise::keyswitch(LweDimension(glwe_dim), d, lwe_noise) +
                    noise::keyswitch_storage(LweDimension(glwe_dim), LweDimension(n), d);
                if (v < ks_var) {
                  ks_var = v;
                  ks_beta = beta;
                }
              }
              if (!sites_pass(sites, targets, v_pbs, v_fresh, ks_var + ms, log2_n)) continue;
              const DecompositionParams ks{DecompositionBaseLog(ks_beta),
                                           DecompositionLevelCount(lks)};
              const ParameterSet candidate = make_searched_parameters(
                  n, k, big_n, pbs, ks, std::max(1U, max_precision), ms_kind, g);
              if (evaluation_key_bytes(candidate) > space.max_evaluation_key_bytes) continue;
              best_cost = total;
              best = Best{n, k, big_n, pbs, ks, ms_kind, g};
              break;
            }
          }
        }
      }
    }
  }
  if (!best) return std::nullopt;
  ParameterSet params =
      make_searched_parameters(best->n, best->k, best->big_n, best->pbs, best->ks,
                               std::max(1U, max_precision), best->ms, best->grouping);
  const double ms = estimate_ks_pbs_ms(params, cost);
  FailureSummary failure = evaluate_failure(params, sites, targets);
  ParameterCandidate c{std::move(params), ms, std::move(failure), true};
  if (!c.failure.feasible) return std::nullopt;  // the fast check and the full one disagree
  return c;
}

}  // namespace

ParameterSet make_searched_parameters(std::size_t n, std::size_t k, std::size_t big_n,
                                      DecompositionParams pbs, DecompositionParams ks,
                                      unsigned message_bits, ModulusSwitchKind ms,
                                      unsigned grouping) {
  const std::string name =
      "AUTO-n" + std::to_string(n) + "-k" + std::to_string(k) + "-N" + std::to_string(big_n) +
      "-pbs" + std::to_string(pbs.base_log.value()) + "x" + std::to_string(pbs.levels.value()) +
      "-ks" + std::to_string(ks.base_log.value()) + "x" + std::to_string(ks.levels.value()) +
      (ms == ModulusSwitchKind::kCentred ? "-cms" : "") +
      (grouping > 1 ? "-mb" + std::to_string(grouping) : "");
  const auto lwe = NoiseDistribution::gaussian(std::exp2(secure_log2_std_dev_128(n)));
  const auto glwe = NoiseDistribution::gaussian(std::exp2(secure_log2_std_dev_128(k * big_n)));
  ParameterSet p{name,
                 "lutfhe-v1/compiler-search-v1/" + name,
                 LweDimension(n),
                 GlweDimension(k),
                 PolynomialSize(big_n),
                 pbs,
                 ks,
                 lwe,
                 glwe,
                 message_bits,
                 false,
                 false,
                 128.0,
                 security_curve_source(),
                 "lutfhe compiler parameter search v1 (core noise model, cost model fitted to "
                 "bench/RESULTS.md)",
                 std::numeric_limits<double>::quiet_NaN()};
  p.modulus_switch = ms;
  p.grouping = grouping;
  return p;
}

std::optional<ParameterCandidate> linear_parameters(std::span<const NoiseSite> sites,
                                                    const FailureTargets& targets) {
  for (std::size_t big_n = 512; big_n <= (std::size_t{1} << 14); big_n *= 2) {
    for (std::size_t k = 1; k <= 2 && k * big_n <= (std::size_t{1} << 15); ++k) {
      const std::size_t d = k * big_n;
      const auto noise = NoiseDistribution::gaussian(std::exp2(secure_log2_std_dev_128(d)));
      const std::string name = "LINEAR-k" + std::to_string(k) + "-N" + std::to_string(big_n);
      ParameterSet p{name,
                     "lutfhe-v1/compiler-linear-v1/" + name,
                     LweDimension(d),
                     GlweDimension(k),
                     PolynomialSize(big_n),
                     {DecompositionBaseLog(1), DecompositionLevelCount(1)},
                     {DecompositionBaseLog(1), DecompositionLevelCount(1)},
                     noise,
                     noise,
                     0,
                     false,
                     false,
                     128.0,
                     security_curve_source(),
                     "lutfhe compiler, bootstrap-free circuit: encryption under the GLWE key "
                     "only, no bootstrapping or key-switching key",
                     std::numeric_limits<double>::quiet_NaN()};
      const FailureSummary f = evaluate_failure(p, sites, targets);
      if (f.feasible) return ParameterCandidate{std::move(p), 0.0, f, true};
    }
  }
  return std::nullopt;
}

std::optional<ParameterCandidate> search_parameters(std::span<const NoiseSite> sites,
                                                    const FailureTargets& targets,
                                                    const SearchSpace& space,
                                                    const CostModel& cost) {
  return run_search(sites, targets, space, cost, std::numeric_limits<double>::infinity());
}

std::vector<ParameterCandidate> rank_parameters(std::span<const NoiseSite> sites,
                                                const FailureTargets& targets,
                                                const SearchSpace& space, const CostModel& cost) {
  static std::mutex mutex;
  static std::map<std::string, std::vector<ParameterCandidate>> cache;
  const std::string key = cache_key(sites, targets, space, cost);
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  std::vector<ParameterCandidate> out;
  if (space.include_named_sets) {
    for (const ParameterSet& p : parameter_sets()) {
      if (p.insecure || p.claimed_security_bits < 128.0) continue;
      if (evaluation_key_bytes(p) > space.max_evaluation_key_bytes) continue;
      ParameterCandidate c{p, estimate_ks_pbs_ms(p, cost), evaluate_failure(p, sites, targets),
                           false};
      if (c.failure.feasible) out.push_back(std::move(c));
    }
  }
  if (space.search) {
    // Searching only below the cheapest feasible named set prunes most of the space.
    double bound = std::numeric_limits<double>::infinity();
    for (const auto& c : out) bound = std::min(bound, c.ms_per_bootstrap);
    if (auto found = run_search(sites, targets, space, cost, bound)) out.push_back(*found);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return x.ms_per_bootstrap < y.ms_per_bootstrap;
  });
  std::lock_guard lock(mutex);
  cache.emplace(key, out);
  return out;
}

}  // namespace lutfhe::compiler
