#include "models/model_compilation.hpp"

#include "core/errors.hpp"
#include "models/lowering.hpp"

namespace lutfhe::models {

std::string CompiledModel::report_text() const {
  return "model: " + origin + "\n" + result.report.text();
}

CompiledModel compile_model(const std::filesystem::path& model_path,
                            const std::vector<RealSample>& calibration,
                            const ModelCompileOptions& options) {
  ModelImportOptions import = options.import;
  import.calibration.clear();
  import.calibration_samples = &calibration;
  QuantizedModel model = load_any_model(model_path, import);
  LoweredModel lowered = lower_model(model);
  std::vector<compiler::Sample> samples;
  samples.reserve(calibration.size());
  for (const RealSample& x : calibration) samples.push_back(quantize_input(model, x));
  compiler::CompileResult result = compiler::compile(lowered.circuit, samples, options.compile);
  compiler::ClientSpec spec =
      compiler::make_client_spec(result.compiled, {lowered.input_quantization},
                                 {lowered.output_quantization}, lowered.description);
  return {std::move(model), std::move(lowered), std::move(result), std::move(spec),
          model_path.string()};
}

}  // namespace lutfhe::models
