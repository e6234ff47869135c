// Exit codes of the `lutfhe` program and the wrapper that turns exceptions into them: one line
// on stderr, never a stack trace or an abort.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>

#include "core/errors.hpp"

namespace lutfhe::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;  // a bug, or the machine failed us (out of memory)
inline constexpr int kExitUsage = 2;     // bad usage or bad input: the user can fix it

// `message` on one line: control characters (newlines included) become spaces.
std::string one_line(std::string message);

// Runs `body` and returns its exit code; a lutfhe::FileFormatError, KeyMismatch,
// FileAccessError, InvalidArgument or DimensionMismatch becomes "lutfhe: error: <message>"
// and kExitUsage, anything else "lutfhe: internal error: <message>" and kExitInternal.
int run_reporting_errors(const std::function<int()>& body, std::ostream& err);

}  // namespace lutfhe::cli
