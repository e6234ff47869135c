#include "cli/training_report.hpp"

#include <algorithm>

#include "core/json_text.hpp"
#include "workbench/svg_plot.hpp"

namespace lutfhe::cli {

void write_accuracy_svg(const std::filesystem::path& path, const std::string& title,
                        const std::vector<AccuracySeries>& series,
                        std::optional<double> float_accuracy) {
  plot::LineChart chart;
  chart.title = title;
  chart.x_label = "batch";
  chart.y_label = "test accuracy (%)";
  std::size_t batches = 1;
  for (const auto& s : series) {
    plot::Series line{s.label, {}, {}};
    for (std::size_t b = 0; b < s.accuracy.size(); ++b) {
      line.x.push_back(static_cast<double>(b + 1));
      line.y.push_back(100.0 * s.accuracy[b]);
    }
    batches = std::max(batches, s.accuracy.size());
    chart.series.push_back(std::move(line));
  }
  if (float_accuracy) {
    const double y = 100.0 * *float_accuracy;
    chart.series.push_back(
        {"float logistic regression", {1.0, static_cast<double>(batches)}, {y, y}});
  }
  plot::write_line_chart_svg(path, chart);
}

std::string json_array(const std::vector<double>& values, int significant) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += (i ? ", " : "") + json_number(values[i], significant);
  }
  return out + "]";
}

}  // namespace lutfhe::cli
