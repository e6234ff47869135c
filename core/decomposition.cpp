#include "core/decomposition.hpp"

#include <string>

#include "core/errors.hpp"

namespace lutfhe {

void check_decomposition(DecompositionParams d) {
  const std::size_t beta = d.base_log.value();
  const std::size_t l = d.levels.value();
  if (beta < 1 || l < 1 || beta * l > 64 || beta > 62) {
    throw InvalidArgument("decomposition base 2^" + std::to_string(beta) + " with " +
                          std::to_string(l) + " levels is invalid (need β ≥ 1, l ≥ 1, β·l ≤ 64)");
  }
}

namespace {

// The top β·l bits of x, rounded to nearest, as an integer (mod 2^(β·l)).
inline Torus rounded_top_bits(Torus x, unsigned kept) {
  if (kept == 64) return x;
  const unsigned drop = 64 - kept;
  return (x >> drop) + ((x >> (drop - 1)) & 1);
}

}  // namespace

Torus closest_representable(Torus x, DecompositionParams d) {
  const unsigned kept = static_cast<unsigned>(d.base_log.value() * d.levels.value());
  if (kept == 64) return x;
  return rounded_top_bits(x, kept) << (64 - kept);
}

void decompose(std::span<std::int64_t> digits, Torus x, DecompositionParams d) {
  require_equal(digits.size(), d.levels.value(), "decompose", "digits", "levels");
  const unsigned beta = static_cast<unsigned>(d.base_log.value());
  const std::size_t l = d.levels.value();
  Torus state = rounded_top_bits(x, static_cast<unsigned>(beta * l));
  const Torus mask = (Torus{1} << beta) - 1;
  const Torus half = Torus{1} << (beta - 1);
  for (std::size_t j = l; j >= 1; --j) {
    const Torus raw = state & mask;
    state >>= beta;
    // Move the digit into [−B/2, B/2) and carry 1 into the next level when it was ≥ B/2.
    const Torus carry = raw >= half ? 1 : 0;
    digits[j - 1] = static_cast<std::int64_t>(raw) - static_cast<std::int64_t>(carry << beta);
    state += carry;
  }
}

Torus recompose(std::span<const std::int64_t> digits, DecompositionParams d) {
  const std::size_t beta = d.base_log.value();
  Torus sum = 0;
  for (std::size_t j = 1; j <= digits.size(); ++j) {
    sum += static_cast<Torus>(digits[j - 1]) << (64 - beta * j);
  }
  return sum;
}

void decompose_polynomial(std::span<std::int64_t> out, std::span<const Torus> in,
                          DecompositionParams d) {
  const std::size_t n = in.size();
  const std::size_t l = d.levels.value();
  require_equal(out.size(), n * l, "decompose_polynomial", "output", "N*levels");
  const unsigned beta = static_cast<unsigned>(d.base_log.value());
  const unsigned kept = static_cast<unsigned>(beta * l);
  const Torus mask = (Torus{1} << beta) - 1;
  const Torus half = Torus{1} << (beta - 1);
  // Coefficient-parallel loop: every coefficient carries through the levels independently,
  // which lets the compiler vectorise across t.
  std::int64_t* o = out.data();
  for (std::size_t t = 0; t < n; ++t)
    o[(l - 1) * n + t] = static_cast<std::int64_t>(rounded_top_bits(in[t], kept));
  for (std::size_t j = l; j >= 1; --j) {
    std::int64_t* level = o + (j - 1) * n;
    std::int64_t* next = j > 1 ? o + (j - 2) * n : nullptr;
    for (std::size_t t = 0; t < n; ++t) {
      const Torus state = static_cast<Torus>(level[t]);
      const Torus raw = state & mask;
      const Torus carry = raw >= half ? 1 : 0;
      level[t] = static_cast<std::int64_t>(raw) - static_cast<std::int64_t>(carry << beta);
      if (next != nullptr) next[t] = static_cast<std::int64_t>((state >> beta) + carry);
    }
  }
}

}  // namespace lutfhe
