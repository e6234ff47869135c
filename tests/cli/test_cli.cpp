// End-to-end tests of the real `lutfhe` binary: keygen → encrypt → lut / gate → decrypt with
// the client and the server in separate directories (the server directory never holds a
// client key); damaged files and mismatched inputs (exit 2, one line on stderr naming the file,
// no crash, no output file); usage errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>

#include "core/batch_encryption.hpp"
#include "core/ciphertext_files.hpp"
#include "core/client_key.hpp"
#include "core/file_payload.hpp"
#include "core/hex.hpp"
#include "core/lookup_table.hpp"
#include "core/lookup_table_file.hpp"
#include "core/server_key.hpp"
#include "tests/support/cli_runner.hpp"
#include "tests/support/file_test_support.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe {
namespace {

using testing::CliResult;
using testing::run_cli;
using testing::TempDir;
namespace fs = std::filesystem;

std::string csv(const std::vector<std::uint64_t>& values) {
  std::string s;
  for (std::size_t i = 0; i < values.size(); ++i) s += (i ? "," : "") + std::to_string(values[i]);
  return s;
}

std::vector<std::uint64_t> parse_lines(const std::string& text) {
  std::vector<std::uint64_t> values;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) values.push_back(std::stoull(line));
  return values;
}

#define EXPECT_CLI_OK(result)                                          \
  do {                                                                 \
    const CliResult& r_ = (result);                                    \
    EXPECT_TRUE(r_.signal == 0 && r_.exit_code == 0) << r_.describe(); \
  } while (0)

// Exit 2 with exactly one line on stderr that contains every string of `mentions`.
::testing::AssertionResult refused(const CliResult& r, const std::vector<std::string>& mentions) {
  if (r.signal != 0 || r.exit_code != 2) {
    return ::testing::AssertionFailure() << "expected exit 2: " << r.describe();
  }
  const auto lines = r.err_lines();
  if (lines.size() != 1) {
    return ::testing::AssertionFailure() << "expected one line on stderr: " << r.describe();
  }
  if (lines[0].rfind("lutfhe: error: ", 0) != 0) {
    return ::testing::AssertionFailure() << "expected 'lutfhe: error: ...': " << r.describe();
  }
  for (const auto& m : mentions) {
    if (lines[0].find(m) == std::string::npos) {
      return ::testing::AssertionFailure()
             << "message does not mention '" << m << "': " << r.describe();
    }
  }
  return ::testing::AssertionSuccess();
}

// A client directory holding the client key and a server directory holding the server key,
// made by `lutfhe keygen` once per process and parameter set.
struct Session {
  explicit Session(const std::string& params, bool seeded = true)
      : client("lutfhe-client"), server("lutfhe-server") {
    std::vector<std::string> args = {"keygen",      "--params",     params,        "--client-key",
                                     ck().string(), "--server-key", sk().string(), "--quiet"};
    if (seeded) args.push_back("--seeded");
    const CliResult r = run_cli(args);
    if (r.exit_code != 0) throw std::runtime_error("keygen " + params + ": " + r.describe());
    // The client keeps its secret; the server directory gets the evaluation key only.
  }
  fs::path ck() const { return client / "client.key"; }
  fs::path sk() const { return server / "server.key"; }
  // "Sends" a file from one side to the other.
  static fs::path send(const fs::path& from, const TempDir& to) {
    const fs::path dest = to / from.filename().string();
    fs::copy_file(from, dest, fs::copy_options::overwrite_existing);
    return dest;
  }

  TempDir client;
  TempDir server;
};

Session& session(const std::string& params) {
  static std::map<std::string, std::unique_ptr<Session>> sessions;
  auto& s = sessions[params];
  if (!s) s = std::make_unique<Session>(params);
  return *s;
}

