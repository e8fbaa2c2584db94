//===- Geometry.h - how spread out is a set of embeddings? -------*- C++ -*-===//
//
// A representation has collapsed when it maps every input to (nearly) one
// point, or onto one line: the loss may still fall (a contrastive loss with
// no negatives does), so training and `strata eval` measure the spread of
// the embeddings directly.
//   - effective rank (Roy & Vetterli 2007): exp of the entropy of the
//     centered rows' singular values, normalized to sum to 1; from 1 (one
//     direction) to the dimension (every direction equally used), 0 when
//     every row is the same point;
//   - per-dimension standard deviation over the rows, its mean and minimum;
//   - normalized std: the mean per-dimension std of the L2-normalized rows
//     times sqrt(dim), about 1 for directions spread over the sphere and 0
//     when they all coincide (SimSiam's collapse monitor);
//   - uniformity (Wang & Isola 2020): log E exp(-2 |u - v|^2) over pairs of
//     L2-normalized rows, from 0 (all equal) down to about -4 (spread);
//   - alignment (Wang & Isola 2020): E |u - v|^2 over positive pairs of
//     L2-normalized rows, from 0 (positives coincide) to 4 (opposite). Here the
//     positives are rows with the same label, so it also reads on models
//     trained without views.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Function.h"

#include <cstdint>
#include <string>
#include <vector>

namespace strata::runtime {

struct Geometry {
  int64_t rows = 0, dim = 0;
  double effectiveRank = 0;
  double stdMean = 0, stdMin = 0;
  double normalizedStd = 0;
};

/// The geometry of an f32 [rows, ...] tensor, each row flattened to a vector.
Geometry geometryOf(const Tensor &embeddings);

/// Uniformity over every pair of the first `maxRows` rows.
double uniformity(const Tensor &embeddings, int64_t maxRows = 2000);

/// The rows of f32 [rows, ...] `embeddings` projected on their `count`
/// principal axes (PCA: centered, largest variance first, each axis's sign
/// fixed so its largest entry is positive), f32 [rows, count]; `explained`
/// gets each axis's share of the total variance.
Tensor principalComponents(const Tensor &embeddings, int64_t count, std::vector<double> *explained = nullptr);

/// Alignment over every pair of the first `maxRows` rows that share an i32
/// label in `labels`.
double alignment(const Tensor &embeddings, const Tensor &labels, int64_t maxRows = 2000);

/// Why `g` looks collapsed (effective rank below 1.5, or normalized std
/// below 0.005), or "" when it does not. (A healthy text encoder can sit at
/// 0.045: its vectors share one large common direction.)
std::string collapseSign(const Geometry &g);

} // namespace strata::runtime
