// The host-calibrated estimate (compiler/host_calibration.hpp) that `lutfhe compile` and
// `lutfhe run` print beside the built-in cost model's, when `lutfhe bench calibrate` has been
// run on a CPU of this model.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "core/parameters.hpp"

namespace lutfhe::cli {

struct HostEstimate {
  double ms = 0.0;         // `bootstraps` KS-PBS on one thread, with the host's constants
  std::string calibrated;  // when ("2026-12-06T12:01:07Z")
};

// The estimate for `bootstraps` KS-PBS of `p` on this host; nullopt without a usable
// calibration, in which case `note` (if given) says why one was ignored (empty if none exists).
std::optional<HostEstimate> host_estimate(const ParameterSet& p, std::size_t bootstraps,
                                          std::string* note = nullptr);

}  // namespace lutfhe::cli
