// A short tour of lutfhe: programmable bootstrapping of a lookup table on encrypted integers,
// a multi-LUT (two functions from one bootstrap), boolean gates, and a 4-bit adder built from
// gates. Every result is decrypted and compared with the same computation in the clear.
//
// Client and server are kept apart as they would be in a deployment: the client owns the
// ClientKey (every secret) and only encrypts and decrypts; the server receives the
// EvaluationKey (public bootstrapping and key-switching keys), turns it into a ServerKey and
// computes on ciphertexts. The functions in the "server side" namespace never see a ClientKey.
//
//   lutfhe_demo [--params NAME] [--gate-params NAME]
//
// --params picks the set for the integer part (default PBS_4BIT), --gate-params the set for
// the gates (default TFHE_LIB, the classic TFHE library's set, below 128-bit security today).
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "core/client_key.hpp"
#include "core/evaluation_key.hpp"
#include "core/gates.hpp"
#include "core/lookup_table.hpp"
#include "core/noise.hpp"
#include "core/parameters.hpp"
#include "core/pbs.hpp"
#include "core/server_key.hpp"

using namespace lutfhe;

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Counts mismatches between decrypted and expected values and prints one row per check.
struct Checker {
  int mismatches = 0;

  // ms < 0: the value came from the same bootstrap as the row above.
  void row(const std::string& what, std::uint64_t got, std::uint64_t expected, double ms) {
    const bool ok = got == expected;
    if (!ok) ++mismatches;
    char time[32] = "  (same PBS)";
    if (ms >= 0) std::snprintf(time, sizeof time, "%9.2f ms", ms);
    std::printf("    %-16s = %3llu   expected %3llu  %s  %s\n", what.c_str(),
                static_cast<unsigned long long>(got), static_cast<unsigned long long>(expected),
                time, ok ? "ok" : "MISMATCH");
  }
};

void describe(const ParameterSet& p) {
  std::printf("\nparameter set %s: n=%zu k=%zu N=%zu, ", p.display_name().c_str(), p.n.value(),
              p.k.value(), p.N.value());
  if (p.insecure) {
    std::printf("NO security at all, for tests only\n");
  } else {
    std::printf("about %.0f-bit security%s\n", p.claimed_security_bits,
                p.claimed_security_bits < 128 ? " (below 128 bits)" : "");
  }
}

// A few messages that fit in `bits`: 0, 1, 3, 5 and the largest one.
std::vector<std::uint64_t> sample_messages(unsigned bits) {
  const std::uint64_t top = (std::uint64_t{1} << bits) - 1;
  std::vector<std::uint64_t> out;
  for (std::uint64_t x : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{3}, std::uint64_t{5}}) {
    if (x < top) out.push_back(x);
  }
  out.push_back(top);
  return out;
}

// Client: secrets from the OS CSPRNG, then the public evaluation key for the server.
struct ClientSide {
  ClientKey key;
  EvaluationKey evaluation_key;
  EncryptionRandomness rng;

  explicit ClientSide(const ParameterSet& p)
      : key(ClientKey::generate(p)),
        evaluation_key([&] {
          auto keygen_rng = EncryptionRandomness::from_os();
          return generate_evaluation_key(key, keygen_rng);
        }()),
        rng(EncryptionRandomness::from_os()) {}
};

