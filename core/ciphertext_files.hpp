// Ciphertext files: batches of LWE ciphertexts (what clients encrypt and servers return) and
// single GLWE ciphertexts. No secrets: both sides read and write them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "core/entities/glwe_ciphertext.hpp"
#include "core/entities/lwe_ciphertext.hpp"
#include "core/key_id.hpp"
#include "core/parameters.hpp"
#include "core/random.hpp"

namespace lutfhe {

// How the messages of a ciphertext file are encoded.
struct MessageEncoding {
  bool boolean = false;  // ±1/8 booleans (gate bootstrapping)
  unsigned bits = 0;     // message bits with a padding bit (when not boolean)
  friend bool operator==(const MessageEncoding&, const MessageEncoding&) = default;
};

// A batch of LWE ciphertexts under the big key of one client key.
struct CiphertextBatch {
  ParameterSet params;
  KeyId key_id{};
  MessageEncoding encoding;
  std::vector<LweCiphertext> ciphertexts;
  // When set, every mask was drawn in order from RandomStream(mask_seed, kMask), so the
  // batch can be stored as the seed plus the bodies.
  std::optional<Seed> mask_seed;
};

// With `seeded` (requires batch.mask_seed), masks are stored as their seed.
void save_ciphertexts(const std::filesystem::path& path, const CiphertextBatch& batch, bool seeded);
CiphertextBatch load_ciphertexts(const std::filesystem::path& path);

// A batch one chunk at a time, so that only a chunk is ever in memory (a seeded batch of 2,000
// MNIST digits is 12 MB on disk and 25 GB with its masks expanded).
//
// The file the same batch would be with save_ciphertexts: `count` ciphertexts in all, given
// by `produce`, which calls `emit` with consecutive chunks (each chunk's params and key id must
// be `info`'s; with `mask_seed`, the masks must be the stream of that seed in order, and only
// the bodies are written). Anything but exactly `count` ciphertexts is an error, and as with
// every writer, an error leaves no file behind.
struct CiphertextBatchInfo {
  ParameterSet params;
  KeyId key_id{};
  MessageEncoding encoding;
  std::uint64_t count = 0;
  std::optional<Seed> mask_seed;  // a seeded file's (the masks are not stored)
};
using CiphertextChunkSink = std::function<void(const std::vector<LweCiphertext>&)>;
void write_ciphertexts_in_chunks(
    const std::filesystem::path& path, const CiphertextBatchInfo& info,
    const std::function<void(const CiphertextChunkSink& emit)>& produce);
// The prologue of a batch file (validated as a whole first, digest included).
CiphertextBatchInfo read_ciphertexts_info(const std::filesystem::path& path);
// Validates the file, then calls `consume` with its ciphertexts `chunk` at a time (the last
// chunk may be shorter; masks of a seeded file expanded in order). Exceptions from `consume`
// reach the caller as they are; a malformed file is a FileFormatError.
void read_ciphertexts_in_chunks(
    const std::filesystem::path& path, std::size_t chunk,
    const std::function<void(const CiphertextBatchInfo&, std::vector<LweCiphertext>&&)>& consume);

void save_glwe_ciphertext(const std::filesystem::path& path, const ParameterSet& p,
                          const KeyId& key_id, const GlweCiphertext& ct);
// Loads and checks that the file belongs to `p` and `key_id` (KeyMismatch otherwise).
GlweCiphertext load_glwe_ciphertext(const std::filesystem::path& path, const ParameterSet& p,
                                    const KeyId& key_id);
// Loads with the parameters and key id the file names.
struct GlweCiphertextFile {
  ParameterSet params;
  KeyId key_id;
  GlweCiphertext ciphertext;
};
GlweCiphertextFile load_glwe_ciphertext_file(const std::filesystem::path& path);

// Exact size in bytes of the file save_ciphertexts writes (header included).
std::uint64_t ciphertexts_file_size(const ParameterSet& p, std::uint64_t count, bool seeded);

// Throws KeyMismatch unless the file's key id and parameters are those of `key`:
// "ct.bin: made with key 3f2a…, this server key is 91c0…".
void require_same_key(const std::filesystem::path& what, const ParameterSet& file_params,
                      const KeyId& file_key, const ParameterSet& params, const KeyId& key);

// What precedes the ciphertexts of a batch file (also read by describe_file).
struct CiphertextPrologue {
  ParameterSet params;
  KeyId key_id;
  MessageEncoding encoding;
  std::uint64_t count;
};

}  // namespace lutfhe
