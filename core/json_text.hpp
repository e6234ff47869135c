// Writing JSON by hand (reports, benchmark records, model files): the one string quoting and
// number formatting the project uses; and the nesting check every JSON reader makes first.
#pragma once

#include <string>
#include <string_view>

namespace lutfhe {

// `s` as a JSON string literal, quotes included: '"' and '\' escaped, \n and \t by name, other
// control characters as \u00XX; everything else (UTF-8 included) as it is.
std::string json_quoted(std::string_view s);

// How deeply JSON files the project reads may nest arrays and objects (its own files nest a
// few levels). Parsers are recursive; a file of 400,000 '[' must be refused before parsing.
inline constexpr std::size_t kMaxJsonDepth = 64;

// The byte offset at which `text` nests arrays and objects deeper than `max_depth` (brackets
// inside strings do not count), or npos when it does not.
std::size_t json_nesting_exceeded_at(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// `v` as a JSON number with `significant` digits (%.*g; 17 round-trips a double); "null" for
// NaN and infinities, which JSON cannot write.
std::string json_number(double v, int significant = 17);

}  // namespace lutfhe
