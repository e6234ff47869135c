#include "cli/training_report.hpp"

#include <algorithm>
#include <cstdio>

#include "core/json_text.hpp"

namespace lutfhe::cli {
namespace {

std::string escape_xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

std::string accuracy_svg(const std::string& title, const std::vector<AccuracySeries>& series,
                         std::optional<double> float_accuracy) {
  const double width = 720;
  const double height = 400;
  const double left = 60;
  const double right = 200;
  const double top = 40;
  const double bottom = 50;
  const double lo = 0.4;
  std::size_t batches = 1;
  for (const auto& s : series) batches = std::max(batches, s.accuracy.size());
  const auto px = [&](double b) {
    return left + (width - left - right) * (batches > 1 ? (b - 1) / (batches - 1.0) : 0.5);
  };
  const auto py = [&](double a) {
    return top + (height - top - bottom) * (1.0 - (std::clamp(a, lo, 1.0) - lo) / (1.0 - lo));
  };
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) +
                    "\" height=\"" + num(height) +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg +=
      "<text x=\"" + num(left) + "\" y=\"24\" font-size=\"14\">" + escape_xml(title) + "</text>\n";
  for (int i = 0; i <= 6; ++i) {
    const double a = lo + (1.0 - lo) * i / 6.0;
    svg += "<line x1=\"" + num(left) + "\" x2=\"" + num(width - right) + "\" y1=\"" + num(py(a)) +
           "\" y2=\"" + num(py(a)) + "\" stroke=\"#ddd\"/>\n";
    svg += "<text x=\"" + num(left - 8) + "\" y=\"" + num(py(a) + 4) + "\" text-anchor=\"end\">" +
           num(100.0 * a) + "%</text>\n";
  }
  svg += "<text x=\"" + num((left + width - right) / 2) + "\" y=\"" + num(height - 12) +
         "\" text-anchor=\"middle\">batch (" + std::to_string(batches) + " in all)</text>\n";
  svg += "<text x=\"" + num(left) + "\" y=\"" + num(height - bottom + 16) + "\">1</text>\n";
  svg += "<text x=\"" + num(width - right) + "\" y=\"" + num(height - bottom + 16) +
         "\" text-anchor=\"end\">" + std::to_string(batches) + "</text>\n";
  const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};
  double legend_y = top + 10;
  if (float_accuracy) {
    svg += "<line x1=\"" + num(left) + "\" x2=\"" + num(width - right) + "\" y1=\"" +
           num(py(*float_accuracy)) + "\" y2=\"" + num(py(*float_accuracy)) +
           "\" stroke=\"#555\" stroke-dasharray=\"6 4\"/>\n";
    svg += "<text x=\"" + num(width - right + 10) + "\" y=\"" + num(legend_y) +
           "\" fill=\"#555\">- - float " + num(100.0 * *float_accuracy) + "%</text>\n";
    legend_y += 18;
  }
  for (std::size_t k = 0; k < series.size(); ++k) {
    const char* colour = colours[k % 4];
    std::string points;
    for (std::size_t b = 0; b < series[k].accuracy.size(); ++b) {
      points += num(px(static_cast<double>(b + 1))) + "," + num(py(series[k].accuracy[b])) + " ";
    }
    svg += "<polyline fill=\"none\" stroke=\"" + std::string(colour) +
           "\" stroke-width=\"2\" points=\"" + points + "\"/>\n";
    const double last = series[k].accuracy.empty() ? 0.0 : series[k].accuracy.back();
    svg += "<text x=\"" + num(width - right + 10) + "\" y=\"" + num(legend_y) + "\" fill=\"" +
           colour + "\">" + escape_xml(series[k].label) + " " + num(100.0 * last) + "%</text>\n";
    legend_y += 18;
  }
  svg += "</svg>\n";
  return svg;
}

std::string json_array(const std::vector<double>& values, int significant) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += (i ? ", " : "") + json_number(values[i], significant);
  }
  return out + "]";
}

}  // namespace lutfhe::cli
