// Writing JSON by hand (reports, benchmark records, model files): the one string quoting and
// number formatting the project uses.
#pragma once

#include <string>
#include <string_view>

namespace lutfhe {

// `s` as a JSON string literal, quotes included: '"' and '\' escaped, \n and \t by name, other
// control characters as \u00XX; everything else (UTF-8 included) as it is.
std::string json_quoted(std::string_view s);

// `v` as a JSON number with `significant` digits (%.*g; 17 round-trips a double); "null" for
// NaN and infinities, which JSON cannot write.
std::string json_number(double v, int significant = 17);

}  // namespace lutfhe
