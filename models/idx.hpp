// IDX files (the MNIST / Fashion-MNIST format), plain or gzipped.
//
// Layout: magic bytes 00 00 <type> <ndims>, then ndims big-endian u32 dimension sizes, then
// the elements in row-major order, big-endian. Types: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32,
// 0x0D f32, 0x0E f64. A gzipped file is recognised by its first two bytes (1f 8b), whatever
// its name. Readers check the header, refuse a zero dimension or more than kIdxMaxElements
// elements, and compare the declared data length with the file's (plain files: before
// allocating anything; gzipped files: while decompressing, buffers grow only with data actually
// read), so a damaged file is refused with one FileFormatError line naming it.
//
//   const IdxArray images = load_idx("train-images-idx3-ubyte.gz");  // dims {60000, 28, 28}
//   const auto labels = load_idx_labels("train-labels-idx1-ubyte.gz");  // 60000 bytes
//   const auto samples = load_samples("t10k-images-idx3-ubyte.gz", 10);  // 10 x 784, in [0,1]
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "models/samples.hpp"

namespace lutfhe::models {

enum class IdxType : std::uint8_t {
  kUint8 = 0x08,
  kInt8 = 0x09,
  kInt16 = 0x0B,
  kInt32 = 0x0C,
  kFloat32 = 0x0D,
  kFloat64 = 0x0E,
};

// "uint8", "int8", "int16", "int32", "float32", "float64".
std::string idx_type_name(IdxType type);

// The most elements an IDX file may declare (2^31).
inline constexpr std::uint64_t kIdxMaxElements = std::uint64_t{1} << 31;

struct IdxArray {
  IdxType type = IdxType::kUint8;
  // As declared in the file, outermost first. dims[0] is the item count of the whole file even
  // when fewer items were loaded.
  std::vector<std::size_t> dims;
  // The loaded items' elements, row-major, converted exactly to double (integers as is, no
  // scaling).
  std::vector<double> values;

  // Elements per item (product of dims[1..]; 1 for a 1-D file).
  std::size_t item_size() const;
  // Items held in `values`.
  std::size_t loaded_items() const { return item_size() ? values.size() / item_size() : 0; }
};

// Reads the whole file, or only the first `max_items` items along dims[0] when not 0 (the rest
// of the file is still checked for length). FileFormatError naming the file for a bad magic,
// an unsupported type, no or a zero dimension, too many elements, truncated data, trailing
// bytes, a non-finite float, or a damaged gzip stream; InvalidArgument if it cannot be opened.
IdxArray load_idx(const std::filesystem::path& path, std::size_t max_items = 0);

// A label file: 1-D uint8 (FileFormatError otherwise). At most `max_count` labels (0: all).
std::vector<std::uint8_t> load_idx_labels(const std::filesystem::path& path,
                                          std::size_t max_count = 0);

// One sample per item along dims[0], flattened; uint8 elements are scaled to [0, 1]
// (value / 255), other types are kept as they are. Reshaping to a model's input shape is the
// caller's business (load_samples checks the flattened size).
std::vector<RealSample> load_idx_samples(const std::filesystem::path& path,
                                         std::size_t max_count = 0);

// The file name suffixes load_samples reads as IDX: ".idx", ".idx.gz", "-ubyte", "-ubyte.gz"
// (covers "train-images-idx3-ubyte" and the like). Registered by samples.cpp itself, so
// nothing depends on static initialisers surviving the linker.
const std::vector<std::string>& idx_sample_suffixes();

}  // namespace lutfhe::models
