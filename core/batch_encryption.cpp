#include "core/batch_encryption.hpp"

#include <optional>
#include <string>

#include "core/errors.hpp"

namespace lutfhe {

CiphertextBatch encrypt_batch(const ClientKey& key, std::span<const std::uint64_t> messages,
                              MessageEncoding encoding, bool seeded) {
  CiphertextBatch batch{key.parameters(), key.key_id(), encoding, {}, std::nullopt};
  std::optional<Seed> seed;
  if (seeded) seed = random_seed();
  EncryptionRandomness rng =
      seeded ? EncryptionRandomness::with_mask_seed(*seed) : EncryptionRandomness::from_os();
  batch.ciphertexts.reserve(messages.size());
  for (std::uint64_t m : messages) {
    if (encoding.boolean) {
      if (m > 1) throw InvalidArgument("boolean value " + std::to_string(m) + " is not 0 or 1");
      batch.ciphertexts.push_back(key.encrypt_bool(m != 0, rng));
    } else {
      batch.ciphertexts.push_back(key.encrypt(m, encoding.bits, rng));
    }
  }
  batch.mask_seed = seed;
  return batch;
}

std::vector<std::uint64_t> decrypt_batch(const ClientKey& key, const CiphertextBatch& batch) {
  require_same_key("ciphertext batch", batch.params, batch.key_id, key.parameters(), key.key_id());
  std::vector<std::uint64_t> out;
  out.reserve(batch.ciphertexts.size());
  for (const auto& ct : batch.ciphertexts) {
    out.push_back(batch.encoding.boolean ? (key.decrypt_bool(ct) ? 1 : 0)
                                         : key.decrypt(ct, batch.encoding.bits));
  }
  return out;
}

}  // namespace lutfhe
