#include "core/parameter_file.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <sodium.h>

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/errors.hpp"
#include "core/file_format.hpp"
#include "core/hex.hpp"
#include "core/json_text.hpp"
#include "core/text_file.hpp"

namespace lutfhe {
namespace {

// The bounds key and ciphertext files can hold (core/serialization.cpp refuses to write
// more), so that a custom set accepted here can always be stored.
constexpr std::size_t kMaxLweDimension = std::size_t{1} << 16;
constexpr std::size_t kMaxGlweDimension = 16;
constexpr std::size_t kMaxPolynomialSize = std::size_t{1} << 17;
constexpr std::size_t kMaxBigDimension = std::size_t{1} << 18;
constexpr double kMaxGaussianStdDev = 0x1p-5;
constexpr unsigned kMaxTUniformLog2 = 62;
constexpr unsigned kMaxMessageBits = 16;
constexpr std::size_t kMaxNameLength = 64;

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

[[noreturn]] void fail(std::string_view origin, std::string_view field, const std::string& what) {
  throw ParameterFileError(std::string(origin) + ": " + std::string(field) + ": " + what);
}

// For a single flag: "--lwe-noise: 'x': use ...".
[[noreturn]] void fail_flag(std::string_view flag, const std::string& what) {
  throw ParameterFileError(std::string(flag) + ": " + what);
}

void check_noise(const NoiseDistribution& d, std::string_view origin, std::string_view field) {
  if (d.kind == NoiseDistribution::Kind::kGaussian) {
    if (!(d.std_dev > 0.0) || d.std_dev > kMaxGaussianStdDev) {
      fail(origin, field,
           "Gaussian standard deviation " + number(d.std_dev) + " is not in (0, 2^-5]");
    }
  } else if (d.log2_bound > kMaxTUniformLog2) {
    fail(origin, field,
         "TUniform bound 2^" + std::to_string(d.log2_bound) + " is above 2^62 (of 2^64)");
  }
}

void check_secret(const std::string& secret, std::string_view origin) {
  if (secret == "binary") return;
  if (secret == "ternary") {
    fail(origin, "secret",
         "ternary secrets are not implemented: the engine's blind rotation (one CMUX per key "
         "bit) supports binary keys only; use \"binary\"");
  }
  fail(origin, "secret", "'" + secret + "' is not a secret distribution (use \"binary\")");
}

void check_name(const std::string& name, std::string_view origin) {
  if (name.empty() || name.size() > kMaxNameLength) {
    fail(origin, "name", "must be 1 to 64 characters");
  }
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) fail(origin, "name", "'" + name + "' may only hold letters, digits, '_', '-', '.'");
  }
}

// Field-by-field bounds with the field's name in the message, then check_parameters.
void validate(const ParameterSet& p, std::string_view origin) {
  const std::size_t n = p.n.value();
  const std::size_t k = p.k.value();
  const std::size_t big_n = p.N.value();
  if (n < 1 || n > kMaxLweDimension) {
    fail(origin, "n", std::to_string(n) + " is not in [1, 65536]");
  }
  if (k < 1 || k > kMaxGlweDimension) fail(origin, "k", std::to_string(k) + " is not in [1, 16]");
  if (big_n < 4 || big_n > kMaxPolynomialSize || !std::has_single_bit(big_n)) {
    fail(origin, "N", std::to_string(big_n) + " is not a power of two in [4, 131072]");
  }
  if (k * big_n > kMaxBigDimension) {
    fail(origin, "k*N", std::to_string(k * big_n) + " is above 262144 (the big LWE dimension)");
  }
  const auto check_decomposition_field = [&](const DecompositionParams& d, const char* base,
                                             const char* levels) {
    const std::size_t b = d.base_log.value();
    const std::size_t l = d.levels.value();
    if (b < 1 || b > 62) fail(origin, base, std::to_string(b) + " is not in [1, 62]");
    if (l < 1 || l > 64) fail(origin, levels, std::to_string(l) + " is not in [1, 64]");
    if (b * l > 64) {
      fail(origin, std::string(base) + "*" + levels,
           std::to_string(b) + "*" + std::to_string(l) + " = " + std::to_string(b * l) +
               " bits is more than the 64 of the torus");
    }
  };
  check_decomposition_field(p.pbs, "pbs_base_log", "pbs_levels");
  check_decomposition_field(p.ks, "ks_base_log", "ks_levels");
  check_noise(p.lwe_noise, origin, "lwe_noise");
  check_noise(p.glwe_noise, origin, "glwe_noise");
  if (p.message_bits > kMaxMessageBits) {
    fail(origin, "message_bits", std::to_string(p.message_bits) + " is not in [0, 16]");
  }
  if ((std::size_t{1} << p.message_bits) > big_n) {
    fail(origin, "message_bits",
         std::to_string(p.message_bits) + " bits need N >= " +
             std::to_string(std::size_t{1} << p.message_bits) + " (one coefficient per value)");
  }
  try {
    check_parameters(p);
  } catch (const InvalidArgument& e) {
    throw ParameterFileError(std::string(origin) + ": " + e.what());
  }
}

