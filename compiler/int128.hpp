// A 128-bit signed integer for exact intermediate sums of 64-bit values (GCC/Clang extension;
// __extension__ keeps -Wpedantic quiet about it).
#pragma once

namespace lutfhe::compiler {

__extension__ typedef __int128 Int128;

}  // namespace lutfhe::compiler
