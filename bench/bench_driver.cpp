#include "bench/bench_driver.hpp"

#include <omp.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <functional>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string_view>
#include <utility>

#include "bench/baseline.hpp"
#include "bench/breakdown.hpp"
#include "bench/flop_floor.hpp"
#include "bench/sweep.hpp"
#include "core/parallel.hpp"
#include "core/parameter_file.hpp"
#include "workbench/environment.hpp"

namespace lutfhe::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Sets whose keys exceed this get a warning before their (long) key generation.
constexpr double kLargeKeyBytes = 1024.0 * 1024.0 * 1024.0;
// A batch sized from a pilot run aims this far past --min-time, so that one run usually does.
constexpr double kBatchMargin = 1.2;
constexpr std::size_t kMaxOpsPerThread = std::size_t{1} << 30;

// ---- formatting ----------------------------------------------------------------------------

// Four significant digits in fixed notation (17.23, 0.003510, 12345).
std::string format_sig4(double x) {
  if (!std::isfinite(x)) return "null";
  if (x == 0.0) return "0";
  const int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(x))));
  const int decimals = std::clamp(3 - magnitude, 0, 12);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

// 1.23G, 456.7M, 12.3k.
std::string format_si(double x) {
  const char* suffix = "";
  if (x >= 1e12) {
    x /= 1e12;
    suffix = "T";
  } else if (x >= 1e9) {
    x /= 1e9;
    suffix = "G";
  } else if (x >= 1e6) {
    x /= 1e6;
    suffix = "M";
  } else if (x >= 1e3) {
    x /= 1e3;
    suffix = "k";
  }
  return format_sig4(x) + suffix;
}

std::string decomposition_label(DecompositionParams d) {
  return std::to_string(d.base_log.value()) + "x" + std::to_string(d.levels.value());
}

double key_bytes(const ParameterSet& p) {
  const double n = static_cast<double>(p.n.value());
  const double polys = static_cast<double>(p.k.value() + 1);
  const double big_n = static_cast<double>(p.N.value());
  const double l = static_cast<double>(p.pbs.levels.value());
  // Standard-domain and Fourier-domain bootstrapping keys (both live while the server key is
  // built), plus the key-switching key.
  const double bsk = n * polys * l * polys * big_n * 8.0;
  const double ksk = static_cast<double>(p.big_dimension().value()) *
                     static_cast<double>(p.ks.levels.value()) * (n + 1.0) * 8.0;
  return 2.0 * bsk + ksk;
}

struct Column {
  const char* title;
  int width;
};
constexpr Column kColumns[] = {
    {"op", 16},         {"params", 15}, {"n", 5},       {"k", 2},      {"N", 6},
    {"pbs bxl", 8},     {"ks bxl", 7},  {"thr", 3},     {"ms/op", 10}, {"ops/s", 10},
    {"flop floor", 10}, {"GFLOP/s", 8}, {"speedup", 7}, {"cpu", 4},
};

void print_row(std::ostream& out, const std::vector<std::string>& cells,
               const std::string& suffix = "") {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i != 0) out << "  ";
    if (i < 2) {
      out << std::left << std::setw(kColumns[i].width) << cells[i];
    } else {
      out << std::right << std::setw(kColumns[i].width) << cells[i];
    }
  }
  out << std::right << suffix << '\n';
}

// The baseline columns appended to a row.
constexpr const char* kBaselineHeader = "  base ms/op  ratio  vs base";

void print_table_header(std::ostream& out, bool with_baseline) {
  std::vector<std::string> titles;
  for (const Column& c : kColumns) titles.emplace_back(c.title);
  print_row(out, titles, with_baseline ? kBaselineHeader : "");
}

BenchRecord record_of(const BenchResult& r) {
  const ParameterSet& p = *r.params;
  BenchRecord rec;
  rec.op = std::string(op_name(r.op));
  rec.params = p.name;
  rec.threads = r.threads;
  rec.ms_per_op = r.ms_per_op();
  rec.cpu_share = r.cpu_share;
  const std::size_t values[7] = {
      p.n.value(),          p.k.value(),           p.N.value(),        p.pbs.base_log.value(),
      p.pbs.levels.value(), p.ks.base_log.value(), p.ks.levels.value()};
  for (int i = 0; i < 7; ++i) rec.numeric[i] = static_cast<long long>(values[i]);
  return rec;
}

// "  17.23  0.9812x  same" against the matching baseline record, or "  (no baseline record)".
std::string baseline_cells(const BenchRecord* base, const BenchRecord& now, double noise) {
  if (base == nullptr) return "  (no baseline record)";
  const Comparison c = compare_records(now, *base, noise);
  std::ostringstream s;
  s << "  " << std::setw(10) << format_sig4(base->ms_per_op) << "  " << std::setw(6)
    << format_sig4(c.ratio) << "x  " << c.label();
  return s.str();
}

