#include "models/import_search.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "compiler/clear_evaluator.hpp"
#include "compiler/cost_model.hpp"
#include "core/errors.hpp"
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

std::string ImportSearchReport::text() const {
  std::ostringstream os;
  os << "cost-aware import: " << trials.size() << " candidates; "
     << (labels ? "accuracy" : "agreement with the float model") << " on " << held_out_samples
     << " held-out calibration samples (" << fit_samples << " quantize and calibrate)\n";
  os << "  float model " << fmt("%.2f%%", 100.0 * float_score)
     << ", target >= " << fmt("%.2f%%", 100.0 * target) << "\n";
  os << "  w  a  i  ranges      r  quantized  circuit  bootstraps  parameters                     "
        "   est. ms    key      \n";
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const ImportTrial& t = trials[i];
    char line[400];
    std::snprintf(
        line, sizeof line,
        "  %-2u %-2u %-2u %-11s %-2u %8.2f%% %7.2f%%  %10zu  %-30s %9.1f  %-9s%s%s\n",
        t.weight_bits, t.activation_bits, t.input_bits, range_name(t.ranges), t.rounding_bits,
        100.0 * t.quantized_score, 100.0 * t.score, t.bootstraps,
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
     << c.input_bits << "-bit inputs, " << range_name(c.ranges)
     << " ranges, r = " << c.rounding_bits << ")\n";
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
  Scorer scorer{held_out, {}};
  std::size_t float_right = 0;
  for (std::size_t i = 0; i < held_out.size(); ++i) {
    const std::size_t p = argmax(evaluate_float(model, held_out[i]));
    const std::size_t truth =
        labelled ? static_cast<std::size_t>(options.labels[fit.size() + i]) : p;
    scorer.truth.push_back(truth);
    float_right += p == truth;
  }
  ImportSearchResult result;
  ImportSearchReport& report = result.report;
  report.labels = labelled;
  report.fit_samples = fit.size();
  report.held_out_samples = held_out.size();
  report.float_score = static_cast<double>(float_right) / static_cast<double>(held_out.size());
  report.target =
      labelled ? report.float_score - options.max_accuracy_drop : 1.0 - options.max_disagreement;

  struct Choice {
    ModelImportOptions import;
    compiler::CompileOptions compile;
  };
  std::vector<Choice> choices;
  for (unsigned a : options.activation_bits) {
    for (unsigned w : options.weight_bits) {
      for (unsigned in : options.input_bits) {
        ModelImportOptions io = import;
        io.weight_bits = w;
        io.activation_bits = a;
        io.input_bits = in;
        const QuantizedModel q = quantize_onnx(model, fit, io);
        const LoweredModel lowered = lower_model(q);
        std::vector<compiler::Sample> cal;
        for (const RealSample& x : fit) cal.push_back(quantize_input(q, x));
        const double quantized =
            scorer.score(q, lowered.circuit, compiler::RoundingSemantics::kModel);
        ImportTrial base{w,  a,   in,  0, compiler::RangeMode::kSound, quantized, 0.0, false, 0,
                         {}, 0.0, 0.0, {}};
        if (quantized < report.target) {
          base.note = "quantization alone misses the target";
          report.trials.push_back(base);
          choices.push_back({io, compile});
          continue;
        }
        for (compiler::RangeMode mode : options.range_modes) {
          for (unsigned r = std::max(2u, a); r <= std::min(8u, a + 2); ++r) {
            compiler::CompileOptions co = compile;
            co.range_mode = mode;
            co.rounding_bits = r;
            ImportTrial t = base;
            t.ranges = mode;
            t.rounding_bits = r;
            try {
              const compiler::CompileResult c = compiler::compile(lowered.circuit, cal, co);
              t.score = scorer.score(q, c.compiled.circuit, compiler::RoundingSemantics::kCompiled);
              t.accurate = t.score >= report.target;
              t.bootstraps = c.report.bootstraps;
              t.parameters = c.compiled.params.name;
              t.estimated_ms = c.report.estimated_ms;
              t.evaluation_key_bytes = c.report.evaluation_key_bytes;
            } catch (const Error& e) {
              t.note = std::string("not compiled: ") + e.what();
            }
            report.trials.push_back(t);
            choices.push_back({io, co});
            // A wider table only costs more once this one is accurate enough.
            if (t.accurate || t.bootstraps == 0) break;
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
