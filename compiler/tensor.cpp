#include "compiler/tensor.hpp"

namespace lutfhe::compiler {

std::size_t values_per_sample(std::span<const Shape> shapes) {
  std::size_t n = 0;
  for (const Shape& s : shapes) {
    if (__builtin_add_overflow(n, element_count(s), &n)) {
      throw LimitExceeded("a sample of these tensors has more values than can be counted");
    }
  }
  return n;
}

}  // namespace lutfhe::compiler