void print_table_row(std::ostream& out, const BenchResult& r, double one_thread_ops_per_s,
                     const std::string& suffix = "") {
  const ParameterSet& p = *r.params;
  const std::string speedup =
      one_thread_ops_per_s > 0.0 ? format_sig4(r.ops_per_s() / one_thread_ops_per_s) + "x" : "-";
  print_row(out,
            {std::string(op_name(r.op)), p.display_name(), std::to_string(p.n.value()),
             std::to_string(p.k.value()), std::to_string(p.N.value()), decomposition_label(p.pbs),
             decomposition_label(p.ks), std::to_string(r.threads), format_sig4(r.ms_per_op()),
             format_sig4(r.ops_per_s()), format_si(r.flops_floor), format_sig4(r.gflops()), speedup,
             std::to_string(static_cast<int>(std::lround(100.0 * r.cpu_share))) + "%"},
            suffix);
  out.flush();
}

// ---- timing --------------------------------------------------------------------------------

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct BatchTime {
  double wall;  // seconds
  double cpu;   // CPU seconds of the whole process (all threads) over the same interval
};

// Runs ops_per_thread operations on every thread, each on its own runner.
BatchTime run_batch(std::vector<std::unique_ptr<OpRunner>>& runners, std::size_t ops_per_thread) {
  const int threads = static_cast<int>(runners.size());
  const double cpu_start = process_cpu_seconds();
  const auto start = Clock::now();
  parallel_region(threads, [&](int thread, int) {
    OpRunner& runner = *runners[static_cast<std::size_t>(thread)];
    for (std::size_t i = 0; i < ops_per_thread; ++i) runner.run();
  });
  const std::chrono::duration<double> elapsed = Clock::now() - start;
  const double cpu = process_cpu_seconds() - cpu_start;
  return {elapsed.count(), cpu};
}

// --baseline A --compare B: B's records against A's, no measurement.
int compare_files(const std::vector<BenchRecord>& baseline, const std::vector<BenchRecord>& now,
                  const BenchOptions& options, std::ostream& out) {
  if (options.json) {
    for (const BenchRecord& r : now) {
      const BenchRecord* base = find_matching_record(baseline, r);
      out << "{\"op\": \"" << r.op << "\", \"params\": \"" << r.params
          << "\", \"threads\": " << r.threads << ", \"ms_per_op\": " << format_sig4(r.ms_per_op);
      if (base != nullptr) {
        const Comparison c = compare_records(r, *base, options.noise);
        out << ", \"baseline_ms_per_op\": " << format_sig4(base->ms_per_op)
            << ", \"ratio_to_baseline\": " << format_sig4(c.ratio) << ", \"vs_baseline\": \""
            << c.label() << "\"";
      }
      out << "}\n";
    }
    return kExitOk;
  }
  out << "# " << options.compare << " against " << options.baseline
      << "; ratio = ms/op / baseline ms/op, beyond +-" << format_sig4(100.0 * options.noise)
      << "% marked faster/slower\n";
  out << std::left << std::setw(18) << "op" << std::setw(34) << "params" << std::right
      << std::setw(4) << "thr" << std::setw(11) << "ms/op" << kBaselineHeader << '\n';
  for (const BenchRecord& r : now) {
    out << std::left << std::setw(18) << r.op << std::setw(34) << r.params << std::right
        << std::setw(4) << r.threads << std::setw(11) << format_sig4(r.ms_per_op)
        << baseline_cells(find_matching_record(baseline, r), r, options.noise) << '\n';
  }
  return kExitOk;
}

}  // namespace

std::vector<ParameterSet> default_bench_params() {
  std::vector<ParameterSet> sets;
  for (const char* name : {"TFHE_LIB", "BOOL_128", "PBS_2BIT", "PBS_4BIT"}) {
    sets.push_back(find_parameter_set(name));
  }
  return sets;
}

