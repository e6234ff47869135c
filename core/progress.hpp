// Progress of long operations (key generation, loading, evaluation).
#pragma once

#include <cstddef>
#include <functional>

namespace lutfhe {

// Called with (done, total) while a long operation runs.
using ProgressCallback = std::function<void(std::size_t, std::size_t)>;

}  // namespace lutfhe
