// The framing shared by every lutfhe file.
//
// A file is a fixed 128-byte header followed by a payload (a cereal portable-binary archive):
//   magic "LUTFHE\r\n" | format version u32 | object kind u32 | flags u32 | reserved u32 |
//   payload size u64 | parameter fingerprint (32) | key id (16) | payload BLAKE2b-256 (32) |
//   header BLAKE2b-128 over all the preceding header bytes (16)
// Readers check the magic, refuse versions newer than theirs, check the header digest, the
// kind, the size against the file's length and the payload digest before parsing anything,
// and parse dimensions only against the parameters, so a damaged or hostile file is refused
// with one readable line instead of being half-read. Writers write to a temporary file in the
// same directory and rename it into place.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>

#include "core/errors.hpp"

namespace lutfhe {

inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::size_t kHeaderSize = 128;

enum class ObjectKind : std::uint32_t {
  kParameters = 1,
  kClientKey = 2,
  kEvaluationKey = 3,
  kLweCiphertexts = 4,
  kGlweCiphertext = 5,
  kLookupTable = 6,
  // Compiler artifacts (compiler/) use kinds from 16 on.
  kClientSpec = 16,
  kServerCircuit = 17,
};

// "client key", "evaluation key", ... ("unknown kind 42" otherwise).
std::string kind_name(ObjectKind kind);

using Digest = std::array<std::uint8_t, 32>;
using Fingerprint16 = std::array<std::uint8_t, 16>;

// Header flag: masks replaced by the seed of their deterministic stream.
inline constexpr std::uint32_t kFlagSeeded = 1;

struct FileHeader {
  std::uint32_t version = kFormatVersion;
  ObjectKind kind = ObjectKind::kParameters;
  std::uint32_t flags = 0;
  std::uint64_t payload_size = 0;
  Digest parameters{};      // parameter_fingerprint() of the set the object belongs to
  Fingerprint16 key_id{};   // the key it belongs to (zero when none)
  Digest payload_digest{};  // BLAKE2b-256 of the payload
};

// A file that is not a valid lutfhe file of the expected kind: bad magic, newer version,
// damaged header or payload, truncation, a field out of range.
class FileFormatError : public Error {
 public:
  using Error::Error;
};

// A valid file that does not belong with the other inputs (other key, other parameters,
// other kind).
class KeyMismatch : public Error {
 public:
  using Error::Error;
};

// Writes header + payload to `path` through a temporary file that is renamed into place
// (mode 0600 when `secret`). The payload writer gets a stream; its bytes are hashed as they
// are written, so nothing is held twice in memory.
void write_object_file(const std::filesystem::path& path, FileHeader header, bool secret,
                       const std::function<void(std::ostream&)>& write_payload);

// Reads and validates the header only (magic, version, header digest, size against the file
// length). For `lutfhe info`.
FileHeader read_file_header(const std::filesystem::path& path);

// Validates everything (header, expected kind, payload digest: one pass over the file) and
// then gives the payload to `read_payload`. The reader must consume exactly payload_size
// bytes; a parser error becomes a FileFormatError naming the file.
void read_object_file(const std::filesystem::path& path, ObjectKind expected,
                      const std::function<void(const FileHeader&, std::istream&)>& read_payload);

}  // namespace lutfhe
