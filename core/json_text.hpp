// Writing JSON by hand (reports, benchmark records): the one string quoting the project uses.
#pragma once

#include <string>
#include <string_view>

namespace lutfhe {

// `s` as a JSON string literal, quotes included: '"' and '\' escaped, \n and \t by name, other
// control characters as \u00XX; everything else (UTF-8 included) as it is.
std::string json_quoted(std::string_view s);

}  // namespace lutfhe
