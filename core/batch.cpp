#include "core/batch.hpp"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <vector>

#include "core/errors.hpp"

namespace lutfhe {

void keyswitch_bootstrap_batch(std::span<LweCiphertext> outputs,
                               std::span<const LweCiphertext> inputs, const LookupTable& lut,
                               const ServerKey& key, int threads) {
  const std::vector<const LookupTable*> same(inputs.size(), &lut);
  keyswitch_bootstrap_batch(outputs, inputs, same, key, threads);
}

void keyswitch_bootstrap_batch(std::span<LweCiphertext> outputs,
                               std::span<const LweCiphertext> inputs,
                               std::span<const LookupTable* const> luts, const ServerKey& key,
                               int threads) {
  require_equal(outputs.size(), inputs.size(), "keyswitch_bootstrap_batch", "outputs", "inputs");
  require_equal(luts.size(), inputs.size(), "keyswitch_bootstrap_batch", "tables", "inputs");
  const int team = threads > 0 ? threads : omp_get_max_threads();
  // Exceptions must not cross the OpenMP region: keep the first and rethrow after it.
  std::exception_ptr failure;
  std::mutex failure_mutex;
  const std::size_t batch = kBootstrapBatch;
  const auto groups = static_cast<std::ptrdiff_t>((inputs.size() + batch - 1) / batch);
#pragma omp parallel num_threads(team)
  {
    Scratch scratch = key.make_batch_scratch(batch);
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t g = 0; g < groups; ++g) {
      const std::size_t first = static_cast<std::size_t>(g) * batch;
      const std::size_t count = std::min(batch, inputs.size() - first);
      try {
        keyswitch_bootstrap_batch(outputs.subspan(first, count), inputs.subspan(first, count),
                                  luts.subspan(first, count), key, scratch);
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace lutfhe
