// The ONNX entry points: load_onnx reads the file and hands the protobuf to the graph reader
// (models/internal/onnx_graph.hpp); import_onnx adds calibration and post-training quantization.
#include "models/onnx_import.hpp"

#include <onnx/onnx_pb.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/errors.hpp"
#include "core/text_file.hpp"
#include "models/internal/onnx_graph.hpp"

namespace lutfhe::models {

OnnxModel load_onnx(const std::filesystem::path& path) {
  const std::string origin = path.string();
  const std::string bytes = read_file_limited(path, kMaxModelFileBytes, "an ONNX model");
  onnx::ModelProto proto;
  if (bytes.empty() || !proto.ParseFromString(bytes)) {
    throw ModelFormatError(origin + ": not a valid ONNX model (damaged or truncated protobuf)");
  }
  OnnxModel m = onnx_graph::Importer(origin).run(proto);
  m.origin = origin;
  if (m.name.empty() || m.name == "main_graph" || m.name == "torch_jit" ||
      m.name.rfind("torch-jit", 0) == 0) {
    m.name = path.stem().string();
  }
  return m;
}

QuantizedModel import_onnx(const std::filesystem::path& path, const ModelImportOptions& options) {
  const OnnxModel m = load_onnx(path);
  if (options.calibration_samples != nullptr) {
    return quantize_onnx(m, *options.calibration_samples, options);
  }
  std::vector<RealSample> calibration;
  if (!options.calibration.empty()) {
    calibration = load_samples(options.calibration, options.calibration_count,
                               compiler::element_count(m.input_shape));
  }
  return quantize_onnx(m, calibration, options);
}

}  // namespace lutfhe::models
