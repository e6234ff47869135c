#include "compiler/client.hpp"

#include <algorithm>
#include <string>

#include "compiler/encoding.hpp"
#include "core/errors.hpp"
#include "core/fingerprint.hpp"
#include "core/lwe_encryption.hpp"

namespace lutfhe::compiler {
namespace {

void require_key(const ClientSpec& spec, const ClientKey& key) {
  if (parameter_fingerprint(key.parameters()) != parameter_fingerprint(spec.params)) {
    throw KeyMismatch("client key is for parameters " + key.parameters().name +
                      ", the circuit was compiled for " + spec.params.name);
  }
}

}  // namespace

EncryptedTensors encrypt_sample(const ClientSpec& spec, const ClientKey& key, const Sample& sample,
                                EncryptionRandomness& rng) {
  require_key(spec, key);
  require_equal(sample.size(), spec.inputs.size(), "sample", "input tensors", "circuit inputs");
  EncryptedTensors out;
  for (std::size_t i = 0; i < sample.size(); ++i) {
    const ClientTensor& t = spec.inputs[i];
    require_equal(sample[i].size(), element_count(t.shape), "sample", "values", "input elements");
    std::vector<LweCiphertext> cts;
    cts.reserve(sample[i].size());
    for (std::int64_t v : sample[i]) {
      if (!t.range.contains(v)) {
        throw InvalidArgument("input '" + t.name + "': value " + std::to_string(v) +
                              " is outside [" + std::to_string(t.range.lo) + ", " +
                              std::to_string(t.range.hi) + "]");
      }
      LweCiphertext ct(key.big_key().dimension());
      encrypt_lwe(ct, encode_value(v, t.scale_log2), key.big_key(), spec.params.glwe_noise, rng);
      cts.push_back(std::move(ct));
    }
    out.push_back(std::move(cts));
  }
  return out;
}

std::vector<Tensor> decrypt_outputs(const ClientSpec& spec, const ClientKey& key,
                                    const EncryptedTensors& outputs) {
  require_key(spec, key);
  require_equal(outputs.size(), spec.outputs.size(), "results", "output tensors",
                "circuit outputs");
  std::vector<Tensor> out;
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    const ClientTensor& t = spec.outputs[o];
    require_equal(outputs[o].size(), element_count(t.shape), "results", "ciphertexts",
                  "output elements");
    Tensor values;
    values.reserve(outputs[o].size());
    for (const auto& ct : outputs[o]) {
      values.push_back(decode_value(key.phase(ct), t.scale_log2, t.range.lo));
    }
    out.push_back(std::move(values));
  }
  return out;
}

BatchEncryptor::BatchEncryptor(const ClientSpec& spec, const ClientKey& key)
    : spec_(spec),
      key_(key),
      seed_(random_seed()),
      rng_(EncryptionRandomness::with_mask_seed(seed_)) {
  require_key(spec, key);
}

CiphertextBatchInfo BatchEncryptor::info(std::size_t samples) const {
  // The file's encoding field is informational for compiled circuits (the spec holds each
  // tensor's scale); it records the widest message width it can name.
  int scale = 63;
  for (const auto& t : spec_.inputs) scale = std::min(scale, t.scale_log2);
  return {spec_.params, key_.key_id(),
          MessageEncoding{false, static_cast<unsigned>(std::clamp(63 - scale, 1, 16))},
          static_cast<std::uint64_t>(samples) * spec_.input_values(), seed_};
}

std::vector<LweCiphertext> BatchEncryptor::encrypt(std::span<const Sample> samples) {
  std::vector<LweCiphertext> out;
  out.reserve(samples.size() * spec_.input_values());
  for (const Sample& s : samples) append_sample(out, encrypt_sample(spec_, key_, s, rng_));
  return out;
}

CiphertextBatch encrypt_quantized(const ClientSpec& spec, const ClientKey& key,
                                  std::span<const Sample> samples,
                                  const ProgressCallback& progress) {
  BatchEncryptor encryptor(spec, key);
  const CiphertextBatchInfo info = encryptor.info(samples.size());
  CiphertextBatch batch{info.params, info.key_id, info.encoding, {}, info.mask_seed};
  batch.ciphertexts.reserve(info.count);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    for (auto& ct : encryptor.encrypt(samples.subspan(i, 1))) {
      batch.ciphertexts.push_back(std::move(ct));
    }
    if (progress) progress(i + 1, samples.size());
  }
  return batch;
}

CiphertextBatch encrypt_samples(const ClientSpec& spec, const ClientKey& key,
                                std::span<const RealSample> samples,
                                const ProgressCallback& progress) {
  std::vector<Sample> quantized;
  quantized.reserve(samples.size());
  for (const auto& s : samples) quantized.push_back(quantize_sample(spec, s));
  return encrypt_quantized(spec, key, quantized, progress);
}

void encrypt_samples_to_file(const ClientSpec& spec, const ClientKey& key,
                             std::span<const RealSample> samples, const std::filesystem::path& path,
                             const ProgressCallback& progress) {
  BatchEncryptor encryptor(spec, key);
  write_ciphertexts_in_chunks(
      path, encryptor.info(samples.size()), [&](const CiphertextChunkSink& emit) {
        constexpr std::size_t kChunk = 64;
        std::vector<Sample> quantized;
        for (std::size_t first = 0; first < samples.size(); first += kChunk) {
          const std::size_t n = std::min(kChunk, samples.size() - first);
          quantized.clear();
          for (std::size_t i = first; i < first + n; ++i) {
            quantized.push_back(quantize_sample(spec, samples[i]));
          }
          emit(encryptor.encrypt(quantized));
          if (progress) progress(first + n, samples.size());
        }
      });
}

std::vector<std::vector<Tensor>> decrypt_results(const ClientSpec& spec, const ClientKey& key,
                                                 const CiphertextBatch& results) {
  require_key(spec, key);
  require_same_key("results", results.params, results.key_id, key.parameters(), key.key_id());
  const auto samples = split_batch(spec.output_shapes(), results.ciphertexts, "results");
  std::vector<std::vector<Tensor>> out;
  out.reserve(samples.size());
  for (const auto& s : samples) out.push_back(decrypt_outputs(spec, key, s));
  return out;
}

}  // namespace lutfhe::compiler
