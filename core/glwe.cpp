#include "core/glwe.hpp"

#include <algorithm>

#include "core/errors.hpp"
#include "core/polynomial.hpp"
#include "core/secure_memory.hpp"

namespace lutfhe {
namespace {

void check_key(const GlweCiphertext& ct, const GlweSecretKey& key, const char* what) {
  require_equal(ct.glwe_dimension().value(), key.glwe_dimension().value(), what, "ciphertext k",
                "key k");
  require_equal(ct.polynomial_size().value(), key.polynomial_size().value(), what, "ciphertext N",
                "key N");
}

}  // namespace

void encrypt_glwe(GlweCiphertext& out, std::span<const Torus> message, const GlweSecretKey& key,
                  const NoiseDistribution& noise, EncryptionRandomness& rng) {
  check_key(out, key, "encrypt_glwe");
  const std::size_t k = out.glwe_dimension().value();
  const std::size_t n = out.polynomial_size().value();
  require_equal(message.size(), n, "encrypt_glwe", "message length", "N");
  const NegacyclicFft& fft = NegacyclicFft::for_size(n);
  auto body = out.body();
  for (std::size_t t = 0; t < n; ++t) body[t] = message[t] + sample_noise(noise, rng.noise);
  for (std::size_t i = 0; i < k; ++i) {
    rng.mask.fill(out.polynomial(i));
    multiply_add_binary(body, out.polynomial(i), key.polynomial(i), fft);
  }
}

void decrypt_glwe_phase(std::span<Torus> out, const GlweCiphertext& ct, const GlweSecretKey& key) {
  check_key(ct, key, "decrypt_glwe");
  const std::size_t k = ct.glwe_dimension().value();
  const std::size_t n = ct.polynomial_size().value();
  require_equal(out.size(), n, "decrypt_glwe", "output length", "N");
  const NegacyclicFft& fft = NegacyclicFft::for_size(n);
  SecureVector<Torus> mask_times_key(n, 0);  // Σ A_i·S_i: secret
  for (std::size_t i = 0; i < k; ++i) {
    multiply_add_binary(mask_times_key, ct.polynomial(i), key.polynomial(i), fft);
  }
  auto body = ct.body();
  for (std::size_t t = 0; t < n; ++t) out[t] = body[t] - mask_times_key[t];
}

void trivial_glwe(GlweCiphertext& out, std::span<const Torus> message) {
  require_equal(message.size(), out.polynomial_size().value(), "trivial_glwe", "message length",
                "N");
  std::fill(out.data().begin(), out.data().end(), Torus{0});
  std::copy(message.begin(), message.end(), out.body().begin());
}

}  // namespace lutfhe