namespace server_side {

// Test polynomials are public: they are part of the circuit, not secrets.

// x ↦ x² mod 2^bits.
LookupTable square_table(PolynomialSize n, unsigned bits) {
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  return make_lookup_table(
      n, bits, [mask](std::uint64_t x) { return (x * x) & mask; }, bits);
}

// x ↦ (x mod 2, ⌊x/2⌋), both from one blind rotation (Carpov–Izabachène–Mollimard,
// CT-RSA 2019).
LookupTable split_low_bit_table(PolynomialSize n, unsigned in_bits, unsigned out_bits) {
  std::vector<std::vector<std::uint64_t>> tables(2);
  for (std::uint64_t x = 0; x < (std::uint64_t{1} << in_bits); ++x) {
    tables[0].push_back(x % 2);
    tables[1].push_back(x / 2);
  }
  return make_multi_lookup_table(n, in_bits, tables, out_bits);
}

// Ripple-carry adder on little-endian encrypted bits; returns bits.size() + 1 sum bits.
// Half adder for bit 0 (2 gates), full adders above it (5 gates each).
std::vector<LweCiphertext> add(const std::vector<LweCiphertext>& a,
                               const std::vector<LweCiphertext>& b, const ServerKey& key,
                               Scratch& scratch) {
  const LweDimension dim = a.front().dimension();
  std::vector<LweCiphertext> sum;
  LweCiphertext carry(dim), t(dim), u(dim);
  for (std::size_t i = 0; i < a.size(); ++i) {
    sum.emplace_back(dim);
    if (i == 0) {
      gate_xor(sum[i], a[i], b[i], key, scratch);
      gate_and(carry, a[i], b[i], key, scratch);
      continue;
    }
    gate_xor(t, a[i], b[i], key, scratch);     // t = a ⊕ b
    gate_xor(sum[i], t, carry, key, scratch);  // s = t ⊕ c
    gate_and(u, a[i], b[i], key, scratch);     // u = a ∧ b
    gate_and(t, t, carry, key, scratch);       // t = (a ⊕ b) ∧ c
    gate_or(carry, u, t, key, scratch);        // c' = u ∨ t
  }
  sum.push_back(carry);
  return sum;
}

}  // namespace server_side

int integer_demo(const ParameterSet& p) {
  describe(p);
  if (p.message_bits < 2) {
    throw InvalidArgument("parameter set " + p.name +
                          " is boolean-only; pick one with integer messages (PBS_*, TOY)");
  }
  const unsigned bits = p.message_bits;
  Checker check;

  auto start = Clock::now();
  ClientSide client(p);
  std::printf("  client: key generation %.0f ms\n", ms_since(start));
  start = Clock::now();
  const ServerKey server(client.evaluation_key);  // all the server ever receives
  Scratch scratch = server.make_scratch();
  std::printf("  server: evaluation key to the Fourier domain %.0f ms\n", ms_since(start));

  // Lookup table x ↦ x² mod 2^bits: one key switch + programmable bootstrap per ciphertext.
  const std::uint64_t top = (std::uint64_t{1} << bits) - 1;
  const LookupTable square = server_side::square_table(p.N, bits);
  std::printf("  lookup table x^2 mod %llu on %u-bit messages (model: log2 p_fail = %.1f)\n",
              static_cast<unsigned long long>(top + 1), bits, noise::log2_pfail_pbs(p, bits));
  for (std::uint64_t x : sample_messages(bits)) {
    const LweCiphertext in = client.key.encrypt(x, bits, client.rng);
    LweCiphertext out(in.dimension());
    start = Clock::now();
    keyswitch_bootstrap(out, in, square, server, scratch);  // server
    const double t = ms_since(start);
    check.row(std::to_string(x) + "^2", client.key.decrypt(out, bits), (x * x) & top, t);
  }

  // Multi-LUT: two functions cost one bit of precision, so the inputs have bits − 1.
  const unsigned in_bits = bits - 1;
  const LookupTable split = server_side::split_low_bit_table(p.N, in_bits, bits);
  std::printf(
      "  multi-LUT (x mod 2, x div 2) from one bootstrap on %u-bit messages "
      "(model: log2 p_fail = %.1f)\n",
      in_bits, noise::log2_pfail_pbs(p, in_bits, 1.0, 2));
  for (std::uint64_t x : sample_messages(in_bits)) {
    const LweCiphertext in = client.key.encrypt(x, in_bits, client.rng);
    std::array<LweCiphertext, 2> out{LweCiphertext(in.dimension()), LweCiphertext(in.dimension())};
    start = Clock::now();
    keyswitch_bootstrap(out, in, split, server, scratch);  // server
    const double t = ms_since(start);
    check.row(std::to_string(x) + " mod 2", client.key.decrypt(out[0], bits), x % 2, t);
    check.row(std::to_string(x) + " div 2", client.key.decrypt(out[1], bits), x / 2, -1.0);
  }
  return check.mismatches;
}

