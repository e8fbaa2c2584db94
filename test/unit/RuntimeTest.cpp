//===- RuntimeTest.cpp - data order, file formats and probes --------------===//

#include "Bundle.h"
#include "Checkpoint.h"
#include "Dataset.h"
#include "Geometry.h"
#include "Npy.h"
#include "Probe.h"
#include "Safetensors.h"
#include "FashionMnist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <unistd.h>

using namespace strata::runtime;

namespace {

std::string tempDir() {
  char pattern[] = "/tmp/strata-runtime-test-XXXXXX";
  const char *dir = mkdtemp(pattern);
  return dir ? dir : "/tmp";
}

Tensor ramp(DType dtype, std::vector<int64_t> shape) {
  Tensor t(dtype, std::move(shape));
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.set(i, 0.5 * i - 3);
  return t;
}

bool sameBytes(const Tensor &a, const Tensor &b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::equal(static_cast<const char *>(a.data()), static_cast<const char *>(a.data()) + a.bytes(),
                    static_cast<const char *>(b.data()));
}

} // namespace

TEST(Tensor, ACopyHoldsTheSameElementsWhereverItsStorageLands) {
  // The storage is over-allocated and the elements start at its first
  // 64-byte boundary, which sits at a different distance in each
  // allocation: a copy must copy elements, not the raw allocation.
  for (int64_t n : {1, 5, 8, 100}) {
    Tensor x(DType::I32, {n});
    for (int64_t i = 0; i < n; ++i)
      x.as<int32_t>()[i] = static_cast<int32_t>(i + 1);
    std::vector<Tensor> copies;
    for (int k = 0; k < 16; ++k) // several allocations, several offsets
      copies.push_back(x);
    Tensor assigned;
    assigned = x;
    copies.push_back(assigned);
    for (const Tensor &c : copies) {
      ASSERT_EQ(c.numElements(), n);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(c.data()) % 64, 0u);
      for (int64_t i = 0; i < n; ++i)
        ASSERT_EQ(c.as<int32_t>()[i], i + 1) << "n " << n << ", element " << i;
    }
  }
  Tensor empty;
  Tensor copy(empty);
  EXPECT_TRUE(copy.empty());
}

TEST(EpochOrder, IsAPermutationFixedBySeedAndEpoch) {
  auto order = epochOrder(1000, 7, 3);
  std::set<int64_t> seen(order.begin(), order.end());
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(*seen.begin(), 0);
  EXPECT_EQ(*seen.rbegin(), 999);
  EXPECT_EQ(order, epochOrder(1000, 7, 3));
  EXPECT_NE(order, epochOrder(1000, 7, 4));
  EXPECT_NE(order, epochOrder(1000, 8, 3));
}

TEST(GatherRows, CopiesTheRowsOfTheOrder) {
  Tensor field = ramp(DType::F32, {5, 3});
  Tensor batch(DType::F32, {2, 3});
  gatherRows(field, {4, 0, 2, 1, 3}, 1, batch); // rows 0 and 2
  EXPECT_EQ(batch.at(0), field.at(0));
  EXPECT_EQ(batch.at(3), field.at(6));
  EXPECT_EQ(batch.at(5), field.at(8));
}

TEST(GatherRows, ConvertsIntegerLabels) {
  Tensor labels(DType::I32, {4});
  for (int i = 0; i < 4; ++i)
    labels.set(i, 10 + i);
  Tensor batch(DType::I64, {2});
  gatherRows(labels, {3, 1, 0, 2}, 0, batch);
  EXPECT_EQ(batch.as<int64_t>()[0], 13);
  EXPECT_EQ(batch.as<int64_t>()[1], 11);
}

