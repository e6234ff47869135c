// Randomness: a ChaCha20 stream from libsodium, seeded either from the OS CSPRNG (secrets,
// noise) or from a stored seed (public masks, reproducible tests).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "core/types.hpp"

namespace lutfhe {

using Seed = std::array<std::uint8_t, 32>;

// A fresh seed from the operating system's CSPRNG (libsodium randombytes).
Seed random_seed();
// A seed derived from a small integer, for tests and benchmarks only.
Seed test_seed(std::uint64_t value);

// Which independent stream of a seed is read; the same seed gives unrelated streams.
enum class StreamPurpose : std::uint64_t { kSecret = 1, kNoise = 2, kMask = 3, kSecretGlwe = 4 };

// Deterministic stream of random bytes: ChaCha20 keyed by the seed, with the purpose as
// nonce. Secrets only ever come from a stream whose seed came from random_seed().
class RandomStream {
 public:
  RandomStream(const Seed& seed, StreamPurpose purpose);
  ~RandomStream();
  RandomStream(const RandomStream&) = delete;
  RandomStream& operator=(const RandomStream&) = delete;
  RandomStream(RandomStream&&) noexcept;
  RandomStream& operator=(RandomStream&&) = delete;

  std::uint64_t next_u64();
  void fill(std::span<std::uint64_t> out);
  // Uniform in [0, 1) with 53 random bits.
  double next_unit();
  // Standard normal (Box–Muller on two 53-bit uniforms).
  double next_standard_normal();

 private:
  void refill();

  static constexpr std::size_t kBufferWords = 512;  // 4 KiB per ChaCha20 call
  Seed key_;
  std::uint64_t nonce_;
  std::uint64_t next_block_ = 0;
  std::size_t pos_ = kBufferWords;
  std::array<std::uint64_t, kBufferWords> buffer_{};
  double spare_normal_ = 0.0;
  bool has_spare_normal_ = false;
};

// The noise added to LWE/GLWE bodies.
struct NoiseDistribution {
  enum class Kind { kGaussian, kTUniform };
  Kind kind = Kind::kGaussian;
  // Gaussian: standard deviation relative to the torus (the integer noise is this × 2^64).
  double std_dev = 0.0;
  // TUniform: integers in [-2^b, 2^b]; interior values with probability 2^-(b+1), the two
  // ends 2^-(b+2) (TFHE-rs, core_crypto/commons/math/random/t_uniform.rs).
  unsigned log2_bound = 0;

  static NoiseDistribution gaussian(double std_dev_torus);
  static NoiseDistribution tuniform(unsigned log2_bound);

  // Variance relative to the torus (units of q^2). TUniform(b): (2^(2b+1) + 1) / 6 / q^2.
  double variance() const;
  double torus_std_dev() const;
  std::string describe() const;
};

// One noise sample, as a torus element (the signed integer reduced modulo 2^64).
Torus sample_noise(const NoiseDistribution& dist, RandomStream& rng);

// The two streams an encryption needs: a public one for masks (may be seeded so that masks
// can be stored as a seed) and a secret one for noise.
struct EncryptionRandomness {
  RandomStream mask;
  RandomStream noise;

  // Masks and noise from the OS CSPRNG; for real use.
  static EncryptionRandomness from_os();
  // Everything from one seed; for tests and benchmarks (never for secrets in real use).
  static EncryptionRandomness from_seed(const Seed& seed);
  // Masks from a public seed (compressed ciphertexts), noise from the OS CSPRNG.
  static EncryptionRandomness with_mask_seed(const Seed& mask_seed);
};

}  // namespace lutfhe
