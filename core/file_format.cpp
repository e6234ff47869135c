#include "core/file_format.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <istream>
#include <ostream>
#include <streambuf>
#include <vector>

#include "core/hex.hpp"
#include "core/secure_memory.hpp"

namespace lutfhe {
namespace {

constexpr char kMagic[8] = {'L', 'U', 'T', 'F', 'H', 'E', '\r', '\n'};
constexpr std::size_t kHeaderDigestOffset = kHeaderSize - 16;
// Stream buffers: large enough that a multi-GiB key is written in few system calls, small
// enough to wipe cheaply (they may hold secret-key bytes).
constexpr std::size_t kBufferSize = std::size_t{1} << 16;

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

void ensure_sodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw Error("libsodium could not be initialised");
}

std::string where(const std::filesystem::path& path) {
  return path.string() + ": ";
}

std::string system_reason(int err) {
  return std::strerror(err);
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

std::string hex32(std::uint32_t v) {
  const std::array<std::uint8_t, 4> big_endian{
      static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
      static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  return "0x" + to_hex(big_endian);
}

FileHeader decode_header(const std::filesystem::path& path,
                         const std::array<std::uint8_t, kHeaderSize>& b) {
  if (std::memcmp(b.data(), kMagic, 8) != 0) {
    throw FileFormatError(where(path) + "not a lutfhe file (bad magic)");
  }
  FileHeader h;
  h.version = get_u32(b.data() + 8);
  std::array<std::uint8_t, 16> digest{};
  crypto_generichash(digest.data(), 16, b.data(), kHeaderDigestOffset, nullptr, 0);
  if (sodium_memcmp(digest.data(), b.data() + kHeaderDigestOffset, 16) != 0) {
    // A later format may lay its header out differently, so its digest need not match ours.
    if (h.version > kFormatVersion) {
      throw FileFormatError(where(path) + "format version " + std::to_string(h.version) +
                            " is newer than this lutfhe reads (" + std::to_string(kFormatVersion) +
                            "), or the header is damaged");
    }
    throw FileFormatError(where(path) + "header is damaged (checksum mismatch)");
  }
  if (h.version > kFormatVersion) {
    throw FileFormatError(where(path) + "format version " + std::to_string(h.version) +
                          " is newer than this lutfhe reads (" + std::to_string(kFormatVersion) +
                          "); upgrade lutfhe");
  }
  if (h.version == 0) throw FileFormatError(where(path) + "format version 0 is invalid");
  h.kind = static_cast<ObjectKind>(get_u32(b.data() + 12));
  h.flags = get_u32(b.data() + 16);
  if ((h.flags & ~kKnownFlags) != 0) {
    throw FileFormatError(where(path) + "unknown header flags " + hex32(h.flags & ~kKnownFlags));
  }
  if (get_u32(b.data() + 20) != 0) {
    throw FileFormatError(where(path) + "reserved header field is " +
                          hex32(get_u32(b.data() + 20)) + ", must be 0");
  }
  h.payload_size = get_u64(b.data() + 24);
  std::memcpy(h.parameters.data(), b.data() + 32, 32);
  std::memcpy(h.key_id.data(), b.data() + 64, 16);
  std::memcpy(h.payload_digest.data(), b.data() + 80, 32);
  return h;
}

// A file descriptor that is closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd& operator=(Fd&&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads exactly `size` bytes at `offset`; false at end of file or on error.
bool pread_all(int fd, void* out, std::size_t size, std::uint64_t offset) {
  auto* p = static_cast<char*>(out);
  while (size > 0) {
    const ssize_t r = ::pread(fd, p, size, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    size -= static_cast<std::size_t>(r);
    offset += static_cast<std::uint64_t>(r);
  }
  return true;
}

bool write_all(int fd, const char* p, std::size_t size) {
  while (size > 0) {
    const ssize_t r = ::write(fd, p, size);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    size -= static_cast<std::size_t>(r);
  }
  return true;
}

// An open, validated file: a regular file whose header checks out.
struct OpenedFile {
  Fd fd;
  FileHeader header;
};

OpenedFile open_and_read_header(const std::filesystem::path& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below); it has no
  // effect on the regular files that are read.
  OpenedFile f{Fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)), {}};
  if (f.fd.get() < 0) {
    throw FileAccessError(where(path) + "cannot open: " + system_reason(errno));
  }
  struct stat st {};
  if (::fstat(f.fd.get(), &st) != 0) {
    throw FileAccessError(where(path) + "cannot read its size: " + system_reason(errno));
  }
  if (S_ISDIR(st.st_mode)) throw FileAccessError(where(path) + "is a directory, not a file");
  if (!S_ISREG(st.st_mode)) throw FileAccessError(where(path) + "is not a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size == 0) throw FileFormatError(where(path) + "is empty, not a lutfhe file");
  std::array<std::uint8_t, kHeaderSize> b{};
  if (size < kHeaderSize) {
    // Still report a foreign file as such rather than as a truncated one.
    const std::size_t have = static_cast<std::size_t>(size);
    if (!pread_all(f.fd.get(), b.data(), have, 0)) {
      throw FileAccessError(where(path) + "cannot read: " + system_reason(errno));
    }
    if (std::memcmp(b.data(), kMagic, std::min<std::size_t>(have, 8)) != 0) {
      throw FileFormatError(where(path) + "not a lutfhe file (bad magic)");
    }
    throw FileFormatError(where(path) + "truncated: " + std::to_string(size) +
                          " bytes, shorter than the " + std::to_string(kHeaderSize) +
                          "-byte header");
  }
  if (!pread_all(f.fd.get(), b.data(), kHeaderSize, 0)) {
    throw FileAccessError(where(path) + "cannot read: " + system_reason(errno));
  }
  f.header = decode_header(path, b);
  const std::uint64_t expected = f.header.payload_size;
  const std::uint64_t have = size - kHeaderSize;
  if (have != expected) {
    throw FileFormatError(where(path) + (have < expected ? "truncated" : "has trailing bytes") +
                          ": " + std::to_string(size) + " bytes, header says " +
                          (expected > UINT64_MAX - kHeaderSize
                               ? std::string("more than 2^64")
                               : std::to_string(kHeaderSize + expected)));
  }
  return f;
}

// Forwards bytes to a file descriptor through a buffer, hashing them; the buffer is wiped.
class HashingWriteBuf : public std::streambuf {
 public:
  explicit HashingWriteBuf(int fd) : fd_(fd), buffer_(kBufferSize) {
    crypto_generichash_init(&state_, nullptr, 0, 32);
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  // The hash state's block buffer held payload (possibly secret-key) bytes.
  ~HashingWriteBuf() override { sodium_memzero(&state_, sizeof(state_)); }
  HashingWriteBuf(const HashingWriteBuf&) = delete;
  HashingWriteBuf& operator=(const HashingWriteBuf&) = delete;
  // Flushes and returns the digest; false (with errno in error()) if a write failed.
  bool finish(Digest& digest) {
    if (!drain()) return false;
    crypto_generichash_final(&state_, digest.data(), digest.size());
    return true;
  }
  std::uint64_t size() const { return size_ + static_cast<std::uint64_t>(pptr() - pbase()); }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type c) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::streamsize done = 0;
    while (done < n) {
      if (pptr() == epptr() && !drain()) return done;
      const auto room = static_cast<std::streamsize>(epptr() - pptr());
      const std::streamsize take = std::min(room, n - done);
      std::memcpy(pptr(), s + done, static_cast<std::size_t>(take));
      pbump(static_cast<int>(take));
      done += take;
    }
    return done;
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain() {
    if (error_ != 0) return false;
    const auto n = static_cast<std::size_t>(pptr() - pbase());
    if (n == 0) return true;
    crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(pbase()), n);
    if (!write_all(fd_, pbase(), n)) {
      error_ = errno != 0 ? errno : EIO;
      return false;
    }
    size_ += n;
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return true;
  }

  int fd_;
  SecureVector<char> buffer_;
  crypto_generichash_state state_{};
  std::uint64_t size_ = 0;
  int error_ = 0;
};

// Serves `size` bytes from `offset` of a file descriptor; the buffer is wiped.
class RangeReadBuf : public std::streambuf {
 public:
  RangeReadBuf(int fd, std::uint64_t offset, std::uint64_t size)
      : fd_(fd),
        next_(offset),
        left_(size),
        buffer_(static_cast<std::size_t>(
            std::min<std::uint64_t>(std::max<std::uint64_t>(size, 1), kBufferSize))) {
    setg(buffer_.data(), buffer_.data(), buffer_.data());
  }
  // Bytes handed to the reader so far.
  std::uint64_t consumed() const {
    return delivered_ - static_cast<std::uint64_t>(egptr() - gptr());
  }

