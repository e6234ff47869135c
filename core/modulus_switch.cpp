#include "core/modulus_switch.hpp"

#include "core/errors.hpp"

namespace lutfhe {

void modulus_switch_lwe(std::span<std::uint64_t> out, std::span<const Torus> in,
                        unsigned log2_two_n, unsigned log2_lut_count, ModulusSwitchKind kind) {
  require_equal(out.size(), in.size(), "modulus_switch", "output", "n+1");
  if (log2_lut_count >= log2_two_n) {
    throw InvalidArgument("modulus_switch: 2^" + std::to_string(log2_lut_count) +
                          " functions do not fit a ring of 2N=2^" + std::to_string(log2_two_n));
  }
  const unsigned log_modulus = log2_two_n - log2_lut_count;
  if (kind == ModulusSwitchKind::kStandard || in.empty()) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      out[i] = modulus_switch(in[i], log_modulus) << log2_lut_count;
    }
    return;
  }
  // Half of each mask element's rounding error, as a signed torus value (halved one by one so
  // that the sum cannot overflow; the truncation costs at most n/2 units of 2^-64).
  const std::size_t n = in.size() - 1;
  const unsigned back = 64 - log_modulus;
  Torus correction = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t r = modulus_switch(in[i], log_modulus);
    out[i] = r << log2_lut_count;
    const auto error = static_cast<std::int64_t>((r << back) - in[i]);
    correction += static_cast<Torus>(error / 2);
  }
  out[n] = modulus_switch(in[n] + correction, log_modulus) << log2_lut_count;
}

void modulus_switch_for_rotation(std::span<std::uint64_t> out, std::span<const Torus> in,
                                 unsigned log2_two_n, unsigned log2_lut_count,
                                 ModulusSwitchKind kind, unsigned grouping) {
  if (grouping <= 1) {
    modulus_switch_lwe(out, in, log2_two_n, log2_lut_count, kind);
    return;
  }
  if (in.empty() || (in.size() - 1) % grouping != 0 || grouping > kMaxGrouping) {
    throw InvalidArgument(
        "modulus_switch: a ciphertext of n=" + std::to_string(in.empty() ? 0 : in.size() - 1) +
        " does not split into groups of " + std::to_string(grouping));
  }
  const std::size_t n = in.size() - 1;
  require_equal(out.size(), switched_size(n, grouping), "modulus_switch", "output",
                "(n/g)·2^g + 1");
  if (kind != ModulusSwitchKind::kStandard) {
    throw InvalidArgument("modulus_switch: the centred switch is not implemented for multi-bit");
  }
  if (log2_lut_count >= log2_two_n) {
    throw InvalidArgument("modulus_switch: 2^" + std::to_string(log2_lut_count) +
                          " functions do not fit a ring of 2N=2^" + std::to_string(log2_two_n));
  }
  const unsigned log_modulus = log2_two_n - log2_lut_count;
  const std::size_t patterns = std::size_t{1} << grouping;
  std::uint64_t* o = out.data();
  for (std::size_t first = 0; first < n; first += grouping) {
    for (std::size_t p = 0; p < patterns; ++p) {
      Torus sum = 0;
      for (unsigned j = 0; j < grouping; ++j) {
        if (((p >> j) & 1U) != 0) sum += in[first + j];
      }
      *o++ = modulus_switch(sum, log_modulus) << log2_lut_count;
    }
  }
  *o = modulus_switch(in[n], log_modulus) << log2_lut_count;
}

std::uint64_t switched_phase(std::span<const std::uint64_t> switched, std::span<const Torus> key,
                             unsigned log2_two_n, unsigned grouping) {
  const std::size_t n = key.size();
  require_equal(switched.size(), switched_size(n, grouping), "switched_phase", "switched values",
                "switched_size(n, g)");
  const std::uint64_t mask = (std::uint64_t{1} << log2_two_n) - 1;
  std::uint64_t dot = 0;
  if (grouping <= 1) {
    for (std::size_t i = 0; i < n; ++i) dot += switched[i] * key[i];
  } else {
    const std::size_t patterns = std::size_t{1} << grouping;
    for (std::size_t t = 0; t < n / grouping; ++t) {
      std::size_t pattern = 0;
      for (unsigned j = 0; j < grouping; ++j) pattern |= (key[t * grouping + j] & 1U) << j;
      dot += switched[t * patterns + pattern];
    }
  }
  return (switched.back() - dot) & mask;
}

}  // namespace lutfhe
