//===- ZeroShot.h - zero-shot classification by caption similarity -*- C++ -*-===//
//
// A two-tower model (an info_nce loss between an image value and a caption
// value, as clip-mlp's) classifies an image without a classifier: its
// embedding is compared with the embeddings of a caption of each class, and
// the most similar caption names the class. `strata eval` does this with the
// templates training never saw (runtime::captionTemplates(true)).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Cli.h"
#include "Dataset.h"
#include "Graph.h"

#include <optional>
#include <string>
#include <vector>

namespace strata::tools {

struct ZeroShotResult {
  /// Test accuracy with one template's captions, template by template.
  std::vector<std::pair<std::string, double>> perTemplate;
  /// With each class's caption embeddings averaged over every template (the
  /// prompt ensemble CLIP reports).
  double ensembleAccuracy = 0;
};

/// The image tower's and caption tower's values of a two-tower model: the
/// @represent operand of its info_nce loss and the other one; nullopt for
/// any other model.
std::optional<std::pair<int, int>> twoTowerValues(const frontend::Graph &graph);

/// Zero-shot test accuracy of `testImages` (the image tower's value of each
/// test image, in `test`'s order) against captions from the held-out
/// templates, embedded by the caption tower under the checkpoint's parameters.
ZeroShotResult zeroShotAccuracy(const Options &options, const frontend::Graph &graph,
                                const runtime::Dataset &test, const runtime::Tensor &testImages);

} // namespace strata::tools
