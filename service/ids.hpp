// Identifiers the service hands out and checks: job ids and client tokens come from libsodium's
// CSPRNG; tokens are stored only as their BLAKE2b-256 digest. Every id that arrives in a URL is
// checked against its exact shape before it reaches the store or the file system, so that a
// path trick ("../x", "%2e%2e") is simply an unknown id.
#pragma once

#include <string>
#include <string_view>

namespace lutfhe::service {

// 32 lowercase hex digits (128 random bits).
std::string new_job_id();
// "lf_" followed by 64 hex digits (256 random bits). Shown once, never stored.
std::string new_token();
// Hex BLAKE2b-256 of the token: what the store keeps and looks up.
std::string token_digest(std::string_view token);

// Exact shapes: 32 lowercase hex digits (job ids, key ids), model names [A-Za-z0-9_.-]{1,64}
// not starting with a dot, idempotency keys of printable ASCII, 1..128 characters.
bool is_hex_id(std::string_view s);
bool is_model_name(std::string_view s);
bool is_idempotency_key(std::string_view s);

}  // namespace lutfhe::service
