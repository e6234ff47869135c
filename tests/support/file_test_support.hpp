// Helpers shared by the file-layer and CLI tests: temporary directories, raw file bytes, and
// re-framing a payload under a valid header (to reach the payload parsers past the digests).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/file_format.hpp"

namespace lutfhe::testing {

// A fresh directory under the system temporary directory, removed with everything in it when
// the object goes out of scope.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "lutfhe");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  // Names of the entries in the directory, sorted.
  std::vector<std::string> entries() const;

 private:
  std::filesystem::path path_;
};

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes);

// The header of a file as read_file_header() sees it, and its payload bytes.
struct SplitFile {
  FileHeader header;
  std::vector<std::uint8_t> payload;
};
SplitFile split_file(const std::filesystem::path& path);

// Writes `payload` under `header` (kind, flags, fingerprint, key id) with a correct size and
// correct digests, so that only the payload parser can object to it.
void reframe(const std::filesystem::path& path, const FileHeader& header,
             const std::vector<std::uint8_t>& payload);

// Overwrites the header's digest (the last 16 header bytes) with the correct BLAKE2b-128 of
// the preceding 112 bytes, so that edited header fields pass the integrity check.
void fix_header_digest(std::vector<std::uint8_t>& file_bytes);

// Byte offsets of the header fields (core/file_format.hpp).
inline constexpr std::size_t kOffsetVersion = 8;
inline constexpr std::size_t kOffsetKind = 12;
inline constexpr std::size_t kOffsetFlags = 16;
inline constexpr std::size_t kOffsetReserved = 20;
inline constexpr std::size_t kOffsetPayloadSize = 24;
inline constexpr std::size_t kOffsetParameters = 32;
inline constexpr std::size_t kOffsetKeyId = 64;
inline constexpr std::size_t kOffsetPayloadDigest = 80;
inline constexpr std::size_t kOffsetHeaderDigest = 112;

// Offsets at which to truncate or damage a file of `size` bytes: every header field, the
// digests, the start, middle and end of the payload, and a spread in between.
std::vector<std::size_t> interesting_offsets(std::size_t size, std::size_t spread = 12);

}  // namespace lutfhe::testing
