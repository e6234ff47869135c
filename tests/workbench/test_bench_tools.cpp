// The research workbench's benchmark tools: SVG charts, the parameter sweep's outputs, the
// baseline comparison and the KS-PBS breakdown. Structure, not speed: timings on a shared
// machine are noise, so the one check that depends on them is in the large suite.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/baseline.hpp"
#include "bench/bench_driver.hpp"
#include "bench/bench_options.hpp"
#include "bench/breakdown.hpp"
#include "bench/sweep.hpp"
#include "bench/workload.hpp"
#include "core/parameter_file.hpp"
#include "core/pbs.hpp"
#include "workbench/environment.hpp"
#include "workbench/svg_plot.hpp"

namespace lutfhe::bench {
namespace {

namespace fs = std::filesystem;

// A directory of this process, removed at exit.
fs::path temp_dir() {
  struct Dir {
    fs::path path = fs::temp_directory_path() / ("lutfhe_workbench_" + std::to_string(::getpid()));
    Dir() { fs::create_directories(path); }
    ~Dir() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  };
  static const Dir dir;
  return dir.path;
}

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

// Well-formedness of the subset of XML the plots use: every element closed in order, every
// attribute quoted, text free of raw '<' and '&' other than entities. Returns "" or a reason.
std::string xml_problem(const std::string& s) {
  std::vector<std::string> open;
  std::size_t i = s.find("<svg");
  if (i == std::string::npos) return "no <svg> element";
  while (i < s.size()) {
    if (s[i] != '<') {
      if (s[i] == '&') {
        const std::size_t semi = s.find(';', i);
        if (semi == std::string::npos || semi - i > 6) return "bare '&' in text";
      }
      ++i;
      continue;
    }
    const std::size_t end = s.find('>', i);
    if (end == std::string::npos) return "unterminated tag";
    std::string tag = s.substr(i + 1, end - i - 1);
    if (count_of(tag, "\"") % 2 != 0) return "odd number of quotes in <" + tag + ">";
    if (!tag.empty() && tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (open.empty() || open.back() != name) return "unexpected </" + name + ">";
      open.pop_back();
    } else if (!tag.empty() && tag.back() != '/') {
      open.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
    i = end + 1;
  }
  return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) lines.push_back(l);
  }
  return lines;
}

// ---- SVG charts -----------------------------------------------------------------------------

TEST(SvgPlot, LinearTicksAreOneTwoFiveSteps) {
  const std::vector<double> t = plot::nice_ticks(0.0, 7.3, false);
  ASSERT_GE(t.size(), 3u);
  const double step = t[1] - t[0];
  const double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
  EXPECT_TRUE(std::fabs(mantissa - 1) < 1e-9 || std::fabs(mantissa - 2) < 1e-9 ||
              std::fabs(mantissa - 5) < 1e-9)
      << "step " << step;
  for (const double v : t) {
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 7.3);
  }
}

TEST(SvgPlot, LogTicksArePowers) {
  EXPECT_EQ(plot::nice_ticks(0.5, 20000, true), (std::vector<double>{1, 10, 100, 1000, 10000}));
  EXPECT_EQ(plot::nice_ticks(400, 2500, true), (std::vector<double>{512, 1024, 2048}));
}

TEST(SvgPlot, LineChartHasOneMarkerPerPointAndEscapesText) {
  const fs::path path = temp_dir() / "chart.svg";
  plot::LineChart c;
  c.title = "latency <ms> & more";
  c.x_label = "N";
  c.y_label = "ms";
  c.log_x = true;
  c.series = {{"a", {512, 1024, 2048}, {1, 2, 4}}, {"b", {512, 1024}, {1.5, NAN}}};
  plot::write_line_chart_svg(path, c);
  const std::string svg = read_text(path);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(count_of(svg, "class=\"marker\""), 4u);  // the NaN point is skipped
  EXPECT_NE(svg.find("latency &lt;ms&gt; &amp; more"), std::string::npos);
  EXPECT_FALSE(fs::exists(path.string() + ".tmp." + std::to_string(::getpid())));
}

TEST(SvgPlot, HistogramBarsAndCurve) {
  const fs::path path = temp_dir() / "hist.svg";
  plot::Histogram h;
  h.title = "noise";
  h.bin_edges = {-2, -1, 0, 1, 2};
  h.counts = {1, 5, 6, 2};
  h.curve_x = {-2, 0, 2};
  h.curve_y = {0.5, 6, 0.5};
  h.bars_label = "measured";
  h.curve_label = "predicted";
  plot::write_histogram_svg(path, h);
  const std::string svg = read_text(path);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(count_of(svg, "class=\"bar\""), 4u);
  EXPECT_EQ(count_of(svg, "class=\"curve\""), 1u);
  h.counts.push_back(1);
  EXPECT_THROW(plot::write_histogram_svg(path, h), std::invalid_argument);
}

