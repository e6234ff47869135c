// The data owner's side of encrypted training (the secret key lives here): encrypt the
// training batches and the initial weights under the step circuit's client spec, and decrypt
// weights — the final model, or a copy of a checkpoint for monitoring. Decrypted weights
// stay with the client: handing them back to the server would break IND-CPA^D (DESIGN.md §9).
//
// File layout (core/ciphertext_files.hpp batches): the batches file holds, for each step in
// order, the ciphertexts of its x (B·F, sample-major) then of its y (B); the weights file the
// F + 1 weights (bias last), at the scale the circuit carries them at.
#pragma once

#include <span>
#include <vector>

#include "compiler/client_spec.hpp"
#include "core/ciphertext_files.hpp"
#include "core/client_key.hpp"
#include "core/progress.hpp"
#include "models/encrypted_training.hpp"

namespace lutfhe::models {

// Checks that `spec` is a training step's (inputs x, y, weights; output weights of the same
// shape) and returns the settings its shapes and quantization give: features, batch, x_max,
// w_max and w_scale (the others are the circuit's business, not the client's).
SgdSettings settings_from_spec(const compiler::ClientSpec& spec);

// Masks from a fresh seed kept in the batch, so it can be saved seeded (small).
CiphertextBatch encrypt_training_batches(const compiler::ClientSpec& spec, const ClientKey& key,
                                         std::span<const QuantizedBatch> batches,
                                         const ProgressCallback& progress = {});
CiphertextBatch encrypt_weights(const compiler::ClientSpec& spec, const ClientKey& key,
                                const compiler::Tensor& weights);
// The input of a training job of the service (docs/SERVICE.md, "Training jobs"): one batch
// file holding the initial weights (F + 1) followed by the steps' x and y as above, all from
// one seed, so one upload carries both and is stored seeded.
CiphertextBatch encrypt_training_job(const compiler::ClientSpec& spec, const ClientKey& key,
                                     std::span<const QuantizedBatch> batches,
                                     const compiler::Tensor& weights,
                                     const ProgressCallback& progress = {});
// A training job's input from real data: `epochs` passes of the consecutive batches of
// (x, y) (a last partial batch dropped; labels 0 or 1), with zero initial weights.
// InvalidArgument when x and y differ in length or hold less than one batch.
CiphertextBatch encrypt_training_epochs(const compiler::ClientSpec& spec, const ClientKey& key,
                                        std::span<const compiler::RealSample> x,
                                        std::span<const int> y, std::size_t epochs,
                                        const ProgressCallback& progress = {});
// The weights (F, then the bias) a weights file decrypts to, as reals.
std::vector<double> decrypt_trained_weights(const compiler::ClientSpec& spec, const ClientKey& key,
                                            const CiphertextBatch& weights);
// The integers of a weights file (output or initial: same scale and range).
compiler::Tensor decrypt_weights(const compiler::ClientSpec& spec, const ClientKey& key,
                                 const CiphertextBatch& weights);

}  // namespace lutfhe::models