BenchResult measure_op(const BenchFixture& fixture, BenchOp op, int threads,
                       const BenchOptions& options) {
  if (threads < 1) throw UsageError("bench: thread count must be at least 1");
  // Each thread builds its own runner (first touch of its scratch on its own core) and runs
  // the operation once untimed, to warm caches and the FFT plans.
  std::vector<std::unique_ptr<OpRunner>> runners(static_cast<std::size_t>(threads));
  int started = threads;
  parallel_region(threads, [&](int thread, int team) {
    if (thread == 0) started = team;
    auto r = make_runner(op, fixture);
    r->run();
    runners[static_cast<std::size_t>(thread)] = std::move(r);
  });
  runners.resize(static_cast<std::size_t>(started));  // OpenMP may grant fewer threads

  std::size_t per_thread = options.iterations != 0 ? options.iterations : 1;
  BatchTime best = run_batch(runners, per_thread);
  if (options.iterations == 0) {
    // Grow the batch until it runs for at least min_time_s, aiming past it from each pilot.
    while (best.wall < options.min_time_s && per_thread < kMaxOpsPerThread) {
      const double scale = best.wall > 0.0 ? kBatchMargin * options.min_time_s / best.wall : 10.0;
      const auto next = static_cast<std::size_t>(
          std::ceil(static_cast<double>(per_thread) * std::clamp(scale, 1.5, 100.0)));
      per_thread = std::min(next, kMaxOpsPerThread);
      best = run_batch(runners, per_thread);
    }
  }
  // Best of several batches: other load on the machine only ever makes a batch slower.
  for (std::size_t rep = 1; rep < options.repetitions; ++rep) {
    const BatchTime t = run_batch(runners, per_thread);
    if (t.wall < best.wall) best = t;
  }
  BenchResult r{};
  r.op = op;
  r.params = &fixture.parameters();
  r.threads = started;
  r.ops = per_thread * static_cast<std::size_t>(started) * runners.front()->ops_per_run();
  r.seconds = best.wall;
  r.cpu_share = best.cpu / (best.wall * static_cast<double>(started));
  r.repetitions = options.repetitions;
  r.flops_floor = flop_floor(op, fixture.parameters());
  return r;
}

std::string format_json(const BenchResult& r, std::uint64_t seed) {
  return format_json(r, seed, workbench::environment());
}

std::string format_json(const BenchResult& r, std::uint64_t seed,
                        const workbench::Environment& env) {
  const ParameterSet& p = *r.params;
  std::ostringstream s;
  char floor[32];
  std::snprintf(floor, sizeof floor, "%.0f", r.flops_floor);
  s << "{\"op\": \"" << op_name(r.op) << "\", \"params\": \"" << p.name
    << "\", \"threads\": " << r.threads << ", \"ms_per_op\": " << format_sig4(r.ms_per_op())
    << ", \"ops_per_s\": " << format_sig4(r.ops_per_s()) << ", \"n\": " << p.n.value()
    << ", \"k\": " << p.k.value() << ", \"N\": " << p.N.value()
    << ", \"pbs_base_log\": " << p.pbs.base_log.value()
    << ", \"pbs_levels\": " << p.pbs.levels.value()
    << ", \"ks_base_log\": " << p.ks.base_log.value() << ", \"ks_levels\": " << p.ks.levels.value()
    << ", \"flops_floor\": " << floor << ", \"gflops\": " << format_sig4(r.gflops())
    << ", \"insecure\": " << (p.insecure ? "true" : "false") << ", \"ops_measured\": " << r.ops
    << ", \"repetitions\": " << r.repetitions << ", \"cpu_share\": " << format_sig4(r.cpu_share)
    << ", \"seed\": " << seed << ", \"env\": " << workbench::environment_json(env)
    << ", \"parameter_set\": " << parameter_set_record_json(p) << "}";
  return s.str();
}