// Encrypts on the client, sends the file to the server; returns the server-side path.
fs::path encrypt_and_send(Session& s, const std::vector<std::uint64_t>& values,
                          const std::string& encoding, const std::string& name, bool seeded) {
  std::vector<std::string> args = {"encrypt",
                                   "--client-key",
                                   s.ck().string(),
                                   "--values",
                                   csv(values),
                                   "--out",
                                   (s.client / name).string(),
                                   "-q"};
  if (encoding == "bool") {
    args.push_back("--bool");
  } else {
    args.insert(args.end(), {"--bits", encoding});
  }
  if (seeded) args.push_back("--seeded");
  const CliResult r = run_cli(args);
  EXPECT_CLI_OK(r);
  return Session::send(s.client / name, s.server);
}

// Sends a server result back to the client and decrypts it there.
std::vector<std::uint64_t> receive_and_decrypt(Session& s, const fs::path& server_file,
                                               bool boolean = false) {
  const fs::path here = Session::send(server_file, s.client);
  std::vector<std::string> args = {"decrypt", "--client-key", s.ck().string(), "--in",
                                   here.string()};
  if (boolean) args.push_back("--bool");
  const CliResult r = run_cli(args);
  EXPECT_CLI_OK(r);
  return parse_lines(r.out);
}

void check_lut_round_trip(Session& s, unsigned bits, unsigned out_bits, std::size_t extra_values,
                          std::uint64_t seed, int threads) {
  LUTFHE_TRACE_SEED(seed);
  SCOPED_TRACE("bits " + std::to_string(bits) + " -> " + std::to_string(out_bits));
  testing::TestRng rng(seed);
  const std::uint64_t p = std::uint64_t{1} << bits;
  std::vector<std::uint64_t> table(p);
  for (auto& t : table) t = rng.below(std::uint64_t{1} << out_bits);
  std::vector<std::uint64_t> values(p);
  for (std::uint64_t m = 0; m < p; ++m) values[m] = m;  // every input at least once
  for (std::size_t i = 0; i < extra_values; ++i) values.push_back(rng.below(p));
  const fs::path in = encrypt_and_send(s, values, std::to_string(bits), "in.ct", bits % 2 == 1);
  std::vector<std::string> args = {"lut",
                                   "--server-key",
                                   s.sk().string(),
                                   "--in",
                                   in.string(),
                                   "--table",
                                   csv(table),
                                   "--out",
                                   (s.server / "out.ct").string(),
                                   "--threads",
                                   std::to_string(threads),
                                   "--quiet"};
  if (out_bits != bits) args.insert(args.end(), {"--out-bits", std::to_string(out_bits)});
  EXPECT_CLI_OK(run_cli(args));
  const auto got = receive_and_decrypt(s, s.server / "out.ct");
  ASSERT_EQ(got.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(got[i], table[values[i]]) << "f(" << values[i] << "), item " << i;
  }
}

// ---------------------------------------------------------------------------------------------

TEST(CliEndToEnd, LutEveryPrecisionToy) {
  Session& s = session("TOY");
  for (unsigned bits = 1; bits <= 7; ++bits) {
    check_lut_round_trip(s, bits, bits, 8, 1000 + bits, bits % 2 + 1);
  }
  check_lut_round_trip(s, 3, 6, 4, 1100, 2);  // widening
  check_lut_round_trip(s, 6, 2, 4, 1101, 2);  // narrowing
}

// A real 128-bit set, precisions 1..4, fewer values.
TEST(CliPbs4Bit, LutEveryPrecision) {
  Session s("PBS_4BIT");
  for (unsigned bits = 1; bits <= 4; ++bits) check_lut_round_trip(s, bits, bits, 2, 2000 + bits, 2);
}

TEST(CliEndToEnd, ServerDirectoryNeverHoldsTheClientKey) {
  Session& s = session("TOY");
  check_lut_round_trip(s, 2, 2, 2, 1200, 1);
  for (const auto& name : s.server.entries()) {
    const FileHeader h = read_file_header(s.server / name);
    EXPECT_NE(h.kind, ObjectKind::kClientKey) << name;
  }
}

TEST(CliEndToEnd, PlainServerKey) {
  Session s("TOY", /*seeded=*/false);
  EXPECT_EQ(read_file_header(s.sk()).flags, 0U);
  check_lut_round_trip(s, 4, 4, 4, 1300, 2);
}

