#include "core/entities/keyswitch_key.hpp"

#include <string>

#include "core/errors.hpp"

namespace lutfhe {
namespace {

// Round to nearest: top 32 bits plus the bit below them.
std::uint32_t top32(Torus x) {
  return static_cast<std::uint32_t>((x >> 32) + ((x >> 31) & 1));
}

}  // namespace

CompactKeyswitchKey::CompactKeyswitchKey(const LweKeyswitchKey& standard)
    : input_(standard.input_dimension().value()),
      output_(standard.output_dimension().value()),
      decomposition_(standard.decomposition()),
      data_(standard.data().size()) {
  const auto src = standard.data();
  for (std::size_t i = 0; i < src.size(); ++i) data_[i] = top32(src[i]);
}

CompactKeyswitchKey::CompactKeyswitchKey(LweDimension input_dimension,
                                         LweDimension output_dimension,
                                         DecompositionParams decomposition)
    : input_(input_dimension.value()),
      output_(output_dimension.value()),
      decomposition_(decomposition),
      data_(input_ * decomposition.levels.value() * (output_ + 1), 0) {}

void CompactKeyswitchKey::set_row(std::size_t i, std::size_t level,
                                  std::span<const Torus> standard_row) {
  const std::size_t l = decomposition_.levels.value();
  if (i >= input_ || level < 1 || level > l) {
    throw InvalidArgument("key-switching key row (" + std::to_string(i) + ", " +
                          std::to_string(level) + ") is out of range");
  }
  require_equal(standard_row.size(), output_ + 1, "set_row", "row length", "output n + 1");
  std::uint32_t* dst = data_.data() + (i * l + (level - 1)) * (output_ + 1);
  for (std::size_t t = 0; t < standard_row.size(); ++t) dst[t] = top32(standard_row[t]);
}

}  // namespace lutfhe
