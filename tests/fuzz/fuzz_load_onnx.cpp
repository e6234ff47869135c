// libFuzzer target: an ONNX model (models/ONNX.md) from arbitrary bytes, imported with a small
// calibration set as `lutfhe compile` does.
#include "models/lowering.hpp"
#include "models/model_file.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return lutfhe::fuzz::run_raw(data, size, ".onnx", [](const std::filesystem::path& path) {
    lutfhe::models::ModelImportOptions options;
    options.calibration = LUTFHE_FUZZ_CALIBRATION;
    lutfhe::models::lower_model(lutfhe::models::load_any_model(path, options));
  });
}