TEST(LabelledSubset, TakesAsManyOfEachClassFixedByTheSeed) {
  // 1,000 rows whose labels cycle 0..9 unevenly: class c has 100 rows.
  Tensor labels(DType::I32, {1000});
  for (int64_t i = 0; i < 1000; ++i)
    labels.set(i, static_cast<double>((i * 7) % 10));
  std::vector<int64_t> rows = labelledSubset(labels, 10, 60, 0);
  ASSERT_EQ(rows.size(), 60u);
  EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end()));
  std::vector<int> perClass(10, 0);
  for (int64_t r : rows)
    ++perClass[(r * 7) % 10];
  EXPECT_EQ(perClass, std::vector<int>(10, 6));
  EXPECT_EQ(labelledSubset(labels, 10, 60, 0), rows);
  EXPECT_NE(labelledSubset(labels, 10, 60, 1), rows);
  // 65 is 6 of each class and 5 more, all different rows.
  std::vector<int64_t> more = labelledSubset(labels, 10, 65, 0);
  EXPECT_EQ(std::set<int64_t>(more.begin(), more.end()).size(), 65u);
  EXPECT_THROW(labelledSubset(labels, 10, 1001, 0), DataError);
}

TEST(Dataset, MissingFilesAreADataError) {
  setenv("STRATA_FASHION_MNIST", "/nonexistent", 1);
  EXPECT_THROW(loadFashionMnist("train"), DataError);
  unsetenv("STRATA_FASHION_MNIST");
  EXPECT_THROW(loadFashionMnist("validation"), DataError);
}

TEST(Safetensors, RoundTripsTensorsAndMetadata) {
  std::string path = tempDir() + "/t.safetensors";
  Tensor a = ramp(DType::F32, {2, 3}), b = ramp(DType::I64, {4}), c = ramp(DType::F64, {});
  writeSafetensors(path, {{"a", &a}, {"b", &b}, {"c", &c}}, {{"step", "12"}});
  Safetensors file = readSafetensors(path);
  ASSERT_EQ(file.tensors.size(), 3u);
  EXPECT_EQ(file.tensors[0].first, "a");
  EXPECT_TRUE(sameBytes(*file.find("a"), a));
  EXPECT_TRUE(sameBytes(*file.find("b"), b));
  EXPECT_TRUE(sameBytes(*file.find("c"), c));
  EXPECT_EQ(file.metadata.at("step"), "12");
  // The data starts 8-byte aligned, as the format recommends.
  std::ifstream in(path, std::ios::binary);
  uint64_t length = 0;
  in.read(reinterpret_cast<char *>(&length), 8);
  EXPECT_EQ(length % 8, 0u);
}

TEST(Safetensors, RejectsATruncatedFile) {
  std::string path = tempDir() + "/t.safetensors";
  Tensor a = ramp(DType::F32, {64});
  writeSafetensors(path, {{"a", &a}}, {});
  truncate(path.c_str(), 100);
  EXPECT_THROW(readSafetensors(path), SafetensorsError);
  std::ofstream(path) << "not a safetensors file";
  EXPECT_THROW(readSafetensors(path), SafetensorsError);
}

TEST(Checkpoint, RestoresParamsAndStateAndRejectsAnotherModel) {
  std::string dir = tempDir() + "/ck";
  std::vector<ParamEntry> layout = {{"w", 0, {2, 3}, "normal", {}}, {"b", 6, {3}, "zeros", {}}};
  TrainState saved;
  saved.params = ramp(DType::F32, {9});
  saved.optState = ramp(DType::F32, {18});
  saved.step = 42;
  saved.seed = 5;
  saveCheckpoint(dir, "m", layout, saved);

  TrainState loaded;
  loaded.params = Tensor(DType::F32, {9});
  loaded.optState = Tensor(DType::F32, {18});
  loadCheckpoint(dir, "m", layout, loaded);
  EXPECT_TRUE(sameBytes(loaded.params, saved.params));
  EXPECT_TRUE(sameBytes(loaded.optState, saved.optState));
  EXPECT_EQ(loaded.step, 42);
  EXPECT_EQ(loaded.seed, 5u);
  EXPECT_THROW(loadCheckpoint(dir, "other", layout, loaded), CheckpointError);
  std::vector<ParamEntry> wider = {{"w", 0, {3, 3}, "normal", {}}, {"b", 9, {3}, "zeros", {}}};
  TrainState bigger;
  bigger.params = Tensor(DType::F32, {12});
  EXPECT_THROW(loadCheckpoint(dir, "m", wider, bigger), CheckpointError);
  // Nothing but the checkpoint is left in the directory: the temp file was renamed.
  EXPECT_NE(access((dir + "/checkpoint.safetensors").c_str(), F_OK), -1);
  EXPECT_EQ(access((dir + "/.checkpoint.safetensors.tmp").c_str(), F_OK), -1);
}

