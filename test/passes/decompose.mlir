// RUN: %strata-opt %s --strata-decompose | FileCheck %s

// Softmax: the maximum is subtracted without a gradient, then exp / sum.
// CHECK-LABEL: func.func @softmax
// CHECK: %[[M:.*]] = strata.reduce_max %[[X:.*]] axes [-1] keep_dims
// CHECK: %[[S:.*]] = strata.stop_gradient %[[M]]
// CHECK: %[[D:.*]] = strata.sub %[[X]], %[[S]]
// CHECK: %[[E:.*]] = strata.exp %[[D]]
// CHECK: %[[Z:.*]] = strata.reduce_sum %[[E]] axes [-1] keep_dims
// CHECK: strata.div %[[E]], %[[Z]]
// CHECK-NOT: strata.softmax
func.func @softmax(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %y = strata.softmax %x axis -1 : tensor<4x6xf32>
  return %y : tensor<4x6xf32>
}

// Cross-entropy: log-softmax against one-hot labels, averaged over the
// labels that are not the ignore index (their one-hot rows are zero).
// CHECK-LABEL: func.func @cross_entropy
// CHECK: strata.one_hot %{{.*}} depth 5 : tensor<4xi32> -> f32
// CHECK: strata.neg
// CHECK: strata.div
// CHECK-NOT: strata.cross_entropy
func.func @cross_entropy(%x: tensor<4x5xf32>, %t: tensor<4xi32>) -> tensor<f32> {
  %l = strata.cross_entropy %x, %t ignore -100 : tensor<4x5xf32>, tensor<4xi32> -> tensor<f32>
  return %l : tensor<f32>
}

// NT-Xent: the diagonal is pushed away, the positive of row i is row i + N.
// CHECK-LABEL: func.func @nt_xent
// CHECK: strata.matmul %{{.*}}, %{{.*}} {transpose_rhs}
// CHECK-DAG: strata.shifted_eye rows 8 cols 8 shift 0 : f32
// CHECK-DAG: strata.shifted_eye rows 8 cols 8 shift 4 : f32
func.func @nt_xent(%e: tensor<8x3xf32>) -> tensor<f32> {
  %l = strata.nt_xent %e temperature 5.000000e-01 : tensor<8x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// Primitives are left alone.
// CHECK-LABEL: func.func @primitive
// CHECK-NEXT: strata.relu
func.func @primitive(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = strata.relu %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
