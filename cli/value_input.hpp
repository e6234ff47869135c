// Clear integers from the command line ("3,1,4") or from a file (one per line), with errors
// that name the option or the file and line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lutfhe::cli {

// "3,1,4" → {3, 1, 4}; spaces around items are allowed, empty items are not. UsageError
// naming `what` (e.g. "--values") otherwise.
std::vector<std::uint64_t> parse_integer_list(const std::string& text, const std::string& what);

// One non-negative integer per line; blank lines and lines starting with '#' are skipped.
// "-" reads standard input. UsageError naming the file and line otherwise.
std::vector<std::uint64_t> read_integer_file(const std::filesystem::path& path);

// Every value below 2^bits, else UsageError: "--values: value 9 (item 3) does not fit in 3 bits
// (0..7)".
void require_values_fit(const std::vector<std::uint64_t>& values, unsigned bits,
                        const std::string& what);

}  // namespace lutfhe::cli
