#include "bench/sweep.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include "bench/environment.hpp"
#include "bench/workload.hpp"
#include "cli/param_options.hpp"
#include "cli/svg_plot.hpp"

namespace lutfhe::bench {
namespace {

constexpr const char* kFields[] = {"n",          "k",           "N",        "pbs_base_log",
                                   "pbs_levels", "ks_base_log", "ks_levels"};
// Latency measurement of one point runs at most this many points without asking.
constexpr std::size_t kMaxPoints = 1000;

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
      throw BenchUsageError("bench sweep: " + std::string(option) +
                            " expects comma-separated non-negative integers, got '" +
                            std::string(text) + "'");
    }
    if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return values;
}

std::string point_name(const std::string& base, const std::vector<SweepAxis>& axes,
                       const std::vector<std::size_t>& values) {
  std::string name = base + "[";
  for (std::size_t i = 0; i < axes.size(); ++i) {
    name += (i ? "," : "") + axes[i].field + "=" + std::to_string(values[i]);
  }
  return name + "]";
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double x) {
  if (!std::isfinite(x)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("cannot write " + tmp.string());
    f << text;
    f.flush();
    if (!f) throw std::runtime_error("error writing " + tmp.string());
  }
  std::filesystem::rename(tmp, path);
}

std::filesystem::path with_suffix(const std::filesystem::path& prefix, const char* ext) {
  std::filesystem::path p = prefix;
  p += ext;
  return p;
}

}  // namespace

std::span<const char* const> sweep_fields() {
  return kFields;
}

void set_sweep_field(ParameterSet& p, const std::string& f, std::size_t v) {
  if (f == "n") {
    p.n = LweDimension(v);
  } else if (f == "k") {
    p.k = GlweDimension(v);
  } else if (f == "N") {
    p.N = PolynomialSize(v);
  } else if (f == "pbs_base_log") {
    p.pbs.base_log = DecompositionBaseLog(v);
  } else if (f == "pbs_levels") {
    p.pbs.levels = DecompositionLevelCount(v);
  } else if (f == "ks_base_log") {
    p.ks.base_log = DecompositionBaseLog(v);
  } else if (f == "ks_levels") {
    p.ks.levels = DecompositionLevelCount(v);
  } else {
    throw BenchUsageError("bench sweep: unknown field '" + f + "'");
  }
}

std::size_t get_sweep_field(const ParameterSet& p, const std::string& f) {
  if (f == "n") return p.n.value();
  if (f == "k") return p.k.value();
  if (f == "N") return p.N.value();
  if (f == "pbs_base_log") return p.pbs.base_log.value();
  if (f == "pbs_levels") return p.pbs.levels.value();
  if (f == "ks_base_log") return p.ks.base_log.value();
  if (f == "ks_levels") return p.ks.levels.value();
  throw BenchUsageError("bench sweep: unknown field '" + f + "'");
}

std::string sweep_usage() {
  return "usage: lutfhe bench sweep [--params NAME|FILE.json] [--n L] [--k L] [--N L]\n"
         "                          [--pbs-base-log L] [--pbs-levels L] [--ks-base-log L]\n"
         "                          [--ks-levels L]\n"
         "                          [--out PREFIX] [--min-time S | --iterations N]\n"
         "                          [--repetitions R] [--seed S] [--quiet]\n"
         "  L is a comma-separated list of values; the points are the cartesian product, in\n"
         "  the order the flags are given (the first swept field is the plot's x axis, the\n"
         "  second gives one line per value). Each point is one KS-PBS latency measurement\n"
         "  at 1 thread (default --min-time 0.3). The noise is the base set's, NOT adapted:\n"
         "  points are not 128-bit secure sets. Writes PREFIX.csv, PREFIX.json, PREFIX.svg\n"
         "  (default prefix 'sweep').\n";
}

