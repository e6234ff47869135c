// Custom parameter sets: a JSON parameter file, command-line style overrides of a named set,
// and the versioned identity a custom set gets from its numeric content.
//
// A parameter file (docs/PARAMETERS.md) is one JSON object:
//
//   {"name": "MY_SET",                                 (optional)
//    "n": 742, "k": 1, "N": 2048,
//    "pbs_base_log": 23, "pbs_levels": 1, "ks_base_log": 3, "ks_levels": 5,
//    "lwe_noise": {"tuniform_bound_log2": 46},          (or {"gaussian_std": 1.6e-5})
//    "glwe_noise": {"gaussian_std": 2.845267479601915e-15},
//    "secret": "binary",                                (optional; ternary is refused)
//    "message_bits": 4,
//    "modulus_switch": "centred",                       (optional; "standard" by default)
//    "grouping": 2}                                     (optional multi-bit factor; 1 by default)
//
// Unknown or repeated fields are refused; every error is one line naming the origin and the
// field. A set whose numeric content (the fields above but the name) equals a named set's is
// that named set, so its keys and fingerprints are the named set's. Any other set is custom:
// version "lutfhe-v1/custom/<12 hex digits of BLAKE2b of the canonical fields>", no claimed
// security (claimed_security_bits 0, security_source says so; `lutfhe params show` estimates
// it), no published p_fail. Custom sets are stored in key and ciphertext files like named ones
// (the loaders never need a known name).
//
// Example (a TOY variant with a larger polynomial):
//   ParameterOverrides o;
//   o.N = 8192;
//   const ParameterSet p = with_overrides(find_parameter_set("TOY"), o);
//   save_parameters_json("toy8192.json", p);
//   assert(parameters_from_json_file("toy8192.json").version == p.version);
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/errors.hpp"
#include "core/parameters.hpp"
#include "core/random.hpp"

namespace lutfhe {

// The prefix of every custom set's version.
inline constexpr std::string_view kCustomVersionPrefix = "lutfhe-v1/custom/";

// Fields a user may set; an empty optional keeps the base set's value.
struct ParameterOverrides {
  std::optional<std::size_t> n;
  std::optional<std::size_t> k;
  std::optional<std::size_t> N;
  std::optional<std::size_t> pbs_base_log;
  std::optional<std::size_t> pbs_levels;
  std::optional<std::size_t> ks_base_log;
  std::optional<std::size_t> ks_levels;
  std::optional<NoiseDistribution> lwe_noise;
  std::optional<NoiseDistribution> glwe_noise;
  std::optional<unsigned> message_bits;
  // The blind rotation's modulus switch and multi-bit grouping factor (1: classic).
  std::optional<ModulusSwitchKind> modulus_switch;
  std::optional<unsigned> grouping;
  // "binary" (the only kind the engine's blind rotation supports) or "ternary" (refused).
  std::optional<std::string> secret;
  std::optional<std::string> name;

  // Whether no field is set.
  bool empty() const;
  // Whether every numeric field is set (enough to build a set without a base).
  bool complete() const;
};

// "gaussian:2^-40.5", "gaussian:3.2e-13" (standard deviation relative to the torus) or
// "tuniform:45" (integers in [-2^45, 2^45] of 2^64). ParameterFileError naming `what`
// otherwise.
NoiseDistribution parse_noise_spec(std::string_view text, std::string_view what = "noise");
// "standard" or "centred" (ParameterFileError naming `what` otherwise), and back.
ModulusSwitchKind parse_modulus_switch(std::string_view text, std::string_view what);
std::string_view modulus_switch_name(ModulusSwitchKind kind);

// The inverse of parse_noise_spec: "gaussian:2^-40.5" style when the deviation is a power of
// two to 1e-12, "gaussian:3.2e-13" style (17 significant digits) otherwise, "tuniform:45".
std::string format_noise_spec(const NoiseDistribution& d);

// `base` with the given fields replaced, validated (check_parameters plus the bounds files can
// hold), then resolved: the named set with the same numeric content if there is one, `base`
// itself if nothing changed, a custom set otherwise (named o.name, or "custom-<8 hex>").
ParameterSet with_overrides(const ParameterSet& base, const ParameterOverrides& o,
                            std::string_view origin = "parameter flags");
// A set from overrides alone; every numeric field must be set (secret defaults to binary).
ParameterSet parameters_from_overrides(const ParameterOverrides& o,
                                       std::string_view origin = "parameter flags");

// Parses a parameter file's text; `origin` (the path) starts every error message.
ParameterSet parameters_from_json(std::string_view json, std::string_view origin);
ParameterSet parameters_from_json_file(const std::filesystem::path& path);
// The parameter-file JSON of any set (named sets included: loading it gives the named set).
std::string parameters_to_json(const ParameterSet& p);
// The set as one line of JSON for records (benchmark results, noise reports): the parameter
// file's fields in the same encoding, plus where the set comes from (version, boolean,
// insecure, claimed security and its source, published p_fail).
std::string parameter_set_record_json(const ParameterSet& p);
// Writes parameters_to_json atomically (FileAccessError when it cannot).
void save_parameters_json(const std::filesystem::path& path, const ParameterSet& p);

// Whether `p` is a custom set (its version starts with kCustomVersionPrefix).
bool is_custom(const ParameterSet& p);
// The named set with the same numeric content as `p` (message bits included), or nullptr.
const ParameterSet* find_named_equivalent(const ParameterSet& p);
// "lutfhe-v1/custom/<hash>" for the numeric content of `p`.
std::string custom_version(const ParameterSet& p);

}  // namespace lutfhe
