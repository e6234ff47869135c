// `lutfhe bench ...`: the benchmark driver of bench/ (bench/bench_driver.hpp), which parses its
// own arguments (--op, --params, --threads, --json, --quiet, --breakdown, --baseline...;
// 'lutfhe bench --help'), and `lutfhe bench sweep ...` (bench/sweep.hpp; 'lutfhe bench sweep
// --help'): KS-PBS latency over grids of parameter values, written as CSV, JSON and SVG.
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

#ifdef LUTFHE_CLI_WITH_BENCH
#include "bench/bench_driver.hpp"
#endif

namespace lutfhe::cli {

void add_bench_command(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "Time bootstraps and gates per parameter set, per KS-PBS stage (--breakdown), against a "
      "baseline (--baseline), or over parameter grids ('lutfhe bench sweep'); see "
      "'lutfhe bench --help'");
  // Every argument after "bench" belongs to the driver, --help and --quiet included.
  cmd->prefix_command();
  cmd->allow_extras();
  cmd->set_help_flag();
  cmd->callback([&action, cmd] {
    std::vector<std::string> args = cmd->remaining();
    action = [args] {
#ifdef LUTFHE_CLI_WITH_BENCH
      return bench::bench_main(args);
#else
      (void)args;
      throw UsageError(
          "this lutfhe was built without the benchmark driver (configure with "
          "-DLUTFHE_BUILD_BENCH=ON)");
      return kExitUsage;
#endif
    };
  });
}

}  // namespace lutfhe::cli
