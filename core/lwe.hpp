// The linear operations on LWE ciphertexts (server side: no key is needed). Encryption and
// decryption are in lwe_encryption.hpp.
#pragma once

#include <cstdint>

#include "core/entities/lwe_ciphertext.hpp"

namespace lutfhe {

// (0, …, 0, plaintext): a noiseless encryption under every key.
LweCiphertext trivial_lwe(LweDimension n, Torus plaintext);

void lwe_add_assign(LweCiphertext& acc, const LweCiphertext& x);
void lwe_sub_assign(LweCiphertext& acc, const LweCiphertext& x);
void lwe_negate_assign(LweCiphertext& acc);
void lwe_scalar_mul_assign(LweCiphertext& acc, std::int64_t scalar);
void lwe_add_plaintext_assign(LweCiphertext& acc, Torus plaintext);
// acc += scalar · x (the building block of dot products with clear integer weights).
void lwe_add_scaled_assign(LweCiphertext& acc, const LweCiphertext& x, std::int64_t scalar);

}  // namespace lutfhe
