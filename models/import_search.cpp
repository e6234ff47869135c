#include "models/import_search.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "compiler/clear_evaluator.hpp"
#include "compiler/cost_model.hpp"
#include "core/errors.hpp"
#include "core/noise_measurement.hpp"
#include "models/lowering.hpp"
#include "models/post_training_quantization.hpp"

namespace lutfhe::models {
namespace {

std::size_t argmax(const std::vector<double>& v) {
  return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

std::size_t argmax(const compiler::Tensor& t) {
  return static_cast<std::size_t>(std::max_element(t.begin(), t.end()) - t.begin());
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

const char* range_name(compiler::RangeMode m) {
  return m == compiler::RangeMode::kSound ? "sound" : "calibrated";
}

// The score of a circuit on the held-out samples: accuracy against the labels, or agreement with
// the float model's predictions.
struct Scorer {
  const std::vector<RealSample>& samples;
  std::vector<std::size_t> truth;  // labels, or the float model's predictions

  double score(const QuantizedModel& model, const compiler::Circuit& circuit,
               compiler::RoundingSemantics semantics) const {
    std::size_t right = 0;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      const auto out =
          compiler::evaluate_clear(circuit, quantize_input(model, samples[i]), semantics);
      right += argmax(out.at(0)) == truth[i];
    }
    return static_cast<double>(right) / static_cast<double>(samples.size());
  }
};

}  // namespace

std::pair<double, double> ImportSearchReport::chosen_interval() const {
  const double n = static_cast<double>(held_out_samples);
  const auto right = static_cast<std::size_t>(std::lround(trials.at(chosen).score * n));
  const noise::Interval ci = noise::clopper_pearson(right, held_out_samples, 0.95);
  return {ci.low, ci.high};
}

std::string ImportSearchReport::text() const {
  std::ostringstream os;
  os << "cost-aware import: " << trials.size() << " candidates; "
     << (labels ? "accuracy" : "agreement with the float model") << " on " << held_out_samples
     << " held-out calibration samples (" << fit_samples << " quantize and calibrate)\n";
  os << "  float model " << fmt("%.2f%%", 100.0 * float_score)
     << ", target >= " << fmt("%.2f%%", 100.0 * target) << "; on the fit samples "
     << fmt("%.2f%%", 100.0 * fit_float_score)
     << ", target >= " << fmt("%.2f%%", 100.0 * fit_target) << "\n";
  os << "  w  a  i  acc ranges      r  quantized  circuit     fit  bootstraps  parameters          "
        "           "
        "   est. ms    key      \n";
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const ImportTrial& t = trials[i];
    char line[400];
    std::snprintf(
        line, sizeof line,
        "  %-2u %-2u %-2u %-3s %-11s %-2u %8.2f%% %7.2f%% %7s  %10zu  %-30s %9.1f  %-9s%s%s\n",
        t.weight_bits, t.activation_bits, t.input_bits,
        t.accumulator_bits ? std::to_string(t.accumulator_bits).c_str() : "-", range_name(t.ranges),
        t.rounding_bits, 100.0 * t.quantized_score, 100.0 * t.score,
        t.fit_score ? fmt("%.2f%%", 100.0 * *t.fit_score).c_str() : "-", t.bootstraps,
        t.parameters.empty() ? "-" : t.parameters.c_str(), t.estimated_ms,
        t.parameters.empty() ? "-" : compiler::format_bytes(t.evaluation_key_bytes).c_str(),
        i == chosen ? "  <- chosen" : "", t.note.empty() ? "" : ("  " + t.note).c_str());
    os << line;
  }
  const ImportTrial& c = trials.at(chosen);
  os << "  chosen: "
     << (c.accurate ? "the cheapest candidate within the target"
                    : "no candidate reached the target: the most accurate one")
     << " (" << c.weight_bits << "-bit weights, " << c.activation_bits << "-bit activations, "
     << c.input_bits << "-bit inputs, "
     << (c.accumulator_bits
             ? "accumulators bounded to " + std::to_string(c.accumulator_bits) + " bits, "
             : std::string())
     << range_name(c.ranges) << " ranges, r = " << c.rounding_bits << ")\n";
  const auto [low, high] = chosen_interval();
  os << "  reliability: " << held_out_samples << " held-out samples only place the chosen "
     << "circuit's " << (labels ? "accuracy" : "agreement") << " on new data in "
     << fmt("[%.1f%%, ", 100.0 * low) << fmt("%.1f%%]", 100.0 * high)
     << " (95%, and the choice among many candidates favours lucky ones): more calibration "
        "samples narrow this\n";
  return os.str();
}

ImportSearchResult search_import(const OnnxModel& model, const std::vector<RealSample>& calibration,
                                 const ModelImportOptions& import,
                                 const compiler::CompileOptions& compile,
                                 const ImportSearchOptions& options) {
  if (calibration.size() < 20) {
    throw InvalidArgument("the cost-aware import needs at least 20 calibration samples, got " +
                          std::to_string(calibration.size()) +
                          " (or give --weight-bits, --activation-bits and --input-bits)");
  }
  const bool labelled = !options.labels.empty();
  if (labelled) {
    require_equal(options.labels.size(), calibration.size(), "calibration labels", "labels",
                  "samples");
  }
  const std::size_t held = std::max<std::size_t>(
      10, static_cast<std::size_t>(
              std::lround(options.held_out_fraction * static_cast<double>(calibration.size()))));
  const std::vector<RealSample> fit(calibration.begin(),
                                    calibration.end() - static_cast<std::ptrdiff_t>(held));
  const std::vector<RealSample> held_out(calibration.end() - static_cast<std::ptrdiff_t>(held),
                                         calibration.end());
  // The truth for samples [first, first + n) and the float model's score there.
  auto make_scorer = [&](const std::vector<RealSample>& samples, std::size_t first) {
    Scorer sc{samples, {}};
    std::size_t right = 0;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      const std::size_t p = argmax(evaluate_float(model, samples[i]));
      const std::size_t truth = labelled ? static_cast<std::size_t>(options.labels[first + i]) : p;
      sc.truth.push_back(truth);
      right += p == truth;
    }
    return std::pair{sc, static_cast<double>(right) / static_cast<double>(samples.size())};
  };
  const auto [scorer, held_out_float] = make_scorer(held_out, fit.size());
  const auto [fit_scorer, fit_float] = make_scorer(fit, 0);
  ImportSearchResult result;
  ImportSearchReport& report = result.report;
  report.labels = labelled;
  report.fit_samples = fit.size();
  report.held_out_samples = held_out.size();
  report.float_score = held_out_float;
  report.fit_float_score = fit_float;
  auto target_for = [&](double float_score) {
    return labelled ? float_score - options.max_accuracy_drop : 1.0 - options.max_disagreement;
  };
  report.target = target_for(held_out_float);
  report.fit_target = target_for(fit_float);

