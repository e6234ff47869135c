// libFuzzer target: describe_file (lutfhe info) on arbitrary bytes (see fuzz_common.hpp for the
// input layout).
#include "core/describe_file.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return lutfhe::fuzz::run_loader(
      data, size, lutfhe::fuzz::kAnyKind,
      [](const std::filesystem::path& path) { lutfhe::describe_file(path); });
}
