// `lutfhe info`: what a file is, without its bulk and without secrets.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "core/ciphertext_files.hpp"
#include "core/file_format.hpp"
#include "core/parameters.hpp"

namespace lutfhe {

// The header and the leading payload fields of the kinds the core knows. The whole file is
// validated (digests).
struct FileSummary {
  FileHeader header;
  std::uint64_t file_size = 0;
  std::optional<ParameterSet> params;            // every kind but compiler artifacts
  std::optional<MessageEncoding> encoding;       // LWE ciphertext batches
  std::optional<std::uint64_t> count;            // LWE ciphertext batches
  std::optional<unsigned> table_input_bits;      // lookup tables
  std::optional<std::uint64_t> table_functions;  // lookup tables
};
FileSummary describe_file(const std::filesystem::path& path);

}  // namespace lutfhe
