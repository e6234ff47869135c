// Gate bootstrapping: full truth tables with many repetitions on TOY, TFHE_LIB and BOOL_128,
// and a 4-bit ripple-carry adder built from gates, checked against plain integer addition.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "core/gates.hpp"
#include "core/parameters.hpp"
#include "core/server_key.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe {
namespace {

using testing::KeyBundle;
using testing::keys_for;
using testing::TestRng;

struct NamedGate {
  const char* name;
  Gate gate;
  bool (*truth)(bool, bool);
};

const NamedGate kGates[] = {
    {"NAND", Gate::kNand, [](bool a, bool b) { return !(a && b); }},
    {"AND", Gate::kAnd, [](bool a, bool b) { return a && b; }},
    {"OR", Gate::kOr, [](bool a, bool b) { return a || b; }},
    {"NOR", Gate::kNor, [](bool a, bool b) { return !(a || b); }},
    {"XOR", Gate::kXor, [](bool a, bool b) { return a != b; }},
    {"XNOR", Gate::kXnor, [](bool a, bool b) { return a == b; }},
    {"ANDNY", Gate::kAndNy, [](bool a, bool b) { return !a && b; }},
    {"ANDYN", Gate::kAndYn, [](bool a, bool b) { return a && !b; }},
    {"ORNY", Gate::kOrNy, [](bool a, bool b) { return !a || b; }},
    {"ORYN", Gate::kOrYn, [](bool a, bool b) { return a || !b; }},
};

using GateFn = void (*)(LweCiphertext&, const LweCiphertext&, const LweCiphertext&,
                        const ServerKey&, Scratch&);

void truth_tables(const ParameterSet& p, std::uint64_t seed, int repetitions) {
  LUTFHE_TRACE_SEED(seed);
  SCOPED_TRACE(p.display_name());
  KeyBundle& keys = keys_for(p, seed);
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  Scratch scratch = keys.server.make_scratch();
  const LweDimension dim = p.big_dimension();
  LweCiphertext out(dim);

  // The named functions must do what apply_gate does.
  const std::pair<Gate, GateFn> named[] = {{Gate::kNand, gate_nand},
                                           {Gate::kAnd, gate_and},
                                           {Gate::kOr, gate_or},
                                           {Gate::kXor, gate_xor},
                                           {Gate::kXnor, gate_xnor}};
  std::size_t wrong = 0, total = 0;
  for (int rep = 0; rep < repetitions; ++rep) {
    for (int in = 0; in < 4; ++in) {
      const bool a = in & 1, b = in & 2;
      const LweCiphertext ca = keys.client.encrypt_bool(a, rng);
      const LweCiphertext cb = keys.client.encrypt_bool(b, rng);
      for (const NamedGate& g : kGates) {
        apply_gate(g.gate, out, ca, cb, keys.server, scratch);
        ++total;
        if (keys.client.decrypt_bool(out) != g.truth(a, b)) {
          ADD_FAILURE() << g.name << "(" << a << ", " << b << ") wrong, repetition " << rep;
          ++wrong;
        }
      }
      for (const auto& [gate, fn] : named) {
        fn(out, ca, cb, keys.server, scratch);
        const NamedGate& g = *std::find_if(std::begin(kGates), std::end(kGates),
                                           [&](const NamedGate& x) { return x.gate == gate; });
        ++total;
        if (keys.client.decrypt_bool(out) != g.truth(a, b)) {
          ADD_FAILURE() << "gate_" << g.name << "(" << a << ", " << b << ") wrong";
          ++wrong;
        }
      }
      gate_not(out, ca);
      EXPECT_EQ(keys.client.decrypt_bool(out), !a) << "NOT(" << a << ")";
      // The output may alias an input.
      LweCiphertext alias = ca;
      gate_nand(alias, alias, cb, keys.server, scratch);
      EXPECT_EQ(keys.client.decrypt_bool(alias), !(a && b)) << "NAND into its first input";
      for (bool sel : {false, true}) {
        const LweCiphertext cs = keys.client.encrypt_bool(sel, rng);
        gate_mux(out, cs, ca, cb, keys.server, scratch);
        ++total;
        if (keys.client.decrypt_bool(out) != (sel ? a : b)) {
          ADD_FAILURE() << "MUX(" << sel << ", " << a << ", " << b << ") wrong";
          ++wrong;
        }
      }
    }
  }
  EXPECT_EQ(wrong, 0u) << "of " << total << " gate evaluations";
}

TEST(GatesToy, TruthTables) {
  truth_tables(find_parameter_set("TOY"), 301, 8);
}

TEST(GatesTfheLib, TruthTables) {
  truth_tables(find_parameter_set("TFHE_LIB"), 302, 4);
}

TEST(GatesBool128, TruthTables) {
  truth_tables(find_parameter_set("BOOL_128"), 303, 4);
}

// ---------------------------------------------------------------------------------------------
// A 4-bit ripple-carry adder: every gate input after the first layer is a bootstrapped output.

std::vector<LweCiphertext> encrypt_bits(KeyBundle& keys, std::uint64_t v, int bits,
                                        EncryptionRandomness& rng) {
  std::vector<LweCiphertext> out;
  for (int i = 0; i < bits; ++i) out.push_back(keys.client.encrypt_bool((v >> i) & 1, rng));
  return out;
}

std::uint64_t decrypt_bits(KeyBundle& keys, const std::vector<LweCiphertext>& bits) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bits.size(); ++i) {
    v |= static_cast<std::uint64_t>(keys.client.decrypt_bool(bits[i])) << i;
  }
  return v;
}