TEST(CliEndToEnd, GatesToy) {
  Session& s = session("TOY");
  // All eight combinations of (a, b, c).
  std::vector<std::uint64_t> a, b, c;
  for (std::uint64_t i = 0; i < 8; ++i) {
    a.push_back(i >> 2 & 1);
    b.push_back(i >> 1 & 1);
    c.push_back(i & 1);
  }
  const fs::path fa = encrypt_and_send(s, a, "bool", "a.ct", true);
  const fs::path fb = encrypt_and_send(s, b, "bool", "b.ct", false);
  const fs::path fc = encrypt_and_send(s, c, "bool", "c.ct", true);
  const std::vector<std::pair<std::string, std::function<bool(bool, bool, bool)>>> ops = {
      {"nand", [](bool x, bool y, bool) { return !(x && y); }},
      {"and", [](bool x, bool y, bool) { return x && y; }},
      {"or", [](bool x, bool y, bool) { return x || y; }},
      {"xor", [](bool x, bool y, bool) { return x != y; }},
      {"xnor", [](bool x, bool y, bool) { return x == y; }},
      {"mux", [](bool x, bool y, bool z) { return x ? y : z; }},
      {"not", [](bool x, bool, bool) { return !x; }},
  };
  for (const auto& [op, f] : ops) {
    SCOPED_TRACE(op);
    std::vector<std::string> args = {"gate",
                                     "--server-key",
                                     s.sk().string(),
                                     "--op",
                                     op,
                                     "--a",
                                     fa.string(),
                                     "--out",
                                     (s.server / "r.ct").string(),
                                     "-q"};
    if (op != "not") args.insert(args.end(), {"--b", fb.string()});
    if (op == "mux") args.insert(args.end(), {"--c", fc.string()});
    EXPECT_CLI_OK(run_cli(args));
    const auto got = receive_and_decrypt(s, s.server / "r.ct", true);
    ASSERT_EQ(got.size(), 8U);
    for (std::size_t i = 0; i < 8; ++i) {
      EXPECT_EQ(got[i], f(a[i] != 0, b[i] != 0, c[i] != 0) ? 1U : 0U) << "row " << i;
    }
  }
  // Gate outputs feed further gates: (a nand b) xor c.
  EXPECT_CLI_OK(run_cli({"gate", "--server-key", s.sk().string(), "--op", "nand", "--a",
                         fa.string(), "--b", fb.string(), "--out", (s.server / "t.ct").string()}));
  EXPECT_CLI_OK(run_cli({"gate", "--server-key", s.sk().string(), "--op", "xor", "--a",
                         (s.server / "t.ct").string(), "--b", fc.string(), "--out",
                         (s.server / "u.ct").string(), "--threads", "2"}));
  const auto got = receive_and_decrypt(s, s.server / "u.ct", true);
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(got[i], (!(a[i] && b[i])) != (c[i] != 0) ? 1U : 0U);
}

TEST(CliEndToEnd, ValuesFromAFileAndStdin) {
  Session& s = session("TOY");
  const fs::path values = s.client / "values.txt";
  {
    std::ofstream f(values);
    f << "# inputs\n3\n\n  1 \n4\n1\n5\n";
  }
  const auto decrypt = [&](const fs::path& ct) {
    const CliResult r = run_cli({"decrypt", "--client-key", s.ck().string(), "--in", ct.string()});
    EXPECT_CLI_OK(r);
    return parse_lines(r.out);
  };
  EXPECT_CLI_OK(run_cli({"encrypt", "--client-key", s.ck().string(), "--bits", "3", "--in",
                         values.string(), "--out", (s.client / "f.ct").string()}));
  EXPECT_EQ(decrypt(s.client / "f.ct"), (std::vector<std::uint64_t>{3, 1, 4, 1, 5}));
  EXPECT_CLI_OK(run_cli({"encrypt", "--client-key", s.ck().string(), "--bits", "3", "--in", "-",
                         "--out", (s.client / "g.ct").string()},
                        values));
  EXPECT_EQ(decrypt(s.client / "g.ct"), (std::vector<std::uint64_t>{3, 1, 4, 1, 5}));
  // A bad line is reported with its file and line number.
  {
    std::ofstream f(values, std::ios::app);
    f << "2x\n";
  }
  const CliResult bad = run_cli({"encrypt", "--client-key", s.ck().string(), "--bits", "3", "--in",
                                 values.string(), "--out", (s.client / "h.ct").string()});
  EXPECT_TRUE(refused(bad, {values.string() + ":8", "'2x'"}));
  EXPECT_FALSE(fs::exists(s.client / "h.ct"));
}

