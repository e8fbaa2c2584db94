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

// Negative sampling: the true id's and the noise ids' rows gathered from the
// output table, dot products by multiply-and-sum, softplus of -score for the
// true pair and of +score for the noise.
// CHECK-LABEL: func.func @negative_sampling
// CHECK: %[[POS:.*]] = strata.embedding %[[T:.*]], %{{.*}} : tensor<11x5xf32>, tensor<4xi32> -> tensor<4x5xf32>
// CHECK: %[[NEG:.*]] = strata.embedding %[[T]], %{{.*}} : tensor<11x5xf32>, tensor<4x3xi32> -> tensor<4x3x5xf32>
// CHECK: strata.reduce_sum %{{.*}} axes [-1] : tensor<4x5xf32> -> tensor<4xf32>
// CHECK: strata.broadcast %{{.*}} to [4, 3, 5]
// CHECK: strata.reduce_sum %{{.*}} axes [-1] : tensor<4x3x5xf32> -> tensor<4x3xf32>
// CHECK-NOT: strata.negative_sampling
func.func @negative_sampling(%x: tensor<4x5xf32>, %t: tensor<11x5xf32>, %p: tensor<4xi32>, %n: tensor<4x3xi32>) -> tensor<f32> {
  %l = strata.negative_sampling %x, %t, %p, %n reduce(sum) : tensor<4x5xf32>, tensor<11x5xf32>, tensor<4xi32>, tensor<4x3xi32> -> tensor<f32>
  return %l : tensor<f32>
}

// Its gradients (what the GPU pipeline computes): reverse mode over the
// loss's decomposition, the table's gradient the sum of the scatter-adds at
// the true and the noise ids.
// CHECK-LABEL: func.func @negative_sampling_grad
// CHECK-DAG: strata.embedding_grad %{{.*}}, %{{.*}} vocab 11 : tensor<4x3xi32>, tensor<4x3x5xf32> -> tensor<11x5xf32>
// CHECK-DAG: strata.embedding_grad %{{.*}}, %{{.*}} vocab 11 : tensor<4xi32>, tensor<4x5xf32> -> tensor<11x5xf32>
// CHECK: %[[GT:.*]] = strata.add %{{.*}}, %{{.*}} : tensor<11x5xf32>, tensor<11x5xf32> -> tensor<11x5xf32>
// CHECK: return %{{.*}}, %[[GT]]
// CHECK-NOT: strata.negative_sampling
func.func @negative_sampling_grad(%x: tensor<4x5xf32>, %t: tensor<11x5xf32>, %p: tensor<4xi32>, %n: tensor<4x3xi32>, %g: tensor<f32>) -> (tensor<4x5xf32>, tensor<11x5xf32>) {
  %gx, %gt = strata.negative_sampling_grad %x, %t, %p, %n, %g reduce(sum) : tensor<4x5xf32>, tensor<11x5xf32>, tensor<4xi32>, tensor<4x3xi32>, tensor<f32>
  return %gx, %gt : tensor<4x5xf32>, tensor<11x5xf32>
}

// Softplus, in BCE with logits too, is the log-sum-exp of (0, x) shifted by
// a max(x, 0) that carries no gradient: its derivative is sigmoid(x), 1/2
// at x = 0 (where a relu-and-|x| form would give 0).
// CHECK-LABEL: func.func @bce_with_logits
// CHECK: %[[R:.*]] = strata.relu %[[X:.*]] : tensor<4xf32>
// CHECK: %[[S:.*]] = strata.stop_gradient %[[R]]
// CHECK: %[[D:.*]] = strata.sub %[[X]], %[[S]]
// CHECK: %[[E:.*]] = strata.exp %[[D]]
// CHECK: %[[M:.*]] = strata.neg %[[S]]
// CHECK: %[[F:.*]] = strata.exp %[[M]]
// CHECK: %[[A:.*]] = strata.add %[[F]], %[[E]]
// CHECK: %[[L:.*]] = strata.log %[[A]]
// CHECK: strata.add %[[S]], %[[L]]
func.func @bce_with_logits(%x: tensor<4xf32>, %t: tensor<4xf32>) -> tensor<f32> {
  %l = strata.bce_with_logits %x, %t reduce(sum) : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// Primitives are left alone.
// CHECK-LABEL: func.func @primitive
// CHECK-NEXT: strata.relu
func.func @primitive(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = strata.relu %x : tensor<4xf32>
  return %y : tensor<4xf32>
}

// Accuracy: the label's logit (picked by a one-hot product) against the row's
// maximum, counted over labelled rows only.
// CHECK-LABEL: func.func @accuracy
// CHECK: %[[T:.*]] = strata.one_hot %{{.*}} depth 5 : tensor<4xi32> -> f32
// CHECK: %[[N:.*]] = strata.reduce_sum %[[T]] axes [-1]
// CHECK: strata.reduce_max %{{.*}} axes [-1]
// CHECK: strata.equal
// CHECK: strata.div
// CHECK-NOT: strata.accuracy
func.func @accuracy(%x: tensor<4x5xf32>, %t: tensor<4xi32>) -> tensor<f32> {
  %a = strata.accuracy %x, %t ignore -100 : tensor<4x5xf32>, tensor<4xi32> -> tensor<f32>
  return %a : tensor<f32>
}
