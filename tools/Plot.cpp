//===- Plot.cpp - PNG and SVG charts through cairo ------------------------===//

#include "Plot.h"

#include "Cli.h"

#include <cairo-svg.h>
#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>

using namespace strata::tools;

namespace {

struct Rgb {
  double r, g, b;
};

/// Ten colours that stay apart (matplotlib's "tab10").
const Rgb kPalette[] = {{0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
                        {0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
                        {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
                        {0.090, 0.745, 0.812}};

Rgb colourOf(int group) {
  if (group < 0)
    return {0.25, 0.35, 0.55};
  return kPalette[group % 10];
}

/// A rectangle of the canvas that data coordinates map into.
struct Frame {
  double left, top, width, height;
  double xMin, xMax, yMin, yMax;
  double px(double x) const { return left + (x - xMin) / (xMax - xMin) * width; }
  double py(double y) const { return top + height - (y - yMin) / (yMax - yMin) * height; }
};

/// [lo, hi] widened by 4% (a flat range by one unit) so marks stay inside.
std::pair<double, double> paddedRange(double lo, double hi) {
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  double pad = (hi - lo) * 0.04;
  return {lo - pad, hi + pad};
}

/// About `count` round tick values (1, 2 or 5 times a power of ten apart) in [lo, hi].
std::vector<double> ticks(double lo, double hi, int count) {
  double raw = (hi - lo) / count, power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power * (raw / power < 1.5 ? 1 : raw / power < 3.5 ? 2 : raw / power < 7.5 ? 5 : 10);
  std::vector<double> out;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return out;
}

std::string tickLabel(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

void text(cairo_t *cr, double x, double y, const std::string &s, double size, double alignX = 0,
          bool bold = false) {
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t extents;
  cairo_text_extents(cr, s.c_str(), &extents);
  cairo_move_to(cr, x - extents.x_advance * alignX, y);
  cairo_show_text(cr, s.c_str());
}

/// The frame's box, grid lines and tick labels, and the axis labels.
void drawAxes(cairo_t *cr, const Frame &f, const std::string &xLabel, const std::string &yLabel) {
  cairo_set_line_width(cr, 1);
  for (double t : ticks(f.xMin, f.xMax, 6)) {
    cairo_set_source_rgb(cr, 0.92, 0.92, 0.92);
    cairo_move_to(cr, f.px(t), f.top);
    cairo_line_to(cr, f.px(t), f.top + f.height);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    text(cr, f.px(t), f.top + f.height + 15, tickLabel(t), 10, 0.5);
  }
  for (double t : ticks(f.yMin, f.yMax, 5)) {
    cairo_set_source_rgb(cr, 0.92, 0.92, 0.92);
    cairo_move_to(cr, f.left, f.py(t));
    cairo_line_to(cr, f.left + f.width, f.py(t));
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    text(cr, f.left - 6, f.py(t) + 3.5, tickLabel(t), 10, 1.0);
  }
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_rectangle(cr, f.left, f.top, f.width, f.height);
  cairo_stroke(cr);
  text(cr, f.left + f.width / 2, f.top + f.height + 34, xLabel, 11, 0.5);
  cairo_save(cr);
  cairo_translate(cr, f.left - 46, f.top + f.height / 2);
  cairo_rotate(cr, -M_PI / 2);
  text(cr, 0, 0, yLabel, 11, 0.5);
  cairo_restore(cr);
}

/// Draws the same picture onto a PNG and an SVG surface of width x height.
void render(double width, double height, const std::function<void(cairo_t *)> &draw,
            const std::string &pngPath, const std::string &svgPath) {
  namespace fs = std::filesystem;
  std::string pngTmp = pngPath + ".tmp", svgTmp = svgPath + ".tmp";
  auto fail = [&](const std::string &why) {
    std::error_code ignored;
    fs::remove(pngTmp, ignored);
    fs::remove(svgTmp, ignored);
    throw UsageError{why};
  };
  auto paint = [&](cairo_surface_t *surface) {
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    draw(cr);
    cairo_status_t status = cairo_status(cr);
    cairo_destroy(cr);
    return status;
  };

  cairo_surface_t *image = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, static_cast<int>(width),
                                                      static_cast<int>(height));
  cairo_status_t status = paint(image);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_write_to_png(image, pngTmp.c_str());
  cairo_surface_destroy(image);
  if (status != CAIRO_STATUS_SUCCESS)
    fail("cannot write '" + pngPath + "': " + cairo_status_to_string(status));

  cairo_surface_t *svg = cairo_svg_surface_create(svgTmp.c_str(), width, height);
  status = paint(svg);
  cairo_surface_finish(svg);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status(svg);
  cairo_surface_destroy(svg);
  if (status != CAIRO_STATUS_SUCCESS)
    fail("cannot write '" + svgPath + "': " + cairo_status_to_string(status));

  fs::rename(pngTmp, pngPath);
  fs::rename(svgTmp, svgPath);
}

} // namespace

void strata::tools::writeScatter(const ScatterPlot &plot, const std::string &pngPath, const std::string &svgPath) {
  const double width = 960, height = 720, legendWidth = plot.groupNames.empty() ? 0 : 150;
  auto [xMin, xMax] = std::minmax_element(plot.x.begin(), plot.x.end());
  auto [yMin, yMax] = std::minmax_element(plot.y.begin(), plot.y.end());
  auto [x0, x1] = paddedRange(plot.x.empty() ? 0 : *xMin, plot.x.empty() ? 1 : *xMax);
  auto [y0, y1] = paddedRange(plot.y.empty() ? 0 : *yMin, plot.y.empty() ? 1 : *yMax);
  Frame f{80, 70, width - 80 - 30 - legendWidth, height - 70 - 60, x0, x1, y0, y1};
  render(width, height, [&](cairo_t *cr) {
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, f.left, 30, plot.title, 16, 0, /*bold=*/true);
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    text(cr, f.left, 50, plot.subtitle, 11);
    drawAxes(cr, f, plot.xLabel, plot.yLabel);
    cairo_save(cr);
    cairo_rectangle(cr, f.left, f.top, f.width, f.height);
    cairo_clip(cr);
    for (size_t i = 0; i < plot.x.size(); ++i) {
      Rgb c = colourOf(plot.group.empty() ? -1 : plot.group[i]);
      cairo_set_source_rgba(cr, c.r, c.g, c.b, 0.65);
      cairo_arc(cr, f.px(plot.x[i]), f.py(plot.y[i]), 2.2, 0, 2 * M_PI);
      cairo_fill(cr);
    }
    cairo_restore(cr);
    for (size_t g = 0; g < plot.groupNames.size(); ++g) {
      double y = f.top + 12 + 20 * g, x = f.left + f.width + 20;
      Rgb c = colourOf(static_cast<int>(g));
      cairo_set_source_rgb(cr, c.r, c.g, c.b);
      cairo_arc(cr, x + 5, y - 4, 5, 0, 2 * M_PI);
      cairo_fill(cr);
      cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
      text(cr, x + 16, y, plot.groupNames[g], 11);
    }
  }, pngPath, svgPath);
}

void strata::tools::writeCurves(const CurvesPlot &plot, const std::string &pngPath, const std::string &svgPath) {
  const int columns = plot.series.size() > 1 ? 2 : 1;
  const int rows = static_cast<int>((plot.series.size() + columns - 1) / columns);
  const double panelWidth = 480, panelHeight = 260, top = 50;
  const double width = panelWidth * columns, height = top + panelHeight * std::max(rows, 1);
  render(width, height, [&](cairo_t *cr) {
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, 20, 30, plot.title, 16, 0, /*bold=*/true);
    for (size_t s = 0; s < plot.series.size(); ++s) {
      const Series &series = plot.series[s];
      double left = panelWidth * (s % columns), panelTop = top + panelHeight * (s / columns);
      auto [sMin, sMax] = std::minmax_element(series.steps.begin(), series.steps.end());
      auto [vMin, vMax] = std::minmax_element(series.values.begin(), series.values.end());
      auto [x0, x1] = paddedRange(*sMin, *sMax);
      auto [y0, y1] = paddedRange(*vMin, *vMax);
      Frame f{left + 75, panelTop + 25, panelWidth - 75 - 20, panelHeight - 25 - 55, x0, x1, y0, y1};
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      text(cr, f.left, panelTop + 15, series.name, 12, 0, /*bold=*/true);
      drawAxes(cr, f, "step", "");
      Rgb c = colourOf(static_cast<int>(s));
      cairo_set_source_rgb(cr, c.r, c.g, c.b);
      cairo_set_line_width(cr, 1.5);
      for (size_t i = 0; i < series.steps.size(); ++i) {
        double x = f.px(series.steps[i]), y = f.py(series.values[i]);
        if (i == 0)
          cairo_move_to(cr, x, y);
        else
          cairo_line_to(cr, x, y);
      }
      if (series.steps.size() == 1)
        cairo_arc(cr, f.px(series.steps[0]), f.py(series.values[0]), 2.5, 0, 2 * M_PI);
      cairo_stroke(cr);
    }
  }, pngPath, svgPath);
}
