// Gate bootstrapping on booleans encoded as ±1/8 (no padding bit). Each gate is a linear
// combination followed by one KS-PBS with the constant test polynomial 1/8 (CGGI eprint
// 2018/421, §5), the same work per gate as the classic TFHE library.
#pragma once

#include "core/entities/lwe_ciphertext.hpp"
#include "core/server_key.hpp"

namespace lutfhe {

enum class Gate { kNand, kAnd, kOr, kNor, kXor, kXnor, kAndNy, kAndYn, kOrNy, kOrYn };

// out ← gate(a, b). out may alias a or b.
void apply_gate(Gate gate, LweCiphertext& out, const LweCiphertext& a, const LweCiphertext& b,
                const ServerKey& key, Scratch& scratch);

void gate_nand(LweCiphertext& out, const LweCiphertext& a, const LweCiphertext& b,
               const ServerKey& key, Scratch& scratch);
void gate_and(LweCiphertext& out, const LweCiphertext& a, const LweCiphertext& b,
              const ServerKey& key, Scratch& scratch);
void gate_or(LweCiphertext& out, const LweCiphertext& a, const LweCiphertext& b,
             const ServerKey& key, Scratch& scratch);
void gate_xor(LweCiphertext& out, const LweCiphertext& a, const LweCiphertext& b,
              const ServerKey& key, Scratch& scratch);
void gate_xnor(LweCiphertext& out, const LweCiphertext& a, const LweCiphertext& b,
               const ServerKey& key, Scratch& scratch);
// Negation is free: no bootstrap.
void gate_not(LweCiphertext& out, const LweCiphertext& a);
// out ← sel ? a : b, with two bootstraps (sel∧a and ¬sel∧b) and a free addition.
void gate_mux(LweCiphertext& out, const LweCiphertext& sel, const LweCiphertext& a,
              const LweCiphertext& b, const ServerKey& key, Scratch& scratch);

}  // namespace lutfhe
