// `lutfhe bench ...` and `lutfhe bench sweep ...`: the benchmark driver of bench/ with its
// options (bench/bench_options.hpp; 'lutfhe bench --help', 'lutfhe bench sweep --help'):
// bootstrap and gate latency per parameter set (named, a .json file or the field flags), per
// KS-PBS stage (--breakdown), against a baseline (--baseline), or over parameter grids (sweep).
#include <string>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

#ifdef LUTFHE_CLI_WITH_BENCH
#include "bench/bench_options.hpp"
#endif

namespace lutfhe::cli {

void add_bench_command(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "Time bootstraps and gates per parameter set, per KS-PBS stage (--breakdown), against a "
      "baseline (--baseline), or over parameter grids ('lutfhe bench sweep')");
#ifdef LUTFHE_CLI_WITH_BENCH
  bench::add_bench_options(*cmd, action);
#else
  cmd->allow_extras();
  cmd->callback([&action] {
    action = []() -> int {
      throw UsageError(
          "this lutfhe was built without the benchmark driver (configure with "
          "-DLUTFHE_BUILD_BENCH=ON)");
    };
  });
#endif
}

}  // namespace lutfhe::cli
