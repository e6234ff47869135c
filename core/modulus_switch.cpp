#include "core/modulus_switch.hpp"

#include "core/errors.hpp"

namespace lutfhe {

void modulus_switch_lwe(std::span<std::uint64_t> out, std::span<const Torus> in,
                        unsigned log2_two_n, unsigned log2_lut_count) {
  require_equal(out.size(), in.size(), "modulus_switch", "output", "n+1");
  if (log2_lut_count >= log2_two_n) {
    throw InvalidArgument("modulus_switch: 2^" + std::to_string(log2_lut_count) +
                          " functions do not fit a ring of 2N=2^" + std::to_string(log2_two_n));
  }
  const unsigned log_modulus = log2_two_n - log2_lut_count;
  const auto data = in;
  for (std::size_t i = 0; i < data.size(); ++i) {
    out[i] = modulus_switch(data[i], log_modulus) << log2_lut_count;
  }
}

}  // namespace lutfhe
