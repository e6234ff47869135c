// Symbolic noise of the compiled circuit and the failure probability of each bootstrap in it.
//
// Every ciphertext's variance is a linear form in the two variances a parameter set fixes:
// a bootstrap output's (noise::programmable_bootstrap) and a fresh encryption's under the big
// key (the GLWE noise). Linear operations with clear integer weights multiply and add these
// forms (Σ w²·var, noise::linear_combination), so the compiler can describe the whole circuit
// once and then evaluate it for any candidate parameter set (the idea of Concrete's optimizer,
// Bergerat et al., eprint 2022/704).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "compiler/ir.hpp"
#include "core/parameters.hpp"

namespace lutfhe::compiler {

struct NoiseExpr {
  double pbs = 0.0;    // coefficient of a bootstrap output's variance
  double fresh = 0.0;  // coefficient of a fresh encryption's variance

  double variance(const ParameterSet& p) const;
  NoiseExpr scaled(double factor) const { return {pbs * factor, fresh * factor}; }
  NoiseExpr& operator+=(const NoiseExpr& o) {
    pbs += o.pbs;
    fresh += o.fresh;
    return *this;
  }
  // Component-wise maximum: a bound for either form, whatever the parameters.
  NoiseExpr max(const NoiseExpr& o) const;
};

// Where a ciphertext must be decoded correctly: a bootstrap (its input is key switched and
// modulus switched first) or the client's decryption of an output.
enum class SiteKind : std::uint8_t {
  kSignBootstrap = 0,     // exact truncation: the bit in the padding position
  kExtractBootstrap = 1,  // exact truncation: the low bits of a chunk
  kLookupBootstrap = 2,   // the table lookup itself
  kDecryption = 3,        // client decryption of an output
};
std::string_view site_kind_name(SiteKind kind);

struct NoiseSite {
  NodeId node = 0;
  SiteKind kind = SiteKind::kLookupBootstrap;
  NoiseExpr input;              // variance of the ciphertext entering it (before key switching)
  double log2_half_width = -2;  // log2 of the error it tolerates, relative to the torus
  unsigned precision = 0;       // table input bits (message bits after the padding bit)
  std::size_t count = 0;        // how many times one evaluation of the circuit does it
  bool bootstraps() const { return kind != SiteKind::kDecryption; }
};

// log2 p_fail of one site under a parameter set: erfc(h / (√2·σ)) with σ² the input variance
// plus key switching, 32-bit key storage and modulus switching (noise::at_modulus_switch) for
// bootstraps, the input variance alone for decryptions.
double site_log2_pfail(const ParameterSet& p, const NoiseSite& site);

struct FailureTargets {
  // Every bootstrap (and decryption) must fail with at most this probability...
  double log2_p_error = -40.0;
  // ...unless a global target is given: then the sum over one evaluation of the circuit of
  // count·p_fail must stay below it (and the per-bootstrap target is not used).
  std::optional<double> log2_global_p_error;
};

struct FailureSummary {
  bool feasible = false;
  std::string reason;              // why not, when not feasible
  double worst_log2_pfail = -1e9;  // the worst site
  std::size_t worst_site = 0;
  double log2_global_pfail = -1e9;  // log2 Σ count·p_fail over every site
  std::vector<double> site_log2_pfail;
};

// Checks the table precision against N (input bits + padding must fit: bits + 1 ≤ log2 N) and
// every site against the targets.
FailureSummary evaluate_failure(const ParameterSet& p, std::span<const NoiseSite> sites,
                                const FailureTargets& targets);

// Bootstraps per evaluation of the circuit.
std::size_t bootstrap_count(std::span<const NoiseSite> sites);

// log2(2^a + 2^b) without overflow.
double log2_add(double a, double b);

}  // namespace lutfhe::compiler
