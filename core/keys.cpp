#include "core/keys.hpp"

#include <sodium.h>

#include <bit>
#include <vector>

#include "core/blind_rotate.hpp"
#include "core/encoding.hpp"
#include "core/errors.hpp"
#include "core/ggsw.hpp"
#include "core/keyswitch.hpp"
#include "core/lwe.hpp"
#include "core/modulus_switch.hpp"
#include "core/sample_extract.hpp"

namespace lutfhe {
namespace {}  // namespace

std::string to_hex(const KeyId& id) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : id) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

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
                                      const ProgressCallback& progress) {
  const ParameterSet& p = client.parameters();
  EvaluationKey key{p, client.key_id(), LweBootstrapKey(p.n, p.k, p.N, p.pbs),
                    LweKeyswitchKey(p.big_dimension(), p.n, p.ks), std::nullopt};
  generate_keyswitch_key(key.keyswitch_key, client.big_key(), client.small_key(), p.lwe_noise, rng);
  generate_bootstrap_key(key.bootstrap_key, client.small_key(), client.glwe_key(), p.glwe_noise,
                         rng, progress);
  return key;
}

EvaluationKey generate_evaluation_key(const ClientKey& client, const ProgressCallback& progress) {
  const Seed mask_seed = random_seed();
  EncryptionRandomness rng = EncryptionRandomness::with_mask_seed(mask_seed);
  EvaluationKey key = generate_evaluation_key(client, rng, progress);
  key.mask_seed = mask_seed;
  return key;
}

ServerKey::ServerKey(const EvaluationKey& key)
    : params_(key.params),
      key_id_(key.key_id),
      bsk_(key.bootstrap_key, NegacyclicFft::for_size(key.params.N.value())),
      ksk_(key.keyswitch_key),
      fft_(&NegacyclicFft::for_size(key.params.N.value())) {
  check_consistency();
}

ServerKey::ServerKey(const ParameterSet& params, const KeyId& id, FourierBootstrapKey bsk,
                     CompactKeyswitchKey ksk)
    : params_(params),
      key_id_(id),
      bsk_(std::move(bsk)),
      ksk_(std::move(ksk)),
      fft_(&NegacyclicFft::for_size(params.N.value())) {
  check_consistency();
}

void ServerKey::check_consistency() const {
  require_equal(ksk_.input_dimension().value(), params_.big_dimension().value(), "server key",
                "key-switching key input n", "parameters k·N");
  require_equal(ksk_.output_dimension().value(), params_.n.value(), "server key",
                "key-switching key output n", "parameters n");
  require_equal(bsk_.input_dimension().value(), params_.n.value(), "server key", "bootstrap key n",
                "parameters n");
  require_equal(bsk_.polynomial_size().value(), params_.N.value(), "server key", "bootstrap key N",
                "parameters N");
  require_equal(bsk_.glwe_dimension().value(), params_.k.value(), "server key", "bootstrap key k",
                "parameters k");
}

ServerKey ServerKey::generate_in_process(const ClientKey& client, EncryptionRandomness& rng,
                                         const ProgressCallback& progress) {
  const ParameterSet& p = client.parameters();
  const NegacyclicFft& fft = NegacyclicFft::for_size(p.N.value());
  const std::size_t big = p.big_dimension().value();
  const std::size_t steps = p.n.value() + big;
  CompactKeyswitchKey ksk(p.big_dimension(), p.n, p.ks);
  generate_keyswitch_rows(client.big_key(), client.small_key(), p.ks, p.lwe_noise, rng,
                          [&](std::size_t i, std::size_t level, std::span<const Torus> row) {
                            ksk.set_row(i, level, row);
                            if (progress && level == p.ks.levels.value() && (i + 1) % 256 == 0) {
                              progress(i + 1, steps);
                            }
                          });
  FourierBootstrapKey bsk(p.n, p.k, p.N, p.pbs);
  {
    GgswCiphertext ggsw(p.k, p.N, p.pbs);
    const auto bits = client.small_key().bits();
    for (std::size_t i = 0; i < p.n.value(); ++i) {
      encrypt_ggsw(ggsw, static_cast<std::int64_t>(bits[i]), client.glwe_key(), p.glwe_noise, rng);
      bsk.set_ggsw(i, ggsw, fft);
      if (progress) progress(big + i + 1, steps);
    }
  }
  return ServerKey(p, client.key_id(), std::move(bsk), std::move(ksk));
}