TEST(Npy, RoundTrips) {
  std::string path = tempDir() + "/z.npy";
  Tensor z = ramp(DType::F32, {7, 5});
  writeNpy(path, z);
  EXPECT_TRUE(sameBytes(readNpy(path), z));
  std::ifstream in(path, std::ios::binary);
  std::string head(128, '\0');
  in.read(head.data(), 128);
  EXPECT_NE(head.find("'descr': '<f4', 'fortran_order': False, 'shape': (7, 5), }"), std::string::npos);
}

namespace {
/// Two-dimensional points in `classes` well separated clusters, labelled by cluster.
void clusters(int64_t n, int classes, uint32_t salt, Tensor &x, Tensor &y) {
  x = Tensor(DType::F32, {n, 2});
  y = Tensor(DType::I32, {n});
  for (int64_t i = 0; i < n; ++i) {
    int c = static_cast<int>(i % classes);
    double angle = 2 * M_PI * c / classes;
    double jitter = 0.1 * std::sin(1.7 * i + salt);
    x.set(2 * i, std::cos(angle) * (1 + jitter));
    x.set(2 * i + 1, std::sin(angle) * (1 + jitter));
    y.set(i, c);
  }
}
} // namespace

TEST(Probe, SeparableClustersAreLearnedByBothProbes) {
  Tensor x, y, xt, yt;
  clusters(600, 4, 0, x, y);
  clusters(200, 4, 1, xt, yt);
  LinearProbeOptions options;
  options.epochs = 30;
  options.batch = 64;
  EXPECT_GT(linearProbeAccuracy(x, y, xt, yt, 4, options), 0.99);
  EXPECT_GT(knnAccuracy(x, y, xt, yt, 4, 20), 0.99);
}

TEST(Probe, ShuffledLabelsAreNearChance) {
  Tensor x, y, xt, yt;
  clusters(800, 4, 0, x, y);
  clusters(400, 4, 1, xt, yt);
  // Labels unrelated to the clusters: neither probe can beat chance by much.
  for (int64_t i = 0; i < 800; ++i)
    y.set(i, (i * 7 / 4) % 4);
  for (int64_t i = 0; i < 400; ++i)
    yt.set(i, (i * 5 / 4) % 4);
  LinearProbeOptions options;
  options.epochs = 10;
  EXPECT_LT(linearProbeAccuracy(x, y, xt, yt, 4, options), 0.45);
  EXPECT_LT(knnAccuracy(x, y, xt, yt, 4, 20), 0.45);
}

