// Checks on the files a command will write, made before any long computation so that a typo
// in an output path does not cost a key generation.
#pragma once

#include <filesystem>
#include <string>

namespace lutfhe::cli {

// UsageError unless `path` can be created: its directory exists and is writable, and it is not
// itself a directory. `option` names the option in the message ("--out").
void require_writable_output(const std::filesystem::path& path, const std::string& option);

// UsageError when the two options name the same file.
void require_distinct(const std::filesystem::path& a, const std::string& option_a,
                      const std::filesystem::path& b, const std::string& option_b);

}  // namespace lutfhe::cli
