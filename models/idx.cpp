#include "models/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>

#include "core/errors.hpp"
#include "core/file_format.hpp"

namespace lutfhe::models {
namespace {

constexpr std::size_t kChunk = std::size_t{1} << 20;
// Decompressed bytes a gzipped IDX file may hold: max(64 MiB, 64 × its compressed size).
// MNIST-like images compress about 5 times.
constexpr std::uint64_t kMinInflateLimit = std::uint64_t{64} << 20;
constexpr std::uint64_t kMaxInflateRatio = 64;
// Values a sample or array loader turns into doubles (1 GiB of them).
constexpr std::size_t kMaxDecodedValues = std::size_t{1} << 27;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw FileFormatError(path.string() + ": " + what);
}

std::string hex_byte(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
  return buf;
}

std::optional<IdxType> to_type(std::uint8_t code) {
  switch (code) {
    case 0x08:
    case 0x09:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x0E:
      return static_cast<IdxType>(code);
    default:
      return std::nullopt;
  }
}

std::size_t element_bytes(IdxType type) {
  switch (type) {
    case IdxType::kUint8:
    case IdxType::kInt8:
      return 1;
    case IdxType::kInt16:
      return 2;
    case IdxType::kInt32:
    case IdxType::kFloat32:
      return 4;
    case IdxType::kFloat64:
      return 8;
  }
  return 1;
}

// A plain file or a gzip stream (chosen by the first two bytes), read sequentially.
class ByteSource {
 public:
  explicit ByteSource(const std::filesystem::path& path) : path_(path) {
    std::FILE* probe = std::fopen(path.c_str(), "rb");
    if (!probe) throw InvalidArgument(path.string() + ": cannot open for reading");
    unsigned char magic[2] = {0, 0};
    const std::size_t n = std::fread(magic, 1, 2, probe);
    gzipped_ = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (gzipped_) {
      std::fclose(probe);
      // A legitimate IDX file compresses a few times (MNIST images: 5x); a file that inflates
      // to more than 64 times its size is refused before it fills memory or takes minutes.
      if (!ec) max_inflated_ = std::max<std::uint64_t>(kMinInflateLimit, kMaxInflateRatio * size);
      gz_ = gzopen(path.c_str(), "rb");
      if (!gz_) throw InvalidArgument(path.string() + ": cannot open for reading");
      gzbuffer(gz_, 1u << 17);
    } else {
      file_ = probe;
      std::rewind(file_);
      if (!ec) plain_size_ = size;
    }
  }
  ~ByteSource() {
    if (file_) std::fclose(file_);
    if (gz_) gzclose(gz_);
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  bool gzipped() const { return gzipped_; }
  // The file's length when plain (and known).
  std::optional<std::uint64_t> plain_size() const { return plain_size_; }

  // Reads up to n bytes; fewer only at the end of the data.
  std::size_t read(void* out, std::size_t n) {
    auto* p = static_cast<unsigned char*>(out);
    std::size_t done = 0;
    while (done < n) {
      const std::size_t want = std::min(n - done, kChunk);
      std::size_t got = 0;
      if (gz_) {
        const int r = gzread(gz_, p + done, static_cast<unsigned>(want));
        if (r < 0) {
          int errnum = 0;
          const char* msg = gzerror(gz_, &errnum);
          fail(path_, std::string("damaged gzip stream (") + (msg ? msg : "unknown error") + ")");
        }
        got = static_cast<std::size_t>(r);
        int errnum = Z_OK;
        const char* msg = got < want ? gzerror(gz_, &errnum) : nullptr;
        // A short read with an error pending: the stream was cut or damaged, not the data.
        if (errnum != Z_OK && errnum != Z_STREAM_END) {
          fail(path_, std::string("damaged gzip stream (") + (msg ? msg : "unknown error") + ")");
        }
      } else {
        got = std::fread(p + done, 1, want, file_);
        if (got < want && std::ferror(file_)) fail(path_, "read error");
      }
      done += got;
      inflated_ += got;
      if (gz_ && inflated_ > max_inflated_) {
        fail(path_, "decompresses to more than " + std::to_string(max_inflated_) + " bytes, over " +
                        std::to_string(kMaxInflateRatio) +
                        " times its size: refused as a likely decompression bomb");
      }
      if (got < want) break;
    }
    return done;
  }

 private:
  std::filesystem::path path_;
  bool gzipped_ = false;
  std::FILE* file_ = nullptr;
  gzFile gz_ = nullptr;
  std::optional<std::uint64_t> plain_size_;
  std::uint64_t inflated_ = 0;
  std::uint64_t max_inflated_ = kMinInflateLimit;
};

std::uint32_t read_be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

std::uint64_t read_be(const unsigned char* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

double decode(IdxType type, const unsigned char* p) {
  switch (type) {
    case IdxType::kUint8:
      return p[0];
    case IdxType::kInt8:
      return static_cast<std::int8_t>(p[0]);
    case IdxType::kInt16:
      return static_cast<std::int16_t>(static_cast<std::uint16_t>(read_be(p, 2)));
    case IdxType::kInt32:
      return static_cast<std::int32_t>(static_cast<std::uint32_t>(read_be(p, 4)));
    case IdxType::kFloat32:
      return std::bit_cast<float>(static_cast<std::uint32_t>(read_be(p, 4)));
    case IdxType::kFloat64:
      return std::bit_cast<double>(read_be(p, 8));
  }
  return 0.0;
}

std::string gz_note(const ByteSource& src) {
  return src.gzipped() ? " (decompressed)" : "";
}

// Reads header and the first `max_items` items (0: all) of raw big-endian data, checking the
// whole file's length.
struct RawIdx {
  IdxType type = IdxType::kUint8;
  std::vector<std::size_t> dims;
  std::size_t item_size = 1;
  std::size_t items = 0;
  std::vector<unsigned char> bytes;
};

RawIdx read_raw(const std::filesystem::path& path, std::size_t max_items) {
  ByteSource src(path);
  RawIdx raw;
  unsigned char magic[4];
  const std::size_t got_magic = src.read(magic, 4);
  if (got_magic < 4) {
    fail(path, "truncated header: " + std::to_string(got_magic) + " bytes" + gz_note(src) +
                   ", an IDX file starts with 4 magic bytes");
  }
  if (magic[0] != 0 || magic[1] != 0) {
    fail(path, "not an IDX file: the first bytes are " + hex_byte(magic[0]) + " " +
                   hex_byte(magic[1]) + ", IDX files start 0x00 0x00");
  }
  const auto type = to_type(magic[2]);
  if (!type) {
    fail(path, "unsupported IDX element type " + hex_byte(magic[2]) +
                   " (known: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, "
                   "0x0E float64)");
  }
  raw.type = *type;
  const std::size_t ndims = magic[3];
  if (ndims == 0) fail(path, "the IDX header declares no dimensions");
  std::vector<unsigned char> dim_bytes(4 * ndims);
  const std::size_t got_dims = src.read(dim_bytes.data(), dim_bytes.size());
  if (got_dims < dim_bytes.size()) {
    fail(path, "truncated header: " + std::to_string(ndims) + " dimensions need " +
                   std::to_string(dim_bytes.size()) + " bytes after the magic, the file" +
                   gz_note(src) + " has " + std::to_string(got_dims));
  }
  std::uint64_t elements = 1;
  for (std::size_t i = 0; i < ndims; ++i) {
    const std::uint32_t d = read_be32(&dim_bytes[4 * i]);
    if (d == 0) fail(path, "dimension " + std::to_string(i + 1) + " is 0");
    elements *= d;  // each factor < 2^32 and the product stays <= 2^31 * 2^32 before the check
    if (elements > kIdxMaxElements) {
      fail(path, "the IDX header declares more than 2^31 elements (dimension " +
                     std::to_string(i + 1) + " is " + std::to_string(d) + ")");
    }
    raw.dims.push_back(d);
  }
  const std::size_t esize = element_bytes(raw.type);
  const std::uint64_t header_bytes = 4 + 4 * ndims;
  const std::uint64_t data_bytes = elements * esize;
  if (const auto size = src.plain_size()) {
    if (*size < header_bytes + data_bytes) {
      fail(path, "truncated data: the header declares " + std::to_string(elements) + " " +
                     idx_type_name(raw.type) + " elements (" + std::to_string(data_bytes) +
                     " bytes), the file has " + std::to_string(*size - header_bytes));
    }
    if (*size > header_bytes + data_bytes) {
      fail(path, "trailing bytes after the declared data (" +
                     std::to_string(*size - header_bytes - data_bytes) + " extra)");
    }
  }
  raw.item_size = static_cast<std::size_t>(elements / raw.dims[0]);
  raw.items = max_items ? std::min<std::size_t>(max_items, raw.dims[0]) : raw.dims[0];
  const std::size_t keep = raw.items * raw.item_size * esize;
  // Grow with the data actually read, so a lying gzip header costs no memory.
  std::size_t have = 0;
  std::vector<unsigned char> scratch;
  std::uint64_t total = 0;
  while (total < data_bytes) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, data_bytes - total));
    if (have < keep) {
      const std::size_t into = std::min(want, keep - have);
      raw.bytes.resize(have + into);
      const std::size_t got = src.read(raw.bytes.data() + have, into);
      have += got;
      total += got;
      if (got < into) break;
    } else {
      scratch.resize(want);
      const std::size_t got = src.read(scratch.data(), want);
      total += got;
      if (got < want) break;
    }
  }
  if (total < data_bytes) {
    fail(path, "truncated data: the header declares " + std::to_string(elements) + " " +
                   idx_type_name(raw.type) + " elements (" + std::to_string(data_bytes) +
                   " bytes), the file" + gz_note(src) + " has " + std::to_string(total));
  }
  unsigned char extra = 0;
  if (src.read(&extra, 1) != 0) {
    fail(path, "trailing bytes" + gz_note(src) + " after the declared " +
                   std::to_string(data_bytes) + " bytes of data");
  }
  raw.bytes.resize(have);
  // The data is all there; turning it into doubles multiplies it by up to 8.
  if (raw.items > kMaxDecodedValues / raw.item_size) {
    fail(path, "holds " + std::to_string(raw.items * raw.item_size) +
                   " values to load, more than 2^27 (ask for fewer samples)");
  }
  return raw;
}