enum class CarryForm { kAndOr, kMux };

// sum_i = a_i ⊕ b_i ⊕ c_i; carry = (a_i ∧ b_i) ∨ (c_i ∧ (a_i ⊕ b_i)), or MUX(a_i ⊕ b_i, c_i, a_i).
std::vector<LweCiphertext> ripple_carry_add(const std::vector<LweCiphertext>& a,
                                            const std::vector<LweCiphertext>& b,
                                            LweCiphertext carry, CarryForm form,
                                            const ServerKey& key, Scratch& scratch) {
  const LweDimension dim = a[0].dimension();
  std::vector<LweCiphertext> sum;
  LweCiphertext t(dim), s(dim), g(dim), h(dim);
  for (std::size_t i = 0; i < a.size(); ++i) {
    gate_xor(t, a[i], b[i], key, scratch);
    gate_xor(s, t, carry, key, scratch);
    if (form == CarryForm::kAndOr) {
      gate_and(g, a[i], b[i], key, scratch);
      gate_and(h, carry, t, key, scratch);
      gate_or(carry, g, h, key, scratch);
    } else {
      gate_mux(g, t, carry, a[i], key, scratch);
      carry = g;
    }
    sum.push_back(s);
  }
  sum.push_back(carry);
  return sum;
}

void adder(const ParameterSet& p, std::uint64_t seed, int random_pairs) {
  LUTFHE_TRACE_SEED(seed);
  SCOPED_TRACE(p.display_name());
  KeyBundle& keys = keys_for(p, seed);
  auto rng = EncryptionRandomness::from_seed(test_seed(seed + 1));
  TestRng data(seed + 2);
  Scratch scratch = keys.server.make_scratch();
  std::vector<std::pair<std::uint64_t, std::uint64_t>> pairs{{15, 15}, {0, 0}, {15, 1}, {9, 6}};
  for (int i = 0; i < random_pairs; ++i) pairs.emplace_back(data.below(16), data.below(16));
  int index = 0;
  for (const auto& [x, y] : pairs) {
    const bool carry_in = (index++ % 3) == 1;
    for (CarryForm form : {CarryForm::kAndOr, CarryForm::kMux}) {
      const auto sum =
          ripple_carry_add(encrypt_bits(keys, x, 4, rng), encrypt_bits(keys, y, 4, rng),
                           keys.client.encrypt_bool(carry_in, rng), form, keys.server, scratch);
      ASSERT_EQ(sum.size(), 5u);
      EXPECT_EQ(decrypt_bits(keys, sum), x + y + carry_in)
          << x << " + " << y << " + " << carry_in
          << (form == CarryForm::kAndOr ? " (AND/OR carry)" : " (MUX carry)");
    }
  }
}

TEST(AdderToy, FourBitRippleCarry) {
  adder(find_parameter_set("TOY"), 311, 8);
}

TEST(AdderTfheLib, FourBitRippleCarry) {
  adder(find_parameter_set("TFHE_LIB"), 312, 4);
}

}  // namespace
}  // namespace lutfhe