TEST(CliEndToEnd, InfoDescribesEveryKindWithoutSecrets) {
  Session& s = session("TOY");
  const fs::path ct = encrypt_and_send(s, {1, 2, 3}, "2", "i.ct", true);
  const CliResult ck = run_cli({"info", s.ck().string()});
  EXPECT_CLI_OK(ck);
  EXPECT_NE(ck.out.find("client key"), std::string::npos) << ck.out;
  EXPECT_NE(ck.out.find("TOY (INSECURE)"), std::string::npos) << ck.out;
  EXPECT_NE(ck.out.find("not shown"), std::string::npos) << ck.out;
  EXPECT_EQ(ck.out.find("WARNING"), std::string::npos) << "the key file is 0600: " << ck.out;
  EXPECT_LT(ck.out.size(), 1000U);  // no key material
  const CliResult sk = run_cli({"info", s.sk().string(), "--quiet"});
  EXPECT_CLI_OK(sk);
  EXPECT_NE(sk.out.find("evaluation (server) key"), std::string::npos) << sk.out;
  EXPECT_NE(sk.out.find("seeded"), std::string::npos) << sk.out;
  const std::string key_id = to_hex(read_file_header(s.sk()).key_id).substr(0, 12);
  EXPECT_NE(sk.out.find(key_id), std::string::npos) << sk.out;
  const CliResult c = run_cli({"info", ct.string()});
  EXPECT_CLI_OK(c);
  EXPECT_NE(c.out.find("3 LWE ciphertexts"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("2-bit integers"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find(key_id), std::string::npos) << c.out;
  // A world-readable copy of a client key is flagged.
  fs::copy_file(s.ck(), s.client / "leaky.key");
  fs::permissions(s.client / "leaky.key", fs::perms::others_read, fs::perm_options::add);
  const CliResult leaky = run_cli({"info", (s.client / "leaky.key").string()});
  EXPECT_NE(leaky.out.find("WARNING"), std::string::npos) << leaky.out;
  // Parameter and table files (library-made) are described too.
  save_parameters(s.client / "p.params", find_parameter_set("PBS_4BIT"));
  const CliResult p = run_cli({"info", (s.client / "p.params").string()});
  EXPECT_CLI_OK(p);
  EXPECT_NE(p.out.find("PBS_4BIT"), std::string::npos) << p.out;
}

TEST(CliEndToEnd, ParamsListAndShow) {
  const CliResult list = run_cli({"params"});
  EXPECT_CLI_OK(list);
  for (const auto& p : parameter_sets()) {
    EXPECT_NE(list.out.find(p.name), std::string::npos) << p.name;
  }
  const auto line_of = [&](const std::string& name) {
    std::istringstream in(list.out);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(name + " ", 0) == 0) return line;
    }
    return std::string();
  };
  EXPECT_NE(line_of("TOY").find("INSECURE"), std::string::npos) << list.out;
  EXPECT_NE(line_of("TFHE_LIB").find("BELOW 128"), std::string::npos) << list.out;
  EXPECT_EQ(line_of("PBS_4BIT").find("BELOW"), std::string::npos) << list.out;
  EXPECT_EQ(run_cli({"params", "list", "--quiet"}).out, list.out);
  const CliResult show = run_cli({"params", "show", "PBS_4BIT"});
  EXPECT_CLI_OK(show);
  for (const char* want : {"n = 879", "N = 2048", "TUniform", "2^-72.178", "132 bits",
                           "log2 p_fail model", "TFHE-rs"}) {
    EXPECT_NE(show.out.find(want), std::string::npos) << want << " in " << show.out;
  }
  const CliResult toy = run_cli({"params", "show", "TOY"});
  EXPECT_NE(toy.out.find("INSECURE"), std::string::npos) << toy.out;
  EXPECT_TRUE(refused(run_cli({"params", "show", "PBS_5BIT"}), {"PBS_5BIT", "PBS_4BIT"}));
}

