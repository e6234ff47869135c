// The parameter-set table: validity, labelling, the model's failure probabilities against the
// published ones, and the noise floor of DESIGN.md §5 for the sets that claim 128 bits.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "core/fingerprint.hpp"
#include "core/noise.hpp"
#include "core/parameters.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe {
namespace {

TEST(Parameters, EveryNamedSetIsValidAndFindable) {
  const auto sets = parameter_sets();
  ASSERT_GE(sets.size(), 7u);
  std::set<std::string> names;
  for (const ParameterSet& p : sets) {
    SCOPED_TRACE(p.name);
    EXPECT_NO_THROW(check_parameters(p));
    EXPECT_TRUE(names.insert(p.name).second) << "duplicate name";
    EXPECT_EQ(&find_parameter_set(p.name), &p);
    EXPECT_EQ(p.version, "lutfhe-v1/" + p.name);
    EXPECT_EQ(p.big_dimension().value(), p.k.value() * p.N.value());
    EXPECT_EQ(std::size_t{1} << p.log2_two_n(), 2 * p.N.value());
    EXPECT_FALSE(p.source.empty());
    EXPECT_FALSE(p.security_source.empty());
    // A bootstrap at the set's precision must fit the ring: bits + padding ≤ log2 N.
    EXPECT_LE(p.message_bits + 1, p.log2_two_n() - 1);
    EXPECT_TRUE(p.boolean || p.message_bits > 0) << "neither boolean nor integer";
  }
  for (const char* required :
       {"TFHE_LIB", "BOOL_128", "PBS_2BIT", "PBS_4BIT", "PBS_6BIT", "PBS_8BIT", "TOY"}) {
    EXPECT_TRUE(names.count(required)) << required << " is missing";
  }
}

TEST(Parameters, OnlyToyIsInsecureAndSaysSo) {
  for (const ParameterSet& p : parameter_sets()) {
    SCOPED_TRACE(p.name);
    const bool says = p.display_name().find("INSECURE") != std::string::npos;
    EXPECT_EQ(says, p.insecure);
    if (!p.insecure) {
      EXPECT_EQ(p.display_name(), p.name);
      EXPECT_GE(p.claimed_security_bits, 100.0);
    }
  }
  const ParameterSet& toy = find_parameter_set("TOY");
  EXPECT_TRUE(toy.insecure);
  EXPECT_NE(toy.display_name().find("INSECURE"), std::string::npos) << toy.display_name();
  EXPECT_NE(toy.display_name().find("TOY"), std::string::npos);
}

TEST(Parameters, ModelFailureProbabilityMatchesThePublishedOne) {
  // The model's log2 p_fail at the set's own precision, for fresh PBS outputs as inputs, within
  // ±3 of what the source publishes (TFHE-rs states these for its shortint sets).
  for (const char* name : {"PBS_2BIT", "PBS_4BIT", "PBS_6BIT", "PBS_8BIT"}) {
    const ParameterSet& p = find_parameter_set(name);
    ASSERT_FALSE(std::isnan(p.published_log2_pfail)) << name;
    const double model = noise::log2_pfail_pbs(p, p.message_bits);
    std::printf("PFAIL %-9s %u bits: model log2 p_fail %.3f, published %.3f\n", name,
                p.message_bits, model, p.published_log2_pfail);
    EXPECT_NEAR(model, p.published_log2_pfail, 3.0) << name;
  }
}

TEST(Parameters, CentredSetsReachTwoToTheMinus128) {
  // TFHE-rs 1.4.0 publishes these p_fail at the 2-norm of its max_noise_level (3, 5, 9); the
  // model, with the centred modulus switch, must put them at ≤ 2^-128 there and near the
  // published value, and the standard switch on the same values must not reach it.
  const struct {
    const char* name;
    double norm;
  } sets[] = {{"PBS_2BIT_2M128", 3.0}, {"PBS_4BIT_2M128", 5.0}, {"PBS_6BIT_2M128", 9.0}};
  for (const auto& [name, norm] : sets) {
    const ParameterSet& p = find_parameter_set(name);
    ASSERT_TRUE(p.centred_modulus_switch()) << name;
    const double model = noise::log2_pfail_pbs(p, p.message_bits, norm * norm);
    ParameterSet standard = p;
    standard.modulus_switch = ModulusSwitchKind::kStandard;
    const double without = noise::log2_pfail_pbs(standard, p.message_bits, norm * norm);
    std::printf(
        "PFAIL %-15s %u bits, 2-norm %.0f: model log2 p_fail %.3f (standard switch "
        "%.3f), published %.3f\n",
        name, p.message_bits, norm, model, without, p.published_log2_pfail);
    EXPECT_LE(model, -128.0) << name;
    EXPECT_NEAR(model, p.published_log2_pfail, 3.0) << name;
    EXPECT_GT(without, model + 10.0) << name;
  }
}

TEST(Parameters, MultiBitSetsMatchTheirPublishedFailureProbability) {
  // TFHE-rs publishes these at the 2-norm of max_noise_level (3, 5, 9). The model of the
  // multi-bit rotation (2^g GGSWs summed per group, one rounding per group in the switch,
  // TFHE-rs's fitted FFT term) must land on it; the classic model on the same numbers (g = 1)
  // must not describe them.
  const struct {
    const char* name;
    unsigned grouping;
    double norm;
  } sets[] = {{"PBS_2BIT_MB2_2M128", 2, 3.0}, {"PBS_2BIT_MB3_2M128", 3, 3.0},
              {"PBS_4BIT_MB2_2M128", 2, 5.0}, {"PBS_4BIT_MB3_2M128", 3, 5.0},
              {"PBS_6BIT_MB2_2M128", 2, 9.0}, {"PBS_6BIT_MB3_2M128", 3, 9.0}};
  for (const auto& [name, grouping, norm] : sets) {
    const ParameterSet& p = find_parameter_set(name);
    EXPECT_EQ(p.grouping, grouping) << name;
    EXPECT_FALSE(p.centred_modulus_switch()) << name;
    const double model = noise::log2_pfail_pbs(p, p.message_bits, norm * norm);
    ParameterSet classic = p;
    classic.grouping = 1;
    const double as_classic = noise::log2_pfail_pbs(classic, p.message_bits, norm * norm);
    std::printf(
        "PFAIL %-18s %u bits, 2-norm %.0f: model log2 p_fail %.3f (as classic %.3f), "
        "published %.3f\n",
        name, p.message_bits, norm, model, as_classic, p.published_log2_pfail);
    EXPECT_NEAR(model, p.published_log2_pfail, 1.0) << name;
    EXPECT_NE(model, as_classic) << name;
  }
}

TEST(Parameters, TheModulusSwitchIsPartOfTheFingerprint) {
  // Keys and ciphertexts made for a centred set must not load as the standard set with the same
  // numbers (the engine would bootstrap them with the other switch).
  const ParameterSet& centred = find_parameter_set("PBS_4BIT_2M128");
  ParameterSet standard = centred;
  standard.modulus_switch = ModulusSwitchKind::kStandard;
  EXPECT_NE(parameter_fingerprint(centred), parameter_fingerprint(standard));
  EXPECT_EQ(find_parameter_set_by_fingerprint(parameter_fingerprint(centred)), &centred);
  EXPECT_EQ(find_parameter_set_by_fingerprint(parameter_fingerprint(standard)), nullptr);
  for (const ParameterSet& p : parameter_sets()) {
    // TFHE-rs's multi-bit sets switch each pattern's sum plainly.
    EXPECT_EQ(p.centred_modulus_switch(), p.name.ends_with("_2M128") && !p.multi_bit()) << p.name;
  }
}

TEST(Parameters, IntegerSetsCarryTheirPrecisionSafely) {
  // At the supported precision the model keeps p_fail below 2^-40; one bit more it does not
  // promise 2^-64 any longer (the precision is the largest the set supports).
  for (const ParameterSet& p : parameter_sets()) {
    if (p.message_bits == 0) continue;
    SCOPED_TRACE(p.name);
    EXPECT_LT(noise::log2_pfail_pbs(p, p.message_bits), -40.0);
    EXPECT_GT(noise::log2_pfail_pbs(p, p.message_bits + 1), -64.0);
  }
}

TEST(Parameters, BooleanSetsKeepGateFailuresNegligible) {
  // A gate's phase sits 1/8 from the decision boundary; XOR combines two outputs with weights
  // (2, 2), squared norm 8, the worst of the gates.
  for (const ParameterSet& p : parameter_sets()) {
    if (!p.boolean) continue;
    SCOPED_TRACE(p.name);
    const double xor_pfail = noise::log2_pfail_pbs(p, 0, 8.0);
    std::printf("PFAIL %-9s gate (XOR, norm² 8): model log2 p_fail %.1f\n", p.name.c_str(),
                xor_pfail);
    EXPECT_LT(xor_pfail, -40.0);
  }
}

TEST(Parameters, SetsClaiming128BitsRespectTheNoiseFloor) {
  // DESIGN.md §5: for d ≥ 450 the noise standard deviation must be at least
  // 2^(−0.025696778711484593·d + 2.675931372549016) (Concrete's 128-bit curve).
  auto floor_log2 = [](double d) { return -0.025696778711484593 * d + 2.675931372549016; };
  for (const ParameterSet& p : parameter_sets()) {
    if (p.claimed_security_bits < 128.0) continue;
    SCOPED_TRACE(p.name);
    const double n = static_cast<double>(p.n.value());
    const double kn = static_cast<double>(p.big_dimension().value());
    ASSERT_GE(n, 450.0);
    EXPECT_GE(std::log2(p.lwe_noise.torus_std_dev()), floor_log2(n))
        << "LWE noise " << p.lwe_noise.describe() << " below the floor for n=" << n;
    EXPECT_GE(std::log2(p.glwe_noise.torus_std_dev()), floor_log2(kn))
        << "GLWE noise " << p.glwe_noise.describe() << " below the floor for k·N=" << kn;
  }
}

}  // namespace
}  // namespace lutfhe
