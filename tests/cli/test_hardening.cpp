// Crafted inputs against the real `lutfhe` binary (issue "Hardening"): every recipe is made by
// this test with the library (valid files, sealed with correct digests), then handed to the
// program as an attacker would. Each must be refused with exit code 2 and one line on stderr,
// in bounded time (< 2 s beyond the legitimate work) and memory (< 256 MB beyond the
// legitimate data), with no signal and nothing left behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "compiler/artifacts.hpp"
#include "compiler/client_spec.hpp"
#include "compiler/ir.hpp"
#include "core/client_key.hpp"
#include "core/client_key_file.hpp"
#include "core/errors.hpp"
#include "core/parameters.hpp"
#include "tests/support/cli_runner.hpp"
#include "tests/support/file_test_support.hpp"

namespace lutfhe::testing {
namespace {

namespace fs = std::filesystem;
using compiler::Circuit;
using compiler::CompiledCircuit;
using compiler::NodeId;
using compiler::NodePlan;
using compiler::Range;

// The budget each refusal must stay within.
constexpr double kMaxSeconds = 2.0;
constexpr long kMaxExtraRssKb = 256 * 1024;

// Peak memory of a command that does no real work (`lutfhe params list`), the baseline the
// 256 MB are counted from.
long baseline_rss_kb() {
  static const long rss = run_cli({"params", "list"}).max_rss_kb;
  return rss;
}

// Exit 2, one line naming `fragment`, no signal, within the time and memory budgets.
void expect_refused(const CliResult& r, const std::string& fragment, long legitimate_kb = 0) {
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_EQ(r.signal, 0) << r.describe();
  EXPECT_FALSE(r.timed_out) << r.describe();
  const auto lines = r.err_lines();
  ASSERT_EQ(lines.size(), 1u) << r.describe();
  EXPECT_NE(lines[0].find(fragment), std::string::npos) << r.describe();
  EXPECT_LT(r.seconds, kMaxSeconds) << r.describe();
  EXPECT_LT(r.max_rss_kb, baseline_rss_kb() + legitimate_kb + kMaxExtraRssKb)
      << r.max_rss_kb << " kB, baseline " << baseline_rss_kb() << " kB; " << r.describe();
}

// Nothing but `expected` (sorted names) in `dir`: no output, no temporary file.
void expect_entries(const TempDir& dir, std::vector<std::string> expected) {
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(dir.entries(), expected);
}

// A TOY key pair and a batch of `count` ciphertexts, for commands that need them.
struct ToyKeys {
  explicit ToyKeys(const TempDir& dir) : dir_(dir) {
    const CliResult r = run_cli({"keygen", "--params", "TOY", "--client-key", ck(), "--server-key",
                                 sk(), "--seeded", "-q"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
  }
  std::string ck() const { return (dir_ / "ck.key").string(); }
  std::string sk() const { return (dir_ / "sk.key").string(); }
  std::string encrypt(std::size_t count) const {
    std::string values;
    for (std::size_t i = 0; i < count; ++i) values += (i ? "," : "") + std::to_string(i % 2);
    const std::string out = (dir_ / "x.ct").string();
    const CliResult r = run_cli({"encrypt", "--client-key", ck(), "--bits", "2", "--values", values,
                                 "--out", out, "--seeded", "-q"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return out;
  }

 private:
  const TempDir& dir_;
};

// A compiled circuit as a loader would get it: nodes, ranges per node, no plan (the server
// plans a loaded circuit itself).
void save_circuit(const fs::path& path, Circuit circuit, const std::vector<Range>& ranges) {
  CompiledCircuit c{std::move(circuit),        {}, {},
                    find_parameter_set("TOY"), 4,  compiler::RoundingMode::kExact};
  c.plans.resize(c.circuit.size());
  for (std::size_t i = 0; i < ranges.size(); ++i) c.plans[i].range = ranges[i];
  compiler::save_server_circuit(path, c);
}

// ---- D1: a small circuit file must not make the server work for days -----------------------

TEST(HardeningCircuit, SumPoolWorkIsBudgetedBeforePlanning) {
  TempDir dir("lutfhe-hard-pool");
  ToyKeys keys(dir);
  const std::string ct = keys.encrypt(4);
  struct Case {
    std::size_t side, kernel;
  };
  for (const Case c : {Case{1024, 16}, Case{1024, 32}, Case{1024, 64}, Case{8192, 4096}}) {
    SCOPED_TRACE(std::to_string(c.side) + "x" + std::to_string(c.side) +
                 ", k=" + std::to_string(c.kernel));
    Circuit circuit;
    const NodeId x = circuit.input({1, c.side, c.side}, {0, 3});
    const NodeId pool = circuit.sum_pool2d(x, {c.kernel, c.kernel, 1, 1});
    circuit.mark_output(pool);
    const fs::path file = dir / "pool.circuit";
    save_circuit(file, std::move(circuit), {{0, 3}, {0, 3 * static_cast<std::int64_t>(c.kernel)}});
    EXPECT_LT(fs::file_size(file), 2048u);
    const CliResult r = run_cli({"run", "--circuit", file.string(), "--server-key", keys.sk(),
                                 "--in", ct, "--out", (dir / "out.ct").string(), "-q"});
    expect_refused(r, "limit of 2^2");
    EXPECT_FALSE(fs::exists(dir / "out.ct"));
  }
}

TEST(HardeningCircuit, ManyNodesLoadInLinearTime) {
  TempDir dir("lutfhe-hard-nodes");
  ToyKeys keys(dir);
  const std::string ct = keys.encrypt(3);  // not a whole number of samples of 20,000
  Circuit circuit;
  std::vector<Range> ranges;
  for (int i = 0; i < 20000; ++i) {
    circuit.input({1}, {0, 1});
    ranges.push_back({0, 1});
  }
  circuit.mark_output(0);
  save_circuit(dir / "wide.circuit", std::move(circuit), ranges);
  const CliResult r = run_cli({"run", "--circuit", (dir / "wide.circuit").string(), "--server-key",
                               keys.sk(), "--in", ct, "--out", (dir / "out.ct").string(), "-q"});
  expect_refused(r, "not a whole number of samples");
  EXPECT_FALSE(fs::exists(dir / "out.ct"));
}

// ---- D8: tables sized before they are built --------------------------------------------------

TEST(HardeningCircuit, PerChannelTablesAreSizedBeforeAllocation) {
  TempDir dir("lutfhe-hard-tables");
  ToyKeys keys(dir);
  const std::string ct = keys.encrypt(2048);
  Circuit circuit;
  const NodeId x = circuit.input({2048}, {0, 65535});
  std::vector<compiler::LookupFunction> tables;
  for (int c = 0; c < 2048; ++c) tables.push_back(compiler::LookupFunction::table(0, {c % 7}));
  const NodeId y = circuit.lookup(x, std::move(tables));
  circuit.mark_output(y);
  const fs::path file = dir / "tables.circuit";
  save_circuit(file, std::move(circuit), {{0, 65535}, {0, 6}});
  EXPECT_LT(fs::file_size(file), 128u * 1024);
  const CliResult r = run_cli({"run", "--circuit", file.string(), "--server-key", keys.sk(), "--in",
                               ct, "--out", (dir / "out.ct").string(), "-q"});
  expect_refused(r, "exceed 2^24 entries");
  EXPECT_FALSE(fs::exists(dir / "out.ct"));
}

// ---- D3: nested JSON --------------------------------------------------------------------------

TEST(HardeningJson, DeepNestingIsRefusedBeforeParsing) {
  TempDir dir("lutfhe-hard-json");
  const std::string params = (dir / "nested.json").string();
  std::ofstream(params) << std::string(400000, '[');
  const std::string model = (dir / "nested_model.json").string();
  std::ofstream(model) << "{\"format\": " << std::string(1000000, '[') << std::string(1000000, ']')
                       << "}";
  expect_refused(run_cli({"params", "show", params}), "nested more than 64 levels");
  expect_refused(run_cli({"keygen", "--params", params, "--client-key", (dir / "ck").string(),
                          "--server-key", (dir / "sk").string(), "-q"}),
                 "nested more than 64 levels");
  expect_refused(run_cli({"compile", "--model", model, "--out", (dir / "out").string(), "-q"}),
                 "nested more than 64 levels");
  expect_entries(dir, {"nested.json", "nested_model.json"});
}

// ---- D4: shapes whose product overflows -------------------------------------------------------

TEST(HardeningSpec, ShapeProductsAreChecked) {
  TempDir dir("lutfhe-hard-spec");
  ToyKeys keys(dir);
  const std::string ct = keys.encrypt(4);
  std::ofstream(dir / "x.csv") << "1,2,3,4\n";
  for (const bool on_input : {false, true}) {
    SCOPED_TRACE(on_input ? "input" : "output");
    compiler::ClientSpec spec{find_parameter_set("TOY"), {}, {}, "crafted"};
    const compiler::Shape huge{std::size_t{1} << 26, 4};  // 2^28 elements: wraps a 2^26 check
    spec.inputs.push_back({"x", on_input ? huge : compiler::Shape{4}, {0, 3}, 60, {}});
    spec.outputs.push_back({"y", on_input ? compiler::Shape{4} : huge, {0, 3}, 60, {}});
    const fs::path file = dir / "client.spec";
    compiler::save_client_spec(file, spec);
    const CliResult r =
        on_input
            ? run_cli({"encrypt", "--spec", file.string(), "--client-key", keys.ck(), "--input",
                       (dir / "x.csv").string(), "--out", (dir / "y.ct").string(), "-q"})
            : run_cli({"decrypt", "--spec", file.string(), "--client-key", keys.ck(), "--in", ct});
    expect_refused(r, "2^26 elements");
    EXPECT_FALSE(fs::exists(dir / "y.ct"));
  }
}

TEST(HardeningSpec, ExtremeZeroPointDequantizesWithoutOverflow) {
  TempDir dir("lutfhe-hard-zp");
  ToyKeys keys(dir);
  const std::string ct = keys.encrypt(1);
  compiler::ClientSpec spec{find_parameter_set("TOY"), {}, {}, "crafted"};
  spec.inputs.push_back({"x", {1}, {0, 3}, 60, {}});
  spec.outputs.push_back({"y", {1}, {0, 3}, 60, {1.0, -(std::int64_t{1} << 62)}});
  compiler::save_client_spec(dir / "client.spec", spec);
  const CliResult r = run_cli(
      {"decrypt", "--spec", (dir / "client.spec").string(), "--client-key", keys.ck(), "--in", ct});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out.find("inf"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("nan"), std::string::npos) << r.out;
}

// ---- D5: a key pair is committed together ----------------------------------------------------

TEST(HardeningKeygen, FailedPairLeavesTheOldPairIntact) {
  TempDir dir("lutfhe-hard-pair");
  const ParameterSet& toy = find_parameter_set("TOY");
  const ClientKey old_client(toy, test_seed(1));
  save_key_pair(dir / "ck.key", old_client, dir / "sk.key", generate_evaluation_key(old_client),
                true);
  const auto old_sk = read_bytes(dir / "sk.key");
  const auto old_ck = read_bytes(dir / "ck.key");
  // The client key cannot be written (its directory is missing) after the evaluation key was.
  const ClientKey new_client(toy, test_seed(2));
  EXPECT_THROW(save_key_pair(dir / "missing" / "ck.key", new_client, dir / "sk.key",
                             generate_evaluation_key(new_client), true),
               FileAccessError);
  EXPECT_EQ(read_bytes(dir / "sk.key"), old_sk);
  EXPECT_EQ(read_bytes(dir / "ck.key"), old_ck);
  expect_entries(dir, {"ck.key", "sk.key"});
}

// A keygen killed while writing leaves a hidden temporary file ".NAME.tmp-PID-RANDOM"; the
// next write of the same key removes it once process PID is gone, and never touches the
// temporary file of a writer that is still alive.
TEST(HardeningKeygen, KilledWriteLeavesNothingForLong) {
  TempDir dir("lutfhe-hard-kill");
  const pid_t dead = ::fork();
  ASSERT_GE(dead, 0);
  if (dead == 0) ::_exit(0);
  int status = 0;
  ASSERT_EQ(::waitpid(dead, &status, 0), dead);
  const std::string abandoned = ".sk.key.tmp-" + std::to_string(dead) + "-0123456789ab";
  const std::string live = ".sk.key.tmp-" + std::to_string(::getpid()) + "-0123456789ab";
  write_bytes(dir / abandoned, std::vector<std::uint8_t>(1 << 20, 0x5a));
  write_bytes(dir / live, std::vector<std::uint8_t>(16, 0x5a));
  const CliResult r =
      run_cli({"keygen", "--params", "TOY", "--client-key", (dir / "ck.key").string(),
               "--server-key", (dir / "sk.key").string(), "--seeded", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_entries(dir, {live, "ck.key", "sk.key"});
}

// ---- D7: option limits and outputs over inputs -----------------------------------------------

TEST(HardeningOptions, ThreadsAndOutputsAreChecked) {
  TempDir dir("lutfhe-hard-options");
  ToyKeys keys(dir);
  const std::string ct = keys.encrypt(4);
  Circuit circuit;
  circuit.mark_output(circuit.input({4}, {0, 3}));
  save_circuit(dir / "c.circuit", std::move(circuit), {{0, 3}});
  const auto sk_before = read_bytes(keys.sk());
  const auto circuit_before = read_bytes(dir / "c.circuit");
  for (const char* threads : {"100000", "-1"}) {
    expect_refused(
        run_cli({"run", "--circuit", (dir / "c.circuit").string(), "--server-key", keys.sk(),
                 "--in", ct, "--out", (dir / "out.ct").string(), "--threads", threads, "-q"}),
        "--threads");
  }
  expect_refused(run_cli({"run", "--circuit", (dir / "c.circuit").string(), "--server-key",
                          keys.sk(), "--in", ct, "--out", keys.sk(), "-q"}),
                 "name the same file");
  expect_refused(run_cli({"run", "--circuit", (dir / "c.circuit").string(), "--server-key",
                          keys.sk(), "--in", ct, "--out", (dir / "c.circuit").string(), "-q"}),
                 "name the same file");
  expect_refused(run_cli({"lut", "--server-key", keys.sk(), "--in", ct, "--table", "0,1,2,3",
                          "--out", (dir / "out.ct").string(), "--threads", "100000", "-q"}),
                 "--threads");
  EXPECT_EQ(read_bytes(keys.sk()), sk_before);
  EXPECT_EQ(read_bytes(dir / "c.circuit"), circuit_before);
  expect_entries(dir, {"c.circuit", "ck.key", "sk.key", "x.ct"});
}

// ---- D8: inputs that inflate ----------------------------------------------------------------

TEST(HardeningMemory, GzipBombAndEndlessInputs) {
  TempDir dir("lutfhe-hard-bomb");
  // An IDX file declaring 2^30 bytes of uint8 zeros, gzipped to about 1 MiB.
  const std::string bomb = (dir / "bomb-images-idx3-ubyte.gz").string();
  {
    gzFile gz = gzopen(bomb.c_str(), "wb9");
    ASSERT_NE(gz, nullptr);
    // uint8, 3 dimensions: [65536, 128, 128], 2^30 values.
    const unsigned char header[16] = {0, 0, 8, 3, 0, 1, 0, 0, 0, 0, 0, 128, 0, 0, 0, 128};
    gzwrite(gz, header, sizeof header);
    const std::vector<unsigned char> zeros(1 << 20, 0);
    for (int i = 0; i < 1024; ++i) gzwrite(gz, zeros.data(), static_cast<unsigned>(zeros.size()));
    gzclose(gz);
  }
  EXPECT_LT(fs::file_size(bomb), std::uintmax_t{4} << 20);
  const std::string model =
      (fs::path(LUTFHE_SOURCE_DIR) / "examples/models/tiny_mlp.json").string();
  expect_refused(run_cli({"predict", "--model", model, "--input", bomb, "-q"}),
                 "decompression bomb");
  ToyKeys keys(dir);
  expect_refused(run_cli({"encrypt", "--client-key", keys.ck(), "--bits", "2", "--in", "/dev/zero",
                          "--out", (dir / "z.ct").string(), "-q"}),
                 "larger than");
  expect_refused(run_cli({"predict", "--model", model, "--input", "/dev/zero", "-q"}),
                 "longer than 16 MiB");
  EXPECT_FALSE(fs::exists(dir / "z.ct"));
}

// ---- minor: compile leaves nothing behind, same-named sets are told apart --------------------

TEST(HardeningMinor, FailedCompileCreatesNoOutputDirectory) {
  TempDir dir("lutfhe-hard-compile");
  std::ofstream(dir / "bad.json") << "{\"format\": \"lutfhe-quantized-model\"}";
  expect_refused(run_cli({"compile", "--model", (dir / "bad.json").string(), "--out",
                          (dir / "out").string(), "-q"}),
                 "bad.json");
  expect_entries(dir, {"bad.json"});
}

TEST(HardeningMinor, SameNamedSetsAreToldApartByFingerprint) {
  TempDir dir("lutfhe-hard-names");
  const auto write_set = [&](const std::string& file, int n) {
    std::ofstream(dir / file) << "{\"name\": \"MINE\", \"n\": " << n
                              << ", \"k\": 1, \"N\": 2048, \"pbs_base_log\": 15, "
                                 "\"pbs_levels\": 2, \"ks_base_log\": 4, \"ks_levels\": 5, "
                                 "\"lwe_noise\": {\"gaussian_std\": 1e-9}, \"glwe_noise\": "
                                 "{\"gaussian_std\": 1e-15}, \"message_bits\": 2}";
  };
  write_set("a.json", 64);
  write_set("b.json", 72);
  for (const char* set : {"a", "b"}) {
    const CliResult r =
        run_cli({"keygen", "--params", (dir / (std::string(set) + ".json")).string(),
                 "--client-key", (dir / (std::string(set) + ".ck")).string(), "--server-key",
                 (dir / (std::string(set) + ".sk")).string(), "--seeded", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }
  const CliResult enc = run_cli({"encrypt", "--client-key", (dir / "a.ck").string(), "--bits", "2",
                                 "--values", "1", "--out", (dir / "x.ct").string(), "-q"});
  ASSERT_EQ(enc.exit_code, 0) << enc.describe();
  expect_refused(
      run_cli({"lut", "--server-key", (dir / "b.sk").string(), "--in", (dir / "x.ct").string(),
               "--table", "0,1,2,3", "--out", (dir / "y.ct").string(), "-q"}),
      "fingerprint");
  EXPECT_FALSE(fs::exists(dir / "y.ct"));
}

}  // namespace
}  // namespace lutfhe::testing
