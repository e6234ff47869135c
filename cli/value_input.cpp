#include "cli/value_input.hpp"

#include <algorithm>
#include <charconv>

#include "cli/exit_codes.hpp"
#include "core/text_file.hpp"

namespace lutfhe::cli {
namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

// A non-negative decimal integer that fits 64 bits, or nullopt-like failure via `ok`.
bool parse_u64(const std::string& item, std::uint64_t& out) {
  if (item.empty()) return false;
  const char* end = item.data() + item.size();
  const auto [ptr, ec] = std::from_chars(item.data(), end, out);
  return ec == std::errc() && ptr == end;
}

std::string describe(const std::string& item) {
  std::string shown = item.size() > 24 ? item.substr(0, 24) + "..." : item;
  return "'" + one_line(shown) + "'";
}

}  // namespace

std::vector<std::uint64_t> parse_integer_list(const std::string& text, const std::string& what) {
  std::vector<std::uint64_t> values;
  std::size_t start = 0;
  for (std::size_t index = 1;; ++index) {
    const std::size_t comma = text.find(',', start);
    const std::string item =
        trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    std::uint64_t v = 0;
    if (!parse_u64(item, v)) {
      throw UsageError(what + ": item " + std::to_string(index) + " " + describe(item) +
                       " is not a non-negative integer");
    }
    values.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return values;
}

std::vector<std::uint64_t> read_integer_file(const std::filesystem::path& path) {
  const std::string text = read_file_limited(path, kMaxValueFileBytes, "a file of integers");
  std::vector<std::uint64_t> values;
  std::size_t number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    ++number;
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string item = trim(text.substr(start, end - start));
    start = end + 1;
    if (item.empty() || item[0] == '#') continue;
    std::uint64_t v = 0;
    if (!parse_u64(item, v)) {
      throw UsageError(path.string() + ":" + std::to_string(number) + ": " + describe(item) +
                       " is not a non-negative integer");
    }
    values.push_back(v);
  }
  return values;
}

void require_values_fit(const std::vector<std::uint64_t>& values, unsigned bits,
                        const std::string& what) {
  const std::uint64_t limit = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] > limit) {
      throw UsageError(what + ": value " + std::to_string(values[i]) + " (item " +
                       std::to_string(i + 1) + ") does not fit in " + std::to_string(bits) +
                       (bits == 1 ? " bit" : " bits") + " (0.." + std::to_string(limit) + ")");
    }
  }
}

}  // namespace lutfhe::cli
