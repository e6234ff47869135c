#include "workbench/svg_plot.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "core/atomic_file.hpp"

namespace lutfhe::plot {
namespace {

constexpr double kWidth = 800;
constexpr double kHeight = 500;
constexpr double kLeft = 90;  // room for the y tick labels and the rotated y label
constexpr double kRight = 30;
constexpr double kTop = 50;
constexpr double kBottom = 70;
constexpr const char* kFont = "DejaVu Sans, Helvetica, Arial, sans-serif";

// Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
constexpr std::array<const char*, 8> kColors = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                "#E69F00", "#56B4E9", "#000000", "#F0E442"};

std::string escape_xml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// Tick label: fixed notation with as many decimals as the tick step needs, scientific for very
// large or small magnitudes.
std::string tick_label(double v, double step, bool log_axis) {
  char buf[32];
  const double a = std::fabs(v);
  if (log_axis) {
    std::snprintf(buf, sizeof buf, (a != 0 && (a >= 1e6 || a < 1e-3)) ? "%.0e" : "%.6g", v);
    return buf;
  }
  if (a != 0 && (a >= 1e6 || a < 1e-3)) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
  }
  int decimals = 0;
  if (step > 0 && step < 1)
    decimals = std::min(6, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  if (a == 0) v = 0;  // no "-0"
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

double nice_step(double span, int target) {
  const double raw = span / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  const double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nice * mag;
}

std::vector<double> linear_ticks(double lo, double hi, int target) {
  const double step = nice_step(hi - lo, target);
  std::vector<double> ticks;
  const double first = std::ceil(lo / step - 1e-9);
  for (double k = first;; k += 1) {
    const double v = k * step;
    if (v > hi + step * 1e-9) break;
    ticks.push_back(v);
    if (ticks.size() > 100) break;
  }
  return ticks;
}

// Axis range: data extent, widened to nice bounds (linear) or by a small factor (log).
struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  std::vector<double> ticks;
  double step = 1;  // linear tick step, for label decimals

  double frac(double v) const {
    if (log) return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return (v - lo) / (hi - lo);
  }
};

Axis make_axis(double lo, double hi, bool log_axis, bool include_zero) {
  Axis a;
  a.log = log_axis;
  if (!(lo <= hi)) {  // no data
    lo = log_axis ? 1 : 0;
    hi = log_axis ? 10 : 1;
  }
  if (log_axis) {
    if (hi / lo < 1.0001) {
      lo /= 2;
      hi *= 2;
    }
    // A little air so markers do not sit on the frame.
    const double pad = std::pow(hi / lo, 0.04);
    a.lo = lo / pad;
    a.hi = hi * pad;
    a.ticks = nice_ticks(a.lo, a.hi, true);
    return a;
  }
  if (include_zero) lo = std::min(lo, 0.0);
  if (hi - lo < 1e-300 * std::max(1.0, std::fabs(hi))) {
    const double d = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  // 4 % of air on each side so markers do not sit on the frame (none below a zero base).
  const double air = 0.04 * (hi - lo);
  if (!(include_zero && lo == 0)) lo -= air;
  hi += air;
  const double step = nice_step(hi - lo, 6);
  a.step = step;
  a.lo = std::floor(lo / step + 1e-9) * step;
  a.hi = std::ceil(hi / step - 1e-9) * step;
  a.ticks = linear_ticks(a.lo, a.hi, 6);
  return a;
}

class SvgWriter {
 public:
  SvgWriter() {
    out_ << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\""
         << kHeight << "\" viewBox=\"0 0 " << kWidth << ' ' << kHeight << "\" font-family=\""
         << kFont << "\">\n"
         << "<rect x=\"0\" y=\"0\" width=\"" << kWidth << "\" height=\"" << kHeight
         << "\" fill=\"white\"/>\n";
  }

  std::ostringstream& os() { return out_; }

  void text(double x, double y, const std::string& s, int size, const char* anchor,
            const char* extra = "") {
    out_ << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\" font-size=\"" << size
         << "\" text-anchor=\"" << anchor << "\" fill=\"#222\"" << extra << '>' << escape_xml(s)
         << "</text>\n";
  }

  // Frame, grid, ticks, labels and title of the plot area.
  void axes(const Axis& xa, const Axis& ya, const std::string& title, const std::string& xl,
            const std::string& yl) {
    const double x0 = kLeft, x1 = kWidth - kRight, y0 = kHeight - kBottom, y1 = kTop;
    out_ << "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
    for (const double t : xa.ticks) {
      const double px = X(xa, t);
      out_ << "<line x1=\"" << num(px) << "\" y1=\"" << num(y0) << "\" x2=\"" << num(px)
           << "\" y2=\"" << num(y1) << "\"/>\n";
    }
    for (const double t : ya.ticks) {
      const double py = Y(ya, t);
      out_ << "<line x1=\"" << num(x0) << "\" y1=\"" << num(py) << "\" x2=\"" << num(x1)
           << "\" y2=\"" << num(py) << "\"/>\n";
    }
    out_ << "</g>\n";
    out_ << "<rect x=\"" << num(x0) << "\" y=\"" << num(y1) << "\" width=\"" << num(x1 - x0)
         << "\" height=\"" << num(y0 - y1) << "\" fill=\"none\" stroke=\"#444\"/>\n";
    for (const double t : xa.ticks) {
      const double px = X(xa, t);
      out_ << "<line x1=\"" << num(px) << "\" y1=\"" << num(y0) << "\" x2=\"" << num(px)
           << "\" y2=\"" << num(y0 + 5) << "\" stroke=\"#444\"/>\n";
      text(px, y0 + 20, tick_label(t, xa.step, xa.log), 12, "middle");
    }
    for (const double t : ya.ticks) {
      const double py = Y(ya, t);
      out_ << "<line x1=\"" << num(x0 - 5) << "\" y1=\"" << num(py) << "\" x2=\"" << num(x0)
           << "\" y2=\"" << num(py) << "\" stroke=\"#444\"/>\n";
      text(x0 - 8, py + 4, tick_label(t, ya.step, ya.log), 12, "end");
    }
    text(kWidth / 2, 30, title, 17, "middle", " font-weight=\"bold\"");
    text((x0 + x1) / 2, kHeight - 25, xl, 14, "middle");
    const double cy = (y0 + y1) / 2;
    text(22, cy, yl, 14, "middle", (" transform=\"rotate(-90 22 " + num(cy) + ")\"").c_str());
  }

  // Legend box in the corner of the plot area that covers the fewest of `points` (pixel
  // positions of markers and curve vertices); top-right on ties. `kinds[i]` is "line" or "bar".
  void legend(const std::vector<std::string>& labels, const std::vector<std::string>& colors,
              const std::vector<std::string>& kinds,
              const std::vector<std::pair<double, double>>& points) {
    if (labels.empty()) return;
    std::size_t longest = 0;
    for (const auto& l : labels) longest = std::max(longest, l.size());
    const double w = 44 + 7.2 * static_cast<double>(longest), h = 8 + 20.0 * labels.size();
    const double xr = kWidth - kRight - w - 10, xl = kLeft + 10;
    const double yt = kTop + 10, yb = kHeight - kBottom - h - 10;
    const std::array<std::pair<double, double>, 4> corners = {std::pair{xr, yt}, std::pair{xl, yt},
                                                              std::pair{xr, yb}, std::pair{xl, yb}};
    double x = xr, y = yt;
    std::size_t best = std::numeric_limits<std::size_t>::max();
    for (const auto& [cx, cy] : corners) {
      std::size_t covered = 0;
      for (const auto& [px, py] : points) {
        if (px >= cx - 6 && px <= cx + w + 6 && py >= cy - 6 && py <= cy + h + 6) ++covered;
      }
      if (covered < best) {
        best = covered;
        x = cx;
        y = cy;
      }
    }
    out_ << "<g class=\"legend\">\n<rect x=\"" << num(x) << "\" y=\"" << num(y) << "\" width=\""
         << num(w) << "\" height=\"" << num(h)
         << "\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#999\"/>\n";
    for (std::size_t i = 0; i < labels.size(); ++i) {
      const double ly = y + 16 + 20.0 * i;
      if (kinds[i] == "bar") {
        out_ << "<rect x=\"" << num(x + 8) << "\" y=\"" << num(ly - 9) << "\" width=\"22\""
             << " height=\"10\" fill=\"" << colors[i] << "\" fill-opacity=\"0.55\" stroke=\""
             << colors[i] << "\"/>\n";
      } else {
        out_ << "<line x1=\"" << num(x + 8) << "\" y1=\"" << num(ly - 4) << "\" x2=\""
             << num(x + 30) << "\" y2=\"" << num(ly - 4) << "\" stroke=\"" << colors[i]
             << "\" stroke-width=\"2\"/>\n";
        out_ << "<rect x=\"" << num(x + 16) << "\" y=\"" << num(ly - 7) << "\" width=\"6\""
             << " height=\"6\" fill=\"" << colors[i] << "\"/>\n";
      }
      text(x + 36, ly, labels[i], 12, "start");
    }
    out_ << "</g>\n";
  }

  static double X(const Axis& a, double v) { return kLeft + a.frac(v) * (kWidth - kRight - kLeft); }
  static double Y(const Axis& a, double v) {
    return kHeight - kBottom - a.frac(v) * (kHeight - kBottom - kTop);
  }

  std::string finish() {
    out_ << "</svg>\n";
    return out_.str();
  }

 private:
  std::ostringstream out_;
};

bool usable(double v, bool log_axis) {
  return std::isfinite(v) && (!log_axis || v > 0);
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, bool log_axis, int target) {
  if (!(lo < hi) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  if (!log_axis) return linear_ticks(lo, hi, target);
  if (lo <= 0) lo = hi * 1e-6;
  const double decades = std::log10(hi / lo);
  std::vector<double> ticks;
  const auto in = [&](double v) { return v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9); };
  if (decades >= 3) {
    const int e0 = static_cast<int>(std::ceil(std::log10(lo) - 1e-9));
    const int e1 = static_cast<int>(std::floor(std::log10(hi) + 1e-9));
    // Thin out to at most ~target labels.
    const int every = std::max(1, (e1 - e0 + 1 + target - 1) / target);
    for (int e = e0; e <= e1; e += every) ticks.push_back(std::pow(10.0, e));
    return ticks;
  }
  if (decades >= 1) {
    const int e0 = static_cast<int>(std::floor(std::log10(lo)));
    const int e1 = static_cast<int>(std::ceil(std::log10(hi)));
    for (int e = e0; e <= e1; ++e) {
      for (const double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10.0, e);
        if (in(v)) ticks.push_back(v);
      }
    }
    return ticks;
  }
  const int p0 = static_cast<int>(std::ceil(std::log2(lo) - 1e-9));
  const int p1 = static_cast<int>(std::floor(std::log2(hi) + 1e-9));
  if (p1 - p0 + 1 >= 3) {
    for (int p = p0; p <= p1; ++p) ticks.push_back(std::ldexp(1.0, p));
    return ticks;
  }
  return linear_ticks(lo, hi, std::max(3, target - 2));
}

void write_line_chart_svg(const std::filesystem::path& path, const LineChart& chart) {
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  for (const auto& s : chart.series) {
    if (s.x.size() != s.y.size()) {
      throw std::invalid_argument("series '" + s.label + "' has " + std::to_string(s.x.size()) +
                                  " x values and " + std::to_string(s.y.size()) + " y values");
    }
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!usable(s.x[i], chart.log_x) || !usable(s.y[i], chart.log_y)) continue;
      xlo = std::min(xlo, s.x[i]);
      xhi = std::max(xhi, s.x[i]);
      ylo = std::min(ylo, s.y[i]);
      yhi = std::max(yhi, s.y[i]);
    }
  }
  const Axis xa = make_axis(xlo, xhi, chart.log_x, false);
  const Axis ya = make_axis(ylo, yhi, chart.log_y, !chart.log_y);
  SvgWriter w;
  w.axes(xa, ya, chart.title, chart.x_label, chart.y_label);
  std::vector<std::string> labels, colors, kinds;
  std::vector<std::pair<double, double>> occupied;
  for (std::size_t si = 0; si < chart.series.size(); ++si) {
    const auto& s = chart.series[si];
    const char* color = kColors[si % kColors.size()];
    std::ostringstream pts;
    std::vector<std::pair<double, double>> px;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!usable(s.x[i], chart.log_x) || !usable(s.y[i], chart.log_y)) continue;
      px.emplace_back(SvgWriter::X(xa, s.x[i]), SvgWriter::Y(ya, s.y[i]));
    }
    for (std::size_t i = 0; i < px.size(); ++i) {
      pts << (i ? " " : "") << num(px[i].first) << ',' << num(px[i].second);
    }
    auto& os = w.os();
    os << "<g class=\"series\" data-label=\"" << escape_xml(s.label) << "\">\n";
    if (px.size() >= 2) {
      os << "<polyline class=\"line\" fill=\"none\" stroke=\"" << color
         << "\" stroke-width=\"2\" points=\"" << pts.str() << "\"/>\n";
    }
    occupied.insert(occupied.end(), px.begin(), px.end());
    // Points along each segment, so the legend also avoids the lines between markers.
    for (std::size_t i = 0; i + 1 < px.size(); ++i) {
      for (int k = 1; k < 8; ++k) {
        occupied.emplace_back(px[i].first + (px[i + 1].first - px[i].first) * k / 8,
                              px[i].second + (px[i + 1].second - px[i].second) * k / 8);
      }
    }
    for (const auto& [x, y] : px) {
      os << "<circle class=\"marker\" cx=\"" << num(x) << "\" cy=\"" << num(y)
         << "\" r=\"4\" fill=\"" << color << "\" stroke=\"white\" stroke-width=\"1\"/>\n";
    }
    os << "</g>\n";
    if (!s.label.empty()) {
      labels.push_back(s.label);
      colors.emplace_back(color);
      kinds.emplace_back("line");
    }
  }
  w.legend(labels, colors, kinds, occupied);
  write_file_atomically(path, w.finish());
}