  struct Choice {
    ModelImportOptions import;
    compiler::CompileOptions compile;
  };
  std::vector<Choice> choices;
  // Quantizes with `io`, then compiles with each range mode and r in turn (a wider table only
  // costs more once a narrower one is accurate enough). With an accumulator bound, r follows it.
  auto try_quantization = [&](const ModelImportOptions& io,
                              const std::vector<compiler::RangeMode>& modes, unsigned r_lo,
                              unsigned r_hi) {
    ImportTrial base;
    base.weight_bits = io.weight_bits;
    base.activation_bits = io.activation_bits;
    base.input_bits = io.input_bits;
    base.accumulator_bits = io.accumulator_bits;
    QuantizedModel q;
    try {
      q = quantize_onnx(model, fit, io);
    } catch (const InvalidArgument& e) {  // an accumulator bound too tight for the inputs
      base.note = std::string("not quantized: ") + e.what();
      report.trials.push_back(base);
      choices.push_back({io, compile});
      return;
    }
    const LoweredModel lowered = lower_model(q);
    std::vector<compiler::Sample> cal;
    for (const RealSample& x : fit) cal.push_back(quantize_input(q, x));
    const double quantized = scorer.score(q, lowered.circuit, compiler::RoundingSemantics::kModel);
    base.quantized_score = quantized;
    if (quantized < report.target) {
      base.note = "quantization alone misses the target";
      report.trials.push_back(base);
      choices.push_back({io, compile});
      return;
    }
    for (compiler::RangeMode mode : modes) {
      for (unsigned r = r_lo; r <= r_hi; ++r) {
        compiler::CompileOptions co = compile;
        co.range_mode = mode;
        co.rounding_bits = r;
        ImportTrial t = base;
        t.ranges = mode;
        t.rounding_bits = r;
        try {
          const compiler::CompileResult c = compiler::compile(lowered.circuit, cal, co);
          t.score = scorer.score(q, c.compiled.circuit, compiler::RoundingSemantics::kCompiled);
          // The fit samples check the held-out verdict: with many candidates, one can pass a
          // small held-out set by luck.
          if (t.score >= report.target) {
            t.fit_score =
                fit_scorer.score(q, c.compiled.circuit, compiler::RoundingSemantics::kCompiled);
            t.accurate = t.fit_score >= report.fit_target;
            if (!t.accurate) t.note = "misses the target on the fit samples";
          }
          t.bootstraps = c.report.bootstraps;
          t.parameters = c.compiled.params.name;
          t.estimated_ms = c.report.estimated_ms;
          t.evaluation_key_bytes = c.report.evaluation_key_bytes;
        } catch (const Error& e) {
          t.note = std::string("not compiled: ") + e.what();
        }
        report.trials.push_back(t);
        choices.push_back({io, co});
        if (t.accurate || t.bootstraps == 0) break;
      }
    }
  };
  for (unsigned a : options.activation_bits) {
    for (unsigned w : options.weight_bits) {
      ModelImportOptions io = import;
      io.weight_bits = w;
      io.activation_bits = a;
      const unsigned r_lo = std::max(2u, a), r_hi = std::min(8u, a + 2);
      for (unsigned in : options.input_bits) {
        io.input_bits = in;
        io.accumulator_bits = io.accumulator_rounding = 0;
        try_quantization(io, options.range_modes, r_lo, r_hi);
      }
      if (!options.accumulator_aware) continue;
      // Bounded accumulators: r bits (the table reads the accumulator whole), r + 1 (one sign
      // bootstrap removes the last bit exactly), 2r + 1 (one truncation chunk of r + 1 bits, two
      // bootstraps); ranges stay sound.
      for (unsigned in : options.accumulator_input_bits) {
        io.input_bits = in;
        for (unsigned variant = 0; variant < 3; ++variant) {
          for (unsigned r = r_lo; r <= r_hi; ++r) {
            const unsigned extra = variant < 2 ? variant : r + 1;
            io.accumulator_bits = r + extra;
            io.accumulator_rounding = extra;
            const std::size_t before = report.trials.size();
            try_quantization(io, {compiler::RangeMode::kSound}, r, r);
            if (report.trials[before].accurate) break;
          }
        }
      }
    }
  }
  // The cheapest accurate candidate (time, then key size); else the most accurate compiled one.
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < report.trials.size(); ++i) {
    const ImportTrial& t = report.trials[i];
    if (!t.accurate || t.parameters.empty()) continue;
    if (!best) {
      best = i;
      continue;
    }
    const ImportTrial& b = report.trials[*best];
    if (t.estimated_ms < b.estimated_ms ||
        (t.estimated_ms == b.estimated_ms && t.evaluation_key_bytes < b.evaluation_key_bytes)) {
      best = i;
    }
  }
  if (!best) {
    for (std::size_t i = 0; i < report.trials.size(); ++i) {
      const ImportTrial& t = report.trials[i];
      if (t.parameters.empty()) continue;
      if (!best || t.score > report.trials[*best].score) best = i;
    }
  }
  if (!best) throw Error("cost-aware import: no candidate could be compiled");
  report.chosen = *best;
  result.fit_samples = fit.size();
  result.import = choices[*best].import;
  result.compile = choices[*best].compile;
  return result;
}

}  // namespace lutfhe::models
