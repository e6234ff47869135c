// What `lutfhe params show` prints about any parameter set, named or custom: sizes, the noise
// model's variances and failure probabilities, and a security estimate.
//
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "compiler/security.hpp"
#include "core/parameters.hpp"

namespace lutfhe::workbench {

struct ParamReport {
  explicit ParamReport(ParameterSet p) : params(std::move(p)) {}

  ParameterSet params;
  std::string fingerprint;  // 16 hex digits (of parameter_fingerprint)
  bool custom = false;
  // Sizes in bytes.
  std::uint64_t client_key_file = 0;
  std::uint64_t evaluation_key_file = 0;
  std::uint64_t evaluation_key_file_seeded = 0;
  std::uint64_t server_key_memory = 0;  // Fourier bootstrapping key + 32-bit key-switching key
  std::uint64_t lwe_big = 0;            // one LWE ciphertext under the k·N key, in memory
  std::uint64_t lwe_small = 0;          // one under the n key (after key switching)
  std::uint64_t ciphertext_file_one = 0;
  std::uint64_t ciphertext_file_one_seeded = 0;
  std::uint64_t seeded_ciphertext = 0;  // per ciphertext in a seeded batch (its body)
  // Variances relative to the torus (q² units).
  double fresh = 0.0;                    // fresh encryption under the big key
  double pbs_output = 0.0;               // a PBS output
  double keyswitch_added = 0.0;          // added by key switching (32-bit key storage included)
  double after_keyswitch = 0.0;          // PBS output after key switching
  double modswitch_added = 0.0;          // added by the modulus switch to 2N
  double at_blind_rotation = 0.0;        // total at the blind-rotation input (PBS-output input)
  double at_blind_rotation_fresh = 0.0;  // the same for a fresh input
  // log2 p_fail of one KS-PBS at 1..8 message bits with padding (index 0: 1 bit), and for
  // booleans (margin 1/8); NaN where N < 2^bits.
  std::vector<double> log2_pfail;
  double log2_pfail_boolean = 0.0;
  compiler::SecurityEstimate security;
};

ParamReport make_param_report(const ParameterSet& p);
std::string format_param_report(const ParamReport& r);
std::string format_param_report_json(const ParamReport& r);

}  // namespace lutfhe::workbench
