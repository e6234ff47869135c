// Reading a whole input file (JSON, ONNX, CSV, value lists) with a size limit, so that a huge
// file, a device such as /dev/zero or an endless pipe is refused after `max_bytes` instead of
// filling memory.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace lutfhe {

// The file's bytes ("-" reads standard input). FileAccessError when it cannot be opened or is a
// directory; LimitExceeded naming `what` when it holds more than max_bytes.
std::string read_file_limited(const std::filesystem::path& path, std::size_t max_bytes,
                              const std::string& what);

// Size limits of the files users give lutfhe (each far above its legitimate use).
inline constexpr std::size_t kMaxParameterFileBytes = std::size_t{1} << 20;  // a small object
inline constexpr std::size_t kMaxModelFileBytes = std::size_t{256} << 20;    // JSON or ONNX
inline constexpr std::size_t kMaxSampleFileBytes = std::size_t{1} << 30;     // CSV samples
inline constexpr std::size_t kMaxValueFileBytes = std::size_t{64} << 20;     // integer lists

}  // namespace lutfhe
