#include "service/ids.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <stdexcept>

#include "core/hex.hpp"

namespace lutfhe::service {
namespace {

void ensure_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string random_hex(std::size_t bytes) {
  ensure_sodium();
  std::array<std::uint8_t, 32> buf{};
  randombytes_buf(buf.data(), bytes);
  std::string out = to_hex(std::span<const std::uint8_t>(buf.data(), bytes));
  sodium_memzero(buf.data(), buf.size());
  return out;
}

}  // namespace

std::string new_job_id() {
  return random_hex(16);
}

std::string new_token() {
  return "lf_" + random_hex(32);
}

std::string token_digest(std::string_view token) {
  ensure_sodium();
  std::array<std::uint8_t, 32> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr,
                     0);
  return to_hex(digest);
}

bool is_hex_id(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_model_name(std::string_view s) {
  if (s.empty() || s.size() > 64 || s.front() == '.') return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_idempotency_key(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace lutfhe::service
