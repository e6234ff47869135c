#include "compiler/encoding.hpp"

namespace lutfhe::compiler {

Torus encode_value(std::int64_t value, int scale_log2) {
  return static_cast<Torus>(value) << scale_log2;
}

std::int64_t decode_value(Torus phase, int scale_log2, std::int64_t lo) {
  const Torus shifted = phase - encode_value(lo, scale_log2);
  Torus u = 0;
  if (scale_log2 == 0) {
    u = shifted;
  } else {
    u = (shifted >> scale_log2) + ((shifted >> (scale_log2 - 1)) & 1);
    u &= (~Torus{0}) >> scale_log2;  // modulo 2^(64 − σ)
  }
  return static_cast<std::int64_t>(static_cast<Torus>(lo) + u);
}

}  // namespace lutfhe::compiler
