#include "core/gates.hpp"

#include <algorithm>

#include "core/encoding.hpp"
#include "core/errors.hpp"
#include "core/lookup_table.hpp"
#include "core/pbs.hpp"

namespace lutfhe {
namespace {

constexpr Torus kEighth = Torus{1} << 61;

// Gate = bootstrap(constant + ca·a + cb·b) with the sign table μ = 1/8.
struct GateShape {
  Torus constant;
  std::int64_t ca;
  std::int64_t cb;
};

GateShape shape_of(Gate g) {
  // With a, b ∈ {±1/8}: the combination lands in (0, 1/2) for true and (1/2, 1) for false.
  switch (g) {
    case Gate::kNand:
      return {kEighth, -1, -1};
    case Gate::kAnd:
      return {Torus{0} - kEighth, 1, 1};
    case Gate::kOr:
      return {kEighth, 1, 1};
    case Gate::kNor:
      return {Torus{0} - kEighth, -1, -1};
    case Gate::kXor:
      return {Torus{1} << 62, 2, 2};
    case Gate::kXnor:
      return {Torus{0} - (Torus{1} << 62), -2, -2};
    case Gate::kAndNy:
      return {Torus{0} - kEighth, -1, 1};
    case Gate::kAndYn:
      return {Torus{0} - kEighth, 1, -1};
    case Gate::kOrNy:
      return {kEighth, -1, 1};
    case Gate::kOrYn:
      return {kEighth, 1, -1};
  }
  throw InvalidArgument("unknown gate");
}

const LookupTable& sign_table(const ServerKey& key) {
  // One table per ring size, built on first use (a gate's table depends only on N).
  thread_local PolynomialSize cached_n(0);
  thread_local LookupTable table(PolynomialSize(0), 0, 1, {});
  if (cached_n.value() != key.parameters().N.value()) {
    table = make_sign_lookup_table(key.parameters().N, kEighth);
    cached_n = key.parameters().N;
  }
  return table;
}

void combine(std::span<Torus> out, const GateShape& s, const LweCiphertext& a,
             const LweCiphertext& b) {
  const auto x = a.data();
  const auto y = b.data();
  const auto ca = static_cast<Torus>(s.ca);
  const auto cb = static_cast<Torus>(s.cb);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = ca * x[i] + cb * y[i];
  out.back() += s.constant;
}

void check_inputs(const LweCiphertext& a, const LweCiphertext& b, const ServerKey& key) {
  const std::size_t expected = key.parameters().big_dimension().value();
  require_equal(a.dimension().value(), expected, "gate", "first input n", "server key k·N");
  require_equal(b.dimension().value(), expected, "gate", "second input n", "server key k·N");
}

}  // namespace

void apply_gate(Gate gate, LweCiphertext& out, const LweCiphertext& a, const LweCiphertext& b,
                const ServerKey& key, Scratch& scratch) {
  check_inputs(a, b, key);
  require_equal(out.dimension().value(), a.dimension().value(), "gate", "output n", "input n");
  Scratch::Frame frame(scratch);
  auto combined = scratch.take<Torus>(a.data().size());
  combine(combined, shape_of(gate), a, b);
  const std::span<Torus> one[1] = {out.data()};
  keyswitch_bootstrap(one, combined, sign_table(key), key, scratch);
}

void gate_nand(LweCiphertext& out, const LweCiphertext& a, const LweCiphertext& b,
               const ServerKey& key, Scratch& scratch) {
  apply_gate(Gate::kNand, out, a, b, key, scratch);
}
void gate_and(LweCiphertext& out, const LweCiphertext& a, const LweCiphertext& b,
              const ServerKey& key, Scratch& scratch) {
  apply_gate(Gate::kAnd, out, a, b, key, scratch);
}
void gate_or(LweCiphertext& out, const LweCiphertext& a, const LweCiphertext& b,
             const ServerKey& key, Scratch& scratch) {
  apply_gate(Gate::kOr, out, a, b, key, scratch);
}
void gate_xor(LweCiphertext& out, const LweCiphertext& a, const LweCiphertext& b,
              const ServerKey& key, Scratch& scratch) {
  apply_gate(Gate::kXor, out, a, b, key, scratch);
}
void gate_xnor(LweCiphertext& out, const LweCiphertext& a, const LweCiphertext& b,
               const ServerKey& key, Scratch& scratch) {
  apply_gate(Gate::kXnor, out, a, b, key, scratch);
}

void gate_not(LweCiphertext& out, const LweCiphertext& a) {
  require_equal(out.dimension().value(), a.dimension().value(), "gate_not", "output n", "input n");
  auto o = out.data();
  auto x = a.data();
  for (std::size_t i = 0; i < o.size(); ++i) o[i] = Torus{0} - x[i];
}

void gate_mux(LweCiphertext& out, const LweCiphertext& sel, const LweCiphertext& a,
              const LweCiphertext& b, const ServerKey& key, Scratch& scratch) {
  check_inputs(sel, a, key);
  check_inputs(sel, b, key);
  require_equal(out.dimension().value(), a.dimension().value(), "gate_mux", "output n", "input n");
  Scratch::Frame frame(scratch);
  const std::size_t size = a.data().size();
  auto combined = scratch.take<Torus>(size);
  auto first = scratch.take<Torus>(size);
  // first = sel ∧ a; out = ¬sel ∧ b; out += first + 1/8 (exactly one of them can be true).
  combine(combined, shape_of(Gate::kAnd), sel, a);
  const std::span<Torus> first_out[1] = {first};
  keyswitch_bootstrap(first_out, combined, sign_table(key), key, scratch);
  combine(combined, shape_of(Gate::kAndNy), sel, b);
  const std::span<Torus> second_out[1] = {out.data()};
  keyswitch_bootstrap(second_out, combined, sign_table(key), key, scratch);
  auto o = out.data();
  for (std::size_t i = 0; i < size; ++i) o[i] += first[i];
  o.back() += kEighth;
}

}  // namespace lutfhe
