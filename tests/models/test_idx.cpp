// IDX files (models/idx.hpp): small plain and gzipped files written here, every element type,
// label files, load_samples dispatch and scaling, every malformed-file case, and Debian's
// Fashion-MNIST files when the dataset-fashion-mnist package is installed.
#include "models/idx.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/file_format.hpp"
#include "models/samples.hpp"

namespace lutfhe::testing {
namespace {

using namespace models;
using Bytes = std::vector<unsigned char>;

std::filesystem::path temp_dir() {
  const auto dir = std::filesystem::temp_directory_path() / "lutfhe_idx_test";
  std::filesystem::create_directories(dir);
  return dir;
}

void put_be(Bytes& b, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<unsigned char>(v >> (8 * i)));
}

Bytes header(unsigned type, const std::vector<std::uint32_t>& dims) {
  Bytes b = {0, 0, static_cast<unsigned char>(type), static_cast<unsigned char>(dims.size())};
  for (auto d : dims) put_be(b, d, 4);
  return b;
}

Bytes u8_file(const std::vector<std::uint32_t>& dims, const Bytes& data) {
  Bytes b = header(0x08, dims);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

std::filesystem::path write_plain(const std::string& name, const Bytes& b) {
  const auto p = temp_dir() / name;
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  return p;
}

std::filesystem::path write_gz(const std::string& name, const Bytes& b) {
  const auto p = temp_dir() / name;
  gzFile f = gzopen(p.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  if (f) {
    if (!b.empty()) {
      EXPECT_EQ(gzwrite(f, b.data(), static_cast<unsigned>(b.size())), static_cast<int>(b.size()));
    }
    EXPECT_EQ(gzclose(f), Z_OK);
  }
  return p;
}

// 3 images of 2x2 pixels.
const Bytes kPixels = {0, 255, 51, 102, 1, 2, 3, 4, 200, 100, 50, 25};

TEST(Idx, PlainUint8) {
  const auto p = write_plain("img.idx", u8_file({3, 2, 2}, kPixels));
  const IdxArray a = load_idx(p);
  EXPECT_EQ(a.type, IdxType::kUint8);
  EXPECT_EQ(a.dims, (std::vector<std::size_t>{3, 2, 2}));
  EXPECT_EQ(a.item_size(), 4u);
  EXPECT_EQ(a.loaded_items(), 3u);
  ASSERT_EQ(a.values.size(), kPixels.size());
  for (std::size_t i = 0; i < kPixels.size(); ++i) EXPECT_EQ(a.values[i], kPixels[i]) << i;
  const IdxArray first = load_idx(p, 2);
  EXPECT_EQ(first.dims[0], 3u);
  EXPECT_EQ(first.loaded_items(), 2u);
  EXPECT_EQ(first.values.size(), 8u);
  EXPECT_EQ(load_idx(p, 99).loaded_items(), 3u);
}

TEST(Idx, GzippedSameAsPlain) {
  const auto plain = load_idx(write_plain("img_plain.idx", u8_file({3, 2, 2}, kPixels)));
  const auto gz = load_idx(write_gz("img.idx.gz", u8_file({3, 2, 2}, kPixels)));
  EXPECT_EQ(gz.dims, plain.dims);
  EXPECT_EQ(gz.values, plain.values);
  // Detected by the magic bytes, not the name.
  const auto disguised = load_idx(write_gz("gz_named_plain.idx", u8_file({3, 2, 2}, kPixels)));
  EXPECT_EQ(disguised.values, plain.values);
  EXPECT_EQ(load_idx(write_gz("img2.idx.gz", u8_file({3, 2, 2}, kPixels)), 1).values,
            (std::vector<double>{0, 255, 51, 102}));
}

TEST(Idx, OtherTypes) {
  {
    Bytes b = header(0x09, {3});
    b.insert(b.end(), {0x80, 0x7F, 0xFF});
    EXPECT_EQ(load_idx(write_plain("i8.idx", b)).values, (std::vector<double>{-128, 127, -1}));
  }
  {
    Bytes b = header(0x0B, {2});
    put_be(b, 0x8000, 2);
    put_be(b, 0x0102, 2);
    EXPECT_EQ(load_idx(write_plain("i16.idx", b)).values, (std::vector<double>{-32768, 258}));
  }
  {
    Bytes b = header(0x0C, {2});
    put_be(b, 0xFFFFFFFEu, 4);
    put_be(b, 0x01020304u, 4);
    EXPECT_EQ(load_idx(write_plain("i32.idx", b)).values, (std::vector<double>{-2, 16909060}));
  }
  {
    Bytes b = header(0x0D, {2});
    put_be(b, std::bit_cast<std::uint32_t>(1.5f), 4);
    put_be(b, std::bit_cast<std::uint32_t>(-0.25f), 4);
    const IdxArray a = load_idx(write_plain("f32.idx", b));
    EXPECT_EQ(a.type, IdxType::kFloat32);
    EXPECT_EQ(a.values, (std::vector<double>{1.5, -0.25}));
  }
  {
    Bytes b = header(0x0E, {1, 2});
    put_be(b, std::bit_cast<std::uint64_t>(3.125), 8);
    put_be(b, std::bit_cast<std::uint64_t>(-1e300), 8);
    const IdxArray a = load_idx(write_gz("f64.idx.gz", b));
    EXPECT_EQ(a.dims, (std::vector<std::size_t>{1, 2}));
    EXPECT_EQ(a.values, (std::vector<double>{3.125, -1e300}));
  }
}

TEST(Idx, Labels) {
  const Bytes labels = {7, 2, 1, 0, 9};
  const auto plain = write_plain("labels-idx1-ubyte", u8_file({5}, labels));
  EXPECT_EQ(load_idx_labels(plain), (std::vector<std::uint8_t>{7, 2, 1, 0, 9}));
  EXPECT_EQ(load_idx_labels(plain, 2), (std::vector<std::uint8_t>{7, 2}));
  const auto gz = write_gz("labels-idx1-ubyte.gz", u8_file({5}, labels));
  EXPECT_EQ(load_idx_labels(gz), (std::vector<std::uint8_t>{7, 2, 1, 0, 9}));
  // Images are not labels, nor are int8 values.
  EXPECT_THROW(load_idx_labels(write_plain("not_labels.idx", u8_file({3, 2, 2}, kPixels))),
               FileFormatError);
  Bytes i8 = header(0x09, {2});
  i8.insert(i8.end(), {1, 2});
  EXPECT_THROW(load_idx_labels(write_plain("i8_labels.idx", i8)), FileFormatError);
}

TEST(IdxSamples, LoadSamplesDispatchAndScaling) {
  const Bytes file = u8_file({3, 2, 2}, kPixels);
  for (const std::string name : {"a.idx", "train-images-idx3-ubyte", "b-ubyte"}) {
    const auto s = load_samples(write_plain(name, file), 0, 4);
    ASSERT_EQ(s.size(), 3u) << name;
    EXPECT_EQ(s[0], (RealSample{0.0, 1.0, 51 / 255.0, 102 / 255.0})) << name;
    EXPECT_EQ(s[2], (RealSample{200 / 255.0, 100 / 255.0, 50 / 255.0, 25 / 255.0})) << name;
  }
  for (const std::string name : {"a.idx.gz", "t10k-images-idx3-ubyte.gz"}) {
    const auto s = load_samples(write_gz(name, file), 2);
    ASSERT_EQ(s.size(), 2u) << name;
    EXPECT_EQ(s[1], (RealSample{1 / 255.0, 2 / 255.0, 3 / 255.0, 4 / 255.0})) << name;
  }
  // The flattened size is checked against the model's.
  EXPECT_THROW(load_samples(write_plain("c.idx", file), 0, 784), InvalidArgument);
  // Non-uint8 values are not scaled.
  Bytes i16 = header(0x0B, {2, 1});
  put_be(i16, 300, 2);
  put_be(i16, 0xFFFF, 2);
  EXPECT_EQ(load_samples(write_plain("i16s.idx", i16)), (std::vector<RealSample>{{300}, {-1}}));
  // An IDX file is not read as CSV (and a CSV name is not read as IDX).
  EXPECT_THROW(load_samples(write_plain("bad.idx", {'1', ',', '2', '\n'})), FileFormatError);
}

void expect_format_error(const std::filesystem::path& p, const std::string& fragment) {
  try {
    load_idx(p);
    ADD_FAILURE() << p << ": no FileFormatError";
  } catch (const FileFormatError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(p.string()), std::string::npos) << what;
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
  }
}

// Every malformed file, plain and gzipped.
TEST(IdxErrors, Malformed) {
  struct Case {
    std::string name;
    Bytes bytes;
    std::string fragment;
  };
  Bytes trailing = u8_file({3, 2, 2}, kPixels);
  trailing.push_back(0);
  Bytes truncated = u8_file({3, 2, 2}, kPixels);
  truncated.pop_back();
  Bytes huge = header(0x08, {65536, 65536});
  huge.insert(huge.end(), 16, 0);
  Bytes big_lie = header(0x08, {1u << 30, 2});  // 2^31 elements: allowed, but not there
  big_lie.insert(big_lie.end(), 16, 0);
  Bytes nan = header(0x0D, {1});
  put_be(nan, 0x7FC00000u, 4);
  const std::vector<Case> cases = {
      {"empty", {}, "truncated header"},
      {"short_magic", {0, 0, 8}, "truncated header"},
      {"bad_magic", {'P', 'K', 3, 4, 0, 0, 0, 1, 0}, "not an IDX file"},
      {"bad_magic2", {0, 1, 8, 1, 0, 0, 0, 1, 0}, "not an IDX file"},
      {"bad_type", {0, 0, 0x07, 1, 0, 0, 0, 1, 0}, "unsupported IDX element type 0x07"},
      {"no_dims", {0, 0, 8, 0, 5}, "no dimensions"},
      {"short_dims", {0, 0, 8, 3, 0, 0, 0, 1, 0, 0}, "truncated header"},
      {"zero_dim", u8_file({3, 0, 2}, {}), "dimension 2 is 0"},
      {"huge", huge, "more than 2^31 elements"},
      {"big_lie", big_lie, "truncated data"},
      {"truncated", truncated, "truncated data"},
      {"header_only", header(0x08, {3, 2, 2}), "truncated data"},
      {"trailing", trailing, "trailing bytes"},
      {"nan", nan, "not a finite number"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    expect_format_error(write_plain(c.name + ".idx", c.bytes), c.fragment);
    expect_format_error(write_gz(c.name + ".idx.gz", c.bytes), c.fragment);
    EXPECT_THROW(load_samples(temp_dir() / (c.name + ".idx")), FileFormatError);
    EXPECT_THROW(load_samples(temp_dir() / (c.name + ".idx.gz")), FileFormatError);
    EXPECT_THROW(load_idx_labels(temp_dir() / (c.name + ".idx")), FileFormatError);
  }
}

TEST(IdxErrors, DamagedGzipAndMissingFile) {
  // A gzip stream cut short and one with a corrupted body.
  const auto good = write_gz("good.idx.gz", u8_file({3, 2, 2}, kPixels));
  std::ifstream in(good, std::ios::binary);
  const Bytes gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(gz.size(), 20u);
  expect_format_error(write_plain("cut.idx.gz", Bytes(gz.begin(), gz.begin() + 14)),
                      "damaged gzip stream");
  expect_format_error(write_plain("cut_trailer.idx.gz", Bytes(gz.begin(), gz.end() - 4)),
                      "damaged gzip stream");
  Bytes corrupt = gz;
  for (std::size_t i = 10; i < corrupt.size() - 8; ++i) corrupt[i] ^= 0x5A;
  expect_format_error(write_plain("corrupt.idx.gz", corrupt), "damaged gzip stream");
  EXPECT_THROW(load_idx(temp_dir() / "does_not_exist.idx"), InvalidArgument);
}

// Debian's dataset-fashion-mnist, read unchanged (skipped when not installed).
TEST(IdxSamples, FashionMnistIfInstalled) {
  const std::filesystem::path dir = "/usr/share/datasets/fashion-mnist";
  const auto images = dir / "t10k-images-idx3-ubyte.gz";
  const auto labels = dir / "t10k-labels-idx1-ubyte.gz";
  if (!std::filesystem::exists(images) || !std::filesystem::exists(labels)) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  const IdxArray a = load_idx(images, 5);
  EXPECT_EQ(a.dims, (std::vector<std::size_t>{10000, 28, 28}));
  const auto s = load_samples(images, 0, 784);
  ASSERT_EQ(s.size(), 10000u);
  double max = 0.0;
  for (const auto& x : s) {
    for (double v : x) {
      ASSERT_GE(v, 0.0);
      ASSERT_LE(v, 1.0);
      max = std::max(max, v);
    }
  }
  EXPECT_EQ(max, 1.0);
  const auto l = load_idx_labels(labels);
  ASSERT_EQ(l.size(), 10000u);
  std::vector<int> count(10);
  for (auto v : l) {
    ASSERT_LT(v, 10);
    ++count[v];
  }
  for (int c : count) EXPECT_EQ(c, 1000);  // the test set is balanced
}

}  // namespace
}  // namespace lutfhe::testing
