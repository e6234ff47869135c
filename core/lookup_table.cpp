#include "core/lookup_table.hpp"

#include <bit>
#include <string>

#include "core/encoding.hpp"
#include "core/errors.hpp"

namespace lutfhe {

LookupTable make_lookup_table_torus(PolynomialSize n, unsigned input_bits,
                                    std::span<const std::vector<Torus>> outputs) {
  const std::size_t big_n = n.value();
  const std::size_t lut_count = outputs.size();
  if (lut_count == 0 || !std::has_single_bit(lut_count)) {
    throw InvalidArgument("a multi-LUT needs a power-of-two number of functions, got " +
                          std::to_string(lut_count));
  }
  const std::size_t p = std::size_t{1} << input_bits;
  for (std::size_t f = 0; f < lut_count; ++f) {
    require_equal(outputs[f].size(), p, "lookup table", "table length", "2^input_bits");
  }
  // Each of the p messages owns a box of N/p coefficients; the half box h = N/(2p) must hold
  // at least one slot of F coefficients: input_bits + 1 + log2 F ≤ log2 N.
  const std::size_t log2_f = static_cast<std::size_t>(std::countr_zero(lut_count));
  if (input_bits < 1 ||
      input_bits + 1 + log2_f > static_cast<std::size_t>(std::countr_zero(big_n))) {
    throw InvalidArgument(
        "lookup table: " + std::to_string(input_bits) + " message bits + padding" +
        (lut_count > 1 ? " + " + std::to_string(log2_f) + " multi-LUT bits" : "") +
        " do not fit N=" + std::to_string(big_n));
  }
  const std::size_t box = big_n / p;
  const std::size_t half_box = box / 2;
  std::vector<Torus> poly(big_n);
  // Rotations are multiples of F. For a rotation t, coefficient f of X^{-t}·v is v[t + f]
  // (t < N) or −v[t + f − N] (t ≥ N). Phase t belongs to message round(t·p/N); rotations in
  // [N − h, N) are the negative noise around message 0 seen through the wrap, hence −f(0).
  for (std::size_t t = 0; t < big_n; t += lut_count) {
    const std::size_t m = (t + half_box) / box;
    for (std::size_t f = 0; f < lut_count; ++f) {
      poly[t + f] = m < p ? outputs[f][m] : Torus{0} - outputs[f][0];
    }
  }
  return LookupTable(n, input_bits, lut_count, std::move(poly));
}

LookupTable make_multi_lookup_table(PolynomialSize n, unsigned input_bits,
                                    std::span<const std::vector<std::uint64_t>> tables,
                                    unsigned output_bits) {
  std::vector<std::vector<Torus>> outputs;
  outputs.reserve(tables.size());
  for (const auto& table : tables) {
    std::vector<Torus> encoded(table.size());
    for (std::size_t m = 0; m < table.size(); ++m) {
      encoded[m] = encode_with_padding(table[m], output_bits);
    }
    outputs.push_back(std::move(encoded));
  }
  return make_lookup_table_torus(n, input_bits, outputs);
}

LookupTable make_lookup_table(PolynomialSize n, unsigned input_bits,
                              std::span<const std::uint64_t> table, unsigned output_bits) {
  const std::vector<std::vector<std::uint64_t>> one{
      std::vector<std::uint64_t>(table.begin(), table.end())};
  return make_multi_lookup_table(n, input_bits, one, output_bits);
}

LookupTable make_lookup_table(PolynomialSize n, unsigned input_bits,
                              const std::function<std::uint64_t(std::uint64_t)>& f,
                              unsigned output_bits) {
  if (input_bits < 1 || input_bits > kMaxMessageBits) {
    throw InvalidArgument("lookup table input precision must be 1.." +
                          std::to_string(kMaxMessageBits) + " bits, got " +
                          std::to_string(input_bits));
  }
  std::vector<std::uint64_t> table(std::size_t{1} << input_bits);
  for (std::size_t m = 0; m < table.size(); ++m) table[m] = f(m);
  return make_lookup_table(n, input_bits, table, output_bits);
}

LookupTable make_sign_lookup_table(PolynomialSize n, Torus mu) {
  return LookupTable(n, 0, 1, std::vector<Torus>(n.value(), mu));
}

}  // namespace lutfhe