int gate_demo(const ParameterSet& p) {
  describe(p);
  if (!p.boolean) throw InvalidArgument("parameter set " + p.name + " is not a boolean set");
  Checker check;

  auto start = Clock::now();
  ClientSide client(p);
  std::printf("  client: key generation %.0f ms\n", ms_since(start));
  const ServerKey server(client.evaluation_key);
  Scratch scratch = server.make_scratch();

  std::printf("  gates (model: log2 p_fail = %.1f per gate)\n", noise::log2_pfail_pbs(p, 0));
  LweCiphertext out(p.big_dimension());
  for (bool a : {false, true}) {
    for (bool b : {false, true}) {
      const LweCiphertext ca = client.key.encrypt_bool(a, client.rng);
      const LweCiphertext cb = client.key.encrypt_bool(b, client.rng);
      const std::string args = std::string(a ? "(1, " : "(0, ") + (b ? "1)" : "0)");
      start = Clock::now();
      gate_nand(out, ca, cb, server, scratch);
      check.row("NAND" + args, client.key.decrypt_bool(out), !(a && b), ms_since(start));
      start = Clock::now();
      gate_xor(out, ca, cb, server, scratch);
      check.row("XOR" + args, client.key.decrypt_bool(out), a != b, ms_since(start));
    }
  }

  std::printf("  4-bit ripple-carry adder from gates (17 gates)\n");
  const std::pair<std::uint64_t, std::uint64_t> pairs[] = {{11, 6}, {15, 15}, {4, 3}};
  for (const auto& [x, y] : pairs) {
    std::vector<LweCiphertext> a, b;
    for (unsigned i = 0; i < 4; ++i) {
      a.push_back(client.key.encrypt_bool((x >> i) & 1, client.rng));
      b.push_back(client.key.encrypt_bool((y >> i) & 1, client.rng));
    }
    start = Clock::now();
    const auto sum_bits = server_side::add(a, b, server, scratch);
    const double t = ms_since(start);
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < sum_bits.size(); ++i) {
      sum |= std::uint64_t{client.key.decrypt_bool(sum_bits[i])} << i;
    }
    check.row(std::to_string(x) + " + " + std::to_string(y), sum, x + y, t);
  }
  return check.mismatches;
}

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: lutfhe_demo [--params NAME] [--gate-params NAME]\n"
               "  --params NAME       integer lookup tables (default PBS_4BIT)\n"
               "  --gate-params NAME  boolean gates and the adder (default TFHE_LIB)\n"
               "  parameter sets:");
  for (const auto& p : parameter_sets()) std::fprintf(to, " %s", p.display_name().c_str());
  std::fprintf(to, "\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string params = "PBS_4BIT";
  std::string gate_params = "TFHE_LIB";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      usage(stdout);
      return 0;
    }
    if ((arg == "--params" || arg == "--gate-params") && i + 1 < argc) {
      (arg == "--params" ? params : gate_params) = argv[++i];
    } else {
      std::fprintf(stderr, "lutfhe_demo: unexpected argument '%s'\n", arg.c_str());
      usage(stderr);
      return 2;
    }
  }

  try {
    int mismatches = integer_demo(find_parameter_set(params));
    mismatches += gate_demo(find_parameter_set(gate_params));
    if (mismatches > 0) {
      std::printf("%d result(s) did not match\n", mismatches);
      return 1;
    }
    std::printf("all results match\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lutfhe_demo: %s\n", e.what());
    return 2;
  }
}
