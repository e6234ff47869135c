// Client key files (client side). Written with mode 0600; they hold every secret.
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/client_key.hpp"

namespace lutfhe {

void save_client_key(const std::filesystem::path& path, const ClientKey& key);
ClientKey load_client_key(const std::filesystem::path& path);

// Exact size in bytes of the file save_client_key writes (header included).
std::uint64_t client_key_file_size(const ParameterSet& p);

}  // namespace lutfhe
