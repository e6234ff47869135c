// The server key: the evaluation key prepared for computing (Fourier-domain bootstrapping key,
// 32-bit key-switching key). Everything a server evaluates with; no type reachable from here
// holds or derives a secret.
#pragma once

#include <cstddef>

#include "core/entities/bootstrap_key.hpp"
#include "core/entities/keyswitch_key.hpp"
#include "core/evaluation_key.hpp"
#include "core/key_id.hpp"
#include "core/parameters.hpp"
#include "core/scratch.hpp"
#include "fft/negacyclic_fft.hpp"

namespace lutfhe {

class ServerKey {
 public:
  // Converts the bootstrapping key to the Fourier domain (once).
  explicit ServerKey(const EvaluationKey& key);
  // Assembles a server key from parts already in server form (the streaming loader and
  // generate_server_key_in_process).
  static ServerKey from_parts(const ParameterSet& params, const KeyId& id, FourierBootstrapKey bsk,
                              CompactKeyswitchKey ksk) {
    return ServerKey(params, id, std::move(bsk), std::move(ksk));
  }

  const ParameterSet& parameters() const { return params_; }
  // False for the key of a circuit without lookups (EvaluationKey::has_bootstrapping): KS-PBS
  // then refuses to run.
  bool can_bootstrap() const { return bsk_.input_dimension().value() != 0; }
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

}  // namespace lutfhe
