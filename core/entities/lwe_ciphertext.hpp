// LWE ciphertext (a_1..a_n, b) with b = <a, s> + m + e over the torus Z/2^64.
#pragma once

#include <span>
#include <vector>

#include "core/types.hpp"

namespace lutfhe {

class LweCiphertext {
 public:
  explicit LweCiphertext(LweDimension n) : data_(n.value() + 1, 0) {}

  LweDimension dimension() const { return LweDimension(data_.size() - 1); }
  std::span<Torus> mask() { return {data_.data(), data_.size() - 1}; }
  std::span<const Torus> mask() const { return {data_.data(), data_.size() - 1}; }
  Torus& body() { return data_.back(); }
  Torus body() const { return data_.back(); }
  // Mask followed by body, n + 1 values.
  std::span<Torus> data() { return data_; }
  std::span<const Torus> data() const { return data_; }

  friend bool operator==(const LweCiphertext&, const LweCiphertext&) = default;

 private:
  std::vector<Torus> data_;
};

}  // namespace lutfhe