TEST(SvgPlot, UnwritablePathThrows) {
  plot::LineChart c;
  c.series = {{"a", {1, 2}, {1, 2}}};
  EXPECT_THROW(plot::write_line_chart_svg("/nonexistent-dir/x/chart.svg", c), std::runtime_error);
}

// ---- sweep ----------------------------------------------------------------------------------

TEST(BenchSweep, CsvJsonAndSvgOfToyGrid) {
  const fs::path prefix = temp_dir() / "sweep";
  const std::vector<std::string> args = {
      "--params",       "TOY",   "--N",          "2048,4096", "--pbs-levels", "1,2",
      "--pbs-base-log", "15,40", "--iterations", "1",         "--quiet",      "--out",
      prefix.string()};
  const SweepOptions options = parse_sweep_args(args);
  ASSERT_EQ(options.axes.size(), 3u);
  EXPECT_EQ(options.axes[0].field, "N");
  std::ostringstream err;
  const std::vector<SweepPoint> points = run_sweep(options, err);
  ASSERT_EQ(points.size(), 8u);
  std::size_t ok = 0;
  for (const SweepPoint& pt : points) {
    // β·l = 80 > 64 is rejected by check_parameters; everything else runs.
    const bool valid = !(pt.values[1] == 2 && pt.values[2] == 40);
    EXPECT_EQ(pt.status, valid ? "ok" : "rejected") << pt.params.name << ": " << pt.note;
    if (pt.status == "ok") {
      ++ok;
      EXPECT_GT(pt.ms_per_op, 0.0);
      EXPECT_EQ(pt.params.N.value(), pt.values[0]);
      EXPECT_EQ(pt.params.pbs.levels.value(), pt.values[1]);
    }
  }
  EXPECT_EQ(ok, 6u);
  write_sweep_outputs(options, points);

  const std::vector<std::string> csv = lines_of(read_text(prefix.string() + ".csv"));
  ASSERT_EQ(csv.size(), 9u);
  EXPECT_TRUE(
      csv[0].starts_with("params,n,k,N,pbs_base_log,pbs_levels,ks_base_log,ks_levels,"
                         "status,ms_per_op"));
  EXPECT_EQ(std::count_if(csv.begin(), csv.end(),
                          [](const std::string& l) { return l.find(",ok,") != l.npos; }),
            6);
  EXPECT_EQ(std::count_if(csv.begin(), csv.end(),
                          [](const std::string& l) { return l.find(",rejected,") != l.npos; }),
            2);
  EXPECT_NE(csv[1].find("\"TOY[N=2048,pbs_levels=1,pbs_base_log=15]\",64,1,2048,15,1,"),
            std::string::npos)
      << csv[1];

  const std::string svg = read_text(prefix.string() + ".svg");
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(count_of(svg, "class=\"marker\""), ok);
  // One line per (pbs_levels, pbs_base_log) combination with at least two points: three.
  EXPECT_EQ(count_of(svg, "<polyline"), 3u);

  rapidjson::Document doc;
  const std::string json = read_text(prefix.string() + ".json");
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError());
  ASSERT_TRUE(doc["points"].IsArray());
  EXPECT_EQ(doc["points"].Size(), 8u);
  EXPECT_TRUE(doc["env"].HasMember("fftw_version"));
  // The sweep file reads back as a baseline with its six measured points.
  EXPECT_EQ(read_bench_records(prefix.string() + ".json").size(), 6u);
}

TEST(BenchSweep, ArgumentErrors) {
  const auto parse = [](std::vector<std::string> a) { return parse_sweep_args(a); };
  EXPECT_THROW(parse({}), UsageError);
  EXPECT_THROW(parse({"--N", "1024,x"}), UsageError);
  EXPECT_THROW(parse({"--N", "1024", "--N", "2048"}), UsageError);
  EXPECT_THROW(parse({"--params", "NOPE", "--N", "1024"}), UsageError);
  EXPECT_THROW(parse({"--frobnicate", "1"}), UsageError);
  EXPECT_EQ(parse({"--ks-base-log", "2,3"}).axes.front().field, "ks_base_log");
}

