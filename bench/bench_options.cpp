#include "bench/bench_options.hpp"

#include "bench/calibrate.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iostream>
#include <memory>

#include "core/errors.hpp"
#include "workbench/param_options.hpp"

namespace lutfhe::bench {
namespace {

// What CLI11 fills in; checked and resolved into BenchOptions afterwards.
struct BenchLine {
  std::vector<std::string> ops;
  workbench::ParamOptions params;  // --params (a comma list here) and the field flags
  std::vector<int> threads;
  bool json = false;
  double min_time = 0.0;  // 0: not given
  std::size_t iterations = 0;
  std::size_t repetitions = 1;
  std::uint64_t seed = kDefaultBenchSeed;
  bool breakdown = false;
  std::string baseline;
  std::string compare;
  double noise = 0.05;
  bool quiet = false;
};

struct SweepLine {
  std::string params = "PBS_4BIT";
  std::vector<std::string> fields;  // sweep_fields(), in flag order after parsing
  std::vector<std::string> lists;   // one per field
  std::string out = "sweep";
  double min_time = 0.0;
  std::size_t iterations = 0;
  std::size_t repetitions = 1;
  std::uint64_t seed = kDefaultBenchSeed;
  bool quiet = false;
};

struct CalibrateLine {
  std::string params;  // comma-separated names; empty: the default list
  std::string out;
  double min_time = 0.0;
  std::size_t iterations = 0;
  std::size_t repetitions = 3;
  std::uint64_t seed = kDefaultBenchSeed;
  bool quiet = false;
};

std::string flag_of(std::string_view field) {
  std::string f = "--" + std::string(field);
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

std::vector<std::size_t> parse_list(std::string_view text, std::string_view option) {
  std::vector<std::size_t> values;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item = text.substr(start, comma - start);
    std::size_t v = 0;
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc{} || ptr != item.data() + item.size()) {
      throw UsageError("bench sweep: " + std::string(option) +
                       " expects comma-separated non-negative integers, got '" + std::string(text) +
                       "'");
    }
    if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return values;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    out.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

void add_timing_options(CLI::App& cmd, double& min_time, std::size_t& iterations,
                        std::size_t& repetitions, std::uint64_t& seed, bool& quiet,
                        const std::string& default_min_time) {
  auto* mt = cmd.add_option("--min-time", min_time,
                            "Time each batch for at least this many seconds (default " +
                                default_min_time + ")")
                 ->check(CLI::PositiveNumber);
  auto* it = cmd.add_option("--iterations", iterations, "Exactly N ops per thread instead")
                 ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
  mt->excludes(it);
  cmd.add_option("--repetitions", repetitions, "Time R batches, report the fastest (default 1)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  cmd.add_option("--seed", seed, "Fixed test seed for keys and inputs (default 42)");
  cmd.add_flag("-q,--quiet", quiet, "No progress messages on stderr");
}

void add_bench_line(CLI::App& cmd, BenchLine& b) {
  std::string ops_help = "Operations: ";
  for (BenchOp op : all_ops()) ops_help += std::string(op_name(op)) + " ";
  ops_help += "(default: every op that applies to the set; gate_nand needs a boolean set)";
  cmd.add_option("--op,--ops", b.ops, ops_help)->delimiter(',')->take_all();
  workbench::add_param_options(
      &cmd, b.params,
      "Parameter sets: names (see 'lutfhe params') or .json files, comma-separated (default: "
      "TFHE_LIB,BOOL_128,PBS_2BIT,PBS_4BIT)");
  cmd.add_option("--threads", b.threads, "OpenMP threads running a batch of ops (default 1)")
      ->delimiter(',')
      ->take_all()
      ->check(CLI::Range(1, 4096));
  cmd.add_flag("--json", b.json, "One JSON object per line instead of the table");
  add_timing_options(cmd, b.min_time, b.iterations, b.repetitions, b.seed, b.quiet, "0.5");
  cmd.add_flag("--breakdown", b.breakdown,
               "Time each stage of one KS-PBS against the flop floor, at 1 thread");
  cmd.add_option("--baseline", b.baseline,
                 "Earlier --json output: the ratio of each result to the matching record");
  cmd.add_option("--compare", b.compare, "With --baseline: compare this file to it, no run");
  cmd.add_option("--noise", b.noise,
                 "Ratios within 1 +- this fraction count as the same (default 0.05)")
      ->check(CLI::Range(0.0, 0.999999));
}

void add_sweep_line(CLI::App& cmd, SweepLine& s) {
  cmd.add_option("--params", s.params,
                 "Base parameter set: a name or a .json file (default PBS_4BIT)");
  s.lists.resize(sweep_fields().size());
  for (std::size_t i = 0; i < sweep_fields().size(); ++i) {
    cmd.add_option(flag_of(sweep_fields()[i]), s.lists[i],
                   std::string("Values of ") + sweep_fields()[i] + " to sweep: L1,L2,...");
  }
  cmd.add_option("--out", s.out, "Prefix of PREFIX.csv, PREFIX.json, PREFIX.svg (default sweep)")
      ->check([](const std::string& v) { return v.empty() ? "needs a non-empty prefix" : ""; });
  add_timing_options(cmd, s.min_time, s.iterations, s.repetitions, s.seed, s.quiet, "0.3");
}

BenchOptions resolve(const BenchLine& b) {
  BenchOptions o;
  for (const std::string& name : b.ops) {
    const auto op = parse_op(name);
    if (!op) {
      std::string known;
      for (BenchOp k : all_ops()) known += (known.empty() ? "" : ", ") + std::string(op_name(k));
      throw UsageError("bench: unknown op '" + name + "' (known: " + known + ")");
    }
    if (std::find(o.ops.begin(), o.ops.end(), *op) == o.ops.end()) o.ops.push_back(*op);
  }
  try {
    const ParameterOverrides overrides = b.params.overrides();
    if (!b.params.params.empty()) {
      for (const std::string& name : split_commas(b.params.params)) {
        const ParameterSet base = workbench::resolve_params_name_or_file(name);
        o.sets.push_back(overrides.empty() ? base : with_overrides(base, overrides, "bench"));
      }
    } else if (!overrides.empty()) {
      o.sets.push_back(parameters_from_overrides(overrides, "bench"));
    }
  } catch (const UsageError&) {
    throw;
  } catch (const InvalidArgument& e) {
    throw UsageError(std::string("bench: ") + e.what());
  }
  if (!b.threads.empty()) o.threads = b.threads;
  o.json = b.json;
  if (b.min_time > 0.0) o.min_time_s = b.min_time;
  o.iterations = b.iterations;
  o.repetitions = b.repetitions;
  o.seed = b.seed;
  o.breakdown = b.breakdown;
  o.baseline = b.baseline;
  o.compare = b.compare;
  o.noise = b.noise;
  o.quiet = b.quiet;
  if (!o.compare.empty() && o.baseline.empty()) {
    throw UsageError("bench: --compare needs --baseline");
  }
  return o;
}

SweepOptions resolve(const SweepLine& s, const CLI::App& cmd) {
  SweepOptions o;
  o.bench.min_time_s = s.min_time > 0.0 ? s.min_time : 0.3;
  o.bench.iterations = s.iterations;
  o.bench.repetitions = s.repetitions;
  o.bench.seed = s.seed;
  o.bench.quiet = s.quiet;
  o.base = s.params;
  try {
    // A named set or a parameter file (docs/PARAMETERS.md), as every other command.
    o.base_set = workbench::resolve_params_name_or_file(o.base);
  } catch (const std::exception& e) {  // unknown name, unreadable or invalid file
    throw UsageError(std::string("bench sweep: ") + e.what());
  }
  o.out = s.out;
  // The axes in the order their flags were given: the first is the plot's x axis.
  for (const CLI::Option* opt : cmd.parse_order()) {
    for (std::size_t i = 0; i < sweep_fields().size(); ++i) {
      const std::string flag = flag_of(sweep_fields()[i]);
      if (opt->get_name() != flag) continue;
      if (std::any_of(o.axes.begin(), o.axes.end(),
                      [&](const SweepAxis& a) { return a.field == sweep_fields()[i]; })) {
        continue;
      }
      o.axes.push_back({sweep_fields()[i], parse_list(s.lists[i], flag)});
    }
  }
  if (o.axes.empty()) {
    throw UsageError("bench sweep: give at least one field to sweep, e.g. --N 1024,2048");
  }
  return o;
}

// CLI11 parses from a vector in reverse order.
void parse_or_throw(CLI::App& app, std::span<const std::string> args, const std::string& what) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    throw UsageError(what + ": " + e.what());
  }
}

void add_calibrate_line(CLI::App& cmd, CalibrateLine& c) {
  std::string sets;
  for (const std::string& n : compiler::default_calibration_sets()) {
    sets += (sets.empty() ? "" : ",") + n;
  }
  cmd.add_option("--params", c.params,
                 "Named classic sets to time, comma-separated (default " + sets + ")");
  cmd.add_option("--out", c.out,
                 "Where to write the calibration (default: $LUTFHE_COST_MODEL, else "
                 "$XDG_CACHE_HOME/lutfhe/cost-model.json, else ~/.cache/lutfhe/cost-model.json)");
  add_timing_options(cmd, c.min_time, c.iterations, c.repetitions, c.seed, c.quiet, "0.5");
}

CalibrateOptions resolve(const CalibrateLine& c) {
  CalibrateOptions o;
  for (const std::string& name :
       c.params.empty() ? std::vector<std::string>{} : split_commas(c.params)) {
    try {
      const ParameterSet& p = find_parameter_set(name);
      if (p.multi_bit()) throw InvalidArgument(name + " is a multi-bit set; give classic sets");
    } catch (const InvalidArgument& e) {
      throw UsageError(std::string("bench calibrate: --params: ") + e.what());
    }
    o.sets.push_back(name);
  }
  if (c.min_time > 0.0) o.bench.min_time_s = c.min_time;
  o.bench.iterations = c.iterations;
  o.bench.repetitions = c.repetitions;
  o.bench.seed = c.seed;
  o.bench.quiet = c.quiet;
  o.out = c.out;
  return o;
}

}  // namespace

void add_bench_options(CLI::App& cmd, std::function<int()>& action) {
  auto line = std::make_shared<BenchLine>();
  auto sweep_line = std::make_shared<SweepLine>();
  add_bench_line(cmd, *line);
  CLI::App* sweep = cmd.add_subcommand(
      "sweep",
      "KS-PBS latency over the cartesian product of lists of parameter values (noise not "
      "adapted: the points are not secure sets); writes PREFIX.csv, PREFIX.json, PREFIX.svg");
  add_sweep_line(*sweep, *sweep_line);
  auto calibrate_line = std::make_shared<CalibrateLine>();
  CLI::App* calibrate = cmd.add_subcommand(
      "calibrate",
      "Fit the cost model to this host from single-thread KS-PBS timings; 'lutfhe compile' and "
      "'lutfhe run' then print a host estimate beside the built-in one (choices are unchanged)");
  add_calibrate_line(*calibrate, *calibrate_line);
  calibrate->callback([calibrate_line, &action] {
    action = [calibrate_line] {
      run_calibration(resolve(*calibrate_line), std::cout, std::cerr);
      return 0;
    };
  });
  cmd.callback([line, &cmd, &action] {
    if (cmd.got_subcommand("sweep") || cmd.got_subcommand("calibrate")) return;
    action = [line] { return run_bench(resolve(*line), std::cout, std::cerr); };
  });
  sweep->callback([sweep_line, sweep, &action] {
    action = [sweep_line, sweep] {
      return run_sweep_command(resolve(*sweep_line, *sweep), std::cout, std::cerr);
    };
  });
}

BenchOptions parse_bench_args(std::span<const std::string> args) {
  CLI::App app("lutfhe bench", "bench");
  BenchLine line;
  add_bench_line(app, line);
  parse_or_throw(app, args, "bench");
  return resolve(line);
}

SweepOptions parse_sweep_args(std::span<const std::string> args) {
  CLI::App app("lutfhe bench sweep", "sweep");
  SweepLine line;
  add_sweep_line(app, line);
  parse_or_throw(app, args, "bench sweep");
  return resolve(line, app);
}

int bench_main(int argc, char** argv) {
  CLI::App app(
      "lutfhe_bench: times bootstrapping and its parts per parameter set and thread "
      "count (the same as 'lutfhe bench')",
      "lutfhe_bench");
  std::function<int()> action;
  add_bench_options(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "lutfhe_bench: error: " << e.what() << '\n';
    return kExitUsage;
  } catch (const UsageError& e) {
    std::cerr << e.what() << '\n';
    return kExitUsage;
  }
  return action ? action() : kExitOk;
}

}  // namespace lutfhe::bench