 protected:
  // Answers tellg() (the offset into the payload); no other seeking.
  pos_type seekoff(off_type off, std::ios_base::seekdir dir,
                   std::ios_base::openmode which) override {
    if (off == 0 && dir == std::ios_base::cur && (which & std::ios_base::in)) {
      return pos_type(static_cast<off_type>(consumed()));
    }
    return pos_type(off_type(-1));
  }

  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (left_ == 0) return traits_type::eof();
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(left_, buffer_.size()));
    if (!pread_all(fd_, buffer_.data(), take, next_)) return traits_type::eof();
    next_ += take;
    left_ -= take;
    delivered_ += take;
    setg(buffer_.data(), buffer_.data(), buffer_.data() + take);
    return traits_type::to_int_type(*gptr());
  }

 private:
  int fd_;
  std::uint64_t next_;
  std::uint64_t left_;
  std::uint64_t delivered_ = 0;
  SecureVector<char> buffer_;
};

void check_payload_digest(const std::filesystem::path& path, const OpenedFile& f) {
  struct WipedState {
    crypto_generichash_state s;
    ~WipedState() { sodium_memzero(&s, sizeof(s)); }  // held payload (key) bytes
  } wiped{};
  crypto_generichash_state& state = wiped.s;
  crypto_generichash_init(&state, nullptr, 0, 32);
  SecureVector<unsigned char> buf(static_cast<std::size_t>(
      std::min<std::uint64_t>(std::max<std::uint64_t>(f.header.payload_size, 1), kBufferSize)));
  std::uint64_t offset = kHeaderSize;
  std::uint64_t left = f.header.payload_size;
  while (left > 0) {
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size()));
    if (!pread_all(f.fd.get(), buf.data(), take, offset)) {
      throw FileFormatError(where(path) + "truncated payload (the file changed while read?)");
    }
    crypto_generichash_update(&state, buf.data(), take);
    offset += take;
    left -= take;
  }
  Digest digest{};
  crypto_generichash_final(&state, digest.data(), digest.size());
  if (sodium_memcmp(digest.data(), f.header.payload_digest.data(), digest.size()) != 0) {
    throw FileFormatError(where(path) + "payload is damaged (checksum mismatch)");
  }
}