TEST(BenchSweep, BaseFromParameterFile) {
  ParameterSet custom = find_parameter_set("TOY");
  custom.name = "MY_TOY";
  custom.n = LweDimension(80);  // not TOY's numeric content, so a custom set
  const fs::path file = temp_dir() / "my_toy.json";
  {
    std::ofstream f(file);
    f << parameters_to_json(custom);
  }
  const std::vector<std::string> args = {"--params",     file.string(), "--N",    "2048",
                                         "--iterations", "1",           "--quiet"};
  const SweepOptions options = parse_sweep_args(args);
  EXPECT_EQ(options.base_set.n.value(), 80u);
  EXPECT_EQ(options.base_set.name, "MY_TOY");
  std::ostringstream err;
  const std::vector<SweepPoint> points = run_sweep(options, err);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].status, "ok") << points[0].note;
  EXPECT_EQ(points[0].params.N.value(), 2048u);
}

// ---- baseline -------------------------------------------------------------------------------

TEST(BenchBaseline, RatiosOfHandMadeRecords) {
  const std::string old_run =
      "# earlier run\n"
      "{\"op\": \"ks_pbs\", \"params\": \"PBS_4BIT\", \"threads\": 1, \"ms_per_op\": 20.0, "
      "\"n\": 879, \"cpu_share\": 0.99}\n"
      "{\"op\": \"ks_pbs\", \"params\": \"PBS_4BIT\", \"threads\": 2, \"ms_per_op\": 10.0}\n"
      "\n"
      "{\"op\": \"fft\", \"params\": \"PBS_4BIT\", \"threads\": 1, \"ms_per_op\": 0.01}\n";
  const std::vector<BenchRecord> base = parse_bench_records(old_run, "old.json");
  ASSERT_EQ(base.size(), 3u);

  BenchRecord now;
  now.op = "ks_pbs";
  now.params = "PBS_4BIT";
  now.threads = 1;
  now.ms_per_op = 15.0;
  const BenchRecord* match = find_matching_record(base, now);
  ASSERT_NE(match, nullptr);
  EXPECT_EQ(match->ms_per_op, 20.0);
  Comparison c = compare_records(now, *match, 0.05);
  EXPECT_DOUBLE_EQ(c.ratio, 0.75);
  EXPECT_EQ(c.verdict, "faster");

  now.threads = 2;
  now.ms_per_op = 10.3;
  c = compare_records(now, *find_matching_record(base, now), 0.05);
  EXPECT_EQ(c.verdict, "same");
  now.ms_per_op = 12.0;
  EXPECT_EQ(compare_records(now, *find_matching_record(base, now), 0.05).verdict, "slower");
  now.cpu_share = 0.5;
  c = compare_records(now, *find_matching_record(base, now), 0.05);
  EXPECT_TRUE(c.disturbed);
  EXPECT_EQ(c.label(), "slower (disturbed)");

  now.threads = 4;
  EXPECT_EQ(find_matching_record(base, now), nullptr);
  now.threads = 1;
  now.numeric[0] = 742;  // a different n is a different set, whatever its name
  EXPECT_EQ(find_matching_record(base, now), nullptr);
}

TEST(BenchBaseline, MalformedRecordsAreUsageErrors) {
  EXPECT_THROW(parse_bench_records("{\"op\": \"pbs\"}\n", "x.json"), UsageError);
  EXPECT_THROW(parse_bench_records("{not json}\n", "x.json"), UsageError);
  EXPECT_EQ(parse_bench_records("[{\"op\": \"pbs\", \"params\": \"TOY\", \"threads\": 1, "
                                "\"ms_per_op\": 1.5}]",
                                "x.json")
                .size(),
            1u);
}

// The batched op counts every ciphertext of its batch, on classic and multi-bit sets alike.
TEST(BenchOps, BatchedKsPbsCountsEveryCiphertext) {
  ParameterSet mb = find_parameter_set("TOY");
  mb.grouping = 2;
  mb.name = "TOY_MB2";
  mb.version = "lutfhe-test/TOY_MB2";
  for (const ParameterSet& p : {find_parameter_set("TOY"), mb}) {
    const BenchFixture fixture(p, kDefaultBenchSeed);
    BenchOptions o;
    o.iterations = 2;
    const BenchResult r = measure_op(fixture, BenchOp::kKsPbsBatch, 1, o);
    EXPECT_EQ(r.ops, 2 * kBootstrapBatch) << p.name;
    EXPECT_GT(r.seconds, 0.0) << p.name;
    const BenchResult single = measure_op(fixture, BenchOp::kKsPbs, 1, o);
    EXPECT_EQ(single.ops, 2u) << p.name;
  }
  EXPECT_EQ(parse_op("ks_pbs_batch"), BenchOp::kKsPbsBatch);
}

// ---- environment and JSON records -----------------------------------------------------------

