// The framing shared by every lutfhe file.
//
// A file is a fixed 128-byte header followed by a payload (a cereal portable-binary archive).
// Integers are little-endian:
//   offset  size  field
//        0     8  magic "LUTFHE\r\n"
//        8     4  format version (u32, 1)
//       12     4  object kind (u32, ObjectKind)
//       16     4  flags (u32; bit 0: seeded, masks stored as their seed; bit 1: an evaluation
//                  key without bootstrapping material; other bits 0)
//       20     4  reserved (u32, 0)
//       24     8  payload size in bytes (u64)
//       32    32  parameter fingerprint (parameter_fingerprint(), BLAKE2b-256)
//       64    16  key id (zero when the object belongs to no key)
//       80    32  payload digest (BLAKE2b-256 of the payload bytes)
//      112    16  header digest (BLAKE2b-128 of bytes 0..111)
// Readers check the magic, the header digest, the version (refusing newer ones), the flags,
// the size against the file's length, the kind and the payload digest before parsing
// anything, and parse dimensions only against the parameters, so a damaged or hostile file is
// refused with one readable line instead of being half-read. Writers write to a fresh
// temporary file in the same directory (created exclusively, 0600 for secrets), flush it to
// disk and rename it into place (core/atomic_file.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>

#include "core/atomic_file.hpp"
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

// "client key", "evaluation (server) key", ... ("unknown kind 42" otherwise).
std::string kind_name(ObjectKind kind);
// The same with its article: "a client key", "an evaluation (server) key".
std::string kind_with_article(ObjectKind kind);

using Digest = std::array<std::uint8_t, 32>;
using Fingerprint16 = std::array<std::uint8_t, 16>;

// Header flag: masks replaced by the seed of their deterministic stream.
inline constexpr std::uint32_t kFlagSeeded = 1;
// Header flag of an evaluation key: no bootstrapping material (the key of a circuit without
// lookups; params and key id only).
inline constexpr std::uint32_t kFlagNoBootstrapping = 2;
// Every flag this version knows; a file with any other bit set is refused.
inline constexpr std::uint32_t kKnownFlags = kFlagSeeded | kFlagNoBootstrapping;

struct FileHeader {
  std::uint32_t version = kFormatVersion;
  ObjectKind kind = ObjectKind::kParameters;
  std::uint32_t flags = 0;
  std::uint64_t payload_size = 0;
  Digest parameters{};      // parameter_fingerprint() of the set the object belongs to
  Fingerprint16 key_id{};   // the key it belongs to (zero when none)
  Digest payload_digest{};  // BLAKE2b-256 of the payload
};

// Writes header + payload to `path` atomically (core/atomic_file.hpp; mode 0600 when
// `secret`). The payload writer gets a stream; its bytes are hashed as they are written, so
// nothing is held twice in memory, and the write buffer is wiped afterwards. The header's
// version, payload size and digest are filled in here. If the writer throws, nothing is left
// behind and an existing file at `path` is kept.
void write_object_file(const std::filesystem::path& path, FileHeader header, bool secret,
                       const std::function<void(std::ostream&)>& write_payload);
// The same into a temporary file the caller commits (with others: commit_together).
void write_object_file(AtomicFile& out, FileHeader header,
                       const std::function<void(std::ostream&)>& write_payload);

// Reads and validates the header only (magic, header digest, version, flags, size against the
// file length). For `lutfhe info`.
FileHeader read_file_header(const std::filesystem::path& path);

// Validates everything (header, expected kind, payload digest: one pass over the file) and
// then gives the payload to `read_payload` as a stream that ends where the payload ends. The
// reader must consume exactly payload_size bytes. Any exception the reader throws other than
// FileFormatError or KeyMismatch becomes a FileFormatError naming the file.
void read_object_file(const std::filesystem::path& path, ObjectKind expected,
                      const std::function<void(const FileHeader&, std::istream&)>& read_payload);

// Validates a file of any kind like read_object_file, then lets `read_payload` read as much of
// the payload as it wants (for describing a file without loading all of it).
void inspect_object_file(const std::filesystem::path& path,
                         const std::function<void(const FileHeader&, std::istream&)>& read_payload);

}  // namespace lutfhe
