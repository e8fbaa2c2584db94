//===- Plot.h - PNG and SVG charts through cairo -----------------*- C++ -*-===//
//
// The two pictures `strata plot` draws, each written as a PNG and an SVG by
// Debian's cairo (libcairo2): a scatter of 2-D points coloured by group with
// a legend (a projection of embeddings), and one panel per series of a
// training log against the step. Files are written under a temporary name
// and renamed, so a failed plot leaves nothing behind.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

namespace strata::tools {

struct ScatterPlot {
  std::string title, subtitle, xLabel, yLabel;
  std::vector<float> x, y;
  std::vector<int> group;              // index into groupNames per point; -1 for none
  std::vector<std::string> groupNames; // the legend, one colour each
};

struct Series {
  std::string name;
  std::vector<double> steps, values;
};

struct CurvesPlot {
  std::string title;
  std::vector<Series> series; // one panel each
};

void writeScatter(const ScatterPlot &plot, const std::string &pngPath, const std::string &svgPath);
void writeCurves(const CurvesPlot &plot, const std::string &pngPath, const std::string &svgPath);

} // namespace strata::tools
