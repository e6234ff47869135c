#include "core/errors.hpp"

namespace lutfhe {

void require_equal(std::size_t a, std::size_t b, const char* what, const char* name_a,
                   const char* name_b) {
  if (a != b) {
    throw DimensionMismatch(std::string(what) + ": " + name_a + "=" + std::to_string(a) + ", " +
                            name_b + "=" + std::to_string(b));
  }
}

}  // namespace lutfhe