SweepOptions parse_sweep_args(std::span<const std::string> args) {
  SweepOptions o;
  o.bench.min_time_s = 0.3;
  bool min_time_given = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::string_view value;
    bool inline_value = false;
    if (const std::size_t eq = arg.find('='); arg.starts_with("--") && eq != arg.npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      inline_value = true;
    }
    const auto take = [&]() -> std::string_view {
      if (inline_value) return value;
      if (i + 1 >= args.size()) {
        throw BenchUsageError("bench sweep: " + std::string(arg) + " needs a value");
      }
      return args[++i];
    };
    const char* field = nullptr;
    for (const char* f : kFields) {
      if (flag_of(f) == arg) field = f;
    }
    if (field != nullptr) {
      if (std::any_of(o.axes.begin(), o.axes.end(),
                      [&](const SweepAxis& a) { return a.field == field; })) {
        throw BenchUsageError("bench sweep: " + std::string(arg) + " given twice");
      }
      o.axes.push_back({field, parse_list(take(), arg)});
    } else if (arg == "--params") {
      o.base = std::string(take());
      try {
        // A named set or a parameter file (docs/PARAMETERS.md), as every other command.
        o.base_set = cli::resolve_params_name_or_file(o.base);
      } catch (const std::exception& e) {  // unknown name, unreadable or invalid file
        throw BenchUsageError(std::string("bench sweep: ") + e.what());
      }
    } else if (arg == "--out") {
      o.out = std::string(take());
      if (o.out.empty()) throw BenchUsageError("bench sweep: --out needs a non-empty prefix");
    } else if (arg == "--min-time" || arg == "--iterations" || arg == "--repetitions" ||
               arg == "--seed") {
      const std::string a(arg), v(take());
      const std::string pair[2] = {a, v};
      const BenchOptions parsed = parse_bench_args(pair);
      if (a == "--min-time") {
        o.bench.min_time_s = parsed.min_time_s;
        min_time_given = true;
      }
      if (a == "--iterations") o.bench.iterations = parsed.iterations;
      if (a == "--repetitions") o.bench.repetitions = parsed.repetitions;
      if (a == "--seed") o.bench.seed = parsed.seed;
    } else if (arg == "--quiet" || arg == "-q") {
      o.bench.quiet = true;
    } else if (arg == "--help" || arg == "-h") {
      o.help = true;
    } else {
      throw BenchUsageError("bench sweep: unknown argument '" + std::string(args[i]) +
                            "' (see 'lutfhe bench sweep --help')");
    }
  }
  if (min_time_given && o.bench.iterations != 0) {
    throw BenchUsageError("bench sweep: give either --min-time or --iterations, not both");
  }
  if (!o.help && o.axes.empty()) {
    throw BenchUsageError("bench sweep: give at least one field to sweep, e.g. --N 1024,2048");
  }
  return o;
}

std::vector<SweepPoint> run_sweep(const SweepOptions& options, std::ostream& err) {
  // The field flags are lists here, so only --params goes through cli/param_options.
  const ParameterSet& base = options.base_set;
  std::size_t total = 1;
  for (const SweepAxis& a : options.axes) total *= a.values.size();
  if (total > kMaxPoints) {
    throw BenchUsageError("bench sweep: " + std::to_string(total) + " points; at most " +
                          std::to_string(kMaxPoints));
  }
  std::vector<SweepPoint> points;
  std::vector<std::size_t> index(options.axes.size(), 0);
  for (std::size_t done = 0; done < total; ++done) {
    SweepPoint pt{.values = {}, .params = base, .status = "ok", .note = {}};
    for (std::size_t a = 0; a < options.axes.size(); ++a) {
      pt.values.push_back(options.axes[a].values[index[a]]);
      set_sweep_field(pt.params, options.axes[a].field, pt.values.back());
    }
    pt.params.name = point_name(base.name, options.axes, pt.values);
    pt.params.version = base.version + "/bench-sweep/" + pt.params.name;
    pt.params.claimed_security_bits = 0;
    pt.params.security_source =
        "not estimated: bench sweep point, noise of " + base.name + " not adapted";
    pt.params.published_log2_pfail = NAN;
    if (!options.bench.quiet) {
      err << "bench sweep: [" << done + 1 << "/" << total << "] " << pt.params.name << " ..."
          << std::flush;
    }
    try {
      check_parameters(pt.params);
    } catch (const std::exception& e) {
      pt.status = "rejected";
      pt.note = e.what();
    }
    if (pt.status == "ok") {
      try {
        const auto start = std::chrono::steady_clock::now();
        const BenchFixture fixture(pt.params, options.bench.seed);
        pt.keygen_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const BenchResult r = measure_op(fixture, BenchOp::kKsPbs, 1, options.bench);
        pt.ms_per_op = r.ms_per_op();
        pt.ops_per_s = r.ops_per_s();
        pt.cpu_share = r.cpu_share;
        pt.ops = r.ops;
      } catch (const BenchUsageError&) {
        throw;
      } catch (const std::exception& e) {
        pt.status = "failed";
        pt.note = e.what();
      }
    }
    if (!options.bench.quiet) {
      if (pt.status == "ok") {
        err << ' ' << number(pt.ms_per_op) << " ms/op"
            << (pt.cpu_share < 0.95 ? " (disturbed)" : "") << '\n';
      } else {
        err << ' ' << pt.status << ": " << pt.note << '\n';
      }
    }
    points.push_back(std::move(pt));
    // Odometer over the axes, the last axis fastest.
    for (std::size_t a = options.axes.size(); a-- > 0;) {
      if (++index[a] < options.axes[a].values.size()) break;
      index[a] = 0;
    }
  }
  return points;
}

