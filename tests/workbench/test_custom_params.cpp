// Custom parameter sets: the JSON parameter file (round trip, strict validation), the
// --params resolver and its field flags, identity with named sets (same keys, same PBS
// results), storage of custom sets in key files, the `params show` security estimate, and
// `lutfhe params show --json` through the real binary.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/ciphertext_files.hpp"
#include "core/client_key.hpp"
#include "core/client_key_file.hpp"
#include "core/describe_file.hpp"
#include "core/errors.hpp"
#include "core/evaluation_key.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/fingerprint.hpp"
#include "core/lookup_table.hpp"
#include "core/parameter_file.hpp"
#include "core/pbs.hpp"
#include "core/server_key.hpp"
#include "tests/support/cli_runner.hpp"
#include "tests/support/file_test_support.hpp"
#include "tests/support/test_support.hpp"
#include "workbench/param_options.hpp"
#include "workbench/param_report.hpp"

namespace lutfhe {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// TOY's numeric content as a parameter file, with one line replaced when `replace` is set.
std::string toy_json(const std::string& extra = "", const std::string& drop = "") {
  std::string fields[] = {"\"n\": 64",
                          "\"k\": 1",
                          "\"N\": 4096",
                          "\"pbs_base_log\": 15",
                          "\"pbs_levels\": 2",
                          "\"ks_base_log\": 4",
                          "\"ks_levels\": 5",
                          "\"lwe_noise\": {\"gaussian_std\": 9.3132257461547852e-10}",
                          "\"glwe_noise\": {\"gaussian_std\": 8.8817841970012523e-16}",
                          "\"secret\": \"binary\"",
                          "\"message_bits\": 7"};
  std::string s = "{";
  bool first = true;
  for (const std::string& f : fields) {
    if (!drop.empty() && f.rfind("\"" + drop + "\"", 0) == 0) continue;
    s += (first ? "" : ", ") + f;
    first = false;
  }
  if (!extra.empty()) s += ", " + extra;
  return s + "}";
}

// The one-line message of the ParameterFileError that parsing `json` throws ("" if none).
std::string error_of(const std::string& json) {
  try {
    parameters_from_json(json, "p.json");
  } catch (const ParameterFileError& e) {
    return e.what();
  }
  return "";
}

// ---------------------------------------------------------------------------------------------

TEST(CustomParamsFile, NamedContentResolvesToTheNamedSet) {
  const ParameterSet p = parameters_from_json(toy_json(), "toy.json");
  EXPECT_EQ(p.name, "TOY");
  EXPECT_EQ(p.version, "lutfhe-v1/TOY");
  EXPECT_FALSE(is_custom(p));
  EXPECT_EQ(parameter_fingerprint(p), parameter_fingerprint(find_parameter_set("TOY")));
}

TEST(CustomParamsFile, EveryNamedSetRoundTripsThroughJson) {
  const TempDir dir("lutfhe-params");
  for (const ParameterSet& named : parameter_sets()) {
    SCOPED_TRACE(named.name);
    save_parameters_json(dir / "p.json", named);
    const ParameterSet back = parameters_from_json_file(dir / "p.json");
    EXPECT_EQ(back.name, named.name);
    EXPECT_EQ(back.version, named.version);
    EXPECT_EQ(parameter_fingerprint(back), parameter_fingerprint(named));
  }
}

TEST(CustomParamsFile, CustomSetRoundTripsAndGetsAVersionedIdentity) {
  ParameterOverrides o;
  o.N = 2048;
  o.ks_levels = 6;
  const ParameterSet custom = with_overrides(find_parameter_set("TOY"), o);
  EXPECT_TRUE(is_custom(custom));
  EXPECT_EQ(custom.version.rfind("lutfhe-v1/custom/", 0), 0u) << custom.version;
  EXPECT_EQ(custom.name, "custom-" + custom.version.substr(17, 8));
  EXPECT_EQ(custom.N.value(), 2048u);
  EXPECT_EQ(custom.ks.levels.value(), 6u);
  EXPECT_EQ(custom.claimed_security_bits, 0.0);
  EXPECT_TRUE(std::isnan(custom.published_log2_pfail));
  EXPECT_NE(parameter_fingerprint(custom), parameter_fingerprint(find_parameter_set("TOY")));

  const TempDir dir("lutfhe-params");
  save_parameters_json(dir / "c.json", custom);
  const ParameterSet back = parameters_from_json_file(dir / "c.json");
  EXPECT_EQ(back.name, custom.name);
  EXPECT_EQ(back.version, custom.version);
  EXPECT_EQ(parameter_fingerprint(back), parameter_fingerprint(custom));
  EXPECT_EQ(parameters_to_json(back), parameters_to_json(custom));

  // A name is kept; the version depends on the numbers only.
  o.name = "MY_SET";
  const ParameterSet named = with_overrides(find_parameter_set("TOY"), o);
  EXPECT_EQ(named.name, "MY_SET");
  EXPECT_EQ(named.version, custom.version);
  // Another value, another version.
  o.ks_levels = 7;
  EXPECT_NE(with_overrides(find_parameter_set("TOY"), o).version, custom.version);
  // Overriding back to the named values gives the named set.
  ParameterOverrides same;
  same.N = 4096;
  EXPECT_EQ(with_overrides(find_parameter_set("TOY"), same).version, "lutfhe-v1/TOY");
}

TEST(CustomParamsFile, ModulusSwitchAndGroupingFields) {
  const ParameterSet grouped = parameters_from_json(toy_json("\"grouping\": 2"), "g.json");
  EXPECT_TRUE(is_custom(grouped));
  EXPECT_EQ(grouped.grouping, 2u);
  const ParameterSet centred =
      parameters_from_json(toy_json("\"modulus_switch\": \"centred\""), "c.json");
  EXPECT_TRUE(centred.centred_modulus_switch());
  EXPECT_EQ(centred.grouping, 1u);
  // Each field changes the identity; the defaults written out change nothing.
  EXPECT_NE(grouped.version, centred.version);
  EXPECT_NE(parameter_fingerprint(grouped), parameter_fingerprint(find_parameter_set("TOY")));
  EXPECT_EQ(
      parameters_from_json(toy_json("\"grouping\": 1, \"modulus_switch\": \"standard\""), "d.json")
          .version,
      "lutfhe-v1/TOY");
  for (const ParameterSet& p : {grouped, centred}) {
    const ParameterSet back = parameters_from_json(parameters_to_json(p), "back.json");
    EXPECT_EQ(back.version, p.version);
    EXPECT_EQ(back.grouping, p.grouping);
    EXPECT_EQ(back.modulus_switch, p.modulus_switch);
  }
  // A classic set's file does not name either field (older builds read it).
  EXPECT_EQ(parameters_to_json(find_parameter_set("TOY")).find("grouping"), std::string::npos);
  EXPECT_EQ(parameters_to_json(find_parameter_set("TOY")).find("modulus_switch"),
            std::string::npos);
  // TFHE-rs's multi-bit numbers are the named multi-bit set.
  EXPECT_EQ(
      parameters_from_json(parameters_to_json(find_parameter_set("PBS_4BIT_MB3_2M128")), "mb.json")
          .name,
      "PBS_4BIT_MB3_2M128");
  for (const auto& [extra, needle] : std::vector<std::pair<std::string, std::string>>{
           {"\"grouping\": 5", "grouping"},
           {"\"grouping\": 3", "multiple of the grouping factor"},
           {"\"grouping\": \"2\"", "grouping"},
           {"\"modulus_switch\": \"fast\"", "modulus_switch"},
           {"\"modulus_switch\": 1", "modulus_switch"},
           {"\"grouping\": 2, \"modulus_switch\": \"centred\"", "not implemented for multi-bit"}}) {
    const std::string e = error_of(toy_json(extra));
    EXPECT_NE(e.find(needle), std::string::npos) << extra << " gave: " << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
}

TEST(CustomParamsFile, BadFilesGiveOneLineErrorsNamingTheField) {
  struct Case {
    std::string json;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {toy_json("\"colour\": 3"), {"p.json", "colour", "unknown field"}},
      {toy_json("", "N") + "", {"p.json", "N", "missing"}},
      {toy_json("\"N\": 1000", "N"), {"p.json", "N", "1000", "power of two"}},
      {toy_json("\"N\": 2048.0", "N"), {"N", "integer"}},
      {toy_json("\"n\": -3", "n"), {"n", "integer"}},
      {toy_json("\"n\": 0", "n"), {"n", "0"}},
      {toy_json("\"k\": 40", "k"), {"k", "40"}},
      {toy_json("\"pbs_base_log\": 40", "pbs_base_log"), {"pbs_base_log*pbs_levels", "64"}},
      {toy_json("\"lwe_noise\": {\"gaussian\": 3}", "lwe_noise"), {"lwe_noise", "gaussian"}},
      {toy_json("\"lwe_noise\": 3e-10", "lwe_noise"), {"lwe_noise", "gaussian_std"}},
      {toy_json("\"glwe_noise\": {\"gaussian_std\": -1}", "glwe_noise"),
       {"glwe_noise.gaussian_std", "-1"}},
      {toy_json("\"glwe_noise\": {\"tuniform_bound_log2\": 63}", "glwe_noise"),
       {"glwe_noise.tuniform_bound_log2", "62"}},
      {toy_json("\"glwe_noise\": {\"gaussian_std\": 1e-10, \"tuniform_bound_log2\": 3}",
                "glwe_noise"),
       {"glwe_noise"}},
      {toy_json("\"secret\": \"ternary\"", "secret"), {"secret", "ternary", "binary keys only"}},
      {toy_json("\"secret\": \"gaussian\"", "secret"), {"secret", "gaussian"}},
      {toy_json("\"message_bits\": 13", "message_bits"), {"message_bits", "N >= 8192"}},
      {toy_json("\"n\": 64"), {"n", "twice"}},
      {toy_json("\"name\": \"TOY\"", "n") + "", {"n", "missing"}},
      {toy_json("\"name\": \"bad name\""), {"name", "bad name"}},
      {toy_json("\"name\": \"PBS_4BIT\", \"ks_levels\": 6", "ks_levels"), {"name", "PBS_4BIT"}},
      {"{\"n\": 64,", {"p.json", "not valid JSON"}},
      {"[1, 2]", {"p.json", "one JSON object"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json);
    const std::string e = error_of(c.json);
    ASSERT_FALSE(e.empty()) << "accepted";
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    for (const std::string& m : c.mentions) EXPECT_NE(e.find(m), std::string::npos) << e;
  }
  EXPECT_THROW(parameters_from_json_file("/nonexistent/p.json"), FileAccessError);
}

TEST(CustomParamsFile, NoiseSpecs) {
  const NoiseDistribution a = parse_noise_spec("gaussian:2^-40.5");
  EXPECT_EQ(a.kind, NoiseDistribution::Kind::kGaussian);
  EXPECT_DOUBLE_EQ(a.std_dev, std::exp2(-40.5));
  EXPECT_DOUBLE_EQ(parse_noise_spec("gaussian:3.2e-13").std_dev, 3.2e-13);
  const NoiseDistribution t = parse_noise_spec("tuniform:45");
  EXPECT_EQ(t.kind, NoiseDistribution::Kind::kTUniform);
  EXPECT_EQ(t.log2_bound, 45u);
  for (const char* bad : {"gauss:1e-9", "gaussian:", "gaussian:abc", "gaussian:0.5",
                          "gaussian:-1e-9", "tuniform:63", "tuniform:4.5", "tuniform", "45"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parse_noise_spec(bad, "--lwe-noise"), ParameterFileError);
  }
  for (const ParameterSet& p : parameter_sets()) {
    for (const NoiseDistribution* d : {&p.lwe_noise, &p.glwe_noise}) {
      const NoiseDistribution back = parse_noise_spec(format_noise_spec(*d));
      EXPECT_EQ(back.kind, d->kind);
      EXPECT_EQ(back.std_dev, d->std_dev) << format_noise_spec(*d);
      EXPECT_EQ(back.log2_bound, d->log2_bound);
    }
  }
}

// ---------------------------------------------------------------------------------------------

workbench::ParamOptions toy_flags() {
  workbench::ParamOptions o;
  o.n = "64";
  o.k = "1";
  o.N = "4096";
  o.pbs_base_log = "15";
  o.pbs_levels = "2";
  o.ks_base_log = "4";
  o.ks_levels = "5";
  o.lwe_noise = "gaussian:2^-30";
  o.glwe_noise = "gaussian:2^-50";
  o.message_bits = "7";
  o.secret = "binary";
  return o;
}

TEST(CustomParamsFlags, ResolverAcceptsNamesFilesAndFlags) {
  EXPECT_EQ(workbench::resolve_params_name_or_file("PBS_4BIT").version, "lutfhe-v1/PBS_4BIT");
  EXPECT_EQ(workbench::resolve_params(toy_flags()).version, "lutfhe-v1/TOY");

  workbench::ParamOptions o;
  EXPECT_FALSE(workbench::resolve_params_if_given(o).has_value());
  EXPECT_THROW(workbench::resolve_params(o), InvalidArgument);
  o.params = "TOY";
  o.glwe_noise = "gaussian:2^-45";
  const ParameterSet custom = workbench::resolve_params(o);
  EXPECT_TRUE(is_custom(custom));
  EXPECT_EQ(custom.glwe_noise.std_dev, std::exp2(-45.0));

  const TempDir dir("lutfhe-params");
  save_parameters_json(dir / "c.json", custom);
  workbench::ParamOptions from_file;
  from_file.params = (dir / "c.json").string();
  EXPECT_EQ(workbench::resolve_params(from_file).version, custom.version);
  // A file plus an override that restores TOY's value is TOY again.
  from_file.glwe_noise = "gaussian:2^-50";
  EXPECT_EQ(workbench::resolve_params(from_file).version, "lutfhe-v1/TOY");

  workbench::ParamOptions partial;
  partial.n = "700";
  EXPECT_THROW(workbench::resolve_params(partial), InvalidArgument);  // needs every field
  workbench::ParamOptions bad = toy_flags();
  bad.N = "12x";
  EXPECT_THROW(workbench::resolve_params(bad), InvalidArgument);
  bad = toy_flags();
  bad.secret = "ternary";
  try {
    workbench::resolve_params(bad);
    ADD_FAILURE() << "ternary accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("binary keys only"), std::string::npos) << e.what();
  }
  workbench::ParamOptions unknown;
  unknown.params = "PBS_5BIT";
  EXPECT_THROW(workbench::resolve_params(unknown), InvalidArgument);
}

// Flags equal to TOY give TOY's keys, byte for byte, and TOY's PBS results.
TEST(CustomParamsIdentity, FlagsEqualToANamedSetGiveIdenticalKeysAndResults) {
  const ParameterSet& toy = find_parameter_set("TOY");
  const ParameterSet same = workbench::resolve_params(toy_flags());
  const std::uint64_t seed = 9101;
  LUTFHE_TRACE_SEED(seed);
  const TempDir dir("lutfhe-params");
  std::vector<LweCiphertext> results[2];
  int i = 0;
  for (const ParameterSet* p : {&toy, &same}) {
    const ClientKey client(*p, test_seed(seed));
    EncryptionRandomness rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
    const EvaluationKey eval = generate_evaluation_key(client, rng);
    save_client_key(dir / ("c" + std::to_string(i)), client);
    save_evaluation_key(dir / ("e" + std::to_string(i)), eval, false);
    const ServerKey server(eval);
    Scratch scratch = server.make_scratch();
    const LookupTable lut = make_lookup_table(
        p->N, 3, [](std::uint64_t m) { return (m * m + 1) % 8; }, 3);
    EncryptionRandomness enc = EncryptionRandomness::from_seed(test_seed(seed + 2));
    for (std::uint64_t m = 0; m < 8; ++m) {
      LweCiphertext out(p->big_dimension());
      keyswitch_bootstrap(out, client.encrypt(m, 3, enc), lut, server, scratch);
      EXPECT_EQ(client.decrypt(out, 3), (m * m + 1) % 8);
      results[i].push_back(std::move(out));
    }
    ++i;
  }
  EXPECT_EQ(read_bytes(dir / "c0"), read_bytes(dir / "c1"));
  EXPECT_EQ(read_bytes(dir / "e0"), read_bytes(dir / "e1"));
  EXPECT_TRUE(results[0] == results[1]);
}

// A custom set's keys are stored, loaded back (no known name needed) and bootstrap correctly.
TEST(CustomParamsIdentity, CustomSetKeysSaveLoadAndBootstrap) {
  workbench::ParamOptions o;
  o.params = "TOY";
  o.N = "2048";
  o.ks_levels = "6";
  const ParameterSet p = workbench::resolve_params(o);
  ASSERT_TRUE(is_custom(p));
  const std::uint64_t seed = 9201;
  LUTFHE_TRACE_SEED(seed);
  const TempDir dir("lutfhe-params");
  const ClientKey client(p, test_seed(seed));
  const EvaluationKey eval = generate_evaluation_key(client);  // seeded masks
  save_client_key(dir / "client.key", client);
  save_evaluation_key(dir / "server.key", eval, true);
  EXPECT_EQ(fs::file_size(dir / "client.key"), client_key_file_size(p));
  EXPECT_EQ(fs::file_size(dir / "server.key"), evaluation_key_file_size(p, true));

  const ClientKey loaded = load_client_key(dir / "client.key");
  EXPECT_EQ(loaded.parameters().version, p.version);
  EXPECT_EQ(loaded.parameters().name, p.name);
  EXPECT_EQ(loaded.key_id(), client.key_id());
  const ServerKey server = load_server_key(dir / "server.key");
  EXPECT_EQ(server.parameters().version, p.version);
  EXPECT_EQ(parameter_fingerprint(server.parameters()), parameter_fingerprint(p));
  const FileSummary summary = describe_file(dir / "server.key");
  EXPECT_EQ(find_parameter_set_by_fingerprint(summary.header.parameters), nullptr);

  Scratch scratch = server.make_scratch();
  const LookupTable lut = make_lookup_table(
      p.N, 4, [](std::uint64_t m) { return 15 - m; }, 4);
  EncryptionRandomness enc = EncryptionRandomness::from_seed(test_seed(seed + 1));
  for (std::uint64_t m = 0; m < 16; ++m) {
    LweCiphertext out(p.big_dimension());
    keyswitch_bootstrap(out, loaded.encrypt(m, 4, enc), lut, server, scratch);
    EXPECT_EQ(loaded.decrypt(out, 4), 15 - m) << "m=" << m;
  }
  // Keys of the custom set do not pass for TOY's.
  EXPECT_THROW(require_same_key(dir / "server.key", server.parameters(), server.key_id(),
                                find_parameter_set("TOY"), server.key_id()),
               KeyMismatch);
}

// ---------------------------------------------------------------------------------------------

TEST(CustomParamsSecurity, EstimateFlagsToyAndPassesThe128BitSets) {
  const auto toy = compiler::estimate_security(find_parameter_set("TOY"));
  EXPECT_LT(toy.bits, 20.0);
  EXPECT_TRUE(toy.below_128());
  EXPECT_TRUE(toy.extrapolated);
  for (const char* name : {"BOOL_128", "PBS_2BIT", "PBS_4BIT", "PBS_6BIT", "PBS_8BIT"}) {
    const auto s = compiler::estimate_security(find_parameter_set(name));
    EXPECT_GE(s.bits, 128.0) << name;
    EXPECT_LT(s.bits, 140.0) << name;  // the binding key is near the curve
  }
  // The classic TFHE library set: the estimator says about 118 bits.
  const auto lib = compiler::estimate_security(find_parameter_set("TFHE_LIB"));
  EXPECT_NEAR(lib.bits, 118.0, 2.0);
  EXPECT_TRUE(lib.below_128());
  // On the curve itself the estimate is 128.
  for (std::size_t d : {500u, 800u, 2048u}) {
    const double log2_sigma = -0.025696778711484593 * static_cast<double>(d) + 2.675931372549016;
    EXPECT_NEAR(compiler::estimate_security_bits(d, log2_sigma), 128.0, 1e-9);
  }

  const workbench::ParamReport r = workbench::make_param_report(find_parameter_set("TOY"));
  const std::string text = workbench::format_param_report(r);
  EXPECT_NE(text.find("WARNING: below 128-bit security"), std::string::npos) << text;
  const std::string pbs4 =
      workbench::format_param_report(workbench::make_param_report(find_parameter_set("PBS_4BIT")));
  EXPECT_EQ(pbs4.find("WARNING"), std::string::npos) << pbs4;
  EXPECT_EQ(r.evaluation_key_file, evaluation_key_file_size(find_parameter_set("TOY"), false));
  EXPECT_NEAR(r.at_blind_rotation, r.after_keyswitch + r.modswitch_added,
              1e-9 * r.at_blind_rotation);
}

// `lutfhe params show --json` and a custom set from flags, through the real binary.
TEST(CustomParamsCli, ShowJsonAndFlags) {
  using testing::run_cli;
  const auto toy = run_cli({"params", "show", "TOY", "--json"});
  ASSERT_EQ(toy.exit_code, 0) << toy.describe();
  for (const char* want : {"\"name\": \"TOY\"", "\"below_128\": true", "\"estimated_bits\": ",
                           "\"server_key_memory\": ", "\"log2_pfail\": {\"1\": "}) {
    EXPECT_NE(toy.out.find(want), std::string::npos) << want << " in " << toy.out;
  }
  const auto pbs = run_cli({"params", "show", "--params", "PBS_4BIT", "--json"});
  ASSERT_EQ(pbs.exit_code, 0) << pbs.describe();
  EXPECT_NE(pbs.out.find("\"below_128\": false"), std::string::npos) << pbs.out;

  const TempDir dir("lutfhe-params");
  const auto custom = run_cli({"params", "show", "TOY", "--N", "2048", "--lwe-noise",
                               "gaussian:2^-31", "--save-json", (dir / "c.json").string()});
  ASSERT_EQ(custom.exit_code, 0) << custom.describe();
  EXPECT_NE(custom.out.find("lutfhe-v1/custom/"), std::string::npos) << custom.out;
  EXPECT_NE(custom.out.find("WARNING: below 128-bit security"), std::string::npos) << custom.out;
  const auto again = run_cli({"params", "show", (dir / "c.json").string()});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  // Same set, field for field, whether from flags or from the file they saved.
  EXPECT_EQ(again.out, custom.out);

  write_text(dir / "bad.json", toy_json("\"colour\": 1"));
  const auto bad = run_cli({"params", "show", (dir / "bad.json").string()});
  EXPECT_EQ(bad.exit_code, 2) << bad.describe();
  ASSERT_EQ(bad.err_lines().size(), 1u) << bad.describe();
  EXPECT_NE(bad.err.find("colour"), std::string::npos) << bad.describe();
  const auto ternary = run_cli({"params", "show", "TOY", "--secret", "ternary"});
  EXPECT_EQ(ternary.exit_code, 2) << ternary.describe();
  EXPECT_EQ(ternary.err_lines().size(), 1u) << ternary.describe();
}

}  // namespace
}  // namespace lutfhe
