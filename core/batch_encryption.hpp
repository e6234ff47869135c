// Encrypting and decrypting plain integer or boolean messages in batches (client side).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/ciphertext_files.hpp"
#include "core/client_key.hpp"

namespace lutfhe {

// Encrypts `messages` under the client key; with `seeded`, masks come from a fresh public seed
// (recorded in the batch) and the batch can be stored compressed.
CiphertextBatch encrypt_batch(const ClientKey& key, std::span<const std::uint64_t> messages,
                              MessageEncoding encoding, bool seeded);
// Decrypts every ciphertext of the batch by its encoding (booleans as 0/1). KeyMismatch when
// the batch was made with another key.
std::vector<std::uint64_t> decrypt_batch(const ClientKey& key, const CiphertextBatch& batch);

}  // namespace lutfhe
