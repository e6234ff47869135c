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

#include "bench/workload.hpp"
#include "core/atomic_file.hpp"
#include "core/json_text.hpp"
#include "core/parameter_file.hpp"
#include "workbench/environment.hpp"
#include "workbench/svg_plot.hpp"

namespace lutfhe::bench {
namespace {

constexpr const char* kFields[] = {"n",          "k",           "N",        "pbs_base_log",
                                   "pbs_levels", "ks_base_log", "ks_levels"};
// Latency measurement of one point runs at most this many points without asking.
constexpr std::size_t kMaxPoints = 1000;

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
    throw UsageError("bench sweep: unknown field '" + f + "'");
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
  throw UsageError("bench sweep: unknown field '" + f + "'");
}

std::vector<SweepPoint> run_sweep(const SweepOptions& options, std::ostream& err) {
  // The field flags are lists here, so only --params goes through cli/param_options.
  const ParameterSet& base = options.base_set;
  std::size_t total = 1;
  for (const SweepAxis& a : options.axes) total *= a.values.size();
  if (total > kMaxPoints) {
    throw UsageError("bench sweep: " + std::to_string(total) + " points; at most " +
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
      } catch (const UsageError&) {
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
  const workbench::Environment& env = workbench::environment();
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
       << parameter_set_record_json(base) << ", \"swept\": [";
  for (std::size_t a = 0; a < options.axes.size(); ++a) {
    json << (a ? ", " : "") << "{\"field\": " << json_quoted(options.axes[a].field)
         << ", \"values\": [";
    for (std::size_t i = 0; i < options.axes[a].values.size(); ++i) {
      json << (i ? ", " : "") << options.axes[a].values[i];
    }
    json << "]}";
  }
  json << "], \"security\": \"not estimated: the noise distributions are the base set's, not "
          "adapted to each point\", \"seed\": "
       << options.bench.seed << ", \"env\": " << workbench::environment_json(env)
       << ",\n\"points\": [\n";
  for (std::size_t i = 0; i < points.size(); ++i) {
    const SweepPoint& pt = points[i];
    const ParameterSet& p = pt.params;
    json << (i ? ",\n" : "") << "{\"op\": \"ks_pbs\", \"params\": " << json_quoted(p.name)
         << ", \"threads\": 1, \"status\": " << json_quoted(pt.status);
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
      json << ", \"note\": " << json_quoted(pt.note);
    }
    json << ", \"parameter_set\": " << parameter_set_record_json(p) << '}';
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

int run_sweep_command(const SweepOptions& options, std::ostream& out, std::ostream& err) {
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
  } catch (const UsageError& e) {
    err << e.what() << '\n';
    return kExitUsage;
  } catch (const std::exception& e) {
    err << "bench sweep: error: " << e.what() << '\n';
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace lutfhe::bench
