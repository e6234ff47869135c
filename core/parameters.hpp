// Named parameter sets: runtime data in one table, each entry with its source and claimed
// security. Ciphertexts between bootstraps live under the big (k·N) key; a bootstrap is
// key switch (k·N → n), modulus switch, blind rotation, sample extraction (KS-PBS order).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/random.hpp"
#include "core/types.hpp"

namespace lutfhe {

struct ParameterSet {
  std::string name;     // what users type: "PBS_4BIT"
  std::string version;  // versioned identity, part of file fingerprints: "lutfhe-v1/PBS_4BIT"
  LweDimension n;       // small LWE dimension (after key switching)
  GlweDimension k;
  PolynomialSize N;
  DecompositionParams pbs;       // bootstrapping-key gadget
  DecompositionParams ks;        // key-switching gadget
  NoiseDistribution lwe_noise;   // key-switching key (and small-key encryptions)
  NoiseDistribution glwe_noise;  // bootstrapping key and fresh encryptions under the big key
  unsigned message_bits;         // total message precision with padding (0 for boolean-only sets)
  bool boolean;                  // intended for gate bootstrapping
  bool insecure;                 // TOY: far below any security level
  double claimed_security_bits;
  std::string security_source;
  std::string source;
  double published_log2_pfail;  // as published by the source; NaN where none is published
  // Before blind rotation (core/modulus_switch.hpp); part of the fingerprint when centred.
  ModulusSwitchKind modulus_switch = ModulusSwitchKind::kStandard;
  // Multi-bit blind rotation (Bergerat et al., eprint 2022/704, §3; TFHE-rs's
  // grouping_factor): the n key bits are taken g at a time, one external product per group.
  // 1 is the classic one-CMUX-per-bit rotation. Part of the fingerprint when above 1.
  unsigned grouping = 1;

  LweDimension big_dimension() const { return flattened_dimension(k, N); }
  // log2(2N): the bits that survive the modulus switch.
  unsigned log2_two_n() const;
  // "TOY (INSECURE)" for insecure sets, the name otherwise.
  std::string display_name() const;
  bool centred_modulus_switch() const { return modulus_switch == ModulusSwitchKind::kCentred; }
  bool multi_bit() const { return grouping > 1; }
  // GGSWs in the bootstrapping key: (n/g)·2^g, or n for g = 1.
  std::size_t bootstrap_ggsw_count() const;
};

// All named sets, in table order.
std::span<const ParameterSet> parameter_sets();
// The set called `name` (case-sensitive); InvalidArgument listing the known names otherwise.
const ParameterSet& find_parameter_set(std::string_view name);

// Validates a parameter set (power-of-two N, decompositions that fit, n ≥ 1, g divides n...).
void check_parameters(const ParameterSet& p);

}  // namespace lutfhe
