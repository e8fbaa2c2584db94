//===- ZeroShot.cpp - zero-shot classification by caption similarity ------===//

#include "ZeroShot.h"

#include "TrainCommands.h"

#include <cmath>

using namespace strata;
using namespace strata::runtime;

namespace {

/// Rows of an f32 [N, D] tensor scaled to unit length.
std::vector<std::vector<double>> unitRows(const Tensor &t) {
  int64_t n = t.shape()[0], d = t.shape()[1];
  const float *p = t.as<float>();
  std::vector<std::vector<double>> rows(n, std::vector<double>(d));
  for (int64_t i = 0; i < n; ++i) {
    double norm = 0;
    for (int64_t j = 0; j < d; ++j)
      norm += double(p[i * d + j]) * p[i * d + j];
    norm = std::sqrt(norm) + 1e-12;
    for (int64_t j = 0; j < d; ++j)
      rows[i][j] = p[i * d + j] / norm;
  }
  return rows;
}

/// The share of images whose most similar class vector is their label's.
double accuracyAgainst(const std::vector<std::vector<double>> &images, const int32_t *labels,
                       const std::vector<std::vector<double>> &classes) {
  int64_t hits = 0;
  for (size_t i = 0; i < images.size(); ++i) {
    int best = 0;
    double bestScore = -1e300;
    for (size_t c = 0; c < classes.size(); ++c) {
      double score = 0;
      for (size_t j = 0; j < classes[c].size(); ++j)
        score += images[i][j] * classes[c][j];
      if (score > bestScore)
        bestScore = score, best = static_cast<int>(c);
    }
    hits += best == labels[i];
  }
  return static_cast<double>(hits) / static_cast<double>(images.size());
}

} // namespace

std::optional<std::pair<int, int>> strata::tools::twoTowerValues(const frontend::Graph &graph) {
  if (graph.loss < 0 || graph.represent < 0)
    return std::nullopt;
  const frontend::Node &loss = graph.nodes[graph.values[graph.loss].producer];
  if (loss.op != "info_nce")
    return std::nullopt;
  int lhs = loss.operands[0], rhs = loss.operands[1];
  if (graph.represent == lhs)
    return std::pair(lhs, rhs);
  if (graph.represent == rhs)
    return std::pair(rhs, lhs);
  return std::nullopt;
}

tools::ZeroShotResult strata::tools::zeroShotAccuracy(const Options &options,
                                                      const frontend::Graph &graph,
                                                      const Dataset &test,
                                                      const Tensor &testImages) {
  auto towers = twoTowerValues(graph);
  if (!towers)
    throw UsageError{"zero-shot classification needs a two-tower model: an info_nce loss "
                     "with its image value marked @represent"};
  const auto &templates = captionTemplates(/*heldOut=*/true);
  int classes = test.numClasses;
  std::vector<std::string> texts;
  std::vector<int> labels;
  for (const std::string &t : templates)
    for (int c = 0; c < classes; ++c) {
      texts.push_back(captionOf(t, c));
      labels.push_back(c);
    }
  // The caption tower's value is what the model represents, for this pass.
  frontend::Graph captionTower = graph;
  captionTower.represent = towers->second;
  Dataset captions = captionRows(test, texts, labels);
  auto captionVectors = unitRows(representOf(options, captionTower, captions,
                                             static_cast<int64_t>(texts.size())));
  auto images = unitRows(testImages);
  const int32_t *testLabels = test.fields.at("label").as<int32_t>();

  ZeroShotResult result;
  size_t dim = captionVectors.front().size();
  std::vector<std::vector<double>> ensemble(classes, std::vector<double>(dim, 0.0));
  for (size_t t = 0; t < templates.size(); ++t) {
    std::vector<std::vector<double>> perClass(captionVectors.begin() + t * classes,
                                              captionVectors.begin() + (t + 1) * classes);
    result.perTemplate.emplace_back(templates[t], accuracyAgainst(images, testLabels, perClass));
    for (int c = 0; c < classes; ++c)
      for (size_t j = 0; j < dim; ++j)
        ensemble[c][j] += perClass[c][j];
  }
  for (auto &v : ensemble) { // back to unit length, as each class's mean direction
    double norm = 0;
    for (double x : v)
      norm += x * x;
    for (double &x : v)
      x /= std::sqrt(norm) + 1e-12;
  }
  result.ensembleAccuracy = accuracyAgainst(images, testLabels, ensemble);
  return result;
}
