// libFuzzer target: load_server_key on arbitrary bytes (see fuzz_common.hpp for the input layout).
#include "core/evaluation_key_file.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return lutfhe::fuzz::run_loader(
      data, size, lutfhe::ObjectKind::kEvaluationKey,
      [](const std::filesystem::path& path) { lutfhe::load_server_key(path); });
}
