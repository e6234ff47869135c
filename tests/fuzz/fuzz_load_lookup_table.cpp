// libFuzzer target: load_lookup_table on arbitrary bytes (see fuzz_common.hpp for the input
// layout).
#include "core/lookup_table_file.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return lutfhe::fuzz::run_loader(
      data, size, lutfhe::ObjectKind::kLookupTable, [](const std::filesystem::path& path) {
        lutfhe::load_lookup_table(path, lutfhe::fuzz::fuzz_parameters());
      });
}
