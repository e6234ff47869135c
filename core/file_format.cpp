#include "core/file_format.hpp"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <streambuf>
#include <vector>

namespace lutfhe {
namespace {

constexpr char kMagic[8] = {'L', 'U', 'T', 'F', 'H', 'E', '\r', '\n'};
constexpr std::size_t kHeaderDigestOffset = kHeaderSize - 16;

void put_u32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void put_u64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t get_u32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}
std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

std::array<std::uint8_t, kHeaderSize> encode_header(const FileHeader& h) {
  std::array<std::uint8_t, kHeaderSize> b{};
  std::memcpy(b.data(), kMagic, 8);
  put_u32(b.data() + 8, h.version);
  put_u32(b.data() + 12, static_cast<std::uint32_t>(h.kind));
  put_u32(b.data() + 16, h.flags);
  put_u32(b.data() + 20, 0);
  put_u64(b.data() + 24, h.payload_size);
  std::memcpy(b.data() + 32, h.parameters.data(), 32);
  std::memcpy(b.data() + 64, h.key_id.data(), 16);
  std::memcpy(b.data() + 80, h.payload_digest.data(), 32);
  crypto_generichash(b.data() + kHeaderDigestOffset, 16, b.data(), kHeaderDigestOffset, nullptr, 0);
  return b;
}

std::string where(const std::filesystem::path& path) {
  return path.string() + ": ";
}

FileHeader decode_header(const std::filesystem::path& path,
                         const std::array<std::uint8_t, kHeaderSize>& b) {
  if (std::memcmp(b.data(), kMagic, 8) != 0) {
    throw FileFormatError(where(path) + "not a lutfhe file (bad magic)");
  }
  FileHeader h;
  h.version = get_u32(b.data() + 8);
  if (h.version > kFormatVersion) {
    throw FileFormatError(where(path) + "format version " + std::to_string(h.version) +
                          " is newer than this lutfhe (" + std::to_string(kFormatVersion) + ")");
  }
  std::array<std::uint8_t, 16> digest{};
  crypto_generichash(digest.data(), 16, b.data(), kHeaderDigestOffset, nullptr, 0);
  if (std::memcmp(digest.data(), b.data() + kHeaderDigestOffset, 16) != 0) {
    throw FileFormatError(where(path) + "header is damaged (checksum mismatch)");
  }
  if (h.version == 0) throw FileFormatError(where(path) + "format version 0 is invalid");
  h.kind = static_cast<ObjectKind>(get_u32(b.data() + 12));
  h.flags = get_u32(b.data() + 16);
  h.payload_size = get_u64(b.data() + 24);
  std::memcpy(h.parameters.data(), b.data() + 32, 32);
  std::memcpy(h.key_id.data(), b.data() + 64, 16);
  std::memcpy(h.payload_digest.data(), b.data() + 80, 32);
  return h;
}

// Forwards bytes to a file while hashing them.
class HashingOutBuf : public std::streambuf {
 public:
  explicit HashingOutBuf(std::ofstream& out) : out_(out) {
    crypto_generichash_init(&state_, nullptr, 0, 32);
  }
  Digest finish() {
    Digest d{};
    crypto_generichash_final(&state_, d.data(), d.size());
    return d;
  }
  std::uint64_t size() const { return size_; }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(s),
                              static_cast<unsigned long long>(n));
    out_.write(s, n);
    size_ += static_cast<std::uint64_t>(n);
    return out_ ? n : 0;
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char ch = traits_type::to_char_type(c);
    return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
  }

 private:
  std::ofstream& out_;
  crypto_generichash_state state_{};
  std::uint64_t size_ = 0;
};

}  // namespace

std::string kind_name(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kParameters:
      return "parameter set";
    case ObjectKind::kClientKey:
      return "client key";
    case ObjectKind::kEvaluationKey:
      return "evaluation (server) key";
    case ObjectKind::kLweCiphertexts:
      return "LWE ciphertexts";
    case ObjectKind::kGlweCiphertext:
      return "GLWE ciphertext";
    case ObjectKind::kLookupTable:
      return "lookup table";
    case ObjectKind::kClientSpec:
      return "client spec";
    case ObjectKind::kServerCircuit:
      return "server circuit";
  }
  return "unknown kind " + std::to_string(static_cast<std::uint32_t>(kind));
}

