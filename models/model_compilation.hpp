// Compiling a model file (lutfhe JSON or ONNX) into a client spec and a server circuit: the one
// path `lutfhe compile`, `lutfhe predict`, the demo, the service and the Python module take.
// Loads (and, for float formats, quantizes) the model, quantizes the calibration samples with the
// client's rule, compiles, and makes the client spec.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "compiler/client_spec.hpp"
#include "compiler/compile.hpp"
#include "models/import_search.hpp"
#include "models/lowering.hpp"
#include "models/model_file.hpp"
#include "models/quantized_model.hpp"
#include "models/samples.hpp"

namespace lutfhe::models {

struct ModelCompileOptions {
  compiler::CompileOptions compile;
  // Bit widths and percentile for float formats; `import.calibration` is ignored (the
  // calibration samples below serve both).
  ModelImportOptions import;
  // For a float model (ONNX) whose bit widths are not all given: the cost-aware import
  // (models/import_search.hpp) chooses them, the ranges and r.
  bool search = true;
  ImportSearchOptions search_options;
};

struct CompiledModel {
  QuantizedModel model;
  LoweredModel lowered;
  compiler::CompileResult result;
  compiler::ClientSpec spec;
  // The compile report, with the model file named first.
  std::string report_text() const;
  std::string origin;
  std::optional<ImportSearchReport> search;  // when the cost-aware import chose the options
};

// `calibration` holds real samples (RealSample: every input value, flat); empty compiles with
// worst-case ranges and the default rounding.
CompiledModel compile_model(const std::filesystem::path& model_path,
                            const std::vector<RealSample>& calibration,
                            const ModelCompileOptions& options = {});

}  // namespace lutfhe::models
