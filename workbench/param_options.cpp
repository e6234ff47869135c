#include "workbench/param_options.hpp"

#include <filesystem>

namespace lutfhe::workbench {
namespace {

std::optional<std::size_t> count_flag(const std::string& text, const char* flag) {
  if (text.empty()) return std::nullopt;
  if (text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) {
    throw UsageError(std::string(flag) + " " + text + ": expected a non-negative integer");
  }
  return static_cast<std::size_t>(std::stoull(text));
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool ParamOptions::given() const {
  return !params.empty() || !overrides().empty();
}

ParameterOverrides ParamOptions::overrides() const {
  ParameterOverrides o;
  o.n = count_flag(n, "--n");
  o.k = count_flag(k, "--k");
  o.N = count_flag(N, "--N");
  o.pbs_base_log = count_flag(pbs_base_log, "--pbs-base-log");
  o.pbs_levels = count_flag(pbs_levels, "--pbs-levels");
  o.ks_base_log = count_flag(ks_base_log, "--ks-base-log");
  o.ks_levels = count_flag(ks_levels, "--ks-levels");
  if (const auto bits = count_flag(message_bits, "--message-bits")) {
    if (*bits > 16) throw UsageError("--message-bits " + message_bits + ": must be 0..16");
    o.message_bits = static_cast<unsigned>(*bits);
  }
  if (!lwe_noise.empty()) o.lwe_noise = parse_noise_spec(lwe_noise, "--lwe-noise");
  if (!glwe_noise.empty()) o.glwe_noise = parse_noise_spec(glwe_noise, "--glwe-noise");
  if (!secret.empty()) o.secret = secret;
  if (!modulus_switch.empty()) {
    try {
      o.modulus_switch = parse_modulus_switch(modulus_switch, "--modulus-switch");
    } catch (const ParameterFileError& e) {
      throw UsageError(e.what());
    }
  }
  if (const auto g = count_flag(grouping, "--grouping")) {
    if (*g < 1 || *g > kMaxGrouping) {
      throw UsageError("--grouping " + grouping + ": must be 1.." + std::to_string(kMaxGrouping));
    }
    o.grouping = static_cast<unsigned>(*g);
  }
  return o;
}

void add_param_options(CLI::App* cmd, ParamOptions& o, const std::string& params_help) {
  cmd->add_option("--params", o.params, params_help);
  const char* group = "Parameter fields (override --params, or all of them build a set)";
  cmd->add_option("--n", o.n, "LWE dimension n")->group(group);
  cmd->add_option("--k", o.k, "GLWE dimension k")->group(group);
  cmd->add_option("--N", o.N, "Polynomial size N (a power of two)")->group(group);
  cmd->add_option("--pbs-base-log", o.pbs_base_log, "Bootstrapping-key decomposition base log")
      ->group(group);
  cmd->add_option("--pbs-levels", o.pbs_levels, "Bootstrapping-key decomposition levels")
      ->group(group);
  cmd->add_option("--ks-base-log", o.ks_base_log, "Key-switching decomposition base log")
      ->group(group);
  cmd->add_option("--ks-levels", o.ks_levels, "Key-switching decomposition levels")->group(group);
  cmd->add_option("--lwe-noise", o.lwe_noise,
                  "Small-key noise: gaussian:2^-15.3, gaussian:3.2e-5 or tuniform:46")
      ->group(group);
  cmd->add_option("--glwe-noise", o.glwe_noise, "Big-key (GLWE) noise, same syntax")->group(group);
  cmd->add_option("--message-bits", o.message_bits,
                  "Message precision with padding the set is meant for (0: booleans)")
      ->group(group);
  cmd->add_option("--secret", o.secret, "Secret key distribution: binary (ternary: not supported)")
      ->group(group);
  cmd->add_option("--modulus-switch", o.modulus_switch,
                  "Modulus switch before blind rotation: standard or centred (eprint 2025/809)")
      ->group(group);
  cmd->add_option("--grouping", o.grouping,
                  "Multi-bit blind rotation grouping factor g (1 classic, up to 4; n % g == 0)")
      ->group(group);
}

ParameterSet resolve_params_name_or_file(const std::string& name_or_path) {
  for (const ParameterSet& p : parameter_sets()) {
    if (p.name == name_or_path) return p;
  }
  std::error_code ec;
  if (ends_with(name_or_path, ".json") || std::filesystem::is_regular_file(name_or_path, ec)) {
    return parameters_from_json_file(name_or_path);
  }
  std::string known;
  for (const ParameterSet& p : parameter_sets()) known += (known.empty() ? "" : ", ") + p.name;
  throw UsageError("--params " + name_or_path + ": not a parameter set (known: " + known +
                   ") nor a .json parameter file");
}

std::optional<ParameterSet> resolve_params_if_given(const ParamOptions& o) {
  const ParameterOverrides overrides = o.overrides();
  if (o.params.empty()) {
    if (overrides.empty()) return std::nullopt;
    if (!overrides.complete()) {
      throw UsageError(
          "parameter flags without --params must give all of --n --k --N --pbs-base-log "
          "--pbs-levels --ks-base-log --ks-levels --lwe-noise --glwe-noise --message-bits");
    }
    return parameters_from_overrides(overrides, "parameter flags");
  }
  const ParameterSet base = resolve_params_name_or_file(o.params);
  return with_overrides(base, overrides, "parameter flags");
}

ParameterSet resolve_params(const ParamOptions& o) {
  std::optional<ParameterSet> p = resolve_params_if_given(o);
  if (!p) {
    throw UsageError("give --params NAME|FILE.json or every parameter flag (see 'lutfhe params')");
  }
  return std::move(*p);
}

}  // namespace lutfhe::workbench
