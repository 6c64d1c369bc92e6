// plot_svg: |error| and error bound across nodes against time, on a log scale, with
// outages shaded. Hand-written SVG (no dependency); coordinates printed with fixed
// precision so the bytes are deterministic.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "sim/report.h"

namespace kairos::sim {
namespace {

constexpr double kWidth = 1000, kHeight = 620;
constexpr double kLeft = 90, kRight = 970, kTop = 60, kBottom = 470;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

std::string decade_label(int exp10) {  // 10^exp10 nanoseconds
  static const char* const units[] = {"ns", "µs", "ms", "s"};
  const int unit = std::clamp(exp10 >= 0 ? exp10 / 3 : 0, 0, 3);
  const double v = std::pow(10.0, exp10 - 3 * unit);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g %s", v, units[unit]);
  return buf;
}

struct Series {
  const char* label;
  const char* color;
  const char* dash;  // "" for solid
  double width;
  Duration SeriesPoint::*field;
};

}  // namespace

std::string plot_svg(const SimResult& r) {
  const Series series[] = {
      {"max |error| over nodes", "#d62728", "", 2.0, &SeriesPoint::max_abs_error},
      {"median |error|", "#ff7f0e", "", 1.5, &SeriesPoint::p50_abs_error},
      {"max disagreement between nodes", "#9467bd", "2,3", 1.5, &SeriesPoint::disagreement},
      {"smallest error bound", "#1f77b4", "", 2.0, &SeriesPoint::min_bound},
      {"median error bound", "#1f77b4", "7,4", 1.5, &SeriesPoint::p50_bound},
  };
  // Y range: decades covering every plotted positive value.
  double lo = 1e300, hi = 0;
  for (const SeriesPoint& p : r.series) {
    if (p.synced == 0) continue;
    for (const Series& s : series) {
      const double v = static_cast<double>((p.*s.field).count());
      if (v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
    }
  }
  if (hi == 0) lo = 1e3, hi = 1e6;
  int e_lo = static_cast<int>(std::floor(std::log10(std::max(lo, 1.0))));
  int e_hi = static_cast<int>(std::ceil(std::log10(hi)));
  if (e_hi <= e_lo) e_hi = e_lo + 1;
  const double span_s = std::max(to_seconds(r.duration), 1e-9);
  const double x_unit = span_s >= 3 * 3600 ? 3600 : span_s >= 600 ? 60 : 1;
  const char* x_unit_name = x_unit == 3600 ? "hours" : x_unit == 60 ? "minutes" : "seconds";
  auto x_of = [&](Duration t) { return kLeft + (kRight - kLeft) * to_seconds(t) / span_s; };
  auto y_of = [&](double ns) {
    const double l = std::log10(std::max(ns, std::pow(10.0, e_lo)));
    return kBottom - (kBottom - kTop) * (l - e_lo) / (e_hi - e_lo);
  };

  std::string s;
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kWidth) + "\" height=\"" +
       num(kHeight) + "\" viewBox=\"0 0 " + num(kWidth) + " " + num(kHeight) +
       "\" font-family=\"sans-serif\" font-size=\"13\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + num(kLeft) + "\" y=\"28\" font-size=\"17\" font-weight=\"bold\">" +
       escape("kairos sim: " + r.scenario) + "</text>\n";
  s += "<text x=\"" + num(kLeft) + "\" y=\"48\" fill=\"#555\">" +
       escape(std::to_string(r.nodes.size()) + " nodes, seed " + std::to_string(r.seed) +
              ", |virtual clock − true time| and the published error bound (log scale)") +
       "</text>\n";
  // Outages.
  for (const Window& w : r.outages) {
    const double x0 = x_of(std::min(w.from, r.duration)), x1 = x_of(std::min(w.to, r.duration));
    s += "<rect x=\"" + num(x0) + "\" y=\"" + num(kTop) + "\" width=\"" + num(x1 - x0) +
         "\" height=\"" + num(kBottom - kTop) + "\" fill=\"#e8e8e8\"/>\n";
    s += "<text x=\"" + num(x0 + 4) + "\" y=\"" + num(kTop + 16) +
         "\" fill=\"#777\">outage</text>\n";
  }
  // Grid and axes.
  for (int e = e_lo; e <= e_hi; ++e) {
    const double y = y_of(std::pow(10.0, e));
    s += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(y) + "\" x2=\"" + num(kRight) + "\" y2=\"" +
         num(y) + "\" stroke=\"#ddd\"/>\n";
    s += "<text x=\"" + num(kLeft - 8) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
         decade_label(e) + "</text>\n";
  }
  const double units = span_s / x_unit;
  const double raw = units / 10;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / mag < 2 ? 2 * mag : raw / mag < 5 ? 5 * mag : 10 * mag;
  for (double v = 0; v <= units + 1e-9; v += step) {
    const double x = kLeft + (kRight - kLeft) * v / units;
    s += "<line x1=\"" + num(x) + "\" y1=\"" + num(kTop) + "\" x2=\"" + num(x) + "\" y2=\"" +
         num(kBottom) + "\" stroke=\"#eee\"/>\n";
    char label[32];
    std::snprintf(label, sizeof label, "%g", v);
    s += "<text x=\"" + num(x) + "\" y=\"" + num(kBottom + 18) + "\" text-anchor=\"middle\">" +
         label + "</text>\n";
  }
  s += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(kRight - kLeft) +
       "\" height=\"" + num(kBottom - kTop) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  s += "<text x=\"" + num((kLeft + kRight) / 2) + "\" y=\"" + num(kBottom + 40) +
       "\" text-anchor=\"middle\">time since start (" + x_unit_name + ")</text>\n";
  s += "<text transform=\"translate(22," + num((kTop + kBottom) / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">|error| and error bound</text>\n";
  // Lines: one path per series, broken where no node had a bound.
  for (const Series& se : series) {
    std::string d;
    bool pen = false;
    for (const SeriesPoint& p : r.series) {
      if (p.synced == 0) {
        pen = false;
        continue;
      }
      d += (pen ? "L" : "M") + num(x_of(p.t)) + "," +
           num(y_of(static_cast<double>((p.*se.field).count())));
      pen = true;
    }
    if (d.empty()) continue;
    s += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + se.color + "\" stroke-width=\"" +
         num(se.width) + "\"" +
         (se.dash[0] != '\0' ? std::string(" stroke-dasharray=\"") + se.dash + "\"" : "") + "/>\n";
  }
  // Legend below the plot, two columns.
  for (std::size_t k = 0; k < std::size(series); ++k) {
    const double x = kLeft + 10 + static_cast<double>(k % 3) * 290;
    const double y = kBottom + 72 + static_cast<double>(k / 3) * 24;
    const Series& se = series[k];
    s += "<line x1=\"" + num(x) + "\" y1=\"" + num(y - 4) + "\" x2=\"" + num(x + 34) + "\" y2=\"" +
         num(y - 4) + "\" stroke=\"" + se.color + "\" stroke-width=\"" + num(se.width + 0.5) +
         "\"" + (se.dash[0] != '\0' ? std::string(" stroke-dasharray=\"") + se.dash + "\"" : "") +
         "/>\n";
    s += "<text x=\"" + num(x + 42) + "\" y=\"" + num(y) + "\">" + se.label + "</text>\n";
  }
  s += "<text x=\"" + num(kLeft) + "\" y=\"" + num(kHeight - 12) +
       "\" fill=\"#555\" font-size=\"12\">The bound is honest when every node's |error| stays "
       "below its own bound; gaps: no node synchronized yet.</text>\n";
  s += "</svg>\n";
  return s;
}

}  // namespace kairos::sim
