// Key bundles. The client key holds every secret; the evaluation key (bootstrapping and
// key-switching keys, standard domain) is what is sent to the server; the server key is the
// evaluation key prepared for computing (Fourier domain). No server-side type can hold or
// derive a secret key.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/bootstrap_key.hpp"
#include "core/entities/bootstrap_key.hpp"
#include "core/entities/keyswitch_key.hpp"
#include "core/entities/lookup_table.hpp"
#include "core/entities/lwe_ciphertext.hpp"
#include "core/entities/secret_keys.hpp"
#include "core/parameters.hpp"
#include "core/random.hpp"
#include "core/scratch.hpp"
#include "fft/negacyclic_fft.hpp"

namespace lutfhe {

// A public, random identifier shared by a client key, its evaluation key and every ciphertext
// made with them, so that a file under another key is refused with a clear message.
using KeyId = std::array<std::uint8_t, 16>;
std::string to_hex(const KeyId& id);

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

// The public evaluation material, in the standard domain (what files hold).
struct EvaluationKey {
  ParameterSet params;
  KeyId key_id;
  LweBootstrapKey bootstrap_key;
  LweKeyswitchKey keyswitch_key;
  // Set when every mask was drawn from this public seed (key-switching rows first, then the
  // bootstrapping key's GLWE rows): the key can then be stored as the seed plus the bodies.
  std::optional<Seed> mask_seed;
};

// Masks and noise from `rng` (no mask seed is recorded).
EvaluationKey generate_evaluation_key(const ClientKey& client, EncryptionRandomness& rng,
                                      const ProgressCallback& progress = {});
// Masks from a fresh public seed (recorded, so the key can be stored compressed) and noise
// from the OS CSPRNG.
EvaluationKey generate_evaluation_key(const ClientKey& client,
                                      const ProgressCallback& progress = {});

class ServerKey {
 public:
  // Converts the bootstrapping key to the Fourier domain (once).
  explicit ServerKey(const EvaluationKey& key);
  // Builds the server form directly from the client key, one GGSW and one key-switching row
  // at a time, never holding the standard-domain keys: for benchmarks and in-process use of
  // the large sets (PBS_6BIT, PBS_8BIT). A real deployment sends an EvaluationKey instead.
  // Assembles a server key from parts already in server form (used by the streaming loader).
  static ServerKey from_parts(const ParameterSet& params, const KeyId& id, FourierBootstrapKey bsk,
                              CompactKeyswitchKey ksk) {
    return ServerKey(params, id, std::move(bsk), std::move(ksk));
  }
  static ServerKey generate_in_process(const ClientKey& client, EncryptionRandomness& rng,
                                       const ProgressCallback& progress = {});

  const ParameterSet& parameters() const { return params_; }
  const KeyId& key_id() const { return key_id_; }
  const FourierBootstrapKey& bootstrap_key() const { return bsk_; }
  // The key-switching key in its 32-bit server form (see CompactKeyswitchKey).
  const CompactKeyswitchKey& keyswitch_key() const { return ksk_; }
  const NegacyclicFft& fft() const { return *fft_; }
  // Bytes of scratch that keyswitch_bootstrap and the gates need; one Scratch per thread.
  std::size_t scratch_size() const;
  Scratch make_scratch() const { return Scratch(scratch_size()); }
  // Scratch for keyswitch_bootstrap_batch of up to `batch` ciphertexts (and everything above).
  std::size_t batch_scratch_size(std::size_t batch) const;
  Scratch make_batch_scratch(std::size_t batch) const { return Scratch(batch_scratch_size(batch)); }

 private:
  ServerKey(const ParameterSet& params, const KeyId& id, FourierBootstrapKey bsk,
            CompactKeyswitchKey ksk);
  void check_consistency() const;

  ParameterSet params_;
  KeyId key_id_;
  FourierBootstrapKey bsk_;
  CompactKeyswitchKey ksk_;
  const NegacyclicFft* fft_;
};

// KS-PBS: key switch `in` (big key) to the small key, then bootstrap with `lut`; outputs are
// under the big key. outputs.size() == lut.lut_count().
void keyswitch_bootstrap(std::span<LweCiphertext> outputs, const LweCiphertext& in,
                         const LookupTable& lut, const ServerKey& key, Scratch& scratch);
void keyswitch_bootstrap(LweCiphertext& out, const LweCiphertext& in, const LookupTable& lut,
                         const ServerKey& key, Scratch& scratch);
// Same on raw LWE data (k·N + 1 values each), for callers that work in scratch memory.
void keyswitch_bootstrap(std::span<const std::span<Torus>> outputs, std::span<const Torus> in,
                         const LookupTable& lut, const ServerKey& key, Scratch& scratch);

// How many KS-PBS one thread runs together in keyswitch_bootstrap_batch by default: enough to
// reuse each GGSW from cache several times, few enough that the batch's accumulators and one
// GGSW stay within a core's L2 for the sets this project uses.
inline constexpr std::size_t kBootstrapBatch = 8;

// outputs[b] ← KS-PBS of inputs[b] with the single-function table *luts[b], for a small batch
// (at most the size the scratch was made for, ServerKey::make_batch_scratch): the key
// switches in one pass over the key-switching key (keyswitch_batch), then one walk of the
// bootstrapping key for all (blind_rotate_batch).
// Results are identical to keyswitch_bootstrap on each.
void keyswitch_bootstrap_batch(std::span<LweCiphertext> outputs,
                               std::span<const LweCiphertext> inputs,
                               std::span<const LookupTable* const> luts, const ServerKey& key,
                               Scratch& scratch);

}  // namespace lutfhe