namespace {
/// A bundle directory with one function: a launch over a slice of the
/// scratch argument with a literal and the step, and a GEMM.
std::string writeBundle(const std::string &manifest) {
  std::string dir = tempDir();
  std::ofstream(dir + "/manifest.json") << manifest;
  std::ofstream(dir + "/kernels.ptx") << "// ptx\n";
  return dir;
}

const char *kManifest = R"({
  "format": "strata-bundle-1", "model": "m", "target": "cuda", "chip": "sm_90", "batch": 4,
  "dataset": {"name": "fashion_mnist", "split": "train"}, "seed": 7,
  "kernels": "kernels.ptx",
  "params": [{"name": "w", "offset": 0, "shape": [2, 3], "init": "zeros"},
             {"name": "b", "offset": 6, "shape": [3], "init": "zeros"}],
  "functions": {"train_step": {
    "args": [{"index": 0, "arena": "params", "dtype": "f32", "shape": [9]},
             {"index": 1, "role": "step", "dtype": "i64"},
             {"index": 2, "arena": "scratch", "dtype": "i8", "shape": [1024]}],
    "schedule": [
      {"launch": "k", "grid": [2, 1, 1], "block": [256, 1, 1], "args": [
        {"memref": {"arg": 2, "byte_offset": 512, "offset": 4, "sizes": [4, 8], "strides": [8, 1], "dtype": "f32"}},
        {"scalar": {"value": 0.5, "type": "f32"}},
        {"scalar": {"arg": 1, "type": "i64"}}]},
      {"gemm": "strata_cublaslt_gemm_f32",
       "a": {"arg": 2, "byte_offset": 0, "offset": 0, "sizes": [4, 2], "strides": [2, 1], "dtype": "f32"},
       "b": {"arg": 0, "byte_offset": 0, "offset": 0, "sizes": [2, 3], "strides": [3, 1], "dtype": "f32"},
       "c": {"arg": 2, "byte_offset": 256, "offset": 0, "sizes": [4, 3], "strides": [3, 1], "dtype": "f32"},
       "transpose_a": false, "transpose_b": true, "accumulate": false}]}}
})";
} // namespace

TEST(Bundle, ReadsTheManifest) {
  Bundle b = readBundle(writeBundle(kManifest));
  EXPECT_EQ(b.model, "m");
  EXPECT_EQ(b.batch, 4);
  EXPECT_EQ(b.data.name, "fashion_mnist");
  EXPECT_EQ(b.data.split, "train");
  EXPECT_EQ(b.seed, 7u);
  EXPECT_EQ(b.arenaSize(), 9);
  EXPECT_EQ(b.ptx, "// ptx\n");
  const BundleFunction &f = b.functions.at("train_step");
  ASSERT_EQ(f.args.size(), 3u);
  EXPECT_EQ(f.args[0].role, "params");
  EXPECT_EQ(f.args[1].role, "step");
  EXPECT_FALSE(f.args[1].isBuffer);
  EXPECT_EQ(f.args[2].dtype, DType::I8);
  ASSERT_EQ(f.schedule.size(), 2u);
  EXPECT_TRUE(f.schedule[0].isLaunch);
  EXPECT_EQ(f.schedule[0].launch.grid[0], 2);
  EXPECT_FALSE(f.schedule[1].isLaunch);
  EXPECT_TRUE(f.schedule[1].gemm.transposeB);
  EXPECT_EQ(f.schedule[1].gemm.c.byteOffset, 256);
}

TEST(Bundle, PacksLaunchParametersInTheNvvmConvention) {
  Bundle b = readBundle(writeBundle(kManifest));
  const LaunchCommand &launch = b.functions.at("train_step").schedule[0].launch;
  PackedParams p = packLaunch(launch, {0x1000, 0, 0x8000}, {0, 41, 0});
  // memref<4x8>: allocated, aligned, offset, 2 sizes, 2 strides; then f32, i64.
  ASSERT_EQ(p.storage.size(), 9u);
  EXPECT_EQ(p.storage[0], 0x8000u + 512);
  EXPECT_EQ(p.storage[1], 0x8000u + 512);
  EXPECT_EQ(p.storage[2], 4u);
  EXPECT_EQ(p.storage[3], 4u);
  EXPECT_EQ(p.storage[4], 8u);
  EXPECT_EQ(p.storage[5], 8u);
  EXPECT_EQ(p.storage[6], 1u);
  float half;
  std::memcpy(&half, &p.storage[7], sizeof half);
  EXPECT_EQ(half, 0.5f);
  EXPECT_EQ(static_cast<int64_t>(p.storage[8]), 41);
  ASSERT_EQ(p.pointers.size(), 9u);
  EXPECT_EQ(p.pointers[8], &p.storage[8]);
}