// The exact text the custom version hashes: every numeric field, doubles as hex floats.
std::string canonical_content(const ParameterSet& p) {
  const auto noise = [](const NoiseDistribution& d) {
    if (d.kind == NoiseDistribution::Kind::kTUniform) {
      return "tuniform:" + std::to_string(d.log2_bound);
    }
    char buf[40];
    std::snprintf(buf, sizeof buf, "%a", d.std_dev);
    return "gaussian:" + std::string(buf);
  };
  return "n=" + std::to_string(p.n.value()) + ";k=" + std::to_string(p.k.value()) +
         ";N=" + std::to_string(p.N.value()) + ";pbs=" + std::to_string(p.pbs.base_log.value()) +
         "," + std::to_string(p.pbs.levels.value()) +
         ";ks=" + std::to_string(p.ks.base_log.value()) + "," +
         std::to_string(p.ks.levels.value()) + ";lwe=" + noise(p.lwe_noise) +
         ";glwe=" + noise(p.glwe_noise) + ";bits=" + std::to_string(p.message_bits) +
         ";secret=binary" + (p.centred_modulus_switch() ? ";ms=centred" : "") +
         (p.multi_bit() ? ";grouping=" + std::to_string(p.grouping) : "");
}

bool same_noise(const NoiseDistribution& a, const NoiseDistribution& b) {
  if (a.kind != b.kind) return false;
  return a.kind == NoiseDistribution::Kind::kTUniform ? a.log2_bound == b.log2_bound
                                                      : a.std_dev == b.std_dev;
}

bool same_content(const ParameterSet& a, const ParameterSet& b) {
  return a.n == b.n && a.k == b.k && a.N == b.N && a.pbs == b.pbs && a.ks == b.ks &&
         same_noise(a.lwe_noise, b.lwe_noise) && same_noise(a.glwe_noise, b.glwe_noise) &&
         a.message_bits == b.message_bits && a.modulus_switch == b.modulus_switch &&
         a.grouping == b.grouping;
}

// "n, N, glwe_noise": the fields `o` sets (empty when it changes nothing).
std::string overridden_fields(const ParameterOverrides& o) {
  std::string s;
  const auto add = [&](bool set, const char* name) {
    if (set) s += (s.empty() ? "" : ", ") + std::string(name);
  };
  add(o.n.has_value(), "n");
  add(o.k.has_value(), "k");
  add(o.N.has_value(), "N");
  add(o.pbs_base_log.has_value(), "pbs_base_log");
  add(o.pbs_levels.has_value(), "pbs_levels");
  add(o.ks_base_log.has_value(), "ks_base_log");
  add(o.ks_levels.has_value(), "ks_levels");
  add(o.lwe_noise.has_value(), "lwe_noise");
  add(o.glwe_noise.has_value(), "glwe_noise");
  add(o.message_bits.has_value(), "message_bits");
  add(o.modulus_switch.has_value(), "modulus_switch");
  add(o.grouping.has_value(), "grouping");
  return s;
}

