// Bytes as lowercase hexadecimal: key ids, seeds, fingerprints, temporary-file suffixes. The one
// hex encoder of the project.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace lutfhe {

// Two digits per byte, most significant nibble first. With `max_bytes`, only the first
// max_bytes bytes (short ids in messages: to_hex(id, 6) is 12 digits).
std::string to_hex(std::span<const std::uint8_t> bytes, std::size_t max_bytes = SIZE_MAX);

}  // namespace lutfhe