// Runs the reader on the payload stream, turning anything but the file layer's own errors
// into a FileFormatError that names the file. Returns the bytes the reader consumed.
std::uint64_t run_reader(const std::filesystem::path& path, const OpenedFile& f,
                         const std::function<void(const FileHeader&, std::istream&)>& reader) {
  RangeReadBuf buf(f.fd.get(), kHeaderSize, f.header.payload_size);
  std::istream in(&buf);
  try {
    reader(f.header, in);
  } catch (const FileFormatError&) {
    throw;
  } catch (const KeyMismatch&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw FileFormatError(where(path) + "malformed payload (sizes too large to allocate)");
  } catch (const std::exception& e) {
    throw FileFormatError(where(path) + "malformed payload (" + e.what() + ")");
  }
  return buf.consumed();
}

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
      return "LWE ciphertext batch";
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

std::string kind_with_article(ObjectKind kind) {
  const std::string name = kind_name(kind);
  // "an evaluation key", "an LWE ciphertext batch", "an unknown kind 42".
  const bool an = name.front() == 'e' || name.front() == 'u' || name.rfind("LWE", 0) == 0;
  return (an ? "an " : "a ") + name;
}

void write_object_file(AtomicFile& out, FileHeader header,
                       const std::function<void(std::ostream&)>& write_payload) {
  ensure_sodium();
  if ((header.flags & ~kKnownFlags) != 0) {
    throw InvalidArgument(where(out.path()) + "unknown header flags " +
                          hex32(header.flags & ~kKnownFlags));
  }
  const std::array<std::uint8_t, kHeaderSize> placeholder{};
  out.write(std::string_view(reinterpret_cast<const char*>(placeholder.data()), kHeaderSize));
  HashingWriteBuf buf(out.fd());
  {
    std::ostream payload(&buf);
    try {
      write_payload(payload);
    } catch (...) {
      if (buf.error() != 0) {
        errno = buf.error();
        out.fail("write failed");
      }
      throw;
    }
  }
  Digest digest{};
  if (!buf.finish(digest)) {
    errno = buf.error();
    out.fail("write failed");
  }
  header.version = kFormatVersion;
  header.payload_size = buf.size();
  header.payload_digest = digest;
  const auto bytes = encode_header(header);
  if (::pwrite(out.fd(), bytes.data(), kHeaderSize, 0) != static_cast<ssize_t>(kHeaderSize)) {
    out.fail("write failed");
  }
}

void write_object_file(const std::filesystem::path& path, FileHeader header, bool secret,
                       const std::function<void(std::ostream&)>& write_payload) {
  AtomicFile out(path, secret);
  write_object_file(out, header, write_payload);
  out.commit();
}

FileHeader read_file_header(const std::filesystem::path& path) {
  ensure_sodium();
  return open_and_read_header(path).header;
}

void read_object_file(const std::filesystem::path& path, ObjectKind expected,
                      const std::function<void(const FileHeader&, std::istream&)>& read_payload) {
  ensure_sodium();
  const OpenedFile f = open_and_read_header(path);
  if (f.header.kind != expected) {
    throw KeyMismatch(where(path) + "is " + kind_with_article(f.header.kind) + " file, expected " +
                      kind_with_article(expected));
  }
  check_payload_digest(path, f);
  const std::uint64_t consumed = run_reader(path, f, read_payload);
  if (consumed != f.header.payload_size) {
    throw FileFormatError(where(path) + "payload has " +
                          std::to_string(f.header.payload_size - consumed) +
                          " unexpected trailing bytes");
  }
}

void inspect_object_file(
    const std::filesystem::path& path,
    const std::function<void(const FileHeader&, std::istream&)>& read_payload) {
  ensure_sodium();
  const OpenedFile f = open_and_read_header(path);
  check_payload_digest(path, f);
  run_reader(path, f, read_payload);
}

}  // namespace lutfhe
