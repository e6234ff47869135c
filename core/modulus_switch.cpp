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

}  // namespace lutfhe