// Validates `p` (numeric content already filled in) and returns the named set with the same
// content, or `p` made custom.
ParameterSet finish(ParameterSet p, const ParameterOverrides& o, std::string_view origin) {
  validate(p, origin);
  if (const ParameterSet* named = find_named_equivalent(p)) {
    if (o.name && *o.name != named->name) {
      fail(origin, "name",
           "'" + *o.name + "' has the numeric content of the named set " + named->name +
               "; drop the name or change a value");
    }
    return *named;
  }
  p.version = custom_version(p);
  if (o.name) {
    for (const ParameterSet& named : parameter_sets()) {
      if (named.name == *o.name) {
        fail(origin, "name",
             "'" + *o.name + "' is a named set with other values; choose another name");
      }
    }
    p.name = *o.name;
  } else {
    p.name = "custom-" + p.version.substr(kCustomVersionPrefix.size(), 8);
  }
  p.boolean = p.message_bits == 0;
  p.insecure = false;
  p.claimed_security_bits = 0.0;
  p.security_source =
      "none claimed: custom parameter set ('lutfhe params show' estimates it from the 128-bit "
      "curve)";
  // The same for every custom set, so that a set read from a file and the same set given by
  // flags are equal field for field (and write byte-identical key files).
  p.source = "custom parameter set";
  p.published_log2_pfail = std::numeric_limits<double>::quiet_NaN();
  return p;
}

// ---- JSON ----

using Value = rapidjson::Value;

std::size_t json_count(const Value& v, std::string_view origin, std::string_view field) {
  if (!v.IsUint64()) fail(origin, field, "expected a non-negative integer");
  const std::uint64_t x = v.GetUint64();
  if (x > (std::uint64_t{1} << 32)) fail(origin, field, std::to_string(x) + " is far too large");
  return static_cast<std::size_t>(x);
}

NoiseDistribution json_noise(const Value& v, std::string_view origin, std::string_view field) {
  const std::string expected =
      "expected {\"gaussian_std\": <std relative to the torus>} or "
      "{\"tuniform_bound_log2\": <integer>}";
  if (!v.IsObject() || v.MemberCount() != 1) fail(origin, field, expected);
  const auto& m = *v.MemberBegin();
  const std::string key(m.name.GetString(), m.name.GetStringLength());
  if (key == "gaussian_std") {
    if (!m.value.IsNumber())
      fail(origin, std::string(field) + ".gaussian_std", "expected a number");
    const double s = m.value.GetDouble();
    if (!(s > 0.0) || s > kMaxGaussianStdDev) {
      fail(origin, std::string(field) + ".gaussian_std",
           number(s) + " is not in (0, 2^-5] (a standard deviation relative to the torus)");
    }
    return NoiseDistribution::gaussian(s);
  }
  if (key == "tuniform_bound_log2") {
    const std::string f = std::string(field) + ".tuniform_bound_log2";
    if (!m.value.IsUint64() || m.value.GetUint64() > kMaxTUniformLog2) {
      fail(origin, f, "expected an integer in [0, 62]");
    }
    return NoiseDistribution::tuniform(static_cast<unsigned>(m.value.GetUint64()));
  }
  fail(origin, field, "unknown noise kind '" + key + "'; " + expected);
}

}  // namespace

bool ParameterOverrides::empty() const {
  return !n && !k && !N && !pbs_base_log && !pbs_levels && !ks_base_log && !ks_levels &&
         !lwe_noise && !glwe_noise && !message_bits && !modulus_switch && !grouping && !secret &&
         !name;
}

ModulusSwitchKind parse_modulus_switch(std::string_view text, std::string_view what) {
  if (text == "standard") return ModulusSwitchKind::kStandard;
  if (text == "centred" || text == "centered") return ModulusSwitchKind::kCentred;
  throw ParameterFileError(std::string(what) + ": '" + std::string(text) +
                           "' is not a modulus switch (use standard or centred)");
}

std::string_view modulus_switch_name(ModulusSwitchKind kind) {
  return kind == ModulusSwitchKind::kCentred ? "centred" : "standard";
}

bool ParameterOverrides::complete() const {
  return n && k && N && pbs_base_log && pbs_levels && ks_base_log && ks_levels && lwe_noise &&
         glwe_noise && message_bits;
}

