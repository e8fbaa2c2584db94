//===- PlotCommand.cpp - strata plot --------------------------------------===//
//
// Two pictures of a run, each written as FILE.png and FILE.svg (tools/Plot.h):
//   SPEC [--checkpoint DIR]  the test embeddings (--split) in the plane, by
//                            PCA (runtime/Geometry.h) or t-SNE
//                            (runtime/Tsne.h), coloured by label;
//   --log FILE.jsonl         every numeric series of a training log against
//                            the step, one panel each.
//
//===----------------------------------------------------------------------===//

#include "PlotCommand.h"
#include "Commands.h"

#include "Geometry.h"
#include "MLIRGen.h"
#include "Plot.h"
#include "Spec.h"
#include "ModelAccess.h"
#include "Progress.h"
#include "Tsne.h"
#include "DataSources.h"
#include "FashionMnist.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <random>

using namespace strata;
using namespace strata::tools;
using namespace strata::runtime;

namespace {

/// FILE.png -> FILE.svg; --out must name a .png.
std::string svgBeside(const std::string &png) {
  if (png.size() < 5 || png.substr(png.size() - 4) != ".png")
    throw UsageError{"--out must name a .png file (the .svg is written beside it), got '" + png + "'"};
  return png.substr(0, png.size() - 4) + ".svg";
}

/// `count` distinct rows of [0, n), drawn with `seed`, in ascending order.
std::vector<int64_t> sampleRows(int64_t n, int64_t count, uint64_t seed) {
  std::vector<int64_t> rows(n);
  std::iota(rows.begin(), rows.end(), 0);
  if (count < n) {
    std::shuffle(rows.begin(), rows.end(), std::mt19937_64(seed));
    rows.resize(count);
    std::sort(rows.begin(), rows.end());
  }
  return rows;
}

std::string percent(double share) {
  char text[16];
  std::snprintf(text, sizeof text, "%.1f%%", 100 * share);
  return text;
}

int plotEmbeddings(const Options &options) {
  std::string png = options.get("--out"), svg = svgBeside(png);
  frontend::Graph graph = frontend::buildGraph(frontend::loadSpec(options.spec), frontend::prelude());
  Projection p = projectSplit(options, graph);
  ScatterPlot plot;
  plot.title = titleOf(graph, p);
  plot.x = p.x;
  plot.y = p.y;
  plot.group = p.label;
  plot.groupNames = p.classNames;
  std::string points = std::to_string(p.rows.size()) + " of " + std::to_string(p.splitRows) + " rows";
  if (p.method == "pca") {
    plot.subtitle = "PCA, " + points + "; the two axes hold " + percent(p.explained[0] + p.explained[1]) +
                    " of the variance";
    plot.xLabel = "PC1 (" + percent(p.explained[0]) + ")";
    plot.yLabel = "PC2 (" + percent(p.explained[1]) + ")";
  } else {
    plot.subtitle = "t-SNE (perplexity 30, 1000 iterations, PCA start), " + points;
    plot.xLabel = "t-SNE 1";
    plot.yLabel = "t-SNE 2";
  }
  writeScatter(plot, png, svg);
  std::printf("wrote %s and %s: %s of %s\n", png.c_str(), svg.c_str(), p.method == "pca" ? "PCA" : "t-SNE",
              plot.title.c_str());
  return 0;
}

/// Every numeric field of the log but the step's bookkeeping, in the order
/// first seen; a field logged every N steps is a series of those steps.
CurvesPlot curvesOf(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    throw UsageError{"cannot read the log '" + path + "'"};
  CurvesPlot plot;
  plot.title = "training log " + path;
  std::vector<std::string> order;
  std::map<std::string, Series> byName;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty())
      continue;
    nlohmann::ordered_json record = nlohmann::ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object() || !record.contains("step") || !record["step"].is_number())
      throw UsageError{path + ":" + std::to_string(number) + ": not a training-log record (a JSON object with a step)"};
    double step = record["step"].get<double>();
    for (const auto &[key, value] : record.items()) {
      if (key == "step" || key == "epoch" || key == "elapsed_s" || !value.is_number())
        continue;
      if (!byName.count(key)) {
        order.push_back(key);
        byName[key].name = key;
      }
      byName[key].steps.push_back(step);
      byName[key].values.push_back(value.get<double>());
    }
  }
  if (order.empty())
    throw UsageError{"the log '" + path + "' has no numeric series to plot"};
  for (const std::string &name : order)
    plot.series.push_back(std::move(byName[name]));
  return plot;
}

