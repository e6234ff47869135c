// Shared by the libFuzzer targets of the file loaders (tests/fuzz/fuzz_*.cpp).
//
// An input is one mode byte followed by the rest:
//   bit 0 clear: the rest is written out as a whole file, header included (exercises the header
//                checks: magic, digest, version, flags, sizes);
//   bit 0 set:   the rest is a payload, framed under a valid header of the target's kind (bit 1:
//                the seeded flag) with correct size and digests, so that the payload parser is
//                reached. Fuzzing builds (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION) also skip the
//                parameter-fingerprint and key-id equality checks for the same reason.
// A loader may throw lutfhe::Error (any subclass); anything else escaping, a crash, a leak or
// an ASan report is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/file_format.hpp"
#include "core/parameters.hpp"

namespace lutfhe::fuzz {

// For targets that read every kind: the framed kind comes from bits 2..4 of the mode byte.
inline constexpr ObjectKind kAnyKind = static_cast<ObjectKind>(0);

// Writes the input as described above to a per-process temporary file and calls `load` on it.
int run_loader(const std::uint8_t* data, std::size_t size, ObjectKind kind,
               const std::function<void(const std::filesystem::path&)>& load);

// Header + payload bytes of a framed file (no fsync: fuzzing writes thousands per second).
std::vector<std::uint8_t> frame(ObjectKind kind, std::uint32_t flags,
                                const std::vector<std::uint8_t>& payload);

// Writes the input, as it is (no mode byte), to a per-process temporary file whose name ends
// with `suffix` (".json", ".onnx", ".idx", ".csv": loaders dispatch on it) and calls `load`.
int run_raw(const std::uint8_t* data, std::size_t size, const std::string& suffix,
            const std::function<void(const std::filesystem::path&)>& load);

// The small parameter set the seed corpus is made with (n=4, k=1, N=64): keys of a few KiB.
const ParameterSet& fuzz_parameters();

}  // namespace lutfhe::fuzz