// ---------------------------------------------------------------------------------------------
// Usage errors

TEST(CliUsage, BadCommandLines) {
  EXPECT_TRUE(refused(run_cli({}), {"subcommand"}));
  EXPECT_TRUE(refused(run_cli({"frobnicate"}), {}));
  EXPECT_TRUE(refused(run_cli({"keygen", "--params", "TOY"}), {"--client-key"}));
  EXPECT_TRUE(refused(
      run_cli({"encrypt", "--client-key", "x", "--bits", "2x", "--values", "1", "--out", "o"}),
      {"--bits"}));
  EXPECT_TRUE(
      refused(run_cli({"lut", "--server-key", "a", "--in", "b", "--out", "c"}), {"--table"}));
  EXPECT_TRUE(refused(run_cli({"decrypt", "--client-key", "k", "--in", "c", "--what"}), {}));
  const CliResult help = run_cli({"--help"});
  EXPECT_CLI_OK(help);
  EXPECT_NE(help.out.find("keygen"), std::string::npos);
  EXPECT_CLI_OK(run_cli({"lut", "--help"}));
  // Every subcommand accepts --quiet.
  for (const char* sub : {"params", "keygen", "encrypt", "decrypt", "lut", "gate", "info"}) {
    const CliResult r = run_cli({sub, "--quiet", "--help"});
    EXPECT_CLI_OK(r);
    EXPECT_NE(r.out.find("--quiet"), std::string::npos) << sub;
  }
  // The bench driver parses its own arguments: an unknown op is a usage error whether or not
  // the driver is built in.
  const CliResult bench = run_cli({"bench", "--op", "no-such-op", "--quiet"});
  EXPECT_EQ(bench.exit_code, 2) << bench.describe();
}

TEST(CliUsage, BadOutputPathsFailBeforeWork) {
  TempDir dir;
  EXPECT_TRUE(
      refused(run_cli({"keygen", "--params", "TOY", "--client-key", (dir / "nodir" / "ck").string(),
                       "--server-key", (dir / "sk").string()}),
              {"nodir"}));
  EXPECT_TRUE(refused(run_cli({"keygen", "--params", "TOY", "--client-key", dir.path().string(),
                               "--server-key", (dir / "sk").string()}),
                      {"directory"}));
  EXPECT_TRUE(refused(run_cli({"keygen", "--params", "TOY", "--client-key", (dir / "k").string(),
                               "--server-key", (dir / "k").string()}),
                      {"same file"}));
  EXPECT_TRUE(refused(run_cli({"keygen", "--params", "NOPE", "--client-key", (dir / "k").string(),
                               "--server-key", (dir / "s").string()}),
                      {"NOPE"}));
  EXPECT_TRUE(dir.entries().empty());
}

// ---------------------------------------------------------------------------------------------
// Mismatched inputs