NoiseDistribution parse_noise_spec(std::string_view text, std::string_view what) {
  const std::string t(text);
  const std::string usage =
      "'" + t +
      "': use gaussian:2^-40.5, gaussian:3.2e-13 (std relative to the torus) or "
      "tuniform:45 (bound 2^45 of 2^64)";
  const auto colon = t.find(':');
  if (colon == std::string::npos) fail_flag(what, usage);
  const std::string kind = t.substr(0, colon);
  const std::string value = t.substr(colon + 1);
  const auto parse_double = [&](const std::string& s) {
    std::size_t used = 0;
    double v = 0.0;
    try {
      v = std::stod(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != s.size() || !std::isfinite(v)) fail_flag(what, usage);
    return v;
  };
  if (kind == "gaussian") {
    const double s =
        value.rfind("2^", 0) == 0 ? std::exp2(parse_double(value.substr(2))) : parse_double(value);
    if (!(s > 0.0) || s > kMaxGaussianStdDev) {
      fail_flag(what, "'" + t + "': the standard deviation must be in (0, 2^-5] of the torus");
    }
    return NoiseDistribution::gaussian(s);
  }
  if (kind == "tuniform") {
    const bool digits = !value.empty() && value.size() <= 2 &&
                        value.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoul(value) > kMaxTUniformLog2) {
      fail_flag(what, "'" + t + "': the TUniform bound is an integer b in [0, 62] (2^b of 2^64)");
    }
    return NoiseDistribution::tuniform(static_cast<unsigned>(std::stoul(value)));
  }
  fail_flag(what, usage);
}

std::string format_noise_spec(const NoiseDistribution& d) {
  if (d.kind == NoiseDistribution::Kind::kTUniform) {
    return "tuniform:" + std::to_string(d.log2_bound);
  }
  const double e = std::log2(d.std_dev);
  const double rounded = std::round(e * 1e4) / 1e4;
  if (std::exp2(rounded) == d.std_dev) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "gaussian:2^%.10g", rounded);
    return buf;
  }
  return "gaussian:" + number(d.std_dev);
}

ParameterSet with_overrides(const ParameterSet& base, const ParameterOverrides& o,
                            std::string_view origin) {
  if (o.secret) check_secret(*o.secret, origin);
  if (o.name) check_name(*o.name, origin);
  const std::string changed = overridden_fields(o);
  if (changed.empty() && !o.name) return base;
  ParameterSet p = base;
  if (o.n) p.n = LweDimension(*o.n);
  if (o.k) p.k = GlweDimension(*o.k);
  if (o.N) p.N = PolynomialSize(*o.N);
  if (o.pbs_base_log) p.pbs.base_log = DecompositionBaseLog(*o.pbs_base_log);
  if (o.pbs_levels) p.pbs.levels = DecompositionLevelCount(*o.pbs_levels);
  if (o.ks_base_log) p.ks.base_log = DecompositionBaseLog(*o.ks_base_log);
  if (o.ks_levels) p.ks.levels = DecompositionLevelCount(*o.ks_levels);
  if (o.lwe_noise) p.lwe_noise = *o.lwe_noise;
  if (o.glwe_noise) p.glwe_noise = *o.glwe_noise;
  if (o.message_bits) p.message_bits = *o.message_bits;
  if (o.modulus_switch) p.modulus_switch = *o.modulus_switch;
  if (o.grouping) p.grouping = *o.grouping;
  return finish(std::move(p), o, origin);
}

ParameterSet parameters_from_overrides(const ParameterOverrides& o, std::string_view origin) {
  if (o.secret) check_secret(*o.secret, origin);
  if (o.name) check_name(*o.name, origin);
  const auto need = [&](bool set, const char* field) {
    if (!set) fail(origin, field, "missing (a set built from scratch needs every field)");
  };
  need(o.n.has_value(), "n");
  need(o.k.has_value(), "k");
  need(o.N.has_value(), "N");
  need(o.pbs_base_log.has_value(), "pbs_base_log");
  need(o.pbs_levels.has_value(), "pbs_levels");
  need(o.ks_base_log.has_value(), "ks_base_log");
  need(o.ks_levels.has_value(), "ks_levels");
  need(o.lwe_noise.has_value(), "lwe_noise");
  need(o.glwe_noise.has_value(), "glwe_noise");
  need(o.message_bits.has_value(), "message_bits");
  ParameterSet p{"",
                 "",
                 LweDimension(*o.n),
                 GlweDimension(*o.k),
                 PolynomialSize(*o.N),
                 {DecompositionBaseLog(*o.pbs_base_log), DecompositionLevelCount(*o.pbs_levels)},
                 {DecompositionBaseLog(*o.ks_base_log), DecompositionLevelCount(*o.ks_levels)},
                 *o.lwe_noise,
                 *o.glwe_noise,
                 *o.message_bits,
                 false,
                 false,
                 0.0,
                 {},
                 {},
                 0.0};
  if (o.modulus_switch) p.modulus_switch = *o.modulus_switch;
  if (o.grouping) p.grouping = *o.grouping;
  return finish(std::move(p), o, origin);
}

