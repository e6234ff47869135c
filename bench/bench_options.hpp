// The command lines of `lutfhe bench`, `lutfhe bench sweep` and the standalone `lutfhe_bench`,
// through CLI11, with the parameter option group every other command uses
// (workbench/param_options.hpp):
//
//   lutfhe bench [--op OP[,OP...]] [--params NAME|FILE.json[,...]] [field flags] [--threads T,...]
//                [--json] [--min-time S | --iterations N] [--repetitions R] [--seed S]
//                [--breakdown] [--baseline FILE [--compare FILE]] [--noise F] [--quiet]
//   lutfhe bench sweep [--params NAME|FILE.json] [--n L] [--k L] [--N L] [--pbs-base-log L]
//                [--pbs-levels L] [--ks-base-log L] [--ks-levels L] [--out PREFIX]
//                [--min-time S | --iterations N] [--repetitions R] [--seed S] [--quiet]
//
// Field flags on `bench` override every set given with --params; without --params, a complete
// set of them builds one custom set (`lutfhe bench --op pbs --n 630 --k 1 --N 1024 ...`). On
// `sweep` the field flags are comma-separated lists of values to sweep instead.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <span>
#include <string>

#include "bench/bench_driver.hpp"
#include "bench/sweep.hpp"

namespace lutfhe::bench {

// Adds the bench options to `cmd` and a `sweep` subcommand to it. When the command line selects
// one of them, `action` is set to run it (on std::cout and std::cerr; exit code as run_bench).
void add_bench_options(CLI::App& cmd, std::function<int()>& action);

// The same options parsed from a list of arguments (tests, tools). UsageError naming the
// argument for anything CLI11 or the checks refuse.
BenchOptions parse_bench_args(std::span<const std::string> args);
SweepOptions parse_sweep_args(std::span<const std::string> args);

// `lutfhe_bench ARGS...`: parse, run, report; the exit code.
int bench_main(int argc, char** argv);

}  // namespace lutfhe::bench