TEST(CliMismatch, OtherKeyOtherParametersOtherKind) {
  Session& s = session("TOY");
  Session other("TOY");
  const fs::path mine = encrypt_and_send(s, {1, 2}, "2", "m.ct", false);
  const std::string out = (s.server / "never.ct").string();
  // A ciphertext under another key, at the server and at the client.
  EXPECT_TRUE(refused(run_cli({"lut", "--server-key", other.sk().string(), "--in", mine.string(),
                               "--table", "0,1,2,3", "--out", out}),
                      {mine.string(), "key"}));
  EXPECT_TRUE(
      refused(run_cli({"decrypt", "--client-key", other.ck().string(), "--in", mine.string()}),
              {mine.string(), "key"}));
  EXPECT_TRUE(
      refused(run_cli({"gate", "--server-key", other.sk().string(), "--op", "not", "--a",
                       encrypt_and_send(s, {1}, "bool", "g.ct", false).string(), "--out", out}),
              {"key"}));
  // A ciphertext under another parameter set (made with the library).
  for (const char* name : {"TFHE_LIB", "PBS_4BIT"}) {
    const ClientKey foreign(find_parameter_set(name), test_seed(5));
    const fs::path f = s.server / (std::string(name) + ".ct");
    save_ciphertexts(f, encrypt_batch(foreign, std::vector<std::uint64_t>{1, 0}, {false, 1}, true),
                     true);
    EXPECT_TRUE(refused(run_cli({"lut", "--server-key", s.sk().string(), "--in", f.string(),
                                 "--table", "1,0", "--out", out}),
                        {f.string(), name, "TOY"}));
    EXPECT_TRUE(refused(run_cli({"decrypt", "--client-key", s.ck().string(), "--in", f.string()}),
                        {f.string(), name}));
  }
  // A server key where a client key is expected, and the reverse.
  EXPECT_TRUE(refused(run_cli({"decrypt", "--client-key", s.sk().string(), "--in", mine.string()}),
                      {s.sk().string(), "evaluation", "client key"}));
  EXPECT_TRUE(refused(run_cli({"encrypt", "--client-key", s.sk().string(), "--bits", "2",
                               "--values", "1", "--out", out}),
                      {s.sk().string(), "client key"}));
  EXPECT_TRUE(refused(run_cli({"lut", "--server-key", s.ck().string(), "--in", mine.string(),
                               "--table", "0,1,2,3", "--out", out}),
                      {s.ck().string(), "client key", "evaluation"}));
  EXPECT_TRUE(refused(run_cli({"gate", "--server-key", s.ck().string(), "--op", "not", "--a",
                               (s.server / "g.ct").string(), "--out", out}),
                      {s.ck().string(), "client key"}));
  // A key given as the ciphertext.
  EXPECT_TRUE(
      refused(run_cli({"decrypt", "--client-key", s.ck().string(), "--in", s.ck().string()}),
              {"client key", "LWE ciphertext"}));
  EXPECT_FALSE(fs::exists(out));
}

TEST(CliMismatch, TablesValuesAndEncodings) {
  Session& s = session("TOY");
  const fs::path ints = encrypt_and_send(s, {0, 3, 5}, "3", "v.ct", true);
  const fs::path bools = encrypt_and_send(s, {0, 1, 1}, "bool", "b.ct", true);
  const fs::path two = encrypt_and_send(s, {0, 1}, "bool", "b2.ct", false);
  const std::string out = (s.server / "never.ct").string();
  const auto lut = [&](const fs::path& in, const std::string& table,
                       std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"lut",  "--server-key", s.sk().string(),
                                     "--in", in.string(),    "--table",
                                     table,  "--out",        out};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args);
  };
  EXPECT_TRUE(refused(lut(ints, "0,1,2,3"), {"--table", "4 entries", "8"}));
  EXPECT_TRUE(refused(lut(ints, "0,1,2,3,4,5,6,7,0"), {"--table", "9 entries"}));
  EXPECT_TRUE(refused(lut(ints, "0,1,2,3,4,5,6,8"), {"--table", "value 8", "3 bits"}));
  EXPECT_TRUE(refused(lut(ints, "0,1,2,3,4,5,6,7", {"--out-bits", "2"}), {"value 4", "2 bits"}));
  EXPECT_TRUE(refused(lut(ints, "0,1,2,3,4,5,6,x"), {"--table", "'x'"}));
  EXPECT_TRUE(refused(lut(ints, "0,1,2,3,4,5,6,-7"), {"--table"}));
  EXPECT_TRUE(refused(lut(bools, "0,1"), {bools.string(), "booleans"}));
  EXPECT_TRUE(refused(lut(ints, "0,1,2,3,4,5,6,7", {"--threads", "-1"}), {"--threads"}));
  EXPECT_TRUE(refused(run_cli({"gate", "--server-key", s.sk().string(), "--op", "and", "--a",
                               ints.string(), "--b", bools.string(), "--out", out}),
                      {ints.string(), "integers"}));
  EXPECT_TRUE(refused(run_cli({"gate", "--server-key", s.sk().string(), "--op", "and", "--a",
                               bools.string(), "--b", two.string(), "--out", out}),
                      {two.string(), "2 ciphertexts", "3"}));
  EXPECT_TRUE(refused(run_cli({"gate", "--server-key", s.sk().string(), "--op", "nor", "--a",
                               bools.string(), "--b", bools.string(), "--out", out}),
                      {"--op", "nor"}));
  EXPECT_TRUE(refused(run_cli({"gate", "--server-key", s.sk().string(), "--op", "not", "--a",
                               bools.string(), "--b", bools.string(), "--out", out}),
                      {"--op not"}));
  EXPECT_TRUE(refused(run_cli({"decrypt", "--client-key", s.ck().string(), "--in",
                               Session::send(ints, s.client).string(), "--bool"}),
                      {"3-bit integers"}));
  const auto encrypt = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"encrypt", "--client-key", s.ck().string(), "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args);
  };
  EXPECT_TRUE(refused(encrypt({"--bits", "3", "--values", "1,8"}), {"value 8", "item 2", "0..7"}));
  EXPECT_TRUE(refused(encrypt({"--bool", "--values", "0,2"}), {"value 2"}));
  EXPECT_TRUE(refused(encrypt({"--bits", "8", "--values", "1"}), {"TOY", "7"}));
  EXPECT_TRUE(refused(encrypt({"--bits", "0", "--values", "1"}), {"--bits"}));
  EXPECT_TRUE(refused(encrypt({"--bits", "2", "--values", "1,,2"}), {"--values", "item 2"}));
  EXPECT_TRUE(refused(encrypt({"--bits", "2", "--values", "99999999999999999999"}), {"--values"}));
  EXPECT_TRUE(refused(encrypt({"--bits", "2"}), {"--values", "--in"}));
  EXPECT_TRUE(refused(encrypt({"--values", "1"}), {"--bits", "--bool"}));
  EXPECT_TRUE(refused(encrypt({"--bits", "2", "--in", (s.client / "absent.txt").string()}),
                      {"absent.txt"}));
  EXPECT_FALSE(fs::exists(out));
}