void write_sweep_outputs(const SweepOptions& options, const std::vector<SweepPoint>& points) {
  const Environment& env = environment();
  const ParameterSet& base = options.base_set;

  std::ostringstream csv;
  csv << "params,n,k,N,pbs_base_log,pbs_levels,ks_base_log,ks_levels,status,ms_per_op,ops_per_s,"
         "cpu_share,ops_measured,keygen_s,note\n";
  for (const SweepPoint& pt : points) {
    const ParameterSet& p = pt.params;
    csv << csv_field(p.name) << ',' << p.n.value() << ',' << p.k.value() << ',' << p.N.value()
        << ',' << p.pbs.base_log.value() << ',' << p.pbs.levels.value() << ','
        << p.ks.base_log.value() << ',' << p.ks.levels.value() << ',' << pt.status << ','
        << (pt.status == "ok" ? number(pt.ms_per_op) : "") << ','
        << (pt.status == "ok" ? number(pt.ops_per_s) : "") << ','
        << (pt.status == "ok" ? number(pt.cpu_share) : "") << ',' << pt.ops << ','
        << (pt.status == "ok" ? number(pt.keygen_s) : "") << ',' << csv_field(pt.note) << '\n';
  }

  std::ostringstream json;
  json << "{\"tool\": \"lutfhe bench sweep\", \"op\": \"ks_pbs\", \"threads\": 1, \"base\": "
       << parameter_set_json(base) << ", \"swept\": [";
  for (std::size_t a = 0; a < options.axes.size(); ++a) {
    json << (a ? ", " : "") << "{\"field\": " << json_string(options.axes[a].field)
         << ", \"values\": [";
    for (std::size_t i = 0; i < options.axes[a].values.size(); ++i) {
      json << (i ? ", " : "") << options.axes[a].values[i];
    }
    json << "]}";
  }
  json << "], \"security\": \"not estimated: the noise distributions are the base set's, not "
          "adapted to each point\", \"seed\": "
       << options.bench.seed << ", \"env\": " << environment_json(env) << ",\n\"points\": [\n";
  for (std::size_t i = 0; i < points.size(); ++i) {
    const SweepPoint& pt = points[i];
    const ParameterSet& p = pt.params;
    json << (i ? ",\n" : "") << "{\"op\": \"ks_pbs\", \"params\": " << json_string(p.name)
         << ", \"threads\": 1, \"status\": " << json_string(pt.status);
    for (std::size_t a = 0; a < options.axes.size(); ++a) {
      json << ", \"" << options.axes[a].field << "\": " << pt.values[a];
    }
    for (const char* f : kFields) {
      if (std::none_of(options.axes.begin(), options.axes.end(),
                       [&](const SweepAxis& a) { return a.field == f; })) {
        json << ", \"" << f << "\": " << get_sweep_field(p, f);
      }
    }
    if (pt.status == "ok") {
      json << ", \"ms_per_op\": " << number(pt.ms_per_op)
           << ", \"ops_per_s\": " << number(pt.ops_per_s)
           << ", \"cpu_share\": " << number(pt.cpu_share) << ", \"ops_measured\": " << pt.ops
           << ", \"keygen_s\": " << number(pt.keygen_s);
    } else {
      json << ", \"note\": " << json_string(pt.note);
    }
    json << ", \"parameter_set\": " << parameter_set_json(p) << '}';
  }
  json << "\n]}\n";

  // Latency against the first swept field; one series per combination of the others.
  plot::LineChart chart;
  const std::string& xf = options.axes.front().field;
  chart.title = "KS-PBS latency, " + base.name + " swept (1 thread)";
  chart.x_label = xf;
  chart.y_label = "latency (ms per KS-PBS)";
  std::map<std::vector<std::size_t>, std::size_t> series_of;
  bool all_positive = true;
  std::size_t xmin = SIZE_MAX, xmax = 0;
  for (const std::size_t v : options.axes.front().values) {
    all_positive = all_positive && v > 0;
    xmin = std::min(xmin, v);
    xmax = std::max(xmax, v);
  }
  chart.log_x = all_positive && xmax >= 4 * xmin;
  for (const SweepPoint& pt : points) {
    const std::vector<std::size_t> rest(pt.values.begin() + 1, pt.values.end());
    auto [it, inserted] = series_of.try_emplace(rest, chart.series.size());
    if (inserted) {
      plot::Series s;
      for (std::size_t a = 1; a < options.axes.size(); ++a) {
        s.label += (a > 1 ? ", " : "") + options.axes[a].field + "=" + std::to_string(rest[a - 1]);
      }
      chart.series.push_back(std::move(s));
    }
    if (pt.status != "ok") continue;
    chart.series[it->second].x.push_back(static_cast<double>(pt.values.front()));
    chart.series[it->second].y.push_back(pt.ms_per_op);
  }

  for (plot::Series& s : chart.series) {
    if (s.x.empty()) s.label += " (no valid point)";
  }
  write_file_atomically(with_suffix(options.out, ".csv"), csv.str());
  write_file_atomically(with_suffix(options.out, ".json"), json.str());
  plot::write_line_chart_svg(with_suffix(options.out, ".svg"), chart);
}

