#include "workbench/param_report.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "compiler/cost_model.hpp"
#include "compiler/security.hpp"
#include "core/ciphertext_files.hpp"
#include "core/client_key_file.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/fingerprint.hpp"
#include "core/hex.hpp"
#include "core/json_text.hpp"
#include "core/noise.hpp"
#include "core/parameter_file.hpp"

namespace lutfhe::workbench {
namespace {

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
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

// "2^-40.12 (sigma 2^-20.06)".
std::string variance_text(double v) {
  if (!(v > 0.0)) return "0";
  return "2^" + format("%.2f", std::log2(v)) + " (sigma 2^" + format("%.2f", 0.5 * std::log2(v)) +
         ")";
}

std::string pfail_text(double v) {
  if (std::isnan(v)) return "n/a";
  if (!std::isfinite(v)) return v < 0 ? "-inf" : "n/a";
  return format("%.1f", v);
}

std::string bits_text(double v) {
  return format("%.1f", v);
}

std::string fingerprint_hex(const ParameterSet& p) {
  return to_hex(parameter_fingerprint(p), 8);
}

}  // namespace

ParamReport make_param_report(const ParameterSet& p) {
  ParamReport r(p);

  r.fingerprint = fingerprint_hex(p);
  r.custom = is_custom(p);
  const std::uint64_t n = p.n.value();
  const std::uint64_t big = p.big_dimension().value();
  r.client_key_file = client_key_file_size(p);
  r.evaluation_key_file = evaluation_key_file_size(p, false);
  r.evaluation_key_file_seeded = evaluation_key_file_size(p, true);
  // The Fourier bootstrapping key, and CompactKeyswitchKey: k·N·l_ks rows of n+1 32-bit values.
  r.server_key_memory = static_cast<std::uint64_t>(compiler::fourier_bootstrap_key_bytes(p)) +
                        big * p.ks.levels.value() * (n + 1) * 4;
  r.lwe_big = 8 * (big + 1);
  r.lwe_small = 8 * (n + 1);
  r.ciphertext_file_one = ciphertexts_file_size(p, 1, false);
  r.ciphertext_file_one_seeded = ciphertexts_file_size(p, 1, true);
  r.seeded_ciphertext = ciphertexts_file_size(p, 2, true) - r.ciphertext_file_one_seeded;

  r.fresh = p.glwe_noise.variance();
  r.pbs_output = noise::programmable_bootstrap(p);
  r.keyswitch_added = noise::keyswitch(p.big_dimension(), p.ks, p.lwe_noise) +
                      noise::keyswitch_storage(p.big_dimension(), p.n, p.ks);
  r.after_keyswitch = r.pbs_output + r.keyswitch_added;
  r.modswitch_added = noise::modulus_switch(p.n, p.N, 1, p.modulus_switch, p.grouping);
  r.at_blind_rotation = noise::at_modulus_switch(p, r.pbs_output);
  r.at_blind_rotation_fresh = noise::at_modulus_switch(p, r.fresh);
  for (unsigned bits = 1; bits <= 8; ++bits) {
    r.log2_pfail.push_back((std::size_t{1} << bits) > p.N.value()
                               ? std::numeric_limits<double>::quiet_NaN()
                               : noise::log2_pfail_pbs(p, bits));
  }
  r.log2_pfail_boolean = noise::log2_pfail_pbs(p, 0);
  r.security = compiler::estimate_security(p);
  return r;
}

std::string format_param_report(const ParamReport& r) {
  const ParameterSet& p = r.params;
  std::string out;
  const auto line = [&](const std::string& s) { out += s + '\n'; };
  const auto row = [&](const std::string& label, const std::string& value) {
    line("  " + pad(label, 30) + value);
  };
  line(p.display_name() + (r.custom ? " (custom)" : ""));
  if (p.insecure) line("  WARNING: INSECURE parameters, for tests only");
  if (r.security.below_128()) {
    line("  WARNING: below 128-bit security (estimated " + bits_text(r.security.bits) + " bits)");
  }
  row("version", p.version);
  row("fingerprint", r.fingerprint + "...");
  row("LWE dimension", "n = " + std::to_string(p.n.value()));
  row("GLWE", "k = " + std::to_string(p.k.value()) + ", N = " + std::to_string(p.N.value()) +
                  " (big key k*N = " + std::to_string(p.big_dimension().value()) + ")");
  row("PBS decomposition", "base 2^" + std::to_string(p.pbs.base_log.value()) + ", " +
                               std::to_string(p.pbs.levels.value()) + " levels");
  if (p.multi_bit()) {
    row("blind rotation", "multi-bit, grouping factor " + std::to_string(p.grouping) + " (" +
                              std::to_string(p.bootstrap_ggsw_count()) +
                              " GGSWs, one external product per " + std::to_string(p.grouping) +
                              " key bits)");
  }
  row("KS decomposition", "base 2^" + std::to_string(p.ks.base_log.value()) + ", " +
                              std::to_string(p.ks.levels.value()) + " levels");
  row("LWE noise",
      p.lwe_noise.describe() + " = " + format_noise_spec(p.lwe_noise) + " (key-switching key)");
  row("GLWE noise", p.glwe_noise.describe() + " = " + format_noise_spec(p.glwe_noise) +
                        " (bootstrapping key, fresh ciphertexts)");
  row("secret", "binary");
  std::string precision = p.message_bits == 0
                              ? "booleans (gate bootstrapping)"
                              : std::to_string(p.message_bits) + " message bits + padding bit";
  if (p.message_bits != 0 && p.boolean) precision += "; booleans";
  row("precision", precision);
  row("source", p.source);

  line("sizes");
  row("client key file", human_bytes(r.client_key_file));
  row("evaluation key file", human_bytes(r.evaluation_key_file) + " (seeded " +
                                 human_bytes(r.evaluation_key_file_seeded) + ")");
  row("server key in memory",
      human_bytes(r.server_key_memory) + " (Fourier bootstrapping key + 32-bit key-switching key)");
  row("LWE ciphertext in memory", human_bytes(r.lwe_big) + " under the k*N key, " +
                                      human_bytes(r.lwe_small) + " under the n key");
  row("ciphertext file", human_bytes(r.ciphertext_file_one) + " for one (seeded " +
                             human_bytes(r.ciphertext_file_one_seeded) + ", then " +
                             human_bytes(r.seeded_ciphertext) + " per ciphertext)");

  line("noise model (variance relative to the torus)");
  row("fresh encryption", variance_text(r.fresh));
  row("PBS output", variance_text(r.pbs_output));
  row("+ key switch", variance_text(r.keyswitch_added));
  row("after key switch", variance_text(r.after_keyswitch));
  row("+ modulus switch", variance_text(r.modswitch_added) +
                              (p.centred_modulus_switch() ? " (centred, eprint 2025/809)"
                               : p.multi_bit()            ? " (one rounding per group of " +
                                                     std::to_string(p.grouping) + " key bits)"
                                               : ""));
  row("at blind-rotation input", variance_text(r.at_blind_rotation) + " (input: a PBS output)");
  row("", variance_text(r.at_blind_rotation_fresh) + " (input: a fresh encryption)");

  line("log2 p_fail model (one KS-PBS, padding encoding, input a PBS output)");
  std::string pf;
  for (std::size_t i = 0; i < r.log2_pfail.size(); ++i) {
    pf += std::to_string(i + 1) + "b: " + pfail_text(r.log2_pfail[i]) +
          (i + 1 < r.log2_pfail.size() ? "  " : "");
  }
  line("  " + pf);
  row("booleans (margin 1/8)", pfail_text(r.log2_pfail_boolean));
  row("published", std::isnan(p.published_log2_pfail)
                       ? "none published"
                       : "2^" + format("%.3f", p.published_log2_pfail));

  line("security");
  if (p.insecure) {
    row("claimed", "none: INSECURE (tests only)");
  } else if (r.custom) {
    row("claimed", "none (custom set; estimate only)");
  } else {
    row("claimed", format("%.0f bits: ", p.claimed_security_bits) + p.security_source);
  }
  std::string est = bits_text(r.security.bits) + " bits (LWE n=" + std::to_string(p.n.value()) +
                    ": " + bits_text(r.security.lwe_bits) +
                    ", GLWE k*N=" + std::to_string(p.big_dimension().value()) + ": " +
                    bits_text(r.security.glwe_bits) + ")";
  if (r.security.extrapolated) est += ", extrapolated beyond the curve";
  row("estimated", est);
  line(
      "  (128-bit curve of Concrete's optimizer scaled linearly: bits ~ 128*d/d128(sigma); an "
      "approximation, not a lattice-estimator run; see docs/PARAMETERS.md)");
  return out;
}

std::string format_param_report_json(const ParamReport& r) {
  const ParameterSet& p = r.params;
  const auto noise = [](const NoiseDistribution& d) {
    if (d.kind == NoiseDistribution::Kind::kTUniform) {
      return "{\"tuniform_bound_log2\": " + std::to_string(d.log2_bound) + "}";
    }
    return "{\"gaussian_std\": " + json_number(d.std_dev) + "}";
  };
  std::string s = "{";
  const auto field = [&](const std::string& key, const std::string& value) {
    s += (s.size() > 1 ? ", " : "") + json_quoted(key) + ": " + value;
  };
  const auto u = [](std::uint64_t v) { return std::to_string(v); };
  field("name", json_quoted(p.name));
  field("version", json_quoted(p.version));
  field("custom", r.custom ? "true" : "false");
  field("insecure", p.insecure ? "true" : "false");
  field("fingerprint", json_quoted(r.fingerprint));
  field("n", u(p.n.value()));
  field("k", u(p.k.value()));
  field("N", u(p.N.value()));
  field("pbs_base_log", u(p.pbs.base_log.value()));
  field("pbs_levels", u(p.pbs.levels.value()));
  field("ks_base_log", u(p.ks.base_log.value()));
  field("ks_levels", u(p.ks.levels.value()));
  field("lwe_noise", noise(p.lwe_noise));
  field("glwe_noise", noise(p.glwe_noise));
  field("secret", "\"binary\"");
  field("message_bits", u(p.message_bits));
  field("modulus_switch", json_quoted(std::string(modulus_switch_name(p.modulus_switch))));
  field("grouping", u(p.grouping));
  field("source", json_quoted(p.source));
  field("sizes", "{\"client_key_file\": " + u(r.client_key_file) +
                     ", \"evaluation_key_file\": " + u(r.evaluation_key_file) +
                     ", \"evaluation_key_file_seeded\": " + u(r.evaluation_key_file_seeded) +
                     ", \"server_key_memory\": " + u(r.server_key_memory) +
                     ", \"lwe_ciphertext_big\": " + u(r.lwe_big) + ", \"lwe_ciphertext_small\": " +
                     u(r.lwe_small) + ", \"ciphertext_file_one\": " + u(r.ciphertext_file_one) +
                     ", \"ciphertext_file_one_seeded\": " + u(r.ciphertext_file_one_seeded) +
                     ", \"seeded_ciphertext\": " + u(r.seeded_ciphertext) + "}");
  field("variances",
        "{\"fresh\": " + json_number(r.fresh) + ", \"pbs_output\": " + json_number(r.pbs_output) +
            ", \"keyswitch_added\": " + json_number(r.keyswitch_added) +
            ", \"after_keyswitch\": " + json_number(r.after_keyswitch) +
            ", \"modswitch_added\": " + json_number(r.modswitch_added) +
            ", \"at_blind_rotation\": " + json_number(r.at_blind_rotation) +
            ", \"at_blind_rotation_fresh\": " + json_number(r.at_blind_rotation_fresh) + "}");
  std::string pf = "{";
  for (std::size_t i = 0; i < r.log2_pfail.size(); ++i) {
    pf +=
        (i ? ", " : "") + json_quoted(std::to_string(i + 1)) + ": " + json_number(r.log2_pfail[i]);
  }
  pf += ", \"boolean\": " + json_number(r.log2_pfail_boolean) + "}";
  field("log2_pfail", pf);
  field("published_log2_pfail", json_number(p.published_log2_pfail));
  field("security",
        "{\"claimed_bits\": " +
            (r.custom || p.insecure ? std::string("null") : json_number(p.claimed_security_bits)) +
            ", \"estimated_bits\": " + json_number(r.security.bits) +
            ", \"estimated_lwe_bits\": " + json_number(r.security.lwe_bits) +
            ", \"estimated_glwe_bits\": " + json_number(r.security.glwe_bits) +
            ", \"extrapolated\": " + (r.security.extrapolated ? "true" : "false") +
            ", \"below_128\": " + (r.security.below_128() ? "true" : "false") +
            ", \"method\": \"128-bit curve of Concrete's optimizer scaled linearly in the "
            "dimension\"}");
  return s + "}\n";
}

}  // namespace lutfhe::workbench