ParameterSet parameters_from_json(std::string_view json, std::string_view origin) {
  if (const std::size_t at = json_nesting_exceeded_at(json); at != std::string_view::npos) {
    throw ParameterFileError(std::string(origin) + ": JSON nested more than " +
                             std::to_string(kMaxJsonDepth) + " levels deep at offset " +
                             std::to_string(at));
  }
  rapidjson::Document doc;
  // Full precision: a standard deviation must read back bit for bit (it is in the fingerprint).
  doc.Parse<rapidjson::kParseFullPrecisionFlag | rapidjson::kParseIterativeFlag>(json.data(),
                                                                                 json.size());
  if (doc.HasParseError()) {
    throw ParameterFileError(std::string(origin) + ": not valid JSON at offset " +
                             std::to_string(doc.GetErrorOffset()) + ": " +
                             rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) {
    throw ParameterFileError(std::string(origin) + ": a parameter file is one JSON object");
  }
  static const std::set<std::string> known = {
      "name",           "n",         "k",         "N",          "pbs_base_log", "pbs_levels",
      "ks_base_log",    "ks_levels", "lwe_noise", "glwe_noise", "secret",       "message_bits",
      "modulus_switch", "grouping"};
  std::set<std::string> seen;
  ParameterOverrides o;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    if (!known.count(key)) {
      fail(origin, key,
           "unknown field (known: name, n, k, N, pbs_base_log, pbs_levels, ks_base_log, "
           "ks_levels, lwe_noise, glwe_noise, secret, message_bits, modulus_switch, grouping)");
    }
    if (!seen.insert(key).second) fail(origin, key, "given twice");
    const Value& v = it->value;
    if (key == "modulus_switch") {
      if (!v.IsString()) fail(origin, key, "expected \"standard\" or \"centred\"");
      o.modulus_switch = parse_modulus_switch(std::string_view(v.GetString(), v.GetStringLength()),
                                              std::string(origin) + ": modulus_switch");
    } else if (key == "grouping") {
      const std::size_t g = json_count(v, origin, key);
      if (g < 1 || g > kMaxGrouping) {
        fail(origin, key,
             std::to_string(g) + " is not in [1, " + std::to_string(kMaxGrouping) + "]");
      }
      o.grouping = static_cast<unsigned>(g);
    } else if (key == "name" || key == "secret") {
      if (!v.IsString()) fail(origin, key, "expected a string");
      std::string s(v.GetString(), v.GetStringLength());
      (key == "name" ? o.name : o.secret) = std::move(s);
    } else if (key == "lwe_noise") {
      o.lwe_noise = json_noise(v, origin, key);
    } else if (key == "glwe_noise") {
      o.glwe_noise = json_noise(v, origin, key);
    } else if (key == "message_bits") {
      const std::size_t bits = json_count(v, origin, key);
      if (bits > kMaxMessageBits) fail(origin, key, std::to_string(bits) + " is not in [0, 16]");
      o.message_bits = static_cast<unsigned>(bits);
    } else {
      const std::size_t x = json_count(v, origin, key);
      if (key == "n") o.n = x;
      if (key == "k") o.k = x;
      if (key == "N") o.N = x;
      if (key == "pbs_base_log") o.pbs_base_log = x;
      if (key == "pbs_levels") o.pbs_levels = x;
      if (key == "ks_base_log") o.ks_base_log = x;
      if (key == "ks_levels") o.ks_levels = x;
    }
  }
  return parameters_from_overrides(o, origin);
}

