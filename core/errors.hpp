// Exceptions thrown by the library. Messages name the object, the field and both values.
#pragma once

#include <stdexcept>
#include <string>

namespace lutfhe {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Two objects that must agree on a size do not ("bootstrap key is for n=630, ciphertext has
// n=742").
class DimensionMismatch : public Error {
 public:
  using Error::Error;
};

// A value outside what the operation accepts (message too large, unknown parameter set...).
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// Throws DimensionMismatch("<what>: <name_a>=<a>, <name_b>=<b>") unless a == b.
void require_equal(std::size_t a, std::size_t b, const char* what, const char* name_a,
                   const char* name_b);

}  // namespace lutfhe
