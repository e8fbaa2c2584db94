// Unit tests of the shape rules shared by the frontend and the dialect.
#include "ShapeFunctions.h"

#include <gtest/gtest.h>

using namespace strata::shapes;

TEST(ShapeFunctions, BroadcastTreatsBatchAsSymbol) {
  std::string error;
  EXPECT_EQ(*broadcast({kBatch, 512}, {512}, error), (Shape{kBatch, 512}));
  EXPECT_EQ(*broadcast({kBatch, 1}, {1, 8}, error), (Shape{kBatch, 8}));
  EXPECT_FALSE(broadcast({kBatch, 8}, {4, 8}, error));
  EXPECT_EQ(error, "cannot broadcast [B, 8] with [4, 8]");
}

TEST(ShapeFunctions, MatmulTransposesAndBroadcastsBatchAxes) {
  std::string error;
  EXPECT_EQ(*matmul({kBatch, 4, 128, 64}, {kBatch, 4, 128, 64}, false, true, error),
            (Shape{kBatch, 4, 128, 128}));
  EXPECT_FALSE(matmul({kBatch, 784}, {512, 10}, false, false, error));
  EXPECT_EQ(error, "matmul contracting dimensions differ: [B, 784] x [512, 10] (784 vs 512)");
}

TEST(ShapeFunctions, ConcatOfTwoBatchesIsTwoB) {
  std::string error;
  Shape views = *concat({{kBatch, 784}, {kBatch, 784}}, 0, error);
  EXPECT_EQ(str(views), "[2B, 784]");
  EXPECT_EQ(numElements(views, 256), 512 * 784);
  EXPECT_FALSE(concat({{kBatch, 784}, {4, 784}}, 0, error));
}

TEST(ShapeFunctions, ReshapeInfersOneExtent) {
  std::string error;
  EXPECT_EQ(*reshape({-2, 784}, {kBatch, 28, 28}, error), (Shape{-2, 28, 28}));
  EXPECT_EQ(*reshape({16, 784}, {kBatch, 28, 28}, error), (Shape{16, 28, 28}));
  EXPECT_FALSE(reshape({kBatch, 784}, {kBatch, 27, 28}, error));
  EXPECT_FALSE(reshape({16, 784}, {kBatch, kBatch}, error));
}

TEST(ShapeFunctions, LossesNeedMatchingShapes) {
  std::string error;
  EXPECT_EQ(*crossEntropy({kBatch, 128, 8192}, {kBatch, 128}, error), Shape{});
  EXPECT_FALSE(crossEntropy({kBatch, 128, 8192}, {kBatch, 127}, error));
  EXPECT_FALSE(ntXent({7, 64}, error));
  EXPECT_EQ(*klDiagonalNormal({kBatch, 32}, {kBatch, 32}, error), Shape{});
}
