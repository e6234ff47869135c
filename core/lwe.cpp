#include "core/lwe.hpp"

#include "core/errors.hpp"

namespace lutfhe {
namespace {

void check_same(const LweCiphertext& a, const LweCiphertext& b, const char* what) {
  require_equal(a.dimension().value(), b.dimension().value(), what, "left n", "right n");
}

}  // namespace

LweCiphertext trivial_lwe(LweDimension n, Torus plaintext) {
  LweCiphertext ct(n);
  ct.body() = plaintext;
  return ct;
}

void lwe_add_assign(LweCiphertext& acc, const LweCiphertext& x) {
  check_same(acc, x, "lwe_add");
  auto a = acc.data();
  auto b = x.data();
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
}

void lwe_sub_assign(LweCiphertext& acc, const LweCiphertext& x) {
  check_same(acc, x, "lwe_sub");
  auto a = acc.data();
  auto b = x.data();
  for (std::size_t i = 0; i < a.size(); ++i) a[i] -= b[i];
}

void lwe_negate_assign(LweCiphertext& acc) {
  for (auto& v : acc.data()) v = Torus{0} - v;
}

void lwe_scalar_mul_assign(LweCiphertext& acc, std::int64_t scalar) {
  const auto s = static_cast<Torus>(scalar);
  for (auto& v : acc.data()) v *= s;
}

void lwe_add_plaintext_assign(LweCiphertext& acc, Torus plaintext) {
  acc.body() += plaintext;
}

void lwe_add_scaled_assign(LweCiphertext& acc, const LweCiphertext& x, std::int64_t scalar) {
  check_same(acc, x, "lwe_add_scaled");
  const auto s = static_cast<Torus>(scalar);
  auto a = acc.data();
  auto b = x.data();
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += s * b[i];
}

}  // namespace lutfhe
