// `lutfhe params [list | show NAME]`: the parameter-set table with the noise model's failure
// probability, the claimed security and where it comes from.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "core/noise.hpp"
#include "core/parameters.hpp"
#include "core/serialization.hpp"

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

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  return u == 0 ? std::to_string(bytes) + " B" : format("%.1f ", v) + units[u];
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
  std::cout << pad("name", 10) << pad("n", 6) << pad("k", 3) << pad("N", 7) << pad("PBS b,l", 9)
            << pad("KS b,l", 8) << pad("noise lwe/glwe", 19) << pad("bits", 7)
            << pad("log2 p_fail", 13) << "security\n";
  for (const auto& p : parameter_sets()) {
    std::cout << pad(p.name, 10) << pad(std::to_string(p.n.value()), 6)
              << pad(std::to_string(p.k.value()), 3) << pad(std::to_string(p.N.value()), 7)
              << pad(decomposition(p.pbs), 9) << pad(decomposition(p.ks), 8)
              << pad(short_noise(p.lwe_noise) + "/" + short_noise(p.glwe_noise), 19)
              << pad(precision_of(p), 7) << pad(log2_pfail(p, p.message_bits), 13) << security_of(p)
              << '\n';
  }
  std::cout << "b,l: decomposition base 2^b, l levels. noise: g2^e Gaussian with sigma 2^e of the "
               "torus, tuB TUniform on [-2^B, 2^B] (of 2^64). log2 p_fail: the noise model's "
               "probability that one KS-PBS decrypts wrongly at the set's precision (booleans: "
               "margin 1/8). 'lutfhe params show NAME' for details and sources.\n";
  return 0;
}

int show_set(const std::string& name) {
  const ParameterSet& p = find_parameter_set(name);
  const auto row = [](const std::string& label, const std::string& value) {
    std::cout << "  " << pad(label, 18) << value << '\n';
  };
  std::cout << p.display_name() << '\n';
  if (p.insecure) std::cout << "  WARNING: INSECURE parameters, for tests only\n";
  row("version", p.version);
  row("LWE dimension", "n = " + std::to_string(p.n.value()));
  row("GLWE", "k = " + std::to_string(p.k.value()) + ", N = " + std::to_string(p.N.value()) +
                  " (big key k*N = " + std::to_string(p.big_dimension().value()) + ")");
  row("PBS decomposition", "base 2^" + std::to_string(p.pbs.base_log.value()) + ", " +
                               std::to_string(p.pbs.levels.value()) + " levels");
  row("KS decomposition", "base 2^" + std::to_string(p.ks.base_log.value()) + ", " +
                              std::to_string(p.ks.levels.value()) + " levels");
  row("LWE noise", p.lwe_noise.describe() + " (key-switching key)");
  row("GLWE noise", p.glwe_noise.describe() + " (bootstrapping key, fresh ciphertexts)");
  std::string precision = p.message_bits == 0
                              ? "booleans (gate bootstrapping)"
                              : std::to_string(p.message_bits) + " message bits + padding bit";
  if (p.message_bits != 0 && p.boolean) precision += "; booleans";
  row("precision", precision);
  std::string model;
  for (unsigned bits = 1; bits <= p.message_bits; ++bits) {
    model +=
        std::to_string(bits) + " bit" + (bits == 1 ? "" : "s") + ": " + log2_pfail(p, bits) + ", ";
  }
  model += "booleans: " + log2_pfail(p, 0);
  row("log2 p_fail model", model);
  row("published p_fail", std::isnan(p.published_log2_pfail)
                              ? "none published"
                              : "2^" + format("%.3f", p.published_log2_pfail));
  row("security", security_of(p) + ": " + p.security_source);
  row("source", p.source);
  const Digest fp = parameter_fingerprint(p);
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (std::size_t i = 0; i < 8; ++i) {
    hex.push_back(digits[fp[i] >> 4]);
    hex.push_back(digits[fp[i] & 15]);
  }
  row("fingerprint", hex + "...");
  row("client key file", human_bytes(client_key_file_size(p)));
  row("server key file", human_bytes(evaluation_key_file_size(p, false)) + " (seeded " +
                             human_bytes(evaluation_key_file_size(p, true)) + ")");
  const std::uint64_t one = ciphertexts_file_size(p, 1, false);
  const std::uint64_t thousand = ciphertexts_file_size(p, 1000, false);
  const std::uint64_t thousand_seeded = ciphertexts_file_size(p, 1000, true);
  row("ciphertext file", human_bytes(one) + " for 1; " + human_bytes(thousand) +
                             " for 1000 (seeded " + human_bytes(thousand_seeded) + ")");
  return 0;
}

}  // namespace

void add_params_command(CLI::App& app, Action& action) {
  struct Options {
    bool quiet = false;
    std::string name;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("params", "List the parameter sets or show one in detail");
  add_quiet_flag(cmd, opts->quiet);
  cmd->require_subcommand(0, 1);
  CLI::App* list = cmd->add_subcommand("list", "Table of every parameter set (the default)");
  add_quiet_flag(list, opts->quiet);
  CLI::App* show = cmd->add_subcommand("show", "One parameter set in detail");
  add_quiet_flag(show, opts->quiet);
  show->add_option("NAME", opts->name, "Parameter set (see 'lutfhe params list')")->required();
  cmd->callback([&action, show, opts] {
    if (show->parsed()) {
      action = [opts] { return show_set(opts->name); };
    } else {
      action = [] { return list_sets(); };
    }
  });
}

}  // namespace lutfhe::cli
