// Evaluation key files: what a client sends to a server (no secrets). A server loads them
// straight into its server key.
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/atomic_file.hpp"
#include "core/evaluation_key.hpp"
#include "core/progress.hpp"
#include "core/server_key.hpp"

namespace lutfhe {

// With `seeded` (requires key.mask_seed), masks are stored as their seed.
void save_evaluation_key(const std::filesystem::path& path, const EvaluationKey& key, bool seeded);
// The same into a temporary file the caller commits (save_key_pair).
void write_evaluation_key(AtomicFile& out, const EvaluationKey& key, bool seeded);
EvaluationKey load_evaluation_key(const std::filesystem::path& path);
// Loads straight into the server form (Fourier bootstrapping key, 32-bit key switching), one
// GGSW at a time, never holding the standard-domain bootstrapping key.
ServerKey load_server_key(const std::filesystem::path& path, const ProgressCallback& progress = {});

// Exact size in bytes of the file save_evaluation_key writes (header included).
std::uint64_t evaluation_key_file_size(const ParameterSet& p, bool seeded);

}  // namespace lutfhe