int sweep_main(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  SweepOptions options;
  try {
    options = parse_sweep_args(args);
  } catch (const BenchUsageError& e) {
    err << e.what() << '\n';
    return kExitUsage;
  }
  if (options.help) {
    out << sweep_usage();
    return kExitOk;
  }
  try {
    const std::vector<SweepPoint> points = run_sweep(options, err);
    write_sweep_outputs(options, points);
    out << "# KS-PBS latency sweep of " << options.base_set.name
        << " (1 thread; noise not adapted, security not estimated)\n";
    for (const SweepAxis& a : options.axes) out << std::setw(13) << a.field;
    out << std::setw(12) << "ms/op" << std::setw(7) << "cpu"
        << "  status\n";
    for (const SweepPoint& pt : points) {
      for (const std::size_t v : pt.values) out << std::setw(13) << v;
      if (pt.status == "ok") {
        out << std::setw(12) << number(pt.ms_per_op) << std::setw(6)
            << static_cast<int>(std::lround(100 * pt.cpu_share)) << "%  ok\n";
      } else {
        out << std::setw(12) << "-" << std::setw(7) << ""
            << "  " << pt.status << ": " << pt.note << '\n';
      }
    }
    out << "# wrote " << with_suffix(options.out, ".csv").string() << ", "
        << with_suffix(options.out, ".json").string() << ", "
        << with_suffix(options.out, ".svg").string() << '\n';
  } catch (const BenchUsageError& e) {
    err << e.what() << '\n';
    return kExitUsage;
  } catch (const std::exception& e) {
    err << "bench sweep: error: " << e.what() << '\n';
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace lutfhe::bench
