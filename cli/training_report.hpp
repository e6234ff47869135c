// What `lutfhe train-encrypted` writes for people: the accuracy-per-batch plot (SVG) and the
// JSON summary of a training run.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lutfhe::cli {

struct AccuracySeries {
  std::string label;             // "encrypted (decrypted copy)", "simulated"
  std::vector<double> accuracy;  // test accuracy after batch 1, 2, ...
};

// Writes (atomically) a line chart of test accuracy against the batch number, one line per
// series and a flat one for the float reference when given (workbench/svg_plot).
void write_accuracy_svg(const std::filesystem::path& path, const std::string& title,
                        const std::vector<AccuracySeries>& series,
                        std::optional<double> float_accuracy);

// "[0.5, 0.75, ...]"
std::string json_array(const std::vector<double>& values, int significant = 6);

}  // namespace lutfhe::cli
