// The client side of a compiled circuit: quantize and encrypt samples under the client key,
// decrypt and dequantize results. Everything here runs where the secret key lives; nothing
// here evaluates the circuit (server.hpp) or simulates it (simulate.hpp).
//
//   const ClientSpec spec = load_client_spec("client.spec");
//   const ClientKey key = load_client_key("client.key");
//   CiphertextBatch batch = encrypt_samples(spec, key, samples);      // → the server
//   ...
//   for (const auto& r : decrypt_results(spec, key, results)) {       // ← the server
//     RealSample scores = dequantize_outputs(spec, r);
//   }
#pragma once

#include <filesystem>
#include <span>
#include <vector>

#include "compiler/client_spec.hpp"
#include "compiler/tensor.hpp"
#include "core/ciphertext_files.hpp"
#include "core/client_key.hpp"
#include "core/progress.hpp"
#include "core/random.hpp"

namespace lutfhe::compiler {

// Encrypts the integers of one sample at the circuit's scales under the big key (fresh GLWE
// noise). KeyMismatch when the key is for other parameters; InvalidArgument for a value outside
// its input's range.
EncryptedTensors encrypt_sample(const ClientSpec& spec, const ClientKey& key, const Sample& sample,
                                EncryptionRandomness& rng);
// Decrypts and decodes the outputs of one sample (integers, before dequantization).
std::vector<Tensor> decrypt_outputs(const ClientSpec& spec, const ClientKey& key,
                                    const EncryptedTensors& outputs);

// Quantizes (quantize_sample) and encrypts flat real samples into one batch, sample after
// sample. Masks come from a fresh public seed recorded in the batch, so it can be stored as the
// seed plus 8 bytes per ciphertext (save_ciphertexts(…, seeded = true)).
CiphertextBatch encrypt_samples(const ClientSpec& spec, const ClientKey& key,
                                std::span<const RealSample> samples,
                                const ProgressCallback& progress = {});
// The same for samples already quantized.
CiphertextBatch encrypt_quantized(const ClientSpec& spec, const ClientKey& key,
                                  std::span<const Sample> samples,
                                  const ProgressCallback& progress = {});

// Quantizes and encrypts `samples` into a seeded batch file at `path`, 64 samples at a time
// (BatchEncryptor, write_ciphertexts_in_chunks): only one chunk's ciphertexts, masks expanded,
// are ever in memory, and the file is renamed into place when complete. `lutfhe encrypt
// --spec` and Python's encrypt_file.
void encrypt_samples_to_file(const ClientSpec& spec, const ClientKey& key,
                             std::span<const RealSample> samples, const std::filesystem::path& path,
                             const ProgressCallback& progress = {});

// Encrypts one batch in chunks with one mask stream (a fresh public seed) across them, so that
// chunk after chunk is the batch encrypt_quantized makes, and can be written as one seeded file
// (write_ciphertexts_in_chunks) without ever holding the whole batch.
class BatchEncryptor {
 public:
  // KeyMismatch when the key is for other parameters. Both must outlive the encryptor.
  BatchEncryptor(const ClientSpec& spec, const ClientKey& key);
  // The batch's header: parameters, key id, encoding and mask seed, for `samples` samples.
  CiphertextBatchInfo info(std::size_t samples) const;
  // The next samples' ciphertexts, sample after sample.
  std::vector<LweCiphertext> encrypt(std::span<const Sample> samples);

 private:
  const ClientSpec& spec_;
  const ClientKey& key_;
  Seed seed_;
  EncryptionRandomness rng_;
};

// Decrypts a batch of results (the server's answer to a batch of samples): one vector of
// output tensors per sample. KeyMismatch for a batch under another key or parameters;
// InvalidArgument unless it holds a whole number of results.
std::vector<std::vector<Tensor>> decrypt_results(const ClientSpec& spec, const ClientKey& key,
                                                 const CiphertextBatch& results);

}  // namespace lutfhe::compiler