int run_bench(const BenchOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<BenchRecord> baseline;
  if (!options.baseline.empty()) {
    try {
      baseline = read_bench_records(options.baseline);
      if (!options.compare.empty()) {
        return compare_files(baseline, read_bench_records(options.compare), options, out);
      }
    } catch (const UsageError& e) {
      err << e.what() << '\n';
      return kExitUsage;
    }
  }
  // Validate everything before the first (possibly long) key generation.
  const std::vector<ParameterSet> chosen =
      options.sets.empty() ? default_bench_params() : options.sets;
  std::vector<const ParameterSet*> sets;
  for (const ParameterSet& p : chosen) sets.push_back(&p);
  for (int t : options.threads) {
    if (t < 1) {
      err << "bench: thread count must be at least 1, got " << t << '\n';
      return kExitUsage;
    }
  }
  if (options.threads.empty()) {
    err << "bench: no thread count given\n";
    return kExitUsage;
  }
  if (options.iterations == 0 && !(options.min_time_s > 0.0)) {
    err << "bench: min time must be positive\n";
    return kExitUsage;
  }
  const std::vector<BenchOp> requested =
      options.ops.empty() ? std::vector<BenchOp>(all_ops().begin(), all_ops().end()) : options.ops;
  for (const ParameterSet* p : sets) {
    if (key_bytes(*p) >= kLargeKeyBytes) {
      err << "bench: warning: " << p->display_name() << " needs about "
          << format_sig4(key_bytes(*p) / kLargeKeyBytes)
          << " GiB of memory for its keys, and a longer key generation\n";
    }
  }
  const int procs = omp_get_num_procs();
  if (options.breakdown && (options.threads.size() != 1 || options.threads.front() != 1)) {
    err << "bench: warning: --breakdown times one KS-PBS at 1 thread; --threads is ignored\n";
  }
  for (int t : options.threads) {
    if (t > procs) {
      err << "bench: warning: " << t << " threads on " << procs
          << " processors: the threads will share cores\n";
    }
  }

  if (!options.json) {
    out << "# lutfhe bench: seed " << options.seed << " (fixed test seed, keys are not secret); "
        << (options.iterations != 0 ? std::to_string(options.iterations) + " ops per thread"
                                    : "min time " + format_sig4(options.min_time_s) + " s")
        << ", best of " << options.repetitions << "; " << procs << " processors\n";
    if (options.breakdown) {
      out << "# cpu = our CPU time / wall time of each stage's measurement; below ~95% other "
             "load disturbed it\n";
    } else {
      out << "# ms/op = wall-clock time of the batch / ops; flop floor per op, see "
             "bench/RESULTS.md;\n# cpu = our CPU time / (wall time x threads), below ~95% other "
             "load disturbed the row\n";
    }
    if (!baseline.empty()) {
      out << "# ratio = ms/op / baseline ms/op (" << options.baseline << "); beyond +-"
          << format_sig4(100.0 * options.noise) << "% marked faster/slower\n";
    }
    if (!options.breakdown) print_table_header(out, !baseline.empty());
  }

  try {
    for (const ParameterSet* p : sets) {
      const bool any = std::any_of(requested.begin(), requested.end(),
                                   [&](BenchOp op) { return op_applies(op, *p); });
      if (!any) {
        if (!options.quiet) {
          err << "bench: skipping " << p->display_name() << ": none of the requested ops apply\n";
        }
        continue;
      }
      if (!options.quiet) {
        err << "bench: generating keys for " << p->display_name() << " (seed " << options.seed
            << ")..." << std::flush;
      }
      const auto start = Clock::now();
      const BenchFixture fixture(*p, options.seed);
      if (!options.quiet) {
        const std::chrono::duration<double> t = Clock::now() - start;
        err << " " << format_sig4(t.count()) << " s\n";
      }
      if (options.breakdown) {
        const Breakdown b = measure_breakdown(fixture, options);
        if (options.json) {
          out << format_breakdown_json(b, workbench::environment(), options.seed) << '\n'
              << std::flush;
        } else {
          print_breakdown_table(out, b, workbench::environment());
        }
        continue;
      }
      for (BenchOp op : requested) {
        if (!op_applies(op, *p)) {
          if (!options.ops.empty() && !options.quiet) {
            err << "bench: skipping " << op_name(op) << " on " << p->display_name()
                << " (gates need a boolean set)\n";
          }
          continue;
        }
        double one_thread_ops_per_s = 0.0;
        for (int t : options.threads) {
          const BenchResult r = measure_op(fixture, op, t, options);
          if (r.threads != t) {
            err << "bench: warning: asked for " << t << " threads, OpenMP ran " << r.threads
                << '\n';
          }
          const BenchRecord now = record_of(r);
          const BenchRecord* base =
              baseline.empty() ? nullptr : find_matching_record(baseline, now);
          if (options.json) {
            std::string line = format_json(r, options.seed);
            if (base != nullptr) {
              const Comparison c = compare_records(now, *base, options.noise);
              line.pop_back();
              line += ", \"baseline_ms_per_op\": " + format_sig4(base->ms_per_op) +
                      ", \"ratio_to_baseline\": " + format_sig4(c.ratio) + ", \"vs_baseline\": \"" +
                      c.label() + "\"}";
            }
            out << line << '\n' << std::flush;
          } else {
            print_table_row(out, r, r.threads == 1 ? 0.0 : one_thread_ops_per_s,
                            baseline.empty() ? "" : baseline_cells(base, now, options.noise));
          }
          if (r.threads == 1) one_thread_ops_per_s = r.ops_per_s();
        }
      }
    }
  } catch (const UsageError& e) {
    err << e.what() << '\n';
    return kExitUsage;
  } catch (const std::exception& e) {
    err << "bench: error: " << e.what() << '\n';
    return kExitFailure;
  }
  return kExitOk;
}

int run_bench(const BenchOptions& options, std::ostream& out) {
  return run_bench(options, out, std::cerr);
}

}  // namespace lutfhe::bench
