#include "core/parameters.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <vector>

#include "core/decomposition.hpp"
#include "core/errors.hpp"

namespace lutfhe {
namespace {

constexpr double kNoPublishedPfail = std::numeric_limits<double>::quiet_NaN();

ParameterSet make(std::string name, std::size_t n, std::size_t k, std::size_t big_n,
                  std::size_t pbs_base_log, std::size_t pbs_levels, std::size_t ks_base_log,
                  std::size_t ks_levels, NoiseDistribution lwe, NoiseDistribution glwe,
                  unsigned message_bits, bool boolean, bool insecure, double security,
                  std::string security_source, std::string source, double log2_pfail) {
  ParameterSet p{name,
                 "lutfhe-v1/" + name,
                 LweDimension(n),
                 GlweDimension(k),
                 PolynomialSize(big_n),
                 {DecompositionBaseLog(pbs_base_log), DecompositionLevelCount(pbs_levels)},
                 {DecompositionBaseLog(ks_base_log), DecompositionLevelCount(ks_levels)},
                 lwe,
                 glwe,
                 message_bits,
                 boolean,
                 insecure,
                 security,
                 std::move(security_source),
                 std::move(source),
                 log2_pfail};
  return p;
}

std::vector<ParameterSet> build_table() {
  using ND = NoiseDistribution;
  std::vector<ParameterSet> t;
  // Classic TFHE library gate set (tfhe/tfhe, src/libtfhe/tfhe_gate_bootstrapping.cpp,
  // new_default_gate_bootstrapping_parameters): ks_stdev 2^-15, bk_stdev 2^-25. Kept to time
  // the engine against that library on the same work; NOT 128-bit secure today.
  t.push_back(make("TFHE_LIB", 630, 1, 1024, 7, 3, 2, 8, ND::gaussian(std::ldexp(1.0, -15)),
                   ND::gaussian(std::ldexp(1.0, -25)), 0, true, false, 118.0,
                   "lattice estimator, as quoted in lutfhe DESIGN.md §5 (TFHE-rs says ~120 bits; "
                   "129 bits claimed in 2020)",
                   "tfhe/tfhe v1.1 default gate-bootstrapping parameters (CGGI 2019)",
                   kNoPublishedPfail));
  // TFHE-rs boolean DEFAULT_PARAMETERS_KS_PBS (tfhe/src/boolean/parameters/params.rs,
  // tfhe-rs 1.x): the key-switch-first variant, matching this engine's KS-PBS order.
  t.push_back(make("BOOL_128", 739, 3, 512, 10, 2, 3, 4, ND::gaussian(1.8304520733507305e-05),
                   ND::gaussian(9.315272083503367e-10), 0, true, false, 132.0,
                   "TFHE-rs boolean parameters (132 bits, lattice estimator)",
                   "TFHE-rs 1.x boolean DEFAULT_PARAMETERS_KS_PBS", -64.017));
  // TFHE-rs shortint V1_0_PARAM_MESSAGE_x_CARRY_x_KS_PBS_TUNIFORM_2M64
  // (tfhe/src/shortint/parameters/v1_0/classic/tuniform/p_fail_2_minus_64/ks_pbs.rs).
  // Precision is message + carry bits; the padding bit is extra.
  t.push_back(make("PBS_2BIT", 839, 4, 512, 23, 1, 4, 3, ND::tuniform(47), ND::tuniform(17), 2,
                   false, false, 132.0, "TFHE-rs shortint (132 bits, lattice estimator)",
                   "TFHE-rs 1.0 V1_0_PARAM_MESSAGE_1_CARRY_1_KS_PBS_TUNIFORM_2M64", -72.226));
  t.push_back(make("PBS_4BIT", 879, 1, 2048, 23, 1, 3, 5, ND::tuniform(46), ND::tuniform(17), 4,
                   false, false, 132.0, "TFHE-rs shortint (132 bits, lattice estimator)",
                   "TFHE-rs 1.0 V1_0_PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M64", -72.178));
  t.push_back(make("PBS_6BIT", 998, 1, 8192, 15, 2, 3, 6, ND::tuniform(43), ND::tuniform(3), 6,
                   false, false, 132.0, "TFHE-rs shortint (132 bits, lattice estimator)",
                   "TFHE-rs 1.0 V1_0_PARAM_MESSAGE_3_CARRY_3_KS_PBS_TUNIFORM_2M64", -64.454));
  t.push_back(make("PBS_8BIT", 1117, 1, 32768, 11, 3, 1, 22, ND::tuniform(40), ND::tuniform(3), 8,
                   false, false, 132.0, "TFHE-rs shortint (132 bits, lattice estimator)",
                   "TFHE-rs 1.0 V1_0_PARAM_MESSAGE_4_CARRY_4_KS_PBS_TUNIFORM_2M64", -64.037));
  // TFHE-rs shortint V1_4_PARAM_MESSAGE_x_CARRY_x_KS_PBS_TUNIFORM_2M128, TFHE-rs 1.4.0,
  // tfhe/src/shortint/parameters/v1_4/classic/tuniform/p_fail_2_minus_128/ks_pbs.rs: p_fail
  // ≤ 2^-128 with the centred modulus switch (ModulusSwitchType::CenteredMeanNoiseReduction;
  // de Ruijter et al., eprint 2025/809). TFHE-rs publishes each p_fail at the 2-norm its
  // max_noise_level names (3, 5 and 9 for these three).
  const auto centred = [](ParameterSet p) {
    p.modulus_switch = ModulusSwitchKind::kCentred;
    return p;
  };
  t.push_back(
      centred(make("PBS_2BIT_2M128", 879, 4, 512, 23, 1, 5, 3, ND::tuniform(46), ND::tuniform(17),
                   2, false, false, 132.0, "TFHE-rs shortint (132 bits, lattice estimator)",
                   "TFHE-rs 1.4.0 V1_4_PARAM_MESSAGE_1_CARRY_1_KS_PBS_TUNIFORM_2M128 "
                   "(v1_4/classic/tuniform/p_fail_2_minus_128/ks_pbs.rs), 2-norm 3",
                   -144.322)));
  t.push_back(
      centred(make("PBS_4BIT_2M128", 918, 1, 2048, 23, 1, 4, 4, ND::tuniform(45), ND::tuniform(17),
                   4, false, false, 132.0, "TFHE-rs shortint (132 bits, lattice estimator)",
                   "TFHE-rs 1.4.0 V1_4_PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128 "
                   "(v1_4/classic/tuniform/p_fail_2_minus_128/ks_pbs.rs), 2-norm 5",
                   -129.581)));
  t.push_back(
      centred(make("PBS_6BIT_2M128", 1077, 1, 8192, 15, 2, 4, 5, ND::tuniform(41), ND::tuniform(3),
                   6, false, false, 132.0, "TFHE-rs shortint (132 bits, lattice estimator)",
                   "TFHE-rs 1.4.0 V1_4_PARAM_MESSAGE_3_CARRY_3_KS_PBS_TUNIFORM_2M128 "
                   "(v1_4/classic/tuniform/p_fail_2_minus_128/ks_pbs.rs), 2-norm 9",
                   -128.992)));
  // TFHE-rs shortint V1_1_PARAM_MULTI_BIT_GROUP_g_MESSAGE_x_CARRY_x_KS_PBS_TUNIFORM_2M128
  // (tfhe/src/shortint/parameters/v1_1/multi_bit/tuniform/p_fail_2_minus_128/ks_pbs.rs; the
  // V1_2 … V1_7 names of TFHE-rs 1.7.0 alias them): multi-bit blind rotation of grouping
  // factor g, a plain (not centred) modulus switch of each pattern's sum, 64-bit key switch.
  // p_fail as published at the 2-norm its max_noise_level names (3, 5 and 9).
  const auto grouped = [](unsigned g, ParameterSet p) {
    p.grouping = g;
    return p;
  };
  const std::string mb_security = "TFHE-rs shortint (132 bits, lattice estimator)";
  const auto mb_source = [](unsigned g, unsigned x) {
    const std::string gs = std::to_string(g), xs = std::to_string(x);
    const unsigned norm = (1U << x) + 1;  // max_noise_level: message modulus + 1
    return "TFHE-rs 1.1 V1_1_PARAM_MULTI_BIT_GROUP_" + gs + "_MESSAGE_" + xs + "_CARRY_" + xs +
           "_KS_PBS_TUNIFORM_2M128 (v1_1/multi_bit/tuniform/p_fail_2_minus_128/ks_pbs.rs; "
           "aliased up to TFHE-rs 1.7.0), 2-norm " +
           std::to_string(norm);
  };
  t.push_back(grouped(
      2, make("PBS_2BIT_MB2_2M128", 800, 2, 1024, 22, 1, 4, 3, ND::tuniform(48), ND::tuniform(17),
              2, false, false, 132.0, mb_security, mb_source(2, 1), -136.056)));
  t.push_back(grouped(
      3, make("PBS_2BIT_MB3_2M128", 801, 2, 1024, 22, 1, 4, 3, ND::tuniform(48), ND::tuniform(17),
              2, false, false, 132.0, mb_security, mb_source(3, 1), -144.818)));
  t.push_back(grouped(
      2, make("PBS_4BIT_MB2_2M128", 918, 1, 4096, 21, 1, 3, 5, ND::tuniform(45), ND::tuniform(3), 4,
              false, false, 132.0, mb_security, mb_source(2, 2), -140.341)));
  t.push_back(grouped(
      3, make("PBS_4BIT_MB3_2M128", 918, 1, 2048, 15, 2, 3, 6, ND::tuniform(45), ND::tuniform(17),
              4, false, false, 132.0, mb_security, mb_source(3, 2), -128.235)));
  t.push_back(grouped(
      2, make("PBS_6BIT_MB2_2M128", 998, 1, 16384, 14, 2, 3, 6, ND::tuniform(43), ND::tuniform(3),
              6, false, false, 132.0, mb_security, mb_source(2, 3), -135.674)));
  t.push_back(grouped(
      3, make("PBS_6BIT_MB3_2M128", 999, 1, 16384, 14, 2, 3, 6, ND::tuniform(43), ND::tuniform(3),
              6, false, false, 132.0, mb_security, mb_source(3, 3), -147.007)));
  // Small and fast for tests: n = 64 keeps the modulus-switch noise low enough for 7-bit
  // tables at N = 4096. No security whatsoever.
  t.push_back(make("TOY", 64, 1, 4096, 15, 2, 4, 5, ND::gaussian(std::ldexp(1.0, -30)),
                   ND::gaussian(std::ldexp(1.0, -50)), 7, true, true, 0.0,
                   "none: INSECURE toy parameters for tests", "lutfhe test set",
                   kNoPublishedPfail));
  for (const auto& p : t) check_parameters(p);
  return t;
}

}  // namespace

unsigned ParameterSet::log2_two_n() const {
  return static_cast<unsigned>(std::countr_zero(N.value())) + 1;
}

std::size_t ParameterSet::bootstrap_ggsw_count() const {
  return n.value() / grouping * ggsws_per_group(grouping);
}

std::string ParameterSet::display_name() const {
  return insecure ? name + " (INSECURE)" : name;
}

std::span<const ParameterSet> parameter_sets() {
  static const std::vector<ParameterSet> table = build_table();
  return table;
}

const ParameterSet& find_parameter_set(std::string_view name) {
  std::string known;
  for (const auto& p : parameter_sets()) {
    if (p.name == name) return p;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  throw InvalidArgument("unknown parameter set '" + std::string(name) + "' (known: " + known + ")");
}

void check_parameters(const ParameterSet& p) {
  const std::string where = "parameter set " + p.name + ": ";
  if (p.n.value() < 1) throw InvalidArgument(where + "n must be at least 1");
  if (p.k.value() < 1) throw InvalidArgument(where + "k must be at least 1");
  if (p.N.value() < 4 || !std::has_single_bit(p.N.value())) {
    throw InvalidArgument(where + "N=" + std::to_string(p.N.value()) +
                          " is not a power of two >= 4");
  }
  check_decomposition(p.pbs);
  check_decomposition(p.ks);
  if (p.grouping < 1 || p.grouping > kMaxGrouping) {
    throw InvalidArgument(where + "grouping factor " + std::to_string(p.grouping) +
                          " is not in [1, " + std::to_string(kMaxGrouping) + "]");
  }
  if (p.multi_bit() && p.centred_modulus_switch()) {
    throw InvalidArgument(where +
                          "the centred modulus switch is not implemented for multi-bit keys "
                          "(their switch rounds each pattern's sum once)");
  }
  if (p.n.value() % p.grouping != 0) {
    throw InvalidArgument(where + "n=" + std::to_string(p.n.value()) +
                          " is not a multiple of the grouping factor " +
                          std::to_string(p.grouping));
  }
}

}  // namespace lutfhe
