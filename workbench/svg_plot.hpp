// Small self-contained SVG charts for the research workbench (bench sweep latency curves, noise
// histograms). No dependency beyond the standard library: the files are meant to be opened in a
// browser or rendered with rsvg-convert, and to be diffable text.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lutfhe::plot {

// One polyline with a marker on every point. x and y have the same size; non-finite points
// (and non-positive ones on a log axis) are skipped.
struct Series {
  std::string label;
  std::vector<double> x, y;
};

struct LineChart {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  std::vector<Series> series;
};

// Writes an SVG file atomically (temp file + rename). Throws std::runtime_error on I/O errors.
void write_line_chart_svg(const std::filesystem::path& path, const LineChart& chart);

// Bars over bins plus an optional overlaid curve (e.g. a predicted density scaled to counts).
struct Histogram {
  std::string title, x_label, y_label;
  std::vector<double> bin_edges;  // size = counts + 1, increasing
  std::vector<double> counts;
  std::vector<double> curve_x, curve_y;  // optional, same size
  std::string bars_label, curve_label;
};

// Writes an SVG file atomically (temp file + rename). Throws std::runtime_error on I/O errors
// and std::invalid_argument when bin_edges.size() != counts.size() + 1 or the curve sizes differ.
void write_histogram_svg(const std::filesystem::path& path, const Histogram& h);

// Tick positions for an axis over [lo, hi]: 1-2-5 steps on a linear axis (about `target`
// ticks). On a log axis: powers of 10 over three decades or more, 1-2-5 multiples of powers of
// 10 over one to three, powers of 2 over a narrower range when at least three fall inside it
// (N = 512, 1024, 2048), else 1-2-5 linear steps placed on the log scale. Exposed for tests.
std::vector<double> nice_ticks(double lo, double hi, bool log_axis, int target = 6);

}  // namespace lutfhe::plot