// A manifest that names a cubin: its bytes are read as they are, NULs
// included; a cubin it names but the bundle lacks is an error.
TEST(Bundle, ReadsTheCubinItsManifestNames) {
  std::string manifest = kManifest;
  manifest.replace(manifest.find("\"kernels\": \"kernels.ptx\","), 0, "\"cubin\": \"kernels.sm_90.cubin\", ");
  std::string dir = writeBundle(manifest);
  EXPECT_THROW(readBundle(dir), BundleError);
  const std::string bytes("\x7f" "ELF\0\2\0", 7);
  std::ofstream(dir + "/kernels.sm_90.cubin", std::ios::binary) << bytes;
  Bundle b = readBundle(dir);
  EXPECT_EQ(b.cubin, bytes);
  EXPECT_EQ(b.chip, "sm_90");
}

TEST(Bundle, ParsesAnInMemoryManifestAsTheFilesAreRead) {
  Bundle fromFiles = readBundle(writeBundle(kManifest));
  Bundle inMemory = parseBundle(kManifest, "// in memory\n", std::string("\x7f" "ELF\0\1", 6), "the GPU program of 'm'");
  EXPECT_EQ(inMemory.ptx, "// in memory\n");
  EXPECT_EQ(inMemory.cubin, std::string("\x7f" "ELF\0\1", 6));
  EXPECT_TRUE(fromFiles.cubin.empty()); // its manifest names none
  EXPECT_EQ(inMemory.model, fromFiles.model);
  EXPECT_EQ(inMemory.arenaSize(), fromFiles.arenaSize());
  EXPECT_EQ(inMemory.functions.at("train_step").schedule.size(),
            fromFiles.functions.at("train_step").schedule.size());
  try {
    parseBundle("{\"format\": \"strata-bundle-1\", \"model\": 3}", "", "", "the GPU program of 'm'");
    FAIL() << "a malformed manifest was accepted";
  } catch (const BundleError &e) {
    EXPECT_NE(e.message.find("the GPU program of 'm'"), std::string::npos) << e.message;
  }
}

TEST(Bundle, RejectsWhatIsNotABundle) {
  EXPECT_THROW(readBundle("/nonexistent"), BundleError);
  EXPECT_THROW(readBundle(writeBundle("{\"format\": \"other\"}")), BundleError);
  EXPECT_THROW(readBundle(writeBundle("{\"format\": \"strata-bundle-1\", \"model\": 3}")), BundleError);
}

namespace {

/// rows x dim embeddings whose row r is `direction(r)` (dim values).
template <typename F> Tensor embeddings(int64_t rows, int64_t dim, F direction) {
  Tensor t(DType::F32, {rows, dim});
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t d = 0; d < dim; ++d)
      t.as<float>()[r * dim + d] = direction(r, d);
  return t;
}

} // namespace

TEST(Geometry, EffectiveRankCountsTheDirectionsUsed) {
  // Rows +-e0 and +-e1 in turn: two directions, equally used.
  Tensor two = embeddings(400, 8, [](int64_t r, int64_t d) {
    return d == r % 2 ? (r % 4 < 2 ? 1.0f : -1.0f) : 0.0f;
  });
  Geometry g = geometryOf(two);
  EXPECT_NEAR(g.effectiveRank, 2.0, 1e-6);
  EXPECT_EQ(g.dim, 8);
  EXPECT_NEAR(g.stdMin, 0.0, 1e-9);
  EXPECT_EQ(collapseSign(g), "");
  // Every row the same point: no direction at all, and the watch says so.
  Geometry point = geometryOf(embeddings(50, 4, [](int64_t, int64_t d) { return 1.0f + d; }));
  EXPECT_EQ(point.effectiveRank, 0.0);
  EXPECT_LT(point.normalizedStd, 1e-9);
  EXPECT_NE(collapseSign(point), "");
}

