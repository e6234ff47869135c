// `lutfhe noise`: measures the noise of every stage of a KS-PBS (fresh encryption, key switch,
// modulus switch, the bootstrap's output) and the failure rate on an enlarged message space,
// against the noise model (core/noise_measurement.hpp). A research tool: it makes throwaway
// keys from --seed and decrypts with them, in this process.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <numbers>
#include <sstream>
#include <string>
#include <thread>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/progress.hpp"
#include "core/json_text.hpp"
#include "core/noise_measurement.hpp"
#include "core/parameter_file.hpp"
#include "workbench/environment.hpp"
#include "workbench/param_options.hpp"
#include "workbench/svg_plot.hpp"

namespace lutfhe::cli {
namespace {

struct NoiseOptions {
  workbench::ParamOptions params;
  std::size_t samples = 2000;
  std::uint64_t seed = 1;
  int threads = 0;
  std::size_t keys = 8;
  unsigned precision = 0;  // 0: automatic
  double confidence = 0.99;
  bool json = false;
  std::string plot;
  std::string plot_stage = "pbs";
  bool quiet = false;
};

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

std::string pad(std::string s, std::size_t width, bool right = false) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

std::string percent(double confidence) {
  std::string s = fmt("%.3g", 100.0 * confidence);
  return s + "%";
}

// ---------------------------------------------------------------------------------------------
// Text.

void print_table(const noise::NoiseReport& r, std::ostream& out) {
  const auto& o = r.options;
  out << "noise of " << r.params.display_name() << " against the model (core/noise): " << o.samples
      << " samples per stage, " << o.keys << " key set" << (o.keys == 1 ? "" : "s") << ", seed "
      << o.seed << ", " << r.threads << " thread" << (r.threads == 1 ? "" : "s") << ", "
      << fmt("%.1f", r.seconds) << " s\n";
  if (r.params.insecure) out << "WARNING: INSECURE parameters, for tests only\n";
  const std::string ci = percent(o.confidence) + " CI of ratio";
  out << pad("stage", 19) << pad("samples", 9, true) << pad("measured σ (log2)", 20, true)
      << pad("model σ (log2)", 17, true) << pad("ratio (var)", 13, true) << "  " << pad(ci, 20)
      << "within tolerance?\n";
  for (const auto& s : r.stages) {
    const std::string interval =
        "[" + fmt("%.3f", s.ratio_low) + ", " + fmt("%.3f", s.ratio_high) + "]";
    out << pad(noise::stage_name(s.stage), 19) << pad(std::to_string(s.samples), 9, true)
        << pad(fmt("%.3f", 0.5 * std::log2(s.variance)), 20, true)
        << pad(fmt("%.3f", 0.5 * std::log2(s.model_variance)), 17, true)
        << pad(fmt("%.4f", s.ratio), 13, true) << "  " << pad(interval, 20)
        << (s.consistent ? "yes" : "NO") << '\n';
  }
  const double two_n = 2.0 * static_cast<double>(r.params.N.value());
  const auto& ms = r.stage(noise::Stage::kModulusSwitch);
  const auto& at = r.stage(noise::Stage::kAtModulusSwitch);
  out << "in units of 1/2N: modulus-switch rounding σ = "
      << fmt("%.3f", std::sqrt(ms.variance) * two_n) << " (model "
      << fmt("%.3f", std::sqrt(ms.model_variance) * two_n)
      << "), total at the modulus switch σ = " << fmt("%.3f", std::sqrt(at.variance) * two_n)
      << " (model " << fmt("%.3f", std::sqrt(at.model_variance) * two_n) << ")\n";
  const auto& f = r.failure;
  const std::string level = percent(f.confidence);
  out << "failure rate at " << f.precision << " bits (Δ/2 = 2^"
      << -(static_cast<int>(f.precision) + 2) << ", identity table, fresh inputs): " << f.failures
      << " / " << f.trials << " = " << fmt("%.4g", f.rate) << ", " << level << " CI ["
      << fmt("%.4g", f.rate_low) << ", " << fmt("%.4g", f.rate_high)
      << "] (Clopper-Pearson); model p_fail " << fmt("%.4g", f.model_pfail)
      << (f.model_inside ? " (inside)" : " (OUTSIDE)") << "; integer-box model "
      << fmt("%.4g", f.model_pfail_integer_box)
      << (f.integer_box_model_inside ? " (inside)" : " (OUTSIDE)") << '\n';
  out << "small-key weights of the key sets (of n=" << r.params.n.value() << "):";
  for (std::size_t w : r.small_key_weights) out << ' ' << w;
  out << '\n';
}

// ---------------------------------------------------------------------------------------------
// JSON.

void print_json(const noise::NoiseReport& r, std::ostream& out) {
  const auto& o = r.options;
  const double two_n = 2.0 * static_cast<double>(r.params.N.value());
  out << "{\"command\": \"noise\", \"params\": " << parameter_set_record_json(r.params)
      << ", \"samples\": " << o.samples << ", \"keys\": " << o.keys << ", \"seed\": " << o.seed
      << ", \"threads\": " << r.threads << ", \"confidence\": " << json_number(o.confidence)
      << ", \"seconds\": " << json_number(r.seconds) << ", \"stages\": [";
  for (std::size_t i = 0; i < r.stages.size(); ++i) {
    const auto& s = r.stages[i];
    out << (i ? ", " : "") << "{\"stage\": " << json_quoted(noise::stage_name(s.stage))
        << ", \"model\": " << json_quoted(s.model_formula) << ", \"samples\": " << s.samples
        << ", \"keys\": " << s.keys << ", \"mean\": " << json_number(s.mean)
        << ", \"variance\": " << json_number(s.variance)
        << ", \"variance_low\": " << json_number(s.variance_low)
        << ", \"variance_high\": " << json_number(s.variance_high)
        << ", \"log2_sigma\": " << json_number(0.5 * std::log2(s.variance))
        << ", \"model_variance\": " << json_number(s.model_variance)
        << ", \"model_log2_sigma\": " << json_number(0.5 * std::log2(s.model_variance))
        << ", \"sigma_in_units_of_1_over_2N\": " << json_number(std::sqrt(s.variance) * two_n)
        << ", \"ratio\": " << json_number(s.ratio)
        << ", \"ratio_low\": " << json_number(s.ratio_low)
        << ", \"ratio_high\": " << json_number(s.ratio_high)
        << ", \"consistent\": " << (s.consistent ? "true" : "false") << "}";
  }
  const auto& f = r.failure;
  out << "], \"failure_rate\": {\"precision\": " << f.precision
      << ", \"half_width\": " << json_number(f.half_width) << ", \"trials\": " << f.trials
      << ", \"failures\": " << f.failures << ", \"rate\": " << json_number(f.rate)
      << ", \"rate_low\": " << json_number(f.rate_low)
      << ", \"rate_high\": " << json_number(f.rate_high)
      << ", \"confidence\": " << json_number(f.confidence) << ", \"interval\": \"clopper-pearson\""
      << ", \"model_pfail\": " << json_number(f.model_pfail)
      << ", \"model_inside\": " << (f.model_inside ? "true" : "false")
      << ", \"model_pfail_integer_box\": " << json_number(f.model_pfail_integer_box)
      << ", \"integer_box_model_inside\": " << (f.integer_box_model_inside ? "true" : "false")
      << "}, \"small_key_weights\": [";
  for (std::size_t i = 0; i < r.small_key_weights.size(); ++i) {
    out << (i ? ", " : "") << r.small_key_weights[i];
  }
  out << "], \"environment\": " << workbench::environment_json(workbench::environment()) << "}\n";
}

// ---------------------------------------------------------------------------------------------
// Plot: a histogram of one stage's errors with the model's Gaussian density scaled to counts.

void write_plot(const noise::NoiseReport& r, noise::Stage stage, const std::string& path) {
  const auto& s = r.stage(stage);
  const double two_n = 2.0 * static_cast<double>(r.params.N.value());
  const double sigma_model = std::sqrt(s.model_variance);
  const double sigma = std::max(sigma_model, std::sqrt(s.variance));
  // Errors on the ring of 2N are integers there: plot them in units of 1/2N, bins on integer
  // boundaries. Other stages in units of 2^e of the torus, 2^e near the model's σ.
  const bool ring_units =
      stage == noise::Stage::kModulusSwitch || stage == noise::Stage::kAtModulusSwitch;
  const double unit = ring_units ? 1.0 / two_n : std::exp2(std::floor(std::log2(sigma_model)));
  const std::string unit_name =
      ring_units ? "1/2N" : "2^" + std::to_string(static_cast<int>(std::log2(unit)));
  const double reach = 4.5 * sigma / unit;
  std::size_t bins = 61;
  double width = 2.0 * reach / static_cast<double>(bins);
  double lo = -reach;
  if (stage == noise::Stage::kAtModulusSwitch) {
    width = std::max(1.0, std::round(width));
    bins = static_cast<std::size_t>(std::ceil(2.0 * reach / width)) | 1;  // odd: a bin on 0
    lo = -0.5 * width * static_cast<double>(bins);
  }
  plot::Histogram h;
  h.title = "lutfhe noise: " + noise::stage_name(stage) + " error, " + r.params.display_name() +
            ", " + std::to_string(s.samples) + " samples";
  h.x_label = "error (units of " + unit_name + " of the torus)";
  h.y_label = "samples per bin";
  h.bars_label = "measured (variance ratio " + fmt("%.3f", s.ratio) + ")";
  h.curve_label = "model N(0, σ²), σ = 2^" + fmt("%.2f", std::log2(sigma_model));
  for (std::size_t b = 0; b <= bins; ++b)
    h.bin_edges.push_back(lo + width * static_cast<double>(b));
  h.counts.assign(bins, 0.0);
  std::size_t outside = 0;
  for (double e : s.errors) {
    const double b = std::floor((e / unit - lo) / width);
    if (b < 0.0 || b >= static_cast<double>(bins)) {
      ++outside;
      continue;
    }
    h.counts[static_cast<std::size_t>(b)] += 1.0;
  }
  if (outside) h.bars_label += ", " + std::to_string(outside) + " outside the plot";
  const double sd = sigma_model / unit;
  const double hi = lo + width * static_cast<double>(bins);
  const double scale =
      static_cast<double>(s.samples) * width / (sd * std::sqrt(2.0 * std::numbers::pi));
  for (int i = 0; i <= 400; ++i) {
    const double x = lo + (hi - lo) * i / 400.0;
    h.curve_x.push_back(x);
    h.curve_y.push_back(scale * std::exp(-0.5 * (x / sd) * (x / sd)));
  }
  plot::write_histogram_svg(path, h);
}

int run_noise(const NoiseOptions& o) {
  const ParameterSet params = workbench::resolve_params(o.params);
  noise::MeasurementOptions m;
  m.samples = o.samples;
  m.seed = o.seed;
  m.threads = o.threads;
  m.keys = o.keys;
  if (o.precision != 0) {
    const unsigned max = noise::max_failure_precision(params);
    if (o.precision > max) {
      throw UsageError("--precision " + std::to_string(o.precision) + ": " + params.name +
                       " (N=" + std::to_string(params.N.value()) + ") carries 1.." +
                       std::to_string(max) + " bits");
    }
    m.precision = o.precision;
  }
  m.confidence = o.confidence;
  const auto plot_stage = noise::parse_stage(o.plot_stage);
  if (!plot_stage) {
    throw UsageError("--plot-stage " + o.plot_stage +
                     ": expected fresh, keyswitch, modulus_switch, at_modulus_switch or pbs");
  }
  m.keep_errors = !o.plot.empty();
  ProgressBar bar("noise " + params.name, progress_wanted(o.quiet));
  if (bar.enabled()) m.progress = bar.callback();
  const noise::NoiseReport report = noise::measure_noise(params, m);
  bar.finish();
  if (!o.plot.empty()) write_plot(report, *plot_stage, o.plot);
  if (o.json) {
    print_json(report, std::cout);
  } else {
    print_table(report, std::cout);
    if (!o.plot.empty())
      std::cout << "histogram of " << o.plot_stage << " errors: " << o.plot << '\n';
  }
  return kExitOk;
}

}  // namespace

void add_noise_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<NoiseOptions>();
  CLI::App* cmd = app.add_subcommand(
      "noise",
      "Measure the noise of each KS-PBS stage and the failure rate against the noise model "
      "(makes throwaway keys from --seed and decrypts in this process)");
  workbench::add_param_options(cmd, o->params);
  cmd->add_option("--samples", o->samples, "Samples per stage (and bootstraps)")
      ->check(CLI::Range(std::size_t{2}, std::size_t{100'000'000}));
  cmd->add_option("--seed", o->seed, "Seed of every key, message and mask (reproducible runs)");
  add_threads_option(cmd, o->threads, "Threads for the bootstraps");
  cmd->add_option("--keys", o->keys,
                  "Independent key sets the key-dependent stages are spread over (the model "
                  "averages over keys)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{4096}));
  cmd->add_option("--precision", o->precision,
                  "Message bits of the failure-rate experiment (default: where the model's p_fail "
                  "is between 1e-3 and 0.3)")
      ->check(CLI::Range(1u, 16u));
  cmd->add_option("--confidence", o->confidence, "Confidence level of the ratio intervals")
      ->check(CLI::Range(0.5, 0.999999));
  cmd->add_flag("--json", o->json, "One JSON object on stdout instead of the table");
  cmd->add_option("--plot", o->plot, "Write a histogram of the errors (SVG) to this file");
  cmd->add_option("--plot-stage", o->plot_stage,
                  "Stage of the histogram: fresh, keyswitch, modulus_switch, "
                  "at_modulus_switch, pbs (default pbs)");
  add_quiet_flag(cmd, o->quiet);
  cmd->callback([&action, o] { action = [o] { return run_noise(*o); }; });
}

}  // namespace lutfhe::cli
