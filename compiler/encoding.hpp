// How the integer values of a compiled circuit sit on the torus: one encoding shared by the
// client (encrypt, decrypt), the server (execute) and the simulator, so that they agree by
// construction.
//
// A value v of a node with scale σ (NodePlan::scale_log2) is the phase v·2^σ mod 2^64; no
// offset, so linear nodes are plain integer combinations of ciphertexts. Decoding knows the
// node's range [lo, hi] and returns the value in [lo, lo + 2^(64−σ)) nearest to phase / 2^σ.
#pragma once

#include <cstdint>

#include "core/types.hpp"

namespace lutfhe::compiler {

// phase = v·2^σ mod 2^64.
Torus encode_value(std::int64_t value, int scale_log2);
// The value in [lo, lo + 2^(64−σ)) nearest to phase / 2^σ (what the client decrypts).
std::int64_t decode_value(Torus phase, int scale_log2, std::int64_t lo);

}  // namespace lutfhe::compiler
