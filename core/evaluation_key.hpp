// The evaluation key: the public material a client sends to a server (bootstrapping and
// key-switching keys in the standard domain, as files hold them). No secret.
#pragma once

#include <optional>

#include "core/entities/bootstrap_key.hpp"
#include "core/entities/keyswitch_key.hpp"
#include "core/key_id.hpp"
#include "core/parameters.hpp"
#include "core/random.hpp"

namespace lutfhe {

struct EvaluationKey {
  ParameterSet params;
  KeyId key_id;
  LweBootstrapKey bootstrap_key;
  LweKeyswitchKey keyswitch_key;
  // Set when every mask was drawn from this public seed (key-switching rows first, then the
  // bootstrapping key's GLWE rows): the key can then be stored as the seed plus the bodies.
  std::optional<Seed> mask_seed;

  // False for the key of a circuit without lookups: it then holds no bootstrapping or
  // key-switching key at all (both empty), only what ties ciphertexts to the client key.
  bool has_bootstrapping() const { return bootstrap_key.input_dimension().value() != 0; }
};

}  // namespace lutfhe
