#include "cli/host_estimate.hpp"

#include "compiler/host_calibration.hpp"
#include "workbench/environment.hpp"

namespace lutfhe::cli {

std::optional<HostEstimate> host_estimate(const ParameterSet& p, std::size_t bootstraps,
                                          std::string* note) {
  const auto c = compiler::host_calibration_for(workbench::environment().cpu_model, note);
  if (!c) return std::nullopt;
  return HostEstimate{compiler::estimate_ks_pbs_ms(p, c->model) * static_cast<double>(bootstraps),
                      c->measured_at};
}

}  // namespace lutfhe::cli