std::size_t ServerKey::scratch_size() const {
  const std::size_t big = params_.big_dimension().value() + 1;
  return scratch_bytes<Torus>(params_.n.value() + 1) +  // key-switched ciphertext
         compact_keyswitch_scratch_size(params_.n) +
         2 * scratch_bytes<Torus>(big) +  // gate linear combinations
         programmable_bootstrap_scratch_size(bsk_);
}

std::size_t ServerKey::batch_scratch_size(std::size_t batch) const {
  const std::size_t polys = params_.k.value() + 1;
  const std::size_t views = 2 * scratch_bytes<std::span<Torus>>(batch) +
                            scratch_bytes<std::span<const std::uint64_t>>(batch) +
                            2 * scratch_bytes<std::span<const Torus>>(batch);
  return scratch_size() + views + compact_keyswitch_batch_scratch_size(params_.n, batch) +
         batch * (scratch_bytes<Torus>(params_.n.value() + 1) +          // key-switched
                  scratch_bytes<std::uint64_t>(params_.n.value() + 1) +  // modulus-switched
                  scratch_bytes<Torus>(polys * params_.N.value()));      // accumulator
}

void keyswitch_bootstrap_batch(std::span<LweCiphertext> outputs,
                               std::span<const LweCiphertext> inputs,
                               std::span<const LookupTable* const> luts, const ServerKey& key,
                               Scratch& scratch) {
  require_equal(outputs.size(), inputs.size(), "keyswitch_bootstrap_batch", "outputs", "inputs");
  require_equal(luts.size(), inputs.size(), "keyswitch_bootstrap_batch", "tables", "inputs");
  const FourierBootstrapKey& bsk = key.bootstrap_key();
  const std::size_t count = inputs.size();
  const std::size_t n = key.parameters().n.value();
  const std::size_t big_n = bsk.polynomial_size().value();
  const std::size_t polys = bsk.glwe_dimension().value() + 1;
  const auto log2_two_n = static_cast<unsigned>(std::countr_zero(big_n)) + 1;
  Scratch::Frame frame(scratch);
  auto accs = scratch.take<std::span<Torus>>(count);
  auto switched = scratch.take<std::span<const std::uint64_t>>(count);
  auto tables = scratch.take<std::span<const Torus>>(count);
  auto small = scratch.take<std::span<Torus>>(count);
  auto big = scratch.take<std::span<const Torus>>(count);
  for (std::size_t b = 0; b < count; ++b) {
    if (luts[b]->lut_count() != 1) {
      throw InvalidArgument("keyswitch_bootstrap_batch takes single-function tables, got " +
                            std::to_string(luts[b]->lut_count()) + " functions");
    }
    small[b] = scratch.take<Torus>(n + 1);
    big[b] = inputs[b].data();
  }
  keyswitch_batch(small, big, key.keyswitch_key(), scratch);
  for (std::size_t b = 0; b < count; ++b) {
    auto ms = scratch.take<std::uint64_t>(n + 1);
    modulus_switch_lwe(ms, small[b], log2_two_n, 0);
    switched[b] = ms;
    accs[b] = scratch.take<Torus>(polys * big_n);
    tables[b] = luts[b]->polynomial();
  }
  blind_rotate_batch(accs, switched, tables, bsk, key.fft(), scratch);
  for (std::size_t b = 0; b < count; ++b) {
    sample_extract(outputs[b].data(), accs[b], bsk.polynomial_size(), 0);
  }
}

void keyswitch_bootstrap(std::span<const std::span<Torus>> outputs, std::span<const Torus> in,
                         const LookupTable& lut, const ServerKey& key, Scratch& scratch) {
  Scratch::Frame frame(scratch);
  auto small = scratch.take<Torus>(key.parameters().n.value() + 1);
  keyswitch(small, in, key.keyswitch_key(), scratch);
  programmable_bootstrap(outputs, small, lut, key.bootstrap_key(), key.fft(), scratch);
}

void keyswitch_bootstrap(std::span<LweCiphertext> outputs, const LweCiphertext& in,
                         const LookupTable& lut, const ServerKey& key, Scratch& scratch) {
  std::span<Torus> views[16];
  if (outputs.size() > 16) throw InvalidArgument("at most 16 functions per bootstrap");
  for (std::size_t f = 0; f < outputs.size(); ++f) views[f] = outputs[f].data();
  keyswitch_bootstrap(std::span<const std::span<Torus>>(views, outputs.size()), in.data(), lut, key,
                      scratch);
}

void keyswitch_bootstrap(LweCiphertext& out, const LweCiphertext& in, const LookupTable& lut,
                         const ServerKey& key, Scratch& scratch) {
  keyswitch_bootstrap(std::span<LweCiphertext>(&out, 1), in, lut, key, scratch);
}

}  // namespace lutfhe
