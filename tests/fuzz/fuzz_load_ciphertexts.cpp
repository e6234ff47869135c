// libFuzzer target: load_ciphertexts on arbitrary bytes (see fuzz_common.hpp for the input layout).
#include "core/ciphertext_files.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return lutfhe::fuzz::run_loader(
      data, size, lutfhe::ObjectKind::kLweCiphertexts,
      [](const std::filesystem::path& path) { lutfhe::load_ciphertexts(path); });
}
