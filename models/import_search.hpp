// Cost-aware import (DESIGN.md §6): for a float model (ONNX), search the quantization (weight,
// activation and input bits), the ranges (sound, or calibrated with headroom), the table width
// r and, through the compiler, the parameters, and keep the cheapest circuit whose accuracy on
// held-out calibration samples stays within a target of the float model.
// Accumulator-aware candidates bound every lookup's accumulator by the weights' l1 norms (A2Q,
// post-training) so that exact rounding needs one or two bootstraps per lookup instead of a
// truncation chain; they are ranked with the others by the same accuracy target.
//
// The calibration samples are split: the first part quantizes (activation ranges) and compiles
// (rounding), the last `held_out_fraction` only measures. With labels, the measure is accuracy
// (the drop from the float model's accuracy on the same samples must not exceed
// max_accuracy_drop); without, it is agreement with the float model's predictions (which must
// reach 1 − max_disagreement). A candidate that passes on the held-out samples must also pass on
// the fit samples (by the same rule against the float model there): the search tries hundreds of
// candidates, and a small held-out set alone lets some pass by luck. The accuracy of a candidate is
// that of the compiled circuit's integer semantics — what simulate and, with exact rounding,
// execute compute.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compiler/compile.hpp"
#include "models/float_network.hpp"
#include "models/model_file.hpp"
#include "models/samples.hpp"

namespace lutfhe::models {

struct ImportSearchOptions {
  double max_accuracy_drop = 0.01;  // with labels
  double max_disagreement = 0.05;   // without labels
  double held_out_fraction = 0.3;   // of the calibration samples (at least 10 of them)
  std::vector<unsigned> weight_bits = {4, 5, 6, 7};
  std::vector<unsigned> activation_bits = {3, 4, 5, 6};
  std::vector<unsigned> input_bits = {4, 6};
  std::vector<compiler::RangeMode> range_modes = {compiler::RangeMode::kCalibrated,
                                                  compiler::RangeMode::kSound};
  std::vector<int> labels;  // one per calibration sample, or empty
  // Accumulator-aware candidates (ModelImportOptions::accumulator_bits): sound ranges, the
  // accumulators bounded to r bits (one bootstrap per lookup) or r + 1 (two), with these
  // input bits (a bounded accumulator leaves more weight to fewer input levels).
  bool accumulator_aware = true;
  std::vector<unsigned> accumulator_input_bits = {2, 3, 4};
};

struct ImportTrial {
  unsigned weight_bits = 0, activation_bits = 0, input_bits = 0, rounding_bits = 0;
  unsigned accumulator_bits = 0;  // the A2Q bound, or 0
  compiler::RangeMode ranges = compiler::RangeMode::kSound;
  double quantized_score = 0.0;     // the quantized model (before rounding) on the held-out samples
  double score = 0.0;               // the compiled circuit on the held-out samples
  std::optional<double> fit_score;  // and on the fit samples, once the held-out ones pass
  bool accurate = false;            // within the target on both
  std::size_t bootstraps = 0;
  std::string parameters;  // empty when none is feasible
  double estimated_ms = 0.0;
  double evaluation_key_bytes = 0.0;
  std::string note;  // why it was not compiled or not chosen
};

struct ImportSearchReport {
  bool labels = false;
  std::size_t fit_samples = 0, held_out_samples = 0;
  double float_score = 0.0;  // float accuracy (labels) or 1 (agreement with itself)
  double target = 0.0;       // the lowest score a candidate may have
  double fit_float_score = 0.0, fit_target = 0.0;  // the same on the fit samples
  std::vector<ImportTrial> trials;
  std::size_t chosen = 0;
  // The 95% interval (Clopper–Pearson) of the chosen circuit's held-out score: what the held-out
  // samples can say about its accuracy on new data. The text prints it, because with a few
  // dozen held-out samples and hundreds of candidates the cheapest one that passes is often a
  // lucky one (the model suite's CNN: 81.7% float on its held-out samples, its circuit 6
  // points under float on the test images).
  std::pair<double, double> chosen_interval() const;
  std::string text() const;
};

struct ImportSearchResult {
  ImportSearchReport report;
  std::size_t fit_samples = 0;       // the first samples quantize and calibrate the chosen circuit
  ModelImportOptions import;         // the chosen bits
  compiler::CompileOptions compile;  // the chosen ranges and r
};

// Searches and returns the chosen options; `compile` is the base (targets, rounding mode,
// parameters given by the user). InvalidArgument when fewer than 20 calibration samples.
ImportSearchResult search_import(const OnnxModel& model, const std::vector<RealSample>& calibration,
                                 const ModelImportOptions& import,
                                 const compiler::CompileOptions& compile,
                                 const ImportSearchOptions& options);

}  // namespace lutfhe::models
