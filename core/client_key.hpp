// The client side of a key pair: the client key holds every secret and never leaves the client.
// It makes the evaluation key that is sent to the server (evaluation_key.hpp) or, in one
// process, the server key directly (server_key.hpp). Server-side code includes neither this
// header nor any that reaches a secret type (DESIGN.md §9; tests/architecture checks it).
#pragma once

#include <cstdint>

#include "core/entities/lwe_ciphertext.hpp"
#include "core/entities/secret_keys.hpp"
#include "core/evaluation_key.hpp"
#include "core/key_id.hpp"
#include "core/parameters.hpp"
#include "core/progress.hpp"
#include "core/random.hpp"
#include "core/server_key.hpp"

namespace lutfhe {

class ClientKey {
 public:
  // Secrets from the OS CSPRNG.
  static ClientKey generate(const ParameterSet& params);
  // Secrets from a fixed seed: reproducible, for tests and benchmarks only.
  ClientKey(const ParameterSet& params, const Seed& secret_seed);
  // From stored secrets (key files). Checks every dimension against the parameters.
  ClientKey(const ParameterSet& params, LweSecretKey small, GlweSecretKey glwe, const KeyId& id);

  const KeyId& key_id() const { return key_id_; }
  const ParameterSet& parameters() const { return params_; }
  const LweSecretKey& small_key() const { return small_; }  // dimension n
  const GlweSecretKey& glwe_key() const { return glwe_; }
  const LweSecretKey& big_key() const { return big_; }  // flattened GLWE key, dimension k·N

  // Fresh ciphertexts live under the big key, with the GLWE noise (as a PBS output does).
  LweCiphertext encrypt(std::uint64_t message, unsigned bits, EncryptionRandomness& rng) const;
  std::uint64_t decrypt(const LweCiphertext& ct, unsigned bits) const;
  LweCiphertext encrypt_bool(bool value, EncryptionRandomness& rng) const;
  bool decrypt_bool(const LweCiphertext& ct) const;
  // Phase under the big key: plaintext plus noise (for noise measurements).
  Torus phase(const LweCiphertext& ct) const;

 private:
  ParameterSet params_;
  LweSecretKey small_;
  GlweSecretKey glwe_;
  LweSecretKey big_;
  KeyId key_id_;
};

// Masks and noise from `rng` (no mask seed is recorded).
// With `bootstrapping` false (a circuit without lookups) the key holds no bootstrapping or
// key-switching key: a few hundred bytes instead of megabytes.
EvaluationKey generate_evaluation_key(const ClientKey& client, EncryptionRandomness& rng,
                                      const ProgressCallback& progress = {},
                                      bool bootstrapping = true);
// Masks from a fresh public seed (recorded, so the key can be stored compressed) and noise
// from the OS CSPRNG.
EvaluationKey generate_evaluation_key(const ClientKey& client,
                                      const ProgressCallback& progress = {},
                                      bool bootstrapping = true);

// Builds the server form directly from the client key, one GGSW and one key-switching row at a
// time, never holding the standard-domain keys: for benchmarks, tests and in-process use of the
// large sets (PBS_6BIT, PBS_8BIT). A real deployment sends an EvaluationKey instead.
ServerKey generate_server_key_in_process(const ClientKey& client, EncryptionRandomness& rng,
                                         const ProgressCallback& progress = {},
                                         bool bootstrapping = true);

}  // namespace lutfhe
