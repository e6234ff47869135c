#include "cli/paths.hpp"

#include <unistd.h>

#include "cli/exit_codes.hpp"

namespace lutfhe::cli {

void require_writable_output(const std::filesystem::path& path, const std::string& option) {
  std::error_code ec;
  if (path.empty()) throw UsageError(option + ": empty file name");
  if (std::filesystem::is_directory(path, ec)) {
    throw UsageError(option + " " + path.string() + ": is a directory");
  }
  const std::filesystem::path dir =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(dir, ec)) {
    throw UsageError(option + " " + path.string() + ": directory " + dir.string() +
                     " does not exist");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw UsageError(option + " " + path.string() + ": directory " + dir.string() +
                     " is not writable");
  }
}

void require_distinct(const std::filesystem::path& a, const std::string& option_a,
                      const std::filesystem::path& b, const std::string& option_b) {
  std::error_code ea;
  std::error_code eb;
  const auto ca = std::filesystem::weakly_canonical(a, ea);
  const auto cb = std::filesystem::weakly_canonical(b, eb);
  const bool same = (!ea && !eb) ? ca == cb : a.lexically_normal() == b.lexically_normal();
  if (same) {
    throw UsageError(option_a + " and " + option_b + " name the same file " + a.string());
  }
}

}  // namespace lutfhe::cli
