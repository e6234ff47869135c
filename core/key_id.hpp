// The public identifier of a key pair.
#pragma once

#include <array>
#include <cstdint>

namespace lutfhe {

// A public, random identifier shared by a client key, its evaluation key and every ciphertext
// made with them, so that a file under another key is refused with a clear message. It is
// derived from the secret seed by a one-way hash and reveals nothing about the secrets.
using KeyId = std::array<std::uint8_t, 16>;

}  // namespace lutfhe
