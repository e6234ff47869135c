// Building test polynomials (box method with a padding bit; Chillotti–Joye–Paillier, eprint
// 2021/091) and their multi-function variant (Carpov–Izabachène–Mollimard, CT-RSA 2019).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/entities/lookup_table.hpp"

namespace lutfhe {

// A table f: [0, 2^input_bits) → [0, 2^output_bits), both with a padding bit: the output of
// the bootstrap encrypts f(m)·Δ_out, Δ_out = 2^(63 − output_bits).
LookupTable make_lookup_table(PolynomialSize n, unsigned input_bits,
                              std::span<const std::uint64_t> table, unsigned output_bits);

// Same, from a function.
LookupTable make_lookup_table(PolynomialSize n, unsigned input_bits,
                              const std::function<std::uint64_t(std::uint64_t)>& f,
                              unsigned output_bits);

// F = tables.size() functions (a power of two) from one blind rotation; output f encrypts
// tables[f][m]. Costs log2 F bits of precision: input_bits + 1 + log2 F ≤ log2 N.
LookupTable make_multi_lookup_table(PolynomialSize n, unsigned input_bits,
                                    std::span<const std::vector<std::uint64_t>> tables,
                                    unsigned output_bits);

// The general form: outputs[f][m] is the torus value the bootstrap of message m writes for
// function f.
LookupTable make_lookup_table_torus(PolynomialSize n, unsigned input_bits,
                                    std::span<const std::vector<Torus>> outputs);

// Negacyclic table with every coefficient μ: the bootstrap outputs +μ for a phase in
// [0, 1/2) and −μ for [1/2, 1). Gate bootstrapping uses μ = 1/8.
LookupTable make_sign_lookup_table(PolynomialSize n, Torus mu);

}  // namespace lutfhe