ParameterSet parameters_from_json_file(const std::filesystem::path& path) {
  return parameters_from_json(
      read_file_limited(path, kMaxParameterFileBytes, "a parameter file (a small JSON object)"),
      path.string());
}

namespace {

using JsonFields = std::vector<std::pair<std::string, std::string>>;

// The fields of a parameter file, in file order, as JSON values.
JsonFields file_fields(const ParameterSet& p, bool with_name) {
  const auto noise = [](const NoiseDistribution& d) {
    if (d.kind == NoiseDistribution::Kind::kTUniform) {
      return "{\"tuniform_bound_log2\": " + std::to_string(d.log2_bound) + "}";
    }
    return "{\"gaussian_std\": " + number(d.std_dev) + "}";
  };
  JsonFields f;
  if (with_name) f.emplace_back("name", json_quoted(p.name));
  f.emplace_back("n", std::to_string(p.n.value()));
  f.emplace_back("k", std::to_string(p.k.value()));
  f.emplace_back("N", std::to_string(p.N.value()));
  f.emplace_back("pbs_base_log", std::to_string(p.pbs.base_log.value()));
  f.emplace_back("pbs_levels", std::to_string(p.pbs.levels.value()));
  f.emplace_back("ks_base_log", std::to_string(p.ks.base_log.value()));
  f.emplace_back("ks_levels", std::to_string(p.ks.levels.value()));
  f.emplace_back("lwe_noise", noise(p.lwe_noise));
  f.emplace_back("glwe_noise", noise(p.glwe_noise));
  f.emplace_back("secret", "\"binary\"");
  f.emplace_back("message_bits", std::to_string(p.message_bits));
  // Written only when not the default, so that files of classic sets read by older builds.
  if (p.centred_modulus_switch()) f.emplace_back("modulus_switch", "\"centred\"");
  if (p.multi_bit()) f.emplace_back("grouping", std::to_string(p.grouping));
  return f;
}

std::string json_object(const JsonFields& fields, bool pretty) {
  std::string s = pretty ? "{\n" : "{";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    s += (pretty ? "  " : "") + json_quoted(fields[i].first) + ": " + fields[i].second;
    if (i + 1 < fields.size()) s += pretty ? ",\n" : ", ";
  }
  return s + (pretty ? "\n}\n" : "}");
}

}  // namespace

std::string parameters_to_json(const ParameterSet& p) {
  // An automatic custom name is left out: it would go stale when the file is edited.
  const bool automatic_name =
      is_custom(p) && p.name == "custom-" + p.version.substr(kCustomVersionPrefix.size(), 8);
  return json_object(file_fields(p, !automatic_name), true);
}

std::string parameter_set_record_json(const ParameterSet& p) {
  JsonFields f = file_fields(p, true);
  f.emplace(f.begin() + 1, "version", json_quoted(p.version));
  if (!p.centred_modulus_switch()) f.emplace_back("modulus_switch", "\"standard\"");
  if (!p.multi_bit()) f.emplace_back("grouping", "1");
  f.emplace_back("boolean", p.boolean ? "true" : "false");
  f.emplace_back("insecure", p.insecure ? "true" : "false");
  f.emplace_back("claimed_security_bits", json_number(p.claimed_security_bits));
  f.emplace_back("security_source", json_quoted(p.security_source));
  f.emplace_back("source", json_quoted(p.source));
  f.emplace_back("published_log2_pfail", json_number(p.published_log2_pfail));
  return json_object(f, false);
}

void save_parameters_json(const std::filesystem::path& path, const ParameterSet& p) {
  write_file_atomically(path, parameters_to_json(p));
}

bool is_custom(const ParameterSet& p) {
  return p.version.rfind(kCustomVersionPrefix, 0) == 0;
}

const ParameterSet* find_named_equivalent(const ParameterSet& p) {
  for (const ParameterSet& named : parameter_sets()) {
    if (same_content(named, p)) return &named;
  }
  return nullptr;
}

std::string custom_version(const ParameterSet& p) {
  const std::string text = canonical_content(p);
  if (sodium_init() < 0) throw Error("libsodium could not be initialised");
  std::uint8_t digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  return std::string(kCustomVersionPrefix) + to_hex(digest, 6);
}

}  // namespace lutfhe
