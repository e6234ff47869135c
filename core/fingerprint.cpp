#include "core/fingerprint.hpp"

#include <sodium.h>

#include <bit>
#include <vector>

#include "core/errors.hpp"

namespace lutfhe {

Digest parameter_fingerprint(const ParameterSet& p) {
  std::vector<std::uint8_t> bytes;
  auto add = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  auto add_noise = [&](const NoiseDistribution& d) {
    add(d.kind == NoiseDistribution::Kind::kTUniform ? 1 : 0);
    add(std::bit_cast<std::uint64_t>(d.kind == NoiseDistribution::Kind::kGaussian ? d.std_dev
                                                                                  : 0.0));
    add(d.kind == NoiseDistribution::Kind::kTUniform ? d.log2_bound : 0);
  };
  static constexpr char kContext[] = "lutfhe parameters v1";
  bytes.insert(bytes.end(), kContext, kContext + sizeof(kContext) - 1);
  add(p.n.value());
  add(p.k.value());
  add(p.N.value());
  add(p.pbs.base_log.value());
  add(p.pbs.levels.value());
  add(p.ks.base_log.value());
  add(p.ks.levels.value());
  add_noise(p.lwe_noise);
  add_noise(p.glwe_noise);
  // Appended only when centred, so that every standard set keeps its earlier fingerprint.
  if (p.centred_modulus_switch()) add(0x63656e7472656400);  // "centred"
  if (p.multi_bit()) add(0x6d756c7469000000 | p.grouping);  // "multi" and g
  if (sodium_init() < 0) throw Error("libsodium could not be initialised");
  Digest d{};
  crypto_generichash(d.data(), d.size(), bytes.data(), bytes.size(), nullptr, 0);
  return d;
}

const ParameterSet* find_parameter_set_by_fingerprint(const Digest& fingerprint) {
  for (const auto& p : parameter_sets()) {
    if (parameter_fingerprint(p) == fingerprint) return &p;
  }
  return nullptr;
}

}  // namespace lutfhe
