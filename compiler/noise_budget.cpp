#include "compiler/noise_budget.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/noise.hpp"

namespace lutfhe::compiler {

double NoiseExpr::variance(const ParameterSet& p) const {
  return pbs * noise::programmable_bootstrap(p) + fresh * p.glwe_noise.variance();
}

NoiseExpr NoiseExpr::max(const NoiseExpr& o) const {
  return {std::max(pbs, o.pbs), std::max(fresh, o.fresh)};
}

std::string_view site_kind_name(SiteKind kind) {
  switch (kind) {
    case SiteKind::kSignBootstrap:
      return "truncate-sign";
    case SiteKind::kExtractBootstrap:
      return "truncate-bits";
    case SiteKind::kLookupBootstrap:
      return "lookup";
    case SiteKind::kDecryption:
      return "decrypt";
  }
  return "unknown";
}

double log2_add(double a, double b) {
  if (a < b) std::swap(a, b);
  if (b == -std::numeric_limits<double>::infinity()) return a;
  return a + std::log2(1.0 + std::exp2(b - a));
}

double site_log2_pfail(const ParameterSet& p, const NoiseSite& site) {
  const double input = site.input.variance(p);
  const double half_width = std::exp2(site.log2_half_width);
  if (!site.bootstraps()) {
    if (input <= 0.0) return -std::numeric_limits<double>::infinity();
    return noise::log2_failure_probability(input, half_width);
  }
  const double variance = noise::at_modulus_switch(p, input, 1.0);
  // After the modulus switch the error is a whole number of rotations (units of 1/2N), and a
  // box of the test polynomial holds h rotations on one side of its centre and h − 1 on the
  // other (core/lookup_table.cpp). With the continuity correction the bootstrap fails when the
  // Gaussian error passes h − 1/2 on one side or h + 1/2 on the other.
  const double rotation = 1.0 / (2.0 * static_cast<double>(p.N.value()));
  const double inner = noise::log2_failure_probability(variance, half_width - rotation / 2) - 1.0;
  const double outer = noise::log2_failure_probability(variance, half_width + rotation / 2) - 1.0;
  return log2_add(inner, outer);
}

std::size_t bootstrap_count(std::span<const NoiseSite> sites) {
  std::size_t total = 0;
  for (const auto& s : sites) {
    if (s.bootstraps()) total += s.count;
  }
  return total;
}

FailureSummary evaluate_failure(const ParameterSet& p, std::span<const NoiseSite> sites,
                                const FailureTargets& targets) {
  FailureSummary out;
  out.log2_global_pfail = -std::numeric_limits<double>::infinity();
  out.worst_log2_pfail = -std::numeric_limits<double>::infinity();
  const unsigned log2_n = p.log2_two_n() - 1;
  out.feasible = true;
  out.site_log2_pfail.reserve(sites.size());
  for (std::size_t i = 0; i < sites.size(); ++i) {
    const NoiseSite& s = sites[i];
    if (s.bootstraps() && s.precision + 1 > log2_n) {
      out.feasible = false;
      out.reason = "a " + std::to_string(s.precision) + "-bit table needs N >= 2^" +
                   std::to_string(s.precision + 1) + ", " + p.name +
                   " has N=" + std::to_string(p.N.value());
    }
    const double lp = site_log2_pfail(p, s);
    out.site_log2_pfail.push_back(lp);
    if (lp > out.worst_log2_pfail) {
      out.worst_log2_pfail = lp;
      out.worst_site = i;
    }
    if (s.count > 0) {
      out.log2_global_pfail =
          log2_add(out.log2_global_pfail, lp + std::log2(static_cast<double>(s.count)));
    }
  }
  if (!out.feasible) return out;
  if (targets.log2_global_p_error) {
    if (out.log2_global_pfail > *targets.log2_global_p_error) {
      out.feasible = false;
      out.reason = "circuit p_fail 2^" + std::to_string(out.log2_global_pfail) +
                   " exceeds the global target 2^" + std::to_string(*targets.log2_global_p_error);
    }
  } else if (out.worst_log2_pfail > targets.log2_p_error) {
    out.feasible = false;
    out.reason = "a " + std::string(site_kind_name(sites[out.worst_site].kind)) + " site of node " +
                 std::to_string(sites[out.worst_site].node) + " fails with p = 2^" +
                 std::to_string(out.worst_log2_pfail) + ", above the target 2^" +
                 std::to_string(targets.log2_p_error);
  }
  return out;
}

}  // namespace lutfhe::compiler
