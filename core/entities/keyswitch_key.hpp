// LWE-to-LWE key-switching key: for every input key coefficient s_i and level j, an LWE
// encryption under the output key of s_i·q/B^j.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/types.hpp"

namespace lutfhe {

class LweKeyswitchKey {
 public:
  LweKeyswitchKey(LweDimension input_dimension, LweDimension output_dimension,
                  DecompositionParams decomposition)
      : input_(input_dimension.value()),
        output_(output_dimension.value()),
        decomposition_(decomposition),
        data_(input_ * decomposition.levels.value() * (output_ + 1), 0) {}

  LweDimension input_dimension() const { return LweDimension(input_); }
  LweDimension output_dimension() const { return LweDimension(output_); }
  DecompositionParams decomposition() const { return decomposition_; }
  // The LWE ciphertext (output_dimension + 1 values) for input coefficient i, level j ≥ 1.
  std::span<Torus> row(std::size_t i, std::size_t level) {
    return {data_.data() + row_offset(i, level), output_ + 1};
  }
  std::span<const Torus> row(std::size_t i, std::size_t level) const {
    return {data_.data() + row_offset(i, level), output_ + 1};
  }
  std::span<const Torus> data() const { return data_; }
  std::span<Torus> data() { return data_; }
  std::size_t size_bytes() const { return data_.size() * sizeof(Torus); }

 private:
  std::size_t row_offset(std::size_t i, std::size_t level) const {
    return (i * decomposition_.levels.value() + (level - 1)) * (output_ + 1);
  }
  std::size_t input_;
  std::size_t output_;
  DecompositionParams decomposition_;
  std::vector<Torus> data_;
};

// The key-switching key as the server uses it: every element rounded to its top 32 bits.
// Key switching only feeds the modulus switch to 2N ≤ 2^17, so 32 bits keep far more precision
// than survives it, while halving the memory the key switch streams through (TFHE-rs's
// KS32 parameter sets make the same trade). The rounding adds a variance of 2^-64/12 per
// element, which noise::keyswitch_storage() accounts for. Built from the standard key at load.
class CompactKeyswitchKey {
 public:
  explicit CompactKeyswitchKey(const LweKeyswitchKey& standard);
  // An all-zero key to be filled row by row with set_row (streaming generation).
  CompactKeyswitchKey(LweDimension input_dimension, LweDimension output_dimension,
                      DecompositionParams decomposition);
  // Stores the 32-bit rounding of one standard row (output_dimension + 1 values).
  void set_row(std::size_t i, std::size_t level, std::span<const Torus> standard_row);

  LweDimension input_dimension() const { return LweDimension(input_); }
  LweDimension output_dimension() const { return LweDimension(output_); }
  DecompositionParams decomposition() const { return decomposition_; }
  std::span<const std::uint32_t> data() const { return data_; }
  std::size_t size_bytes() const { return data_.size() * sizeof(std::uint32_t); }

 private:
  std::size_t input_;
  std::size_t output_;
  DecompositionParams decomposition_;
  std::vector<std::uint32_t> data_;
};

}  // namespace lutfhe
