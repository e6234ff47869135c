// The project's own model file: a quantized network as readable JSON (parsed with the
// RapidJSON that cereal's JSON archive is built on). Schema and semantics: MODEL_FORMAT.md;
// examples: examples/models/. Every field is checked on load and unknown fields are refused,
// with the path of the offending value in the message.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "models/quantized_model.hpp"
#include "models/samples.hpp"

namespace lutfhe::models {

inline constexpr const char* kModelFormat = "lutfhe-quantized-model";
inline constexpr int kModelFormatVersion = 1;

QuantizedModel parse_model_json(const std::string& json, const std::string& origin = "model");
std::string model_to_json(const QuantizedModel& model);

QuantizedModel load_model(const std::filesystem::path& path);
void save_model(const std::filesystem::path& path, const QuantizedModel& model);

// What a format that quantizes while importing (ONNX, models/ONNX.md) needs: calibration
// samples (real inputs, read with load_samples) and bit widths (0: the format's default). The
// JSON model file is already quantized and ignores them.
struct ModelImportOptions {
  std::filesystem::path calibration;
  std::size_t calibration_count = 0;  // first N samples (0: all)
  // Samples already in memory instead of `calibration` (not owned; must outlive the call).
  const std::vector<RealSample>* calibration_samples = nullptr;
  unsigned weight_bits = 0;
  unsigned activation_bits = 0;
  unsigned input_bits = 0;
  // Accumulator-aware quantization (A2Q, Colbert et al. 2023), post-training: every layer that
  // feeds a lookup keeps the worst-case width of its accumulator within this many bits by
  // bounding each output channel's weight l1 norm (0: no bound). With accumulator_rounding = k,
  // the bound leaves room for rounding k low bits to nearest: the rounded accumulator still
  // takes at most 2^(P − k) values, for any bias.
  unsigned accumulator_bits = 0;
  unsigned accumulator_rounding = 0;
  double percentile = 100.0;  // activation range: [100−p, p] percentiles (100: min/max)
};

// Other model formats (ONNX import, issue 5) plug in here, keyed by file name suffix
// (".onnx"); load_any_model falls back to the JSON model file for unregistered suffixes.
// ".onnx" is registered by model_file.cpp itself when lutfhe is built with ONNX.
using ModelLoader = std::function<QuantizedModel(const std::filesystem::path& path)>;
using ImportingModelLoader = std::function<QuantizedModel(const std::filesystem::path& path,
                                                          const ModelImportOptions& options)>;
void register_model_format(const std::string& suffix, ModelLoader loader);
void register_model_format(const std::string& suffix, ImportingModelLoader loader);
QuantizedModel load_any_model(const std::filesystem::path& path,
                              const ModelImportOptions& options = {});

}  // namespace lutfhe::models