// ---------------------------------------------------------------------------------------------
// Damaged files: every kind the CLI reads, truncated and with bytes flipped in the header, the
// payload and the digest fields. Always exit 2, one line naming the file, no output.

struct Consumer {
  std::string what;
  std::function<std::vector<std::string>(const fs::path& damaged, const fs::path& out)> args;
};

void check_damage(const fs::path& original, const std::vector<Consumer>& consumers,
                  const TempDir& work, std::size_t spread) {
  const auto bytes = testing::read_bytes(original);
  const fs::path damaged = work / "damaged.bin";
  const fs::path out = work / "out.bin";
  std::size_t cases = 0;
  const auto check = [&](const std::string& how) {
    for (const auto& c : consumers) {
      const CliResult r = run_cli(c.args(damaged, out));
      EXPECT_TRUE(refused(r, {damaged.string()})) << c.what << ", " << how;
      EXPECT_TRUE(r.out.empty()) << c.what << ", " << how << ": printed " << r.out;
      EXPECT_FALSE(fs::exists(out)) << c.what << ", " << how;
      ++cases;
    }
  };
  for (std::size_t cut : testing::interesting_offsets(bytes.size(), spread)) {
    testing::write_bytes(damaged, {bytes.begin(), bytes.begin() + static_cast<long>(cut)});
    check("truncated to " + std::to_string(cut) + " bytes");
  }
  for (std::size_t at : testing::interesting_offsets(bytes.size(), spread)) {
    auto bad = bytes;
    bad[at] ^= 0x10;
    testing::write_bytes(damaged, bad);
    check("byte " + std::to_string(at) + " flipped");
  }
  // Valid digests over a cut payload: the parser itself must refuse it.
  const testing::SplitFile f = testing::split_file(original);
  for (std::size_t cut : {std::size_t{0}, std::size_t{5}, std::size_t{150}, f.payload.size() / 2,
                          f.payload.size() - 1}) {
    testing::reframe(damaged, f.header, {f.payload.begin(), f.payload.begin() + long(cut)});
    check("payload cut to " + std::to_string(cut) + " bytes behind valid digests");
  }
  // Every remaining file in the work directory is one we put there.
  const auto left = work.entries();
  EXPECT_TRUE(std::all_of(left.begin(), left.end(),
                          [](const std::string& n) { return n == "damaged.bin"; }))
      << "left behind: " << left.size() << " entries";
  EXPECT_GT(cases, 40U);
}

