// libFuzzer target: a parameter file (docs/PARAMETERS.md) from arbitrary bytes.
#include "core/parameter_file.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return lutfhe::fuzz::run_raw(data, size, ".json", [](const std::filesystem::path& path) {
    lutfhe::parameters_from_json_file(path);
  });
}
