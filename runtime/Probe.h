//===- Probe.h - how good is a frozen representation? ------------*- C++ -*-===//
//
// Two standard measures of an embedding, fitted on the train split's
// embeddings and scored on the test split's:
//   - a linear probe: multinomial logistic regression on features
//     standardized by the train split's mean and deviation, trained with Adam;
//   - k-nearest neighbours by cosine similarity, majority vote (ties go to
//     the lowest class, as scikit-learn's KNeighborsClassifier does).
// bench/reference/ runs the same two recipes in PyTorch.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Function.h"

#include <cstdint>

namespace strata::runtime {

struct LinearProbeOptions {
  int64_t epochs = 100;
  int64_t batch = 1024;
  double lr = 1e-2;
  uint64_t seed = 0; // the order of each epoch
};

/// Test accuracy of logistic regression on f32 [N, d] features and i32 labels.
double linearProbeAccuracy(const Tensor &trainX, const Tensor &trainY, const Tensor &testX,
                           const Tensor &testY, int numClasses, const LinearProbeOptions &options);

struct KnnScores {
  double accuracy = 0;        // of the majority vote of the k nearest train rows
  double labelAgreement = 0;  // share of those k neighbours that have the test row's label
};

/// The cosine k-nearest-neighbour classifier on the test split, and how
/// often a test row's neighbours share its label.
KnnScores knnScores(const Tensor &trainX, const Tensor &trainY, const Tensor &testX, const Tensor &testY,
                    int numClasses, int k);

/// Within one set of rows f32 [N, ...] with i32 labels: the share of each
/// row's k nearest other rows (cosine) that share its label.
double labelAgreementWithin(const Tensor &x, const Tensor &labels, int k);

/// Test accuracy of the cosine k-nearest-neighbour classifier.
double knnAccuracy(const Tensor &trainX, const Tensor &trainY, const Tensor &testX,
                   const Tensor &testY, int numClasses, int k);

} // namespace strata::runtime