void write_object_file(const std::filesystem::path& path, FileHeader header, bool secret,
                       const std::function<void(std::ostream&)>& write_payload) {
  if (sodium_init() < 0) throw Error("libsodium could not be initialised");
  const std::filesystem::path dir =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const std::filesystem::path tmp =
      dir / ("." + path.filename().string() + ".tmp" + std::to_string(::getpid()));
  struct Cleanup {
    std::filesystem::path file;
    bool armed = true;
    ~Cleanup() {
      if (armed) {
        std::error_code ec;
        std::filesystem::remove(file, ec);
      }
    }
  } cleanup{tmp};
  {
    // Create the file with its final permissions before any byte is written.
    const mode_t old_mask = ::umask(secret ? 077 : 022);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    ::umask(old_mask);
    if (!out) throw Error(where(path) + "cannot create " + tmp.string());
    if (secret)
      std::filesystem::permissions(
          tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const std::array<std::uint8_t, kHeaderSize> placeholder{};
    out.write(reinterpret_cast<const char*>(placeholder.data()), kHeaderSize);
    HashingOutBuf hashing(out);
    std::ostream payload(&hashing);
    write_payload(payload);
    payload.flush();
    header.version = kFormatVersion;
    header.payload_size = hashing.size();
    header.payload_digest = hashing.finish();
    const auto bytes = encode_header(header);
    out.seekp(0);
    out.write(reinterpret_cast<const char*>(bytes.data()), kHeaderSize);
    out.flush();
    if (!out || !payload) throw Error(where(path) + "write failed (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error(where(path) + "cannot rename into place: " + ec.message());
  cleanup.armed = false;
}

FileHeader read_file_header(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileFormatError(where(path) + "cannot open for reading");
  std::array<std::uint8_t, kHeaderSize> b{};
  in.read(reinterpret_cast<char*>(b.data()), kHeaderSize);
  if (in.gcount() != static_cast<std::streamsize>(kHeaderSize)) {
    throw FileFormatError(where(path) + "truncated: shorter than the " +
                          std::to_string(kHeaderSize) + "-byte header");
  }
  FileHeader h = decode_header(path, b);
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw FileFormatError(where(path) + "cannot read its size");
  if (size != kHeaderSize + h.payload_size) {
    throw FileFormatError(
        where(path) + (size < kHeaderSize + h.payload_size ? "truncated" : "has trailing bytes") +
        ": " + std::to_string(size) + " bytes, header says " +
        std::to_string(kHeaderSize + h.payload_size));
  }
  return h;
}

void read_object_file(const std::filesystem::path& path, ObjectKind expected,
                      const std::function<void(const FileHeader&, std::istream&)>& read_payload) {
  if (sodium_init() < 0) throw Error("libsodium could not be initialised");
  const FileHeader h = read_file_header(path);
  if (h.kind != expected) {
    throw KeyMismatch(where(path) + "is a " + kind_name(h.kind) + ", expected a " +
                      kind_name(expected));
  }
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(kHeaderSize));
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  std::vector<char> buf(1 << 20);
  std::uint64_t left = h.payload_size;
  while (left > 0) {
    const auto take = static_cast<std::streamsize>(std::min<std::uint64_t>(left, buf.size()));
    in.read(buf.data(), take);
    if (in.gcount() != take) throw FileFormatError(where(path) + "truncated payload");
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(buf.data()),
                              static_cast<unsigned long long>(take));
    left -= static_cast<std::uint64_t>(take);
  }
  Digest digest{};
  crypto_generichash_final(&state, digest.data(), digest.size());
  if (digest != h.payload_digest) {
    throw FileFormatError(where(path) + "payload is damaged (checksum mismatch)");
  }
  in.clear();
  in.seekg(static_cast<std::streamoff>(kHeaderSize));
  try {
    read_payload(h, in);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw FileFormatError(where(path) + "malformed payload (" + e.what() + ")");
  }
  if (static_cast<std::uint64_t>(in.tellg()) != kHeaderSize + h.payload_size) {
    throw FileFormatError(where(path) + "payload has unexpected trailing data");
  }
}

}  // namespace lutfhe