TEST(Geometry, PerDimensionStdIsTheDataNotTheSpectrumsWorkspace) {
  // Dimensions 0, 1 and 3 move together (+-1, +-2, -+1) and dimension 2 is a
  // dead unit (always 0): std 1, 2, 0, 1, whatever the covariance's
  // off-diagonal terms. The eigen solver overwrites the covariance it is
  // given, diagonal included; the deviations must not be read from it (they
  // once were: a dead ReLU unit's std came out -nan).
  Tensor rows = embeddings(64, 4, [](int64_t r, int64_t d) {
    float t = r % 2 ? 1.0f : -1.0f;
    const float scale[] = {1.0f, 2.0f, 0.0f, -1.0f};
    return t * scale[d];
  });
  Geometry g = geometryOf(rows);
  EXPECT_NEAR(g.effectiveRank, 1.0, 1e-6);
  EXPECT_EQ(g.stdMin, 0.0);
  EXPECT_NEAR(g.stdMean, (1.0 + 2.0 + 0.0 + 1.0) / 4, 1e-12);
}

TEST(Geometry, UniformityIsZeroForOnePointAndNegativeWhenSpread) {
  EXPECT_NEAR(uniformity(embeddings(20, 3, [](int64_t, int64_t) { return 2.0f; })), 0.0, 1e-12);
  // +-e_d for d < 4: pairs are equal (distance 0), opposite (4) or orthogonal (2).
  Tensor spread = embeddings(8, 4, [](int64_t r, int64_t d) {
    return d == r % 4 ? (r < 4 ? 1.0f : -1.0f) : 0.0f;
  });
  // 28 pairs: 4 opposite (exp(-8)), 24 orthogonal (exp(-4)).
  EXPECT_NEAR(uniformity(spread), std::log((4 * std::exp(-8.0) + 24 * std::exp(-4.0)) / 28), 1e-9);
}

TEST(Geometry, AlignmentIsTheMeanSquaredDistanceOfSameLabelPairs) {
  // Rows e0, e0, e1, -e1 with labels 0, 0, 1, 1: the label-0 pair coincides
  // (0), the label-1 pair is opposite (4); pairs across labels do not count.
  Tensor rows = embeddings(4, 2, [](int64_t r, int64_t d) {
    if (r < 2)
      return d == 0 ? 3.0f : 0.0f; // lengths do not matter
    return d == 1 ? (r == 2 ? 1.0f : -1.0f) : 0.0f;
  });
  Tensor labels(DType::I32, {4});
  const int32_t y[] = {0, 0, 1, 1};
  std::copy(y, y + 4, labels.as<int32_t>());
  EXPECT_NEAR(alignment(rows, labels), 2.0, 1e-12);
  Tensor wrong(DType::I32, {3});
  EXPECT_THROW(alignment(rows, wrong), std::invalid_argument);
}

TEST(Probe, NeighbourLabelAgreementCountsEveryNeighbour) {
  // Train: three rows along +x labelled 0, 0, 1 and one along +y labelled 1.
  // The test row along +x has neighbours 0, 0, 1 at k = 3: agreement 2/3, vote 0.
  Tensor trainX = embeddings(4, 2, [](int64_t r, int64_t d) { return (r < 3) == (d == 0) ? 1.0f : 0.0f; });
  Tensor trainY(DType::I32, {4});
  const int32_t y[] = {0, 0, 1, 1};
  std::copy(y, y + 4, trainY.as<int32_t>());
  Tensor testX = embeddings(1, 2, [](int64_t, int64_t d) { return d == 0 ? 1.0f : 0.0f; });
  Tensor testY(DType::I32, {1});
  testY.as<int32_t>()[0] = 0;
  KnnScores scores = knnScores(trainX, trainY, testX, testY, 2, 3);
  EXPECT_EQ(scores.accuracy, 1.0);
  EXPECT_NEAR(scores.labelAgreement, 2.0 / 3.0, 1e-12);
}
