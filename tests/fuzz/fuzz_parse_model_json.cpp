// libFuzzer target: a lutfhe model file (models/MODEL_FORMAT.md) from arbitrary bytes, lowered to
// a circuit as `lutfhe compile` does next.
#include "models/lowering.hpp"
#include "models/model_file.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return lutfhe::fuzz::run_raw(data, size, ".json", [](const std::filesystem::path& path) {
    lutfhe::models::lower_model(lutfhe::models::load_model(path));
  });
}
