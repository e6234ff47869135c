// The test polynomial of a programmable bootstrap, with the encoding it was built for.
#pragma once

#include <span>
#include <vector>

#include "core/types.hpp"

namespace lutfhe {

class LookupTable {
 public:
  LookupTable(PolynomialSize n, unsigned input_bits, std::size_t lut_count,
              std::vector<Torus> polynomial)
      : n_(n), input_bits_(input_bits), lut_count_(lut_count), poly_(std::move(polynomial)) {}

  PolynomialSize polynomial_size() const { return n_; }
  // Message bits of the input (padding bit not counted); 0 for negacyclic (boolean) tables.
  unsigned input_bits() const { return input_bits_; }
  // Functions evaluated by one blind rotation (1, 2, 4...); output f sits in coefficient f.
  std::size_t lut_count() const { return lut_count_; }
  std::span<const Torus> polynomial() const { return poly_; }

 private:
  PolynomialSize n_;
  unsigned input_bits_;
  std::size_t lut_count_;
  std::vector<Torus> poly_;
};

}  // namespace lutfhe
