// libFuzzer target: load_client_spec on arbitrary bytes (framing: fuzz_common.hpp), then the
// sizes a client derives from it.
#include "compiler/artifacts.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return lutfhe::fuzz::run_loader(
      data, size, lutfhe::ObjectKind::kClientSpec, [](const std::filesystem::path& path) {
        const lutfhe::compiler::ClientSpec spec = lutfhe::compiler::load_client_spec(path);
        (void)spec.input_values();
        (void)spec.output_values();
      });
}
