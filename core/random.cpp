#include "core/random.hpp"

#include <sodium.h>

#include <cmath>
#include <cstring>
#include <numbers>
#include <stdexcept>

#include "core/errors.hpp"
#include "core/secure_memory.hpp"
#include "fft/negacyclic_fft.hpp"

namespace lutfhe {
namespace {

void ensure_sodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw Error("libsodium could not be initialised (no entropy source?)");
}

const std::array<std::uint8_t, 4096>& zero_block() {
  static const std::array<std::uint8_t, 4096> zeros{};
  return zeros;
}

}  // namespace

void secure_wipe(void* p, std::size_t bytes) noexcept {
  if (p != nullptr && bytes != 0) sodium_memzero(p, bytes);
}

Seed random_seed() {
  ensure_sodium();
  Seed s;
  randombytes_buf(s.data(), s.size());
  return s;
}

Seed test_seed(std::uint64_t value) {
  Seed s{};
  for (int i = 0; i < 8; ++i) s[i] = static_cast<std::uint8_t>(value >> (8 * i));
  s[31] = 0x7e;  // marks test seeds in hex dumps
  return s;
}

RandomStream::RandomStream(const Seed& seed, StreamPurpose purpose)
    : key_(seed), nonce_(static_cast<std::uint64_t>(purpose)) {
  ensure_sodium();
}

RandomStream::RandomStream(RandomStream&& other) noexcept
    : key_(other.key_),
      nonce_(other.nonce_),
      next_block_(other.next_block_),
      pos_(other.pos_),
      buffer_(other.buffer_),
      spare_normal_(other.spare_normal_),
      has_spare_normal_(other.has_spare_normal_) {
  secure_wipe(other.key_.data(), other.key_.size());
  secure_wipe(other.buffer_.data(), sizeof(other.buffer_));
  other.pos_ = kBufferWords;
}

RandomStream::~RandomStream() {
  secure_wipe(key_.data(), key_.size());
  secure_wipe(buffer_.data(), sizeof(buffer_));
  secure_wipe(&spare_normal_, sizeof(spare_normal_));
}

void RandomStream::refill() {
  static_assert(sizeof(buffer_) == 4096);
  unsigned char nonce[crypto_stream_chacha20_NONCEBYTES];
  std::memcpy(nonce, &nonce_, sizeof(nonce));
  crypto_stream_chacha20_xor_ic(reinterpret_cast<unsigned char*>(buffer_.data()),
                                zero_block().data(), sizeof(buffer_), nonce, next_block_,
                                key_.data());
  next_block_ += sizeof(buffer_) / 64;
  pos_ = 0;
}

std::uint64_t RandomStream::next_u64() {
  if (pos_ == kBufferWords) refill();
  return buffer_[pos_++];
}

void RandomStream::fill(std::span<std::uint64_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    if (pos_ == kBufferWords) refill();
    const std::size_t take = std::min(out.size() - done, kBufferWords - pos_);
    std::memcpy(out.data() + done, buffer_.data() + pos_, take * sizeof(std::uint64_t));
    pos_ += take;
    done += take;
  }
}

double RandomStream::next_unit() {
  return static_cast<double>(next_u64() >> 11) * 0x1p-53;
}

double RandomStream::next_standard_normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  // 1 - u lies in (0, 1], so the logarithm is finite.
  const double u1 = 1.0 - next_unit();
  const double u2 = next_unit();
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double angle = 2.0 * std::numbers::pi * u2;
  spare_normal_ = radius * std::sin(angle);
  has_spare_normal_ = true;
  return radius * std::cos(angle);
}

NoiseDistribution NoiseDistribution::gaussian(double std_dev_torus) {
  if (!(std_dev_torus >= 0.0) || std_dev_torus >= 1.0) {
    throw InvalidArgument("Gaussian noise standard deviation must be in [0, 1) of the torus, got " +
                          std::to_string(std_dev_torus));
  }
  NoiseDistribution d;
  d.kind = Kind::kGaussian;
  d.std_dev = std_dev_torus;
  return d;
}

NoiseDistribution NoiseDistribution::tuniform(unsigned log2_bound) {
  if (log2_bound + 2 > 64) {
    throw InvalidArgument("TUniform bound 2^" + std::to_string(log2_bound) +
                          " does not fit a 64-bit torus (needs b + 2 <= 64)");
  }
  NoiseDistribution d;
  d.kind = Kind::kTUniform;
  d.log2_bound = log2_bound;
  return d;
}

double NoiseDistribution::variance() const {
  if (kind == Kind::kGaussian) return std_dev * std_dev;
  const double bound = std::ldexp(1.0, static_cast<int>(log2_bound));
  return (2.0 * bound * bound + 1.0) / 6.0 * 0x1p-128;
}

double NoiseDistribution::torus_std_dev() const {
  return std::sqrt(variance());
}

std::string NoiseDistribution::describe() const {
  if (kind == Kind::kTUniform) return "TUniform(2^" + std::to_string(log2_bound) + ")";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "Gaussian(sigma=2^%.2f)", std::log2(std_dev));
  return buf;
}

Torus sample_noise(const NoiseDistribution& dist, RandomStream& rng) {
  if (dist.kind == NoiseDistribution::Kind::kTUniform) {
    const unsigned b = dist.log2_bound;
    const std::uint64_t mask = (b + 2 == 64) ? ~0ULL : ((1ULL << (b + 2)) - 1);
    const std::uint64_t r = rng.next_u64() & mask;
    // (r >> 1) + (r & 1) is in [0, 2^(b+1)] with the ends half as likely; centre it.
    return (r >> 1) + (r & 1) - (1ULL << b);
  }
  if (dist.std_dev == 0.0) return 0;
  // round_to_torus reduces modulo 2^64, so any standard deviation below 1 is safe.
  return round_to_torus(rng.next_standard_normal() * dist.std_dev * 0x1p64);
}

EncryptionRandomness EncryptionRandomness::from_os() {
  const Seed mask_seed = random_seed();
  Seed noise_seed = random_seed();
  EncryptionRandomness r{RandomStream(mask_seed, StreamPurpose::kMask),
                         RandomStream(noise_seed, StreamPurpose::kNoise)};
  secure_wipe(noise_seed.data(), noise_seed.size());
  return r;
}

EncryptionRandomness EncryptionRandomness::from_seed(const Seed& seed) {
  return EncryptionRandomness{RandomStream(seed, StreamPurpose::kMask),
                              RandomStream(seed, StreamPurpose::kNoise)};
}

EncryptionRandomness EncryptionRandomness::with_mask_seed(const Seed& mask_seed) {
  Seed noise_seed = random_seed();
  EncryptionRandomness r{RandomStream(mask_seed, StreamPurpose::kMask),
                         RandomStream(noise_seed, StreamPurpose::kNoise)};
  secure_wipe(noise_seed.data(), noise_seed.size());
  return r;
}

}  // namespace lutfhe
