//===- EvalCommand.cpp - strata eval --------------------------------------===//
//
// strata eval SPEC: a checkpoint's test and train loss and metrics, and for a
// model with a @represent value and labelled data, the linear-probe and kNN
// test accuracy of its representation, its geometry, and (two-tower models)
// zero-shot accuracy by caption similarity.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "ModelAccess.h"
#include "ZeroShot.h"

#include "Geometry.h"
#include "Probe.h"
#include "Progress.h"
#include "Trainer.h"
#include "DataSources.h"
#include "SpecData.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <numeric>

using namespace strata;
using namespace strata::tools;
using namespace strata::runtime;

namespace {

/// The largest batch of at most `limit` rows that splits both sets evenly.
int64_t evalBatch(int64_t a, int64_t b, int64_t limit) {
  int64_t g = std::gcd(a, b);
  for (int64_t batch = std::min(limit, g); batch > 1; --batch)
    if (g % batch == 0)
      return batch;
  return 1;
}

} // namespace

int strata::tools::runEval(const Options &options, const frontend::Graph &graph) {
  requireTrain(graph, options.spec);
  std::string dir = checkpointDir(options, graph);
  std::string probe = options.get("--probe", "all");
  if (probe != "all" && probe != "linear" && probe != "knn")
    throw UsageError{"--probe must be linear or knn, got '" + probe + "'"};
  bool json = options.has("--json");
  int64_t k = options.intFlag("--k", 20);
  // Checked before seconds of data loading and forward passes: a user's
  // mistake, not an internal error at the kNN probe.
  if (k < 1)
    throw UsageError{"--k must be at least 1, got " + std::to_string(k)};

  Dataset train = loadDataset(compiler::dataSourceOf(graph, "train"));
  if (k > train.size)
    throw UsageError{"--k " + std::to_string(k) + " is more neighbours than the " +
                     std::to_string(train.size) + " training examples"};
  Dataset test = loadDataset(compiler::dataSourceOf(graph, "test"));
  compiler::CompileOptions compileOptions;
  compileOptions.batch = evalBatch(train.size, test.size, 1000);
  compileOptions.mode = "forward";
  auto program = compileOrThrow(graph, compileOptions);
  const Function &forward = program->function("forward");
  TrainState state = loadCheckpointParams(*program, graph, dir);

  ForwardMeans trainMeans, testMeans;
  {
    StatusLine status; // a few seconds over both splits
    status.show("losses over " + std::to_string(train.size) + " train and " + std::to_string(test.size) +
                    " test rows", /*force=*/true);
    trainMeans = forwardOver(forward, state.params, train, state.seed, nullptr);
    testMeans = forwardOver(forward, state.params, test, state.seed, nullptr);
  }
  // The losses keep training's random ops (a VAE's ELBO samples, a masked
  // model's loss needs its masks); the probes read the inference form's
  // representation, as embed does: a denoising model's code of the clean
  // image, not of a corrupted one.
  bool wantProbe = graph.represent >= 0 && train.numClasses > 0;
  Tensor trainZ, testZ;
  if (wantProbe) {
    std::vector<Tensor> z = representOf(options, graph, {&train, &test}, compileOptions.batch);
    trainZ = std::move(z[0]);
    testZ = std::move(z[1]);
  }
  std::string lossOp = graph.nodes[graph.values[graph.loss].producer].op;

  nlohmann::ordered_json j;
  j["model"] = graph.model;
  j["checkpoint"] = checkpointPath(dir);
  j["step"] = state.step;
  j["loss"] = lossOp;
  j["train_loss"] = trainMeans.loss;
  j["test_loss"] = testMeans.loss;
  for (const auto &[name, value] : testMeans.metrics) {
    j["test_" + name] = value;
    j["train_" + name] = trainMeans.metrics.at(name);
  }
  if (wantProbe) {
    const Tensor &trainY = train.fields.at("label"), &testY = test.fields.at("label");
    j["represent"] = graph.values[graph.represent].name;
    j["dim"] = trainZ.shape()[1];
    if (probe != "knn") {
      LinearProbeOptions linear;
      linear.seed = state.seed;
      StatusLine status;
      status.show("fitting the linear probe on " + std::to_string(trainZ.shape()[0]) + " rows", /*force=*/true);
      j["linear_probe_accuracy"] = linearProbeAccuracy(trainZ, trainY, testZ, testY, train.numClasses, linear);
    }
    if (probe != "linear") {
      StatusLine status;
      status.show("kNN of " + std::to_string(testZ.shape()[0]) + " test rows", /*force=*/true);
      KnnScores knn = knnScores(trainZ, trainY, testZ, testY, train.numClasses, static_cast<int>(k));
      j["knn_accuracy"] = knn.accuracy;
      j["neighbour_label_agreement"] = knn.labelAgreement;
      j["k"] = k;
    }
    // How spread out the test embeddings are (runtime/Geometry.h).
    Geometry g = geometryOf(testZ);
    j["effective_rank"] = g.effectiveRank;
    j["std_mean"] = g.stdMean;
    j["std_min"] = g.stdMin;
    j["normalized_std"] = g.normalizedStd;
    j["uniformity"] = uniformity(testZ);
    j["alignment"] = alignment(testZ, testY);
    if (twoTowerValues(graph) && test.hasField("caption")) {
      ZeroShotResult zeroShot = zeroShotAccuracy(options, graph, test, testZ);
      j["zero_shot_accuracy"] = zeroShot.ensembleAccuracy;
      nlohmann::ordered_json perTemplate;
      for (const auto &[templ, accuracy] : zeroShot.perTemplate)
        perTemplate[templ] = accuracy;
      j["zero_shot_templates"] = perTemplate;
    }
  } else if (probe != "all") {
    throw UsageError{graph.represent < 0 ? "the model marks no value @represent to probe"
                                         : "data set " + train.name + " has no labels to probe with"};
  }
  if (json) {
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::printf("%s at step %lld (%s)\n", graph.model.c_str(), (long long)state.step,
              checkpointPath(dir).c_str());
  std::printf("test loss (%s): %.6g   train loss: %.6g\n", lossOp.c_str(), testMeans.loss,
              trainMeans.loss);
  for (const auto &[name, value] : testMeans.metrics)
    std::printf("test %s: %.4f   train %s: %.4f\n", name.c_str(), value, name.c_str(),
                trainMeans.metrics.at(name));
  if (j.contains("linear_probe_accuracy"))
    std::printf("linear probe on %s (%lld-d): test accuracy %.4f\n", j["represent"].get<std::string>().c_str(),
                (long long)j["dim"].get<int64_t>(), j["linear_probe_accuracy"].get<double>());
  if (j.contains("knn_accuracy"))
    std::printf("kNN (cosine, k=%lld) on %s: test accuracy %.4f, neighbours sharing the label %.4f\n", (long long)k,
                j["represent"].get<std::string>().c_str(), j["knn_accuracy"].get<double>(),
                j["neighbour_label_agreement"].get<double>());
  if (j.contains("effective_rank"))
    std::printf("geometry of %s (test): effective rank %.2f of %lld, per-dimension std %.4g "
                "(min %.4g), normalized std %.4f, uniformity %.4f, alignment of same-label pairs %.4f\n",
                j["represent"].get<std::string>().c_str(), j["effective_rank"].get<double>(),
                (long long)j["dim"].get<int64_t>(), j["std_mean"].get<double>(),
                j["std_min"].get<double>(), j["normalized_std"].get<double>(),
                j["uniformity"].get<double>(), j["alignment"].get<double>());
  if (j.contains("zero_shot_accuracy")) {
    std::printf("zero-shot on %s by caption similarity, %zu held-out templates averaged: test accuracy "
                "%.4f\n", j["represent"].get<std::string>().c_str(), j["zero_shot_templates"].size(),
                j["zero_shot_accuracy"].get<double>());
    for (const auto &[templ, accuracy] : j["zero_shot_templates"].items())
      std::printf("  %-36s %.4f\n", ("\"" + templ + "\"").c_str(), accuracy.get<double>());
  }
  return 0;
}
