#include "core/text_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/errors.hpp"

namespace lutfhe {

std::string read_file_limited(const std::filesystem::path& path, std::size_t max_bytes,
                              const std::string& what) {
  const bool stdin_input = path == "-";
  std::error_code ec;
  if (!stdin_input && std::filesystem::is_directory(path, ec)) {
    throw FileAccessError(path.string() + ": is a directory, not a file");
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(
      stdin_input ? nullptr : std::fopen(path.c_str(), "rb"), &std::fclose);
  std::FILE* f = stdin_input ? stdin : owned.get();
  if (f == nullptr) {
    throw FileAccessError(path.string() + ": cannot open (" + std::strerror(errno) + ")");
  }
  std::string out;
  char buffer[1 << 16];
  while (true) {
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, f);
    if (got > 0) {
      if (out.size() + got > max_bytes) {
        throw LimitExceeded(path.string() + ": " + what + " larger than " +
                            std::to_string(max_bytes) + " bytes");
      }
      out.append(buffer, got);
    }
    if (got < sizeof buffer) {
      if (std::ferror(f)) throw FileAccessError(path.string() + ": read error");
      break;
    }
  }
  return out;
}

}  // namespace lutfhe
