#include "core/batch.hpp"

#include <omp.h>

#include <exception>
#include <mutex>

#include "core/errors.hpp"

namespace lutfhe {

void keyswitch_bootstrap_batch(std::span<LweCiphertext> outputs,
                               std::span<const LweCiphertext> inputs, const LookupTable& lut,
                               const ServerKey& key, int threads) {
  require_equal(outputs.size(), inputs.size(), "keyswitch_bootstrap_batch", "outputs", "inputs");
  if (lut.lut_count() != 1) {
    throw InvalidArgument("keyswitch_bootstrap_batch takes single-function tables, got " +
                          std::to_string(lut.lut_count()) + " functions");
  }
  const int team = threads > 0 ? threads : omp_get_max_threads();
  // Exceptions must not cross the OpenMP region: keep the first and rethrow after it.
  std::exception_ptr failure;
  std::mutex failure_mutex;
  const auto count = static_cast<std::ptrdiff_t>(inputs.size());
#pragma omp parallel num_threads(team)
  {
    Scratch scratch = key.make_scratch();
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t i = 0; i < count; ++i) {
      try {
        keyswitch_bootstrap(outputs[static_cast<std::size_t>(i)],
                            inputs[static_cast<std::size_t>(i)], lut, key, scratch);
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace lutfhe