// Decodes `count` elements from element `first` on into `out`, refusing non-finite floats.
void decode_all(const std::filesystem::path& path, const RawIdx& raw, double* out,
                std::size_t first, std::size_t count) {
  const std::size_t esize = element_bytes(raw.type);
  for (std::size_t i = 0; i < count; ++i) {
    const double v = decode(raw.type, &raw.bytes[(first + i) * esize]);
    if (!std::isfinite(v)) {
      fail(path, "element " + std::to_string(first + i) + " is not a finite number");
    }
    out[i] = v;
  }
}

}  // namespace

std::string idx_type_name(IdxType type) {
  switch (type) {
    case IdxType::kUint8:
      return "uint8";
    case IdxType::kInt8:
      return "int8";
    case IdxType::kInt16:
      return "int16";
    case IdxType::kInt32:
      return "int32";
    case IdxType::kFloat32:
      return "float32";
    case IdxType::kFloat64:
      return "float64";
  }
  return "type " + hex_byte(static_cast<unsigned>(type));
}

std::size_t IdxArray::item_size() const {
  if (dims.empty()) return 0;
  std::size_t n = 1;
  for (std::size_t i = 1; i < dims.size(); ++i) n *= dims[i];
  return n;
}

IdxArray load_idx(const std::filesystem::path& path, std::size_t max_items) {
  const RawIdx raw = read_raw(path, max_items);
  IdxArray out;
  out.type = raw.type;
  out.dims = raw.dims;
  out.values.resize(raw.items * raw.item_size);
  decode_all(path, raw, out.values.data(), 0, out.values.size());
  return out;
}

std::vector<std::uint8_t> load_idx_labels(const std::filesystem::path& path,
                                          std::size_t max_count) {
  RawIdx raw = read_raw(path, max_count);
  if (raw.type != IdxType::kUint8 || raw.dims.size() != 1) {
    fail(path, "a label file must be 1-D uint8, this one is " + std::to_string(raw.dims.size()) +
                   "-D " + idx_type_name(raw.type));
  }
  return std::vector<std::uint8_t>(raw.bytes.begin(), raw.bytes.end());
}

std::vector<RealSample> load_idx_samples(const std::filesystem::path& path, std::size_t max_count) {
  const RawIdx raw = read_raw(path, max_count);
  std::vector<RealSample> out(raw.items);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].resize(raw.item_size);
    decode_all(path, raw, out[i].data(), i * raw.item_size, raw.item_size);
    if (raw.type == IdxType::kUint8) {
      for (double& v : out[i]) v /= 255.0;
    }
  }
  return out;
}

const std::vector<std::string>& idx_sample_suffixes() {
  static const std::vector<std::string> suffixes = {".idx", ".idx.gz", "-ubyte", "-ubyte.gz"};
  return suffixes;
}

}  // namespace lutfhe::models
