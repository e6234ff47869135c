// libFuzzer target: CSV sample files from arbitrary bytes.
#include "models/samples.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return lutfhe::fuzz::run_raw(data, size, ".csv", [](const std::filesystem::path& path) {
    lutfhe::models::load_samples(path);
  });
}
