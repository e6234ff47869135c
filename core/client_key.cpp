#include "core/client_key.hpp"

#include <sodium.h>

#include "core/bootstrap_key_generation.hpp"
#include "core/encoding.hpp"
#include "core/errors.hpp"
#include "core/ggsw.hpp"
#include "core/keyswitch_key_generation.hpp"
#include "core/lwe_encryption.hpp"

namespace lutfhe {
namespace {

// A key id derived from the secret seed by a one-way hash, so test keys are reproducible
// without the id revealing anything about the seed.
KeyId derive_key_id(const Seed& seed) {
  static constexpr char kContext[] = "lutfhe key id v1";
  KeyId id{};
  crypto_generichash(id.data(), id.size(), seed.data(), seed.size(),
                     reinterpret_cast<const unsigned char*>(kContext), sizeof(kContext) - 1);
  return id;
}

}  // namespace

ClientKey ClientKey::generate(const ParameterSet& params) {
  Seed seed = random_seed();
  ClientKey key(params, seed);
  secure_wipe(seed.data(), seed.size());
  return key;
}

ClientKey::ClientKey(const ParameterSet& params, LweSecretKey small, GlweSecretKey glwe,
                     const KeyId& id)
    : params_(params),
      small_(std::move(small)),
      glwe_(std::move(glwe)),
      big_(glwe_.flatten()),
      key_id_(id) {
  check_parameters(params_);
  require_equal(small_.dimension().value(), params_.n.value(), "client key", "LWE key n",
                "parameters n");
  require_equal(glwe_.glwe_dimension().value(), params_.k.value(), "client key", "GLWE key k",
                "parameters k");
  require_equal(glwe_.polynomial_size().value(), params_.N.value(), "client key", "GLWE key N",
                "parameters N");
}

ClientKey::ClientKey(const ParameterSet& params, const Seed& secret_seed)
    : params_(params),
      small_([&] {
        check_parameters(params);
        RandomStream rng(secret_seed, StreamPurpose::kSecret);
        return LweSecretKey(params.n, rng);
      }()),
      glwe_([&] {
        RandomStream rng(secret_seed, StreamPurpose::kSecretGlwe);
        return GlweSecretKey(params.k, params.N, rng);
      }()),
      big_(glwe_.flatten()),
      key_id_(derive_key_id(secret_seed)) {}

LweCiphertext ClientKey::encrypt(std::uint64_t message, unsigned bits,
                                 EncryptionRandomness& rng) const {
  LweCiphertext ct(big_.dimension());
  encrypt_lwe(ct, encode_with_padding(message, bits), big_, params_.glwe_noise, rng);
  return ct;
}

std::uint64_t ClientKey::decrypt(const LweCiphertext& ct, unsigned bits) const {
  return decode_with_padding(phase(ct), bits);
}

LweCiphertext ClientKey::encrypt_bool(bool value, EncryptionRandomness& rng) const {
  LweCiphertext ct(big_.dimension());
  encrypt_lwe(ct, encode_bool(value), big_, params_.glwe_noise, rng);
  return ct;
}

bool ClientKey::decrypt_bool(const LweCiphertext& ct) const {
  return decode_bool(phase(ct));
}

Torus ClientKey::phase(const LweCiphertext& ct) const {
  if (ct.dimension().value() != big_.dimension().value()) {
    throw DimensionMismatch("ciphertext has n=" + std::to_string(ct.dimension().value()) +
                            ", the client key of " + params_.name +
                            " expects k·N=" + std::to_string(big_.dimension().value()));
  }
  return decrypt_lwe_phase(ct, big_);
}

EvaluationKey generate_evaluation_key(const ClientKey& client, EncryptionRandomness& rng,
                                      const ProgressCallback& progress, bool bootstrapping) {
  const ParameterSet& p = client.parameters();
  if (!bootstrapping) {
    return EvaluationKey{p, client.key_id(), LweBootstrapKey(LweDimension(0), p.k, p.N, p.pbs),
                         LweKeyswitchKey(LweDimension(0), p.n, p.ks), std::nullopt};
  }
  EvaluationKey key{p, client.key_id(), LweBootstrapKey(p.n, p.k, p.N, p.pbs, p.grouping),
                    LweKeyswitchKey(p.big_dimension(), p.n, p.ks), std::nullopt};
  generate_keyswitch_key(key.keyswitch_key, client.big_key(), client.small_key(), p.lwe_noise, rng);
  generate_bootstrap_key(key.bootstrap_key, client.small_key(), client.glwe_key(), p.glwe_noise,
                         rng, progress);
  return key;
}

EvaluationKey generate_evaluation_key(const ClientKey& client, const ProgressCallback& progress,
                                      bool bootstrapping) {
  const Seed mask_seed = random_seed();
  EncryptionRandomness rng = EncryptionRandomness::with_mask_seed(mask_seed);
  EvaluationKey key = generate_evaluation_key(client, rng, progress, bootstrapping);
  if (bootstrapping) key.mask_seed = mask_seed;
  return key;
}

ServerKey generate_server_key_in_process(const ClientKey& client, EncryptionRandomness& rng,
                                         const ProgressCallback& progress, bool bootstrapping) {
  const ParameterSet& p = client.parameters();
  if (!bootstrapping) {
    return ServerKey(generate_evaluation_key(client, rng, progress, false));
  }
  const NegacyclicFft& fft = NegacyclicFft::for_size(p.N.value());
  const std::size_t big = p.big_dimension().value();
  const std::size_t steps = p.bootstrap_ggsw_count() + big;
  CompactKeyswitchKey ksk(p.big_dimension(), p.n, p.ks);
  generate_keyswitch_rows(client.big_key(), client.small_key(), p.ks, p.lwe_noise, rng,
                          [&](std::size_t i, std::size_t level, std::span<const Torus> row) {
                            ksk.set_row(i, level, row);
                            if (progress && level == p.ks.levels.value() && (i + 1) % 256 == 0) {
                              progress(i + 1, steps);
                            }
                          });
  FourierBootstrapKey bsk(p.n, p.k, p.N, p.pbs, p.grouping);
  {
    GgswCiphertext ggsw(p.k, p.N, p.pbs);
    const std::vector<std::int64_t> messages =
        bootstrap_key_messages(client.small_key().bits(), p.grouping);
    for (std::size_t i = 0; i < messages.size(); ++i) {
      encrypt_ggsw(ggsw, messages[i], client.glwe_key(), p.glwe_noise, rng);
      bsk.set_ggsw(i, ggsw, fft);
      if (progress) progress(big + i + 1, steps);
    }
  }
  return ServerKey::from_parts(p, client.key_id(), std::move(bsk), std::move(ksk));
}

}  // namespace lutfhe