int plotLog(const Options &options) {
  std::string png = options.get("--out"), svg = svgBeside(png);
  CurvesPlot plot = curvesOf(options.get("--log"));
  writeCurves(plot, png, svg);
  std::printf("wrote %s and %s: %zu series of %s\n", png.c_str(), svg.c_str(), plot.series.size(),
              options.get("--log").c_str());
  return 0;
}

} // namespace

Projection strata::tools::projectSplit(const Options &options, const frontend::Graph &graph, Tensor *zOut,
                                       Dataset *dataOut) {
  if (graph.represent < 0)
    throw UsageError{"the model marks no value @represent to plot"};
  Projection p;
  p.method = options.get("--method", "pca");
  if (p.method != "pca" && p.method != "tsne")
    throw UsageError{"--method must be pca or tsne, got '" + p.method + "'"};
  int64_t points = options.intFlag("--points", p.method == "pca" ? 5000 : 2000);
  if (points < 4)
    throw UsageError{"--points must be at least 4"};
  p.split = options.get("--split", "test");
  Dataset data = loadDataset(embeddedRows(graph, p.split));
  Tensor z = representOf(options, graph, data);
  p.splitRows = z.shape()[0];
  p.dim = z.numElements() / p.splitRows;
  p.rows = sampleRows(p.splitRows, points, static_cast<uint64_t>(options.intFlag("--seed", 0)));
  int64_t n = static_cast<int64_t>(p.rows.size());
  Tensor sample(DType::F32, {n, p.dim});
  for (int64_t i = 0; i < n; ++i)
    std::copy_n(z.as<float>() + p.rows[i] * p.dim, p.dim, sample.as<float>() + i * p.dim);
  StatusLine status;
  TsneOptions tsneOptions;
  tsneOptions.onIteration = [&](int64_t done, int64_t total) {
    status.show("t-SNE of " + std::to_string(sample.shape()[0]) + " rows: iteration " + std::to_string(done) + "/" +
                std::to_string(total));
  };
  Tensor plane = p.method == "pca" ? principalComponents(sample, 2, &p.explained) : tsne(sample, tsneOptions);
  status.clear();
  for (int64_t i = 0; i < n; ++i) {
    p.x.push_back(plane.as<float>()[i * 2]);
    p.y.push_back(plane.as<float>()[i * 2 + 1]);
  }
  auto label = data.fields.find("label");
  if (label != data.fields.end() && data.numClasses > 0) {
    for (int64_t row : p.rows)
      p.label.push_back(label->second.as<int32_t>()[row]);
    for (int c = 0; c < data.numClasses; ++c)
      p.classNames.push_back(data.name == "fashion_mnist" ? fashionMnistClassNames().at(c)
                                                          : "class " + std::to_string(c));
  }
  if (zOut)
    *zOut = std::move(z);
  if (dataOut)
    *dataOut = std::move(data);
  return p;
}

std::string strata::tools::titleOf(const frontend::Graph &graph, const Projection &projection) {
  return graph.model + ": " + graph.values[graph.represent].name + " (" + std::to_string(projection.dim) +
         "-d), " + projection.split + " split";
}

int strata::tools::runPlot(const Options &options) {
  if (!options.has("--out"))
    throw UsageError{"'plot' needs --out FILE.png"};
  bool log = options.has("--log");
  if (log == !options.spec.empty())
    throw UsageError{"'plot' needs either a model's SPEC (its embeddings) or --log FILE.jsonl (its curves)"};
  return log ? plotLog(options) : plotEmbeddings(options);
}
