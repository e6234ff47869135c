// What every file payload is made of (file framing in file_format.hpp): cereal portable-binary
// archives, the parameter set on disk (every payload starts with it, and the header repeats its
// fingerprint), key ids and bounded strings. The one encoder and decoder of these for the core's
// files (keys, ciphertexts, tables) and the compiler's artifacts alike, with one set of bounds.
#pragma once

#include <cereal/archives/portable_binary.hpp>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <span>
#include <string>

#include "core/file_format.hpp"
#include "core/key_id.hpp"
#include "core/parameters.hpp"
#include "core/types.hpp"

namespace lutfhe::payload {

using OutArchive = cereal::PortableBinaryOutputArchive;
using InArchive = cereal::PortableBinaryInputArchive;

// What a file may hold, checked when writing and when reading: bounds that keep every size
// derived from a file checkable against its payload, strings that are safe to print, noise
// the sampler can draw.
inline constexpr std::uint64_t kMaxString = 4096;
inline constexpr std::uint64_t kMaxLweDimension = 1 << 16;
inline constexpr std::uint64_t kMaxGlweDimension = 16;
inline constexpr std::uint64_t kMaxPolynomialSize = 1 << 17;
inline constexpr std::uint64_t kMaxBigDimension = 1 << 18;
// Larger deviations are useless for TFHE and overflow the Gaussian sampler's int64 cast.
inline constexpr double kMaxGaussianStdDev = 0x1p-5;

// "<path>: ", the prefix of every message about a file.
std::string where(const std::filesystem::path& path);

template <class T>
void put(OutArchive& ar, T v) {
  ar(v);
}
template <class T>
T get(InArchive& ar) {
  T v{};
  ar(v);
  return v;
}

// At most kMaxString bytes, no control characters (they are printed in messages).
void put_string(OutArchive& ar, const std::string& s);
std::string get_string(InArchive& ar, const std::filesystem::path& path);

void put_torus(OutArchive& ar, std::span<const Torus> values);
void get_torus(InArchive& ar, std::span<Torus> values);

void put_key_id(OutArchive& ar, const KeyId& id);
// The key id that follows the parameters; it must be the header's.
KeyId get_key_id(InArchive& ar, const FileHeader& h, const std::filesystem::path& path);

// The parameter set on disk. Writing refuses a set the reader would refuse; reading checks
// every bound before anything is sized from it, then check_parameters().
void put_params(OutArchive& ar, const ParameterSet& p);
ParameterSet get_params(InArchive& ar, const std::filesystem::path& path);
// get_params, and the set must be the one the header's fingerprint names.
ParameterSet get_checked_params(InArchive& ar, const FileHeader& h,
                                const std::filesystem::path& path);
// Bytes of the archive's endianness tag plus the parameter set, as every payload starts.
std::uint64_t parameters_prefix_bytes(const ParameterSet& p);

// Kinds without a seeded form carry no flags.
void require_no_flags(const FileHeader& h, const std::filesystem::path& path);
// Payload bytes not yet read.
std::uint64_t remaining(std::istream& is, const FileHeader& h, const std::filesystem::path& path);

FileHeader make_header(ObjectKind kind, const ParameterSet& p, const KeyId& key,
                       std::uint32_t flags);

}  // namespace lutfhe::payload

namespace lutfhe {

// A file that holds one parameter set (ObjectKind::kParameters).
void save_parameters(const std::filesystem::path& path, const ParameterSet& p);
ParameterSet load_parameters(const std::filesystem::path& path);

}  // namespace lutfhe