void write_histogram_svg(const std::filesystem::path& path, const Histogram& h) {
  if (h.bin_edges.size() != h.counts.size() + 1) {
    throw std::invalid_argument("histogram has " + std::to_string(h.counts.size()) +
                                " counts and " + std::to_string(h.bin_edges.size()) +
                                " bin edges, expected counts + 1");
  }
  if (h.curve_x.size() != h.curve_y.size()) {
    throw std::invalid_argument("histogram curve has " + std::to_string(h.curve_x.size()) +
                                " x values and " + std::to_string(h.curve_y.size()) + " y values");
  }
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, yhi = 0;
  for (const double e : h.bin_edges) {
    if (!std::isfinite(e)) continue;
    xlo = std::min(xlo, e);
    xhi = std::max(xhi, e);
  }
  for (const double c : h.counts) {
    if (std::isfinite(c)) yhi = std::max(yhi, c);
  }
  for (std::size_t i = 0; i < h.curve_x.size(); ++i) {
    if (!std::isfinite(h.curve_x[i]) || !std::isfinite(h.curve_y[i])) continue;
    xlo = std::min(xlo, h.curve_x[i]);
    xhi = std::max(xhi, h.curve_x[i]);
    yhi = std::max(yhi, h.curve_y[i]);
  }
  if (yhi <= 0) yhi = 1;
  const Axis xa = make_axis(xlo, xhi, false, false);
  const Axis ya = make_axis(0, yhi * 1.05, false, true);
  SvgWriter w;
  w.axes(xa, ya, h.title, h.x_label, h.y_label);
  auto& os = w.os();
  std::vector<std::pair<double, double>> occupied;
  const char* bar_color = kColors[0];
  const char* curve_color = kColors[1];
  os << "<g class=\"bars\">\n";
  for (std::size_t i = 0; i < h.counts.size(); ++i) {
    const double a = h.bin_edges[i], b = h.bin_edges[i + 1], c = h.counts[i];
    if (!std::isfinite(a) || !std::isfinite(b) || !std::isfinite(c) || c <= 0) continue;
    const double px0 = SvgWriter::X(xa, std::min(a, b)), px1 = SvgWriter::X(xa, std::max(a, b));
    const double py = SvgWriter::Y(ya, c), base = SvgWriter::Y(ya, 0);
    for (double f = 0; f <= 1.0; f += 0.25) {
      for (double g = 0; g <= 1.0; g += 0.25) {
        occupied.emplace_back(px0 + f * (px1 - px0), py + g * (base - py));
      }
    }
    os << "<rect class=\"bar\" x=\"" << num(px0) << "\" y=\"" << num(py) << "\" width=\""
       << num(std::max(0.5, px1 - px0)) << "\" height=\"" << num(base - py) << "\" fill=\""
       << bar_color << "\" fill-opacity=\"0.55\" stroke=\"" << bar_color
       << "\" stroke-width=\"0.7\"/>\n";
  }
  os << "</g>\n";
  if (!h.curve_x.empty()) {
    os << "<polyline class=\"curve\" fill=\"none\" stroke=\"" << curve_color
       << "\" stroke-width=\"2.2\" points=\"";
    bool first = true;
    for (std::size_t i = 0; i < h.curve_x.size(); ++i) {
      if (!std::isfinite(h.curve_x[i]) || !std::isfinite(h.curve_y[i])) continue;
      const double px = SvgWriter::X(xa, h.curve_x[i]), py = SvgWriter::Y(ya, h.curve_y[i]);
      os << (first ? "" : " ") << num(px) << ',' << num(py);
      occupied.emplace_back(px, py);
      first = false;
    }
    os << "\"/>\n";
  }
  std::vector<std::string> labels, colors, kinds;
  if (!h.bars_label.empty()) {
    labels.push_back(h.bars_label);
    colors.emplace_back(bar_color);
    kinds.emplace_back("bar");
  }
  if (!h.curve_label.empty() && !h.curve_x.empty()) {
    labels.push_back(h.curve_label);
    colors.emplace_back(curve_color);
    kinds.emplace_back("line");
  }
  w.legend(labels, colors, kinds, occupied);
  write_file_atomically(path, w.finish());
}

}  // namespace lutfhe::plot
