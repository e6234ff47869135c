#include "models/model_compilation.hpp"

#include "core/errors.hpp"
#include "models/lowering.hpp"
#ifdef LUTFHE_HAVE_ONNX
#include "models/onnx_import.hpp"
#endif

namespace lutfhe::models {

std::string CompiledModel::report_text() const {
  return "model: " + origin + "\n" + (search ? search->text() + "\n" : std::string()) +
         result.report.text();
}

CompiledModel compile_model(const std::filesystem::path& model_path,
                            const std::vector<RealSample>& calibration,
                            const ModelCompileOptions& options) {
  ModelImportOptions import = options.import;
  import.calibration.clear();
  import.calibration_samples = &calibration;
  compiler::CompileOptions compile = options.compile;
  // After a search, the chosen circuit is made from the same samples its candidate was (the
  // held-out ones only measured it).
  std::vector<RealSample> fit;
  std::optional<ImportSearchReport> search;
#ifdef LUTFHE_HAVE_ONNX
  const bool all_bits = import.weight_bits && import.activation_bits && import.input_bits;
  if (options.search && !all_bits && model_path.extension() == ".onnx" && !calibration.empty()) {
    const OnnxModel onnx = load_onnx(model_path);
    if (!onnx.input_quant) {  // a QAT export carries its own quantization
      if (import.accumulator_bits) {
        throw UsageError(
            "an accumulator bound is a choice of the search: give it with --weight-bits, "
            "--activation-bits and --input-bits, or with --no-search");
      }
      ImportSearchOptions so = options.search_options;
      if (import.weight_bits) so.weight_bits = {import.weight_bits};
      if (import.activation_bits) so.activation_bits = {import.activation_bits};
      if (import.input_bits) so.input_bits = {import.input_bits};
      if (compile.rounding_bits) so.range_modes = {compile.range_mode};
      ImportSearchResult found = search_import(onnx, calibration, import, compile, so);
      import.weight_bits = found.import.weight_bits;
      import.activation_bits = found.import.activation_bits;
      import.input_bits = found.import.input_bits;
      import.accumulator_bits = found.import.accumulator_bits;
      import.accumulator_rounding = found.import.accumulator_rounding;
      compile = found.compile;
      search = std::move(found.report);
      fit.assign(calibration.begin(),
                 calibration.begin() + static_cast<std::ptrdiff_t>(found.fit_samples));
      import.calibration_samples = &fit;
    }
  }
#endif
  QuantizedModel model = load_any_model(model_path, import);
  LoweredModel lowered = lower_model(model);
  std::vector<compiler::Sample> samples;
  samples.reserve(calibration.size());
  for (const RealSample& x : *import.calibration_samples) {
    samples.push_back(quantize_input(model, x));
  }
  compiler::CompileResult result = compiler::compile(lowered.circuit, samples, compile);
  compiler::ClientSpec spec =
      compiler::make_client_spec(result.compiled, {lowered.input_quantization},
                                 {lowered.output_quantization}, lowered.description);
  return {std::move(model), std::move(lowered),  std::move(result),
          std::move(spec),  model_path.string(), std::move(search)};
}

}  // namespace lutfhe::models
