//===- ZeroShot.cpp - zero-shot classification by caption similarity ------===//

#include "ZeroShot.h"

#include "ModelAccess.h"
#include "VectorSearch.h"
#include "FashionMnist.h"

using namespace strata;
using namespace strata::runtime;

namespace {

/// The share of images whose most similar class vector is their label's.
/// `images` and `classes` are unit rows [N, D] and [C, D] (`classes` starting
/// at row `first` of a larger tensor).
double accuracyAgainst(const Tensor &images, const int32_t *labels, const Tensor &classes,
                       int64_t first, int64_t count) {
  int64_t n = images.shape()[0], d = images.shape()[1], hits = 0;
  const float *x = images.as<float>(), *t = classes.as<float>() + first * d;
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = 0;
    double bestScore = -1e300;
    for (int64_t c = 0; c < count; ++c) {
      double score = 0;
      for (int64_t j = 0; j < d; ++j)
        score += double(x[i * d + j]) * t[c * d + j];
      if (score > bestScore)
        bestScore = score, best = c;
    }
    hits += best == labels[i];
  }
  return static_cast<double>(hits) / static_cast<double>(n);
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
  Tensor captionVectors = unitRows(representOf(options, captionTower, captions,
                                               static_cast<int64_t>(texts.size())));
  Tensor images = unitRows(testImages);
  const int32_t *testLabels = test.fields.at("label").as<int32_t>();

  ZeroShotResult result;
  int64_t dim = captionVectors.shape()[1];
  // The ensemble: each class's caption directions summed over the templates,
  // back to unit length.
  Tensor ensemble(DType::F32, {classes, dim});
  for (size_t t = 0; t < templates.size(); ++t) {
    int64_t first = static_cast<int64_t>(t) * classes;
    result.perTemplate.emplace_back(templates[t],
                                    accuracyAgainst(images, testLabels, captionVectors, first, classes));
    for (int64_t i = 0; i < classes * dim; ++i)
      ensemble.as<float>()[i] += captionVectors.as<float>()[first * dim + i];
  }
  result.ensembleAccuracy = accuracyAgainst(images, testLabels, unitRows(ensemble), 0, classes);
  return result;
}
