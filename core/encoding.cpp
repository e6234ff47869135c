#include "core/encoding.hpp"

#include <string>

#include "core/errors.hpp"

namespace lutfhe {

Torus delta_with_padding(unsigned bits) {
  if (bits < 1 || bits > kMaxMessageBits) {
    throw InvalidArgument("message precision must be 1.." + std::to_string(kMaxMessageBits) +
                          " bits, got " + std::to_string(bits));
  }
  return Torus{1} << (63 - bits);
}

Torus encode_with_padding(std::uint64_t m, unsigned bits) {
  const Torus delta = delta_with_padding(bits);
  if (m >> bits != 0) {
    throw InvalidArgument("message " + std::to_string(m) + " does not fit in " +
                          std::to_string(bits) + " bits");
  }
  return m * delta;
}

std::uint64_t decode_with_padding(Torus phase, unsigned bits) {
  delta_with_padding(bits);  // validates bits
  const unsigned shift = 63 - bits;
  const Torus rounded = (phase + (Torus{1} << (shift - 1))) >> shift;
  return rounded & ((Torus{1} << bits) - 1);
}

std::int64_t padding_decoding_error(Torus phase, unsigned bits) {
  delta_with_padding(bits);  // validates bits
  const unsigned shift = 63 - bits;
  const Torus rounded = (phase + (Torus{1} << (shift - 1))) >> shift;
  return static_cast<std::int64_t>(phase - (rounded << shift));
}

}  // namespace lutfhe
