// libFuzzer target: load_server_circuit on arbitrary bytes (framing: fuzz_common.hpp), then what
// a server does next with it: its bootstrap tables.
#include "compiler/artifacts.hpp"
#include "compiler/bootstrap_tables.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return lutfhe::fuzz::run_loader(
      data, size, lutfhe::ObjectKind::kServerCircuit, [](const std::filesystem::path& path) {
        const lutfhe::compiler::CompiledCircuit c = lutfhe::compiler::load_server_circuit(path);
        lutfhe::compiler::build_bootstrap_tables(c);
      });
}
