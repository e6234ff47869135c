// Client key files (client side). Written with mode 0600; they hold every secret.
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/atomic_file.hpp"
#include "core/client_key.hpp"
#include "core/evaluation_key_file.hpp"

namespace lutfhe {

void save_client_key(const std::filesystem::path& path, const ClientKey& key);
// The same into a temporary file the caller commits.
void write_client_key(AtomicFile& out, const ClientKey& key);
// Writes a client key and its evaluation key as one commit: both files are written and flushed
// under temporary names first, so a failure (a full disk) leaves the previous pair intact;
// only then are they renamed into place.
void save_key_pair(const std::filesystem::path& client_path, const ClientKey& client,
                   const std::filesystem::path& evaluation_path, const EvaluationKey& evaluation,
                   bool seeded);
ClientKey load_client_key(const std::filesystem::path& path);

// Exact size in bytes of the file save_client_key writes (header included).
std::uint64_t client_key_file_size(const ParameterSet& p);

}  // namespace lutfhe
