//===- PlotCommand.h - strata plot --------------------------------*- C++ -*-===//
#pragma once

#include "Cli.h"
#include "Dataset.h"
#include "Function.h"
#include "Graph.h"

#include <string>
#include <vector>

namespace strata::tools {

/// Embeddings of one split in the plane: a seeded sample of the rows, each
/// one's 2-D position, its label (-1 without labels) and the class names.
struct Projection {
  std::string method;                 // "pca" or "tsne"
  std::string split;
  std::vector<int64_t> rows;          // row of the split, per point
  std::vector<float> x, y;
  std::vector<int> label;
  std::vector<std::string> classNames;
  std::vector<double> explained;      // PCA: each axis's share of the variance
  int64_t splitRows = 0, dim = 0;
};

/// The @represent value of --split's rows (test by default) under the
/// checkpoint, projected by --method (pca, or tsne) on --points rows drawn
/// with a fixed seed (default 5000 for PCA, 2000 for t-SNE, whose cost grows
/// with the square). `z` gets every row's embedding when asked.
Projection projectSplit(const Options &options, const frontend::Graph &graph, runtime::Tensor *z = nullptr,
                        runtime::Dataset *data = nullptr);

/// "MODEL: VALUE (D-d), SPLIT split", the heading of a projection's picture.
std::string titleOf(const frontend::Graph &graph, const Projection &projection);

/// `strata plot SPEC --out FILE.png` (the projection) or `strata plot --log
/// FILE.jsonl --out FILE.png` (the training curves): a PNG and an SVG beside it.
} // namespace strata::tools