TEST(CliCorruption, ClientKey) {
  Session& s = session("TOY");
  const fs::path ct = encrypt_and_send(s, {1, 0, 1}, "bool", "c.ct", false);
  TempDir work;
  check_damage(s.ck(),
               {{"decrypt",
                 [&](const fs::path& d, const fs::path&) {
                   return std::vector<std::string>{"decrypt", "--client-key", d.string(), "--in",
                                                   ct.string()};
                 }},
                {"encrypt",
                 [&](const fs::path& d, const fs::path& out) {
                   return std::vector<std::string>{"encrypt", "--client-key", d.string(),
                                                   "--bool",  "--values",     "1",
                                                   "--out",   out.string()};
                 }},
                {"info",
                 [&](const fs::path& d, const fs::path&) {
                   return std::vector<std::string>{"info", d.string()};
                 }}},
               work, 12);
}

TEST(CliCorruption, ServerKey) {
  Session& s = session("TOY");
  const fs::path ints = encrypt_and_send(s, {1, 0, 1}, "2", "i.ct", false);
  const fs::path bools = encrypt_and_send(s, {1, 0, 1}, "bool", "b.ct", false);
  TempDir work;
  check_damage(s.sk(),
               {{"lut",
                 [&](const fs::path& d, const fs::path& out) {
                   return std::vector<std::string>{
                       "lut",     "--server-key", d.string(), "--in",       ints.string(),
                       "--table", "3,2,1,0",      "--out",    out.string(), "-q"};
                 }},
                {"gate",
                 [&](const fs::path& d, const fs::path& out) {
                   return std::vector<std::string>{
                       "gate",         "--server-key", d.string(),     "--op",  "and",       "--a",
                       bools.string(), "--b",          bools.string(), "--out", out.string()};
                 }}},
               work, 8);
}

TEST(CliCorruption, Ciphertexts) {
  Session& s = session("TOY");
  for (bool seeded : {false, true}) {
    SCOPED_TRACE(seeded ? "seeded" : "plain");
    const fs::path ct = encrypt_and_send(s, {1, 2, 3, 0}, "2", "x.ct", seeded);
    const fs::path client_copy = Session::send(ct, s.client);
    TempDir work;
    check_damage(client_copy,
                 {{"lut",
                   [&](const fs::path& d, const fs::path& out) {
                     return std::vector<std::string>{"lut",     "--server-key", s.sk().string(),
                                                     "--in",    d.string(),     "--table",
                                                     "3,2,1,0", "--out",        out.string()};
                   }},
                  {"decrypt",
                   [&](const fs::path& d, const fs::path&) {
                     return std::vector<std::string>{"decrypt", "--client-key", s.ck().string(),
                                                     "--in", d.string()};
                   }},
                  {"info",
                   [&](const fs::path& d, const fs::path&) {
                     return std::vector<std::string>{"info", d.string()};
                   }}},
                 work, 10);
  }
}

TEST(CliCorruption, OtherKindsThroughInfo) {
  TempDir work;
  const ClientKey key(find_parameter_set("TOY"), test_seed(8));
  save_parameters(work / "p.bin", find_parameter_set("TOY"));
  std::vector<std::uint64_t> table = {1, 0};
  save_lookup_table(work / "t.bin", key.parameters(),
                    make_lookup_table(key.parameters().N, 1, table, 1));
  GlweCiphertext g(key.parameters().k, key.parameters().N);
  save_glwe_ciphertext(work / "g.bin", key.parameters(), key.key_id(), g);
  for (const char* name : {"p.bin", "t.bin", "g.bin"}) {
    SCOPED_TRACE(name);
    TempDir inner;
    check_damage(work / name,
                 {{"info",
                   [&](const fs::path& d, const fs::path&) {
                     return std::vector<std::string>{"info", d.string()};
                   }}},
                 inner, 12);
  }
}

}  // namespace
}  // namespace lutfhe
