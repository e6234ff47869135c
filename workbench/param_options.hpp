// One way for every command to choose a parameter set: `--params NAME|FILE.json` plus flags
// that override single fields of it, or build a set from scratch when every field is given.
//
//   --params NAME|FILE.json   a named set (lutfhe params) or a parameter file (docs/PARAMETERS.md)
//   --n --k --N --pbs-base-log --pbs-levels --ks-base-log --ks-levels --message-bits  integers
//   --lwe-noise --glwe-noise  gaussian:2^-40.5 | gaussian:3.2e-13 | tuniform:45
//   --secret binary           (ternary is refused: binary keys only)
//
// With --params, the flags override its fields; without it, every numeric flag is needed.
// A result equal to a named set is that set (same keys, same fingerprints); anything else is a
// custom set (core/parameter_file.hpp). Errors are UsageError / ParameterFileError with one
// line naming the flag or the file.
//
// Use from a command (the options object must outlive parsing, as CLI11 binds to it):
//   auto o = std::make_shared<ParamOptions>();
//   add_param_options(cmd, *o);
//   ...  const ParameterSet p = resolve_params(*o);
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "core/parameter_file.hpp"
#include "core/parameters.hpp"

namespace lutfhe::workbench {

// The raw text of each flag; an empty string is a flag not given.
struct ParamOptions {
  std::string params;  // NAME or FILE.json
  std::string n, k, N;
  std::string pbs_base_log, pbs_levels, ks_base_log, ks_levels;
  std::string lwe_noise, glwe_noise;
  std::string secret;
  std::string message_bits;
  std::string modulus_switch, grouping;

  // Whether --params or any field flag was given.
  bool given() const;
  // The field flags as overrides (UsageError naming the flag for a malformed value).
  ParameterOverrides overrides() const;
};

// Adds --params and the field flags to `cmd`. `params_help` describes --params for this command.
void add_param_options(CLI::App* cmd, ParamOptions& o,
                       const std::string& params_help =
                           "Parameter set: a name (see 'lutfhe "
                           "params') or a .json parameter file");

// The set the options describe (UsageError when none was given).
ParameterSet resolve_params(const ParamOptions& o);
// The same, or nullopt when no parameter option was given.
std::optional<ParameterSet> resolve_params_if_given(const ParamOptions& o);
// A known name, else a parameter file: a path ending in .json or an existing file.
ParameterSet resolve_params_name_or_file(const std::string& name_or_path);

}  // namespace lutfhe::workbench
