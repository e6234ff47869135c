// Files for parameters, keys, ciphertexts and lookup tables (framing in file_format.hpp).
// Every payload starts with the full parameter set, whose fingerprint the header repeats;
// loaders check both, and every dimension, before they allocate anything.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "core/entities/glwe_ciphertext.hpp"
#include "core/entities/lookup_table.hpp"
#include "core/entities/lwe_ciphertext.hpp"
#include "core/file_format.hpp"
#include "core/keys.hpp"
#include "core/parameters.hpp"

namespace lutfhe {

// BLAKE2b-256 of the cryptographic content of a parameter set (dimensions, decompositions,
// noise): two sets that compute the same thing have the same fingerprint, whatever their name.
Digest parameter_fingerprint(const ParameterSet& p);

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

// Encrypts `messages` under the client key; with `seeded`, masks come from a fresh public seed
// (recorded in the batch) and the batch can be stored compressed.
CiphertextBatch encrypt_batch(const ClientKey& key, std::span<const std::uint64_t> messages,
                              MessageEncoding encoding, bool seeded);

void save_parameters(const std::filesystem::path& path, const ParameterSet& p);
ParameterSet load_parameters(const std::filesystem::path& path);

// Written with mode 0600.
void save_client_key(const std::filesystem::path& path, const ClientKey& key);
ClientKey load_client_key(const std::filesystem::path& path);

// With `seeded` (requires key.mask_seed), masks are stored as their seed.
void save_evaluation_key(const std::filesystem::path& path, const EvaluationKey& key, bool seeded);
EvaluationKey load_evaluation_key(const std::filesystem::path& path);
// Loads straight into the server form (Fourier bootstrapping key, 32-bit key switching), one
// GGSW at a time, never holding the standard-domain bootstrapping key.
ServerKey load_server_key(const std::filesystem::path& path, const ProgressCallback& progress = {});

// With `seeded` (requires batch.mask_seed), masks are stored as their seed.
void save_ciphertexts(const std::filesystem::path& path, const CiphertextBatch& batch, bool seeded);
CiphertextBatch load_ciphertexts(const std::filesystem::path& path);

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

void save_lookup_table(const std::filesystem::path& path, const ParameterSet& p,
                       const LookupTable& lut);
LookupTable load_lookup_table(const std::filesystem::path& path, const ParameterSet& p);

// Exact sizes in bytes of the files save_client_key, save_evaluation_key and save_ciphertexts
// write (header included).
std::uint64_t client_key_file_size(const ParameterSet& p);
std::uint64_t evaluation_key_file_size(const ParameterSet& p, bool seeded);
std::uint64_t ciphertexts_file_size(const ParameterSet& p, std::uint64_t count, bool seeded);

// The named set whose fingerprint this is, or nullptr.
const ParameterSet* find_parameter_set_by_fingerprint(const Digest& fingerprint);

// What a file is, without its bulk and without secrets (`lutfhe info`): the header, and the
// leading payload fields of the kinds this layer knows. The whole file is validated (digests).
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

// Throws KeyMismatch unless the file's key id and parameters are those of `key`:
// "ct.bin: made with key 3f2a…, this server key is 91c0…".
void require_same_key(const std::filesystem::path& what, const ParameterSet& file_params,
                      const KeyId& file_key, const ParameterSet& params, const KeyId& key);

}  // namespace lutfhe
