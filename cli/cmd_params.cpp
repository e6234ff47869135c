// `lutfhe params [list | show NAME|FILE.json|flags]`: the parameter-set table with the noise
// model's failure probability, the claimed security and where it comes from; `show` reports
// sizes, the noise model and a security estimate for any set, custom ones included
// (cli/param_report.hpp, docs/PARAMETERS.md).
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "core/noise.hpp"
#include "core/parameters.hpp"
#include "workbench/param_options.hpp"
#include "workbench/param_report.hpp"

namespace lutfhe::cli {
namespace {

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

// The precision a set is meant for: its message bits, or booleans (margin 1/8) when it has
// none.
std::string precision_of(const ParameterSet& p) {
  if (p.message_bits == 0) return "bool";
  return std::to_string(p.message_bits) + (p.boolean ? "+bool" : "");
}

std::string security_of(const ParameterSet& p) {
  if (p.insecure) return "INSECURE (tests only)";
  std::string s = format("%.0f bits", p.claimed_security_bits);
  if (p.claimed_security_bits < 128.0) s += " (BELOW 128)";
  return s;
}

std::string log2_pfail(const ParameterSet& p, unsigned bits) {
  const double v = noise::log2_pfail_pbs(p, bits);
  if (!std::isfinite(v)) return v < 0 ? "-inf" : "n/a";
  return format("%.1f", v);
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// "g2^-15" (Gaussian, sigma 2^-15 of the torus) or "tu46" (TUniform on [-2^46, 2^46] of 2^64).
std::string short_noise(const NoiseDistribution& d) {
  if (d.kind == NoiseDistribution::Kind::kTUniform) return "tu" + std::to_string(d.log2_bound);
  return "g2^" + format("%.1f", std::log2(d.std_dev));
}

std::string decomposition(const DecompositionParams& d) {
  return std::to_string(d.base_log.value()) + "," + std::to_string(d.levels.value());
}

int list_sets() {
  std::cout << pad("name", 20) << pad("n", 6) << pad("k", 3) << pad("N", 7) << pad("PBS b,l", 9)
            << pad("KS b,l", 8) << pad("noise lwe/glwe", 19) << pad("bits", 7)
            << pad("log2 p_fail", 13) << pad("rotation", 15) << "security\n";
  for (const auto& p : parameter_sets()) {
    const std::string rotation = p.multi_bit() ? "multi-bit g=" + std::to_string(p.grouping)
                                 : p.centred_modulus_switch() ? "centred switch"
                                                              : "classic";
    std::cout << pad(p.name, 20) << pad(std::to_string(p.n.value()), 6)
              << pad(std::to_string(p.k.value()), 3) << pad(std::to_string(p.N.value()), 7)
              << pad(decomposition(p.pbs), 9) << pad(decomposition(p.ks), 8)
              << pad(short_noise(p.lwe_noise) + "/" + short_noise(p.glwe_noise), 19)
              << pad(precision_of(p), 7) << pad(log2_pfail(p, p.message_bits), 13)
              << pad(rotation, 15) << security_of(p) << '\n';
  }
  std::cout
      << "b,l: decomposition base 2^b, l levels. noise: g2^e Gaussian with sigma 2^e of the "
         "torus, tuB TUniform on [-2^B, 2^B] (of 2^64). log2 p_fail: the noise model's "
         "probability that one KS-PBS decrypts wrongly at the set's precision (booleans: "
         "margin 1/8), inputs of 2-norm 1. rotation: classic (one CMUX per key bit), centred "
         "switch (the mean-compensated modulus switch, de Ruijter et al., eprint 2025/809), or "
         "multi-bit g (one external product per g key bits, Bergerat et al., eprint 2022/704). "
         "'lutfhe params show NAME|FILE.json' for details, "
         "sizes and a security "
         "estimate.\n";
  return 0;
}

struct ShowOptions {
  std::string spec;  // positional NAME|FILE.json
  workbench::ParamOptions params;
  bool json = false;
  std::string save_json;
};

int show_set(const ShowOptions& o) {
  if (!o.spec.empty() && !o.params.params.empty()) {
    throw UsageError("params show: give the set either as NAME|FILE.json or as --params, not both");
  }
  workbench::ParamOptions options = o.params;
  if (!o.spec.empty()) options.params = o.spec;
  const ParameterSet p = workbench::resolve_params(options);
  if (!o.save_json.empty()) save_parameters_json(o.save_json, p);
  const workbench::ParamReport report = workbench::make_param_report(p);
  std::cout << (o.json ? workbench::format_param_report_json(report)
                       : workbench::format_param_report(report));
  return 0;
}

}  // namespace

void add_params_command(CLI::App& app, Action& action) {
  struct Options {
    bool quiet = false;
    ShowOptions show;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("params", "List the parameter sets or show one in detail");
  add_quiet_flag(cmd, opts->quiet);
  cmd->require_subcommand(0, 1);
  CLI::App* list = cmd->add_subcommand("list", "Table of every parameter set (the default)");
  add_quiet_flag(list, opts->quiet);
  CLI::App* show = cmd->add_subcommand(
      "show", "One parameter set in detail: a name, a .json parameter file, or flags");
  add_quiet_flag(show, opts->quiet);
  show->add_option("NAME", opts->show.spec,
                   "Parameter set name (see 'lutfhe params list') or a .json parameter file");
  workbench::add_param_options(show, opts->show.params,
                               "Same as NAME (the base set that the field flags override)");
  show->add_flag("--json", opts->show.json, "One JSON object instead of the text report");
  show->add_option("--save-json", opts->show.save_json,
                   "Also write the set as a parameter file (docs/PARAMETERS.md)");
  cmd->callback([&action, show, opts] {
    if (show->parsed()) {
      action = [opts] { return show_set(opts->show); };
    } else {
      action = [] { return list_sets(); };
    }
  });
}

}  // namespace lutfhe::cli
