// Every exception the library throws, in one place. Messages name the object, the field and
// both values. The CLI reports any of them as one line; the usage errors (everything but a bare
// Error) are input a user can fix and give exit code 2.
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

// A file that is not a valid lutfhe file of the expected kind: bad magic, newer version,
// damaged header or payload, truncation, a field out of range.
class FileFormatError : public Error {
 public:
  using Error::Error;
};

// A valid file that does not belong with the other inputs (other key, other parameters,
// other kind).
class KeyMismatch : public Error {
 public:
  using Error::Error;
};

// A file that cannot be opened, created, written or renamed (missing, a directory, no
// permission, disk full). The message names the path and the system's reason.
class FileAccessError : public Error {
 public:
  using Error::Error;
};

// A parameter file or parameter flag that cannot be used; the message is one line naming the
// origin (file or flag) and the field.
class ParameterFileError : public InvalidArgument {
 public:
  using InvalidArgument::InvalidArgument;
};

// A model file that cannot be used: not JSON or not ONNX, a missing or unknown field, a value of
// the wrong type or out of range, an unsupported operator. The message names the file and the
// field (or node).
class ModelFormatError : public InvalidArgument {
 public:
  using InvalidArgument::InvalidArgument;
};

// A command line or an input a program refuses (a value out of range, a missing option
// combination). The message names the option or file.
class UsageError : public InvalidArgument {
 public:
  using InvalidArgument::InvalidArgument;
};

// A request that asks for more work or memory than a limit allows (a loaded file whose sizes
// would cost more than its budget, a thread count beyond the cap).
class LimitExceeded : public InvalidArgument {
 public:
  using InvalidArgument::InvalidArgument;
};

// Throws DimensionMismatch("<what>: <name_a>=<a>, <name_b>=<b>") unless a == b.
void require_equal(std::size_t a, std::size_t b, const char* what, const char* name_a,
                   const char* name_b);

}  // namespace lutfhe
