#include "tests/support/file_test_support.hpp"

#include <sodium.h>
#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <stdexcept>

namespace lutfhe::testing {

TempDir::TempDir(const std::string& tag) {
  std::string pattern = (std::filesystem::temp_directory_path() / (tag + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary directory from " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<std::string> TempDir::entries() const {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(path_)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  // A fresh file rather than a truncated one: ext4 flushes a truncated-and-rewritten file on
  // close (auto_da_alloc), which would make thousands of damaged files wait for the disk.
  std::error_code ec;
  std::filesystem::remove(path, ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

SplitFile split_file(const std::filesystem::path& path) {
  SplitFile s{read_file_header(path), {}};
  const auto bytes = read_bytes(path);
  s.payload.assign(bytes.begin() + static_cast<std::ptrdiff_t>(kHeaderSize), bytes.end());
  return s;
}

void reframe(const std::filesystem::path& path, const FileHeader& header,
             const std::vector<std::uint8_t>& payload) {
  // Built by hand rather than with write_object_file: no fsync, so thousands of damaged files
  // stay cheap, and the layout is checked independently of the writer.
  if (sodium_init() < 0) throw std::runtime_error("libsodium");
  std::vector<std::uint8_t> bytes(kHeaderSize, 0);
  const auto put = [&](std::size_t offset, std::uint64_t v, int size) {
    for (int i = 0; i < size; ++i) bytes[offset + i] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  std::memcpy(bytes.data(), "LUTFHE\r\n", 8);
  put(kOffsetVersion, header.version, 4);
  put(kOffsetKind, static_cast<std::uint32_t>(header.kind), 4);
  put(kOffsetFlags, header.flags, 4);
  put(kOffsetPayloadSize, payload.size(), 8);
  std::memcpy(bytes.data() + kOffsetParameters, header.parameters.data(), 32);
  std::memcpy(bytes.data() + kOffsetKeyId, header.key_id.data(), 16);
  crypto_generichash(bytes.data() + kOffsetPayloadDigest, 32, payload.data(), payload.size(),
                     nullptr, 0);
  fix_header_digest(bytes);
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  write_bytes(path, bytes);
}

void fix_header_digest(std::vector<std::uint8_t>& file_bytes) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium");
  crypto_generichash(file_bytes.data() + kOffsetHeaderDigest, 16, file_bytes.data(),
                     kOffsetHeaderDigest, nullptr, 0);
}

std::vector<std::size_t> interesting_offsets(std::size_t size, std::size_t spread) {
  std::set<std::size_t> at = {0,
                              1,
                              7,
                              kOffsetVersion,
                              kOffsetKind,
                              kOffsetFlags,
                              kOffsetReserved,
                              kOffsetPayloadSize,
                              kOffsetPayloadSize + 7,
                              kOffsetParameters,
                              kOffsetParameters + 31,
                              kOffsetKeyId,
                              kOffsetKeyId + 15,
                              kOffsetPayloadDigest,
                              kOffsetPayloadDigest + 31,
                              kOffsetHeaderDigest,
                              kHeaderSize - 1,
                              kHeaderSize,
                              kHeaderSize + 1,
                              kHeaderSize + 9,
                              kHeaderSize + 40,
                              kHeaderSize + 100,
                              size / 2,
                              size - 9,
                              size - 1};
  for (std::size_t i = 1; i <= spread; ++i)
    at.insert(kHeaderSize + (size - kHeaderSize) * i / (spread + 1));
  std::vector<std::size_t> out;
  for (std::size_t o : at) {
    if (o < size) out.push_back(o);
  }
  return out;
}

}  // namespace lutfhe::testing
