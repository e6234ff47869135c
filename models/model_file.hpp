// The project's own model file: a quantized network as readable JSON (parsed with the
// RapidJSON that cereal's JSON archive is built on). Schema and semantics: MODEL_FORMAT.md;
// examples: examples/models/. Every field is checked on load and unknown fields are refused,
// with the path of the offending value in the message.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "core/errors.hpp"
#include "models/quantized_model.hpp"

namespace lutfhe::models {

inline constexpr const char* kModelFormat = "lutfhe-quantized-model";
inline constexpr int kModelFormatVersion = 1;

// A model file that cannot be used: not JSON, a missing or unknown field, a value of the wrong
// type or out of range. The message names the file and the field.
class ModelFormatError : public Error {
 public:
  using Error::Error;
};

QuantizedModel parse_model_json(const std::string& json, const std::string& origin = "model");
std::string model_to_json(const QuantizedModel& model);

QuantizedModel load_model(const std::filesystem::path& path);
void save_model(const std::filesystem::path& path, const QuantizedModel& model);

// Other model formats (ONNX import, issue 5) plug in here, keyed by file name suffix
// (".onnx"); load_any_model falls back to the JSON model file for unregistered suffixes.
using ModelLoader = std::function<QuantizedModel(const std::filesystem::path& path)>;
void register_model_format(const std::string& suffix, ModelLoader loader);
QuantizedModel load_any_model(const std::filesystem::path& path);

}  // namespace lutfhe::models
