#include "tests/fuzz/fuzz_common.hpp"

#include <sodium.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace lutfhe::fuzz {
namespace {

void put(std::vector<std::uint8_t>& b, std::size_t offset, std::uint64_t v, int size) {
  for (int i = 0; i < size; ++i) b[offset + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

const std::filesystem::path& scratch_file() {
  static const std::filesystem::path path = [] {
    // Deterministic planning and no wisdom file: a fuzzed server key may ask for any FFT size.
    ::setenv("LUTFHE_FFTW_PLANNER", "estimate", 1);
    ::setenv("LUTFHE_FFTW_WISDOM", "off", 1);
    if (sodium_init() < 0) std::abort();
    // tmpfs when there is one: on ext4, rewriting a truncated file flushes it on close
    // (auto_da_alloc), which makes every run wait for the disk.
    std::filesystem::path dir = std::filesystem::temp_directory_path();
    if (const char* env = std::getenv("LUTFHE_FUZZ_TMPDIR")) {
      dir = env;
    } else if (::access("/dev/shm", W_OK | X_OK) == 0) {
      dir = "/dev/shm";
    }
    return dir / ("lutfhe-fuzz-" + std::to_string(::getpid()) + ".bin");
  }();
  return path;
}

}  // namespace

std::vector<std::uint8_t> frame(ObjectKind kind, std::uint32_t flags,
                                const std::vector<std::uint8_t>& payload) {
  if (sodium_init() < 0) std::abort();
  std::vector<std::uint8_t> b(kHeaderSize, 0);
  std::memcpy(b.data(), "LUTFHE\r\n", 8);
  put(b, 8, kFormatVersion, 4);
  put(b, 12, static_cast<std::uint32_t>(kind), 4);
  put(b, 16, flags, 4);
  put(b, 24, payload.size(), 8);
  crypto_generichash(b.data() + 80, 32, payload.data(), payload.size(), nullptr, 0);
  crypto_generichash(b.data() + 112, 16, b.data(), 112, nullptr, 0);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

int run_loader(const std::uint8_t* data, std::size_t size, ObjectKind kind,
               const std::function<void(const std::filesystem::path&)>& load) {
  if (size == 0) return 0;
  const std::filesystem::path& path = scratch_file();
  if (kind == kAnyKind) {
    static constexpr std::uint32_t kKinds[8] = {1, 2, 3, 4, 5, 6, 16, 17};
    kind = static_cast<ObjectKind>(kKinds[(data[0] >> 2) & 7]);
  }
  const std::vector<std::uint8_t> rest(data + 1, data + size);
  const std::vector<std::uint8_t> file =
      (data[0] & 1) != 0 ? frame(kind, (data[0] & 2) != 0 ? kFlagSeeded : 0, rest) : rest;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (!file.empty() && std::fwrite(file.data(), 1, file.size(), f) != file.size()) std::abort();
  std::fclose(f);
  // LUTFHE_FUZZ_VERBOSE=1 says what became of each input (for checking the seed corpus).
  static const bool verbose = std::getenv("LUTFHE_FUZZ_VERBOSE") != nullptr;
  try {
    load(path);
    if (verbose) std::fprintf(stderr, "loaded\n");
  } catch (const Error& e) {
    // Refused: the expected outcome for almost every input.
    if (verbose) std::fprintf(stderr, "refused: %s\n", e.what());
  }
  // Removed after every run: libFuzzer ends without running atexit handlers.
  ::unlink(path.c_str());
  return 0;
}

const ParameterSet& fuzz_parameters() {
  static const ParameterSet p = [] {
    ParameterSet t = find_parameter_set("TOY");
    t.name = "FUZZ";
    t.version = "lutfhe-fuzz/FUZZ";
    t.n = LweDimension(4);
    t.N = PolynomialSize(64);
    t.pbs = {DecompositionBaseLog(15), DecompositionLevelCount(1)};
    t.ks = {DecompositionBaseLog(4), DecompositionLevelCount(2)};
    t.message_bits = 2;
    check_parameters(t);
    return t;
  }();
  return p;
}

int run_raw(const std::uint8_t* data, std::size_t size, const std::string& suffix,
            const std::function<void(const std::filesystem::path&)>& load) {
  const std::filesystem::path path = scratch_file().string() + suffix;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  static const bool verbose = std::getenv("LUTFHE_FUZZ_VERBOSE") != nullptr;
  try {
    load(path);
    if (verbose) std::fprintf(stderr, "loaded\n");
  } catch (const Error& e) {
    if (verbose) std::fprintf(stderr, "refused: %s\n", e.what());
  }
  ::unlink(path.c_str());
  return 0;
}

}  // namespace lutfhe::fuzz