TEST(BenchEnvironment, EveryJsonRecordCarriesEnvAndParameters) {
  const BenchFixture fixture(find_parameter_set("TOY"), kDefaultBenchSeed);
  BenchOptions o;
  o.iterations = 1;
  const BenchResult r = measure_op(fixture, BenchOp::kFft, 1, o);
  const std::string line = format_json(r, o.seed);
  rapidjson::Document doc;
  doc.Parse(line.c_str());
  ASSERT_FALSE(doc.HasParseError()) << line;
  // The fields bench/update_results.sh and format_results.py read stay at the top level.
  for (const char* f :
       {"op", "params", "threads", "ms_per_op", "ops_per_s", "n", "k", "N", "pbs_base_log",
        "pbs_levels", "ks_base_log", "ks_levels", "flops_floor", "insecure", "cpu_share", "seed"}) {
    EXPECT_TRUE(doc.HasMember(f)) << f;
  }
  const auto& env = doc["env"];
  for (const char* f :
       {"cpu_model", "cpu_flags", "logical_cpus", "compiler_id", "compiler_version",
        "compiler_flags", "build_type", "fftw_version", "git_commit", "peak_gflops_per_core"}) {
    EXPECT_TRUE(env.HasMember(f)) << f;
  }
  EXPECT_TRUE(std::string(env["fftw_version"].GetString()).starts_with("fftw-"));
  EXPECT_FALSE(std::string(env["git_commit"].GetString()).empty());
  const auto& ps = doc["parameter_set"];
  for (const char* f : {"name", "version", "lwe_noise", "glwe_noise", "message_bits",
                        "claimed_security_bits", "source"}) {
    EXPECT_TRUE(ps.HasMember(f)) << f;
  }
}

// ---- breakdown ------------------------------------------------------------------------------

Breakdown toy_breakdown(std::size_t iterations, std::size_t repetitions) {
  static const BenchFixture fixture(find_parameter_set("TOY"), kDefaultBenchSeed);
  BenchOptions o;
  o.iterations = iterations;
  o.repetitions = repetitions;
  return measure_breakdown(fixture, o);
}

TEST(BenchBreakdown, AllStagesPresentAndPositive) {
  const Breakdown b = toy_breakdown(5, 1);
  const std::vector<std::string> expected = {"keyswitch",     "modulus_switch", "init_accumulator",
                                             "decomposition", "forward_fft",    "multiply_add",
                                             "inverse_fft",   "rotation",       "sample_extract"};
  ASSERT_EQ(b.stages.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const StageTime& s = b.stages[i];
    EXPECT_EQ(s.key, expected[i]);
    EXPECT_GT(s.calls, 0.0) << s.key;
    EXPECT_TRUE(std::isfinite(s.seconds_per_call)) << s.key;
    // Derived stages are differences of timings and may dip below zero under load.
    if (!s.derived) {
      EXPECT_GT(s.seconds_per_call, 0.0) << s.key;
    }
  }
  // One CMUX per non-zero switched mask element (TOY: n = 64).
  EXPECT_GT(b.cmuxes, 0.0);
  EXPECT_LE(b.cmuxes, 64.0);
  EXPECT_GT(b.whole_seconds(), 0.0);
  EXPECT_GT(b.stage_sum(), 0.0);
  const workbench::Environment& env = workbench::environment();
  rapidjson::Document doc;
  const std::string json = format_breakdown_json(b, env, kDefaultBenchSeed);
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  EXPECT_EQ(std::string(doc["op"].GetString()), "ks_pbs_breakdown");
  EXPECT_EQ(doc["stages"].Size(), expected.size());
  EXPECT_TRUE(doc["stages"][4].HasMember("fraction_of_floor"));  // forward FFTs
  std::ostringstream table;
  print_breakdown_table(table, b, env);
  EXPECT_NE(table.str().find("unexplained remainder"), std::string::npos);
}

// Timing-sensitive: the isolated stages should explain the whole KS-PBS (label large). The
// stages are wall-clock medians of microsecond chunks and the whole is thread CPU time, so a
// noisy neighbour can push one measurement out of bounds (CI once saw 1.47 where an idle
// machine gives 1.01-1.03). A stage missing or counted twice shifts every attempt the same
// way, so up to three attempts are made and one must land within bounds.
TEST(BenchBreakdownLarge, StageSumExplainsTheWhole) {
  std::ostringstream seen;
  bool explained = false;
  for (int attempt = 0; attempt < 3 && !explained; ++attempt) {
    const Breakdown b = toy_breakdown(0, 3);
    const double ratio = b.stage_sum() / b.whole_seconds();
    seen << " [sum " << b.stage_sum() << " s, whole " << b.whole_seconds() << " s, ratio " << ratio
         << "]";
    explained = ratio > 0.7 && ratio < 1.3;
  }
  EXPECT_TRUE(explained) << "stage sum / whole KS-PBS outside (0.7, 1.3) on every attempt:"
                         << seen.str();
}

}  // namespace
}  // namespace lutfhe::bench
