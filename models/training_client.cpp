#include "models/training_client.hpp"

#include <cmath>

#include "compiler/encoding.hpp"
#include "core/errors.hpp"
#include "core/lwe_encryption.hpp"
#include "core/random.hpp"

namespace lutfhe::models {
namespace {

using compiler::ClientSpec;
using compiler::ClientTensor;

void append_encrypted(std::vector<LweCiphertext>& out, const ClientTensor& t,
                      std::span<const std::int64_t> values, const ClientKey& key,
                      const ParameterSet& params, EncryptionRandomness& rng) {
  for (std::int64_t v : values) {
    if (!t.range.contains(v)) {
      throw InvalidArgument("input '" + t.name + "': value " + std::to_string(v) + " is outside [" +
                            std::to_string(t.range.lo) + ", " + std::to_string(t.range.hi) + "]");
    }
    LweCiphertext ct(key.big_key().dimension());
    encrypt_lwe(ct, compiler::encode_value(v, t.scale_log2), key.big_key(), params.glwe_noise, rng);
    out.push_back(std::move(ct));
  }
}

void require_key(const ClientSpec& spec, const ClientKey& key) {
  require_same_key("training spec", spec.params, key.key_id(), key.parameters(), key.key_id());
}

MessageEncoding encoding_of(const ClientSpec& spec) {
  int scale = 63;
  for (const auto& t : spec.inputs) scale = std::min(scale, t.scale_log2);
  return MessageEncoding{false, static_cast<unsigned>(std::clamp(63 - scale, 1, 16))};
}

}  // namespace

SgdSettings settings_from_spec(const ClientSpec& spec) {
  const auto fail = [](const std::string& why) {
    throw InvalidArgument("not a training step spec: " + why);
  };
  if (spec.inputs.size() != 3 || spec.outputs.size() != 1) {
    fail("it needs inputs x, y, weights and one output, has " + std::to_string(spec.inputs.size()) +
         " inputs and " + std::to_string(spec.outputs.size()) + " outputs");
  }
  const ClientTensor& x = spec.inputs[0];
  const ClientTensor& y = spec.inputs[1];
  const ClientTensor& w = spec.inputs[2];
  if (x.shape.size() != 1 || y.shape.size() != 1 || w.shape.size() != 1 ||
      spec.outputs[0].shape != w.shape || w.shape[0] < 2 || y.shape[0] == 0 ||
      x.shape[0] != y.shape[0] * (w.shape[0] - 1)) {
    fail("shapes x " + compiler::to_string(x.shape) + ", y " + compiler::to_string(y.shape) +
         ", weights " + compiler::to_string(w.shape) + " do not fit together");
  }
  if (x.range.lo != -x.range.hi || w.range.lo != -w.range.hi || y.range != compiler::Range{0, 1}) {
    fail("ranges are not those of a training step");
  }
  SgdSettings s;
  s.features = w.shape[0] - 1;
  s.batch = y.shape[0];
  s.x_max = x.range.hi;
  s.w_max = w.range.hi;
  s.w_scale = 1.0 / w.quantization.scale;
  return s;
}

CiphertextBatch encrypt_training_batches(const ClientSpec& spec, const ClientKey& key,
                                         std::span<const QuantizedBatch> batches,
                                         const ProgressCallback& progress) {
  return encrypt_training_job(spec, key, batches, {}, progress);
}

CiphertextBatch encrypt_training_job(const ClientSpec& spec, const ClientKey& key,
                                     std::span<const QuantizedBatch> batches,
                                     const compiler::Tensor& weights,
                                     const ProgressCallback& progress) {
  require_key(spec, key);
  const SgdSettings s = settings_from_spec(spec);
  const Seed seed = random_seed();
  EncryptionRandomness rng = EncryptionRandomness::with_mask_seed(seed);
  CiphertextBatch out{spec.params, key.key_id(), encoding_of(spec), {}, seed};
  out.ciphertexts.reserve(weights.size() + batches.size() * s.batch * (s.features + 1));
  if (!weights.empty()) {
    // Empty only for encrypt_training_batches, which holds the batches alone.
    require_equal(weights.size(), s.weights(), "initial weights", "values", "expected");
    append_encrypted(out.ciphertexts, spec.inputs[2], weights, key, spec.params, rng);
  }
  for (std::size_t b = 0; b < batches.size(); ++b) {
    require_equal(batches[b].x.size(), s.batch * s.features, "training batch", "features",
                  "expected");
    require_equal(batches[b].y.size(), s.batch, "training batch", "labels", "expected");
    append_encrypted(out.ciphertexts, spec.inputs[0], batches[b].x, key, spec.params, rng);
    append_encrypted(out.ciphertexts, spec.inputs[1], batches[b].y, key, spec.params, rng);
    if (progress) progress(b + 1, batches.size());
  }
  return out;
}

CiphertextBatch encrypt_weights(const ClientSpec& spec, const ClientKey& key,
                                const compiler::Tensor& weights) {
  require_key(spec, key);
  const SgdSettings s = settings_from_spec(spec);
  require_equal(weights.size(), s.weights(), "initial weights", "values", "expected");
  const Seed seed = random_seed();
  EncryptionRandomness rng = EncryptionRandomness::with_mask_seed(seed);
  CiphertextBatch out{spec.params, key.key_id(), encoding_of(spec), {}, seed};
  append_encrypted(out.ciphertexts, spec.inputs[2], weights, key, spec.params, rng);
  return out;
}

CiphertextBatch encrypt_training_epochs(const ClientSpec& spec, const ClientKey& key,
                                        std::span<const compiler::RealSample> x,
                                        std::span<const int> y, std::size_t epochs,
                                        const ProgressCallback& progress) {
  const SgdSettings s = settings_from_spec(spec);
  if (x.size() != y.size()) {
    throw InvalidArgument("training data: " + std::to_string(y.size()) + " labels for " +
                          std::to_string(x.size()) + " samples");
  }
  const auto one = make_batches(x, y, s);
  std::vector<QuantizedBatch> batches;
  for (std::size_t e = 0; e < epochs; ++e) batches.insert(batches.end(), one.begin(), one.end());
  if (batches.empty()) {
    throw InvalidArgument("training data: fewer samples than one batch of " +
                          std::to_string(s.batch) + " (or zero epochs)");
  }
  return encrypt_training_job(spec, key, batches, initial_weights(s), progress);
}

std::vector<double> decrypt_trained_weights(const ClientSpec& spec, const ClientKey& key,
                                            const CiphertextBatch& weights) {
  return dequantize_weights(decrypt_weights(spec, key, weights), settings_from_spec(spec));
}

compiler::Tensor decrypt_weights(const ClientSpec& spec, const ClientKey& key,
                                 const CiphertextBatch& weights) {
  require_key(spec, key);
  require_same_key("weights", weights.params, weights.key_id, key.parameters(), key.key_id());
  const SgdSettings s = settings_from_spec(spec);
  require_equal(weights.ciphertexts.size(), s.weights(), "weights", "ciphertexts", "expected");
  const ClientTensor& t = spec.outputs[0];
  compiler::Tensor out;
  for (const auto& ct : weights.ciphertexts) {
    out.push_back(compiler::decode_value(key.phase(ct), t.scale_log2, t.range.lo));
  }
  return out;
}

}  // namespace lutfhe::models
