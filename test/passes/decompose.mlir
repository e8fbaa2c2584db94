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

// Cross-entropy: sum(mask * logsumexp) - sum(label's logit), over the count
// of labelled positions (labels outside [0, 5), the ignore index, are in no
// class and out of the mask). Rows are reduced before positions, the label's
// logit is gathered (no one-hot is built or reduced), and the gradient
// (softmax * mask - one-hot) is elementwise.
// CHECK-LABEL: func.func @cross_entropy
// CHECK-NOT: strata.one_hot
// CHECK-DAG: %[[MASK:.*]] = strata.label_mask %{{.*}} classes 5 : tensor<4xi32> -> f32
// CHECK-DAG: %[[PICK:.*]] = strata.pick_label %{{.*}}, %{{.*}} : tensor<4x5xf32>, tensor<4xi32> -> tensor<4xf32>
// CHECK: strata.reduce_max
// CHECK: %[[LSE:.*]] = strata.reshape %{{.*}} [4] : tensor<4x1xf32> -> tensor<4xf32>
// CHECK-DAG: %[[PICKED:.*]] = strata.reduce_sum %[[PICK]] axes [0] : tensor<4xf32> -> tensor<f32>
// CHECK-DAG: %[[WEIGHTED:.*]] = strata.mul %[[MASK]], %[[LSE]] : tensor<4xf32>
// CHECK: %[[LSES:.*]] = strata.reduce_sum %[[WEIGHTED]] axes [0] : tensor<4xf32> -> tensor<f32>
// CHECK: %[[NLL:.*]] = strata.sub %[[LSES]], %[[PICKED]]
// CHECK: %[[COUNT:.*]] = strata.reduce_sum %[[MASK]] axes [0] : tensor<4xf32> -> tensor<f32>
// CHECK: strata.div %[[NLL]], %[[COUNT]]
// CHECK-NOT: axes [0, 1]
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

// Accuracy: the label's logit (gathered) against the row's maximum, counted
// over labelled rows only.
// CHECK-LABEL: func.func @accuracy
// CHECK-NOT: strata.one_hot
// CHECK-DAG: strata.label_mask %{{.*}} classes 5 : tensor<4xi32> -> f32
// CHECK-DAG: strata.pick_label %{{.*}}, %{{.*}} : tensor<4x5xf32>, tensor<4xi32> -> tensor<4xf32>
// CHECK: strata.reduce_max %{{.*}} axes [-1]
// CHECK: strata.equal
// CHECK: strata.div
// CHECK-NOT: strata.accuracy
func.func @accuracy(%x: tensor<4x5xf32>, %t: tensor<4xi32>) -> tensor<f32> {
  %a = strata.accuracy %x, %t ignore -100 : tensor<4x5xf32>, tensor<4xi32> -> tensor<f32>
  return %a : tensor<f32>
}

// conv2d: im2col, then one GEMM per group against the filter seen as
// [KH*KW*C/groups, OC/groups]; the groups' outputs are concatenated.
// CHECK-LABEL: func.func @conv2d_groups
// CHECK: %[[X0:.*]] = strata.slice %{{.*}} axis 3 from 0 to 2
// CHECK: %[[C0:.*]] = strata.im2col %[[X0]] window [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1] : tensor<2x8x8x2xf32> -> tensor<2x4x4x18xf32>
// CHECK: %[[W0:.*]] = strata.slice %{{.*}} axis 3 from 0 to 3
// CHECK: %[[R0:.*]] = strata.reshape %[[W0]] [18, 3]
// CHECK: strata.matmul %[[C0]], %[[R0]] : tensor<2x4x4x18xf32>, tensor<18x3xf32> -> tensor<2x4x4x3xf32>
// CHECK: strata.slice %{{.*}} axis 3 from 2 to 4
// CHECK: strata.concat %{{.*}}, %{{.*}} axis 3 : tensor<2x4x4x3xf32>, tensor<2x4x4x3xf32> -> tensor<2x4x4x6xf32>
// CHECK-NOT: strata.conv2d
func.func @conv2d_groups(%x: tensor<2x8x8x4xf32>, %w: tensor<3x3x2x6xf32>) -> tensor<2x4x4x6xf32> {
  %y = strata.conv2d %x, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 2 : tensor<2x8x8x4xf32>, tensor<3x3x2x6xf32> -> tensor<2x4x4x6xf32>
  return %y : tensor<2x4x4x6xf32>
}

// max_pool2d whose windows tile the image (2x2, stride 2): the image seen as
// [B, OH, 2, OW, 2, C] by a reshape (no copy), reduced over the window axes.
// CHECK-LABEL: func.func @max_pool2d
// CHECK: strata.reshape %{{.*}} [-1, 2, 2, 2, 2, 3] : tensor<2x4x4x3xf32> -> tensor<2x2x2x2x2x3xf32>
// CHECK: strata.reduce_max %{{.*}} axes [2, 4] : tensor<2x2x2x2x2x3xf32> -> tensor<2x2x2x3xf32>
// CHECK-NOT: strata.max_pool2d
func.func @max_pool2d(%x: tensor<2x4x4x3xf32>) -> tensor<2x2x2x3xf32> {
  %y = strata.max_pool2d %x window [2, 2] stride [2, 2] padding [0, 0] : tensor<2x4x4x3xf32> -> tensor<2x2x2x3xf32>
  return %y : tensor<2x2x2x3xf32>
}

// Overlapping windows (2x2, stride 1): the 4 taps as slices (stride 1 needs
// no split), stacked on a new last axis and reduced by their maximum.
// CHECK-LABEL: func.func @max_pool2d_overlapping
// CHECK-NOT: strata.pad
// CHECK: strata.concat %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} axis 4 : tensor<2x3x3x3x1xf32>, tensor<2x3x3x3x1xf32>, tensor<2x3x3x3x1xf32>, tensor<2x3x3x3x1xf32> -> tensor<2x3x3x3x4xf32>
// CHECK: strata.reduce_max %{{.*}} axes [4] : tensor<2x3x3x3x4xf32> -> tensor<2x3x3x3xf32>
func.func @max_pool2d_overlapping(%x: tensor<2x4x4x3xf32>) -> tensor<2x3x3x3xf32> {
  %y = strata.max_pool2d %x window [2, 2] stride [1, 1] padding [0, 0] : tensor<2x4x4x3xf32> -> tensor<2x3x3x3xf32>
  return %y : tensor<2x3x3x3xf32>
}

// With padding, the padded border holds the most negative float, so that it
// never wins a window.
// CHECK-LABEL: func.func @max_pool2d_padded
// CHECK: strata.constant dense<{{.*}}-3.40282347E+38{{.*}}> : tensor<1x6x6x1xf32>
// CHECK: strata.add %{{.*}}, %{{.*}} : tensor<2x6x6x3xf32>, tensor<1x6x6x1xf32>
func.func @max_pool2d_padded(%x: tensor<2x4x4x3xf32>) -> tensor<2x2x2x3xf32> {
  %y = strata.max_pool2d %x window [3, 3] stride [2, 2] padding [1, 1] : tensor<2x4x4x3xf32> -> tensor<2x2x2x3xf32>
  return %y : tensor<2x2x2x3xf32>
}

// avg_pool2d over tiling windows: a sum over the window axes of the reshape,
// scaled by 1 / (window size).
// CHECK-LABEL: func.func @avg_pool2d
// CHECK: strata.reduce_sum %{{.*}} axes [2, 4] : tensor<2x2x2x2x2x3xf32> -> tensor<2x2x2x3xf32>
// CHECK: strata.constant dense<2.500000e-01> : tensor<f32>
// CHECK: strata.mul
// CHECK-NOT: strata.avg_pool2d
func.func @avg_pool2d(%x: tensor<2x4x4x3xf32>) -> tensor<2x2x2x3xf32> {
  %y = strata.avg_pool2d %x window [2, 2] stride [2, 2] padding [0, 0] : tensor<2x4x4x3xf32> -> tensor<2x2x2x3xf32>
  return %y : tensor<2x2x2x3xf32>
}

// With padding (zeros that count), the 9 taps of the padded image summed.
// CHECK-LABEL: func.func @avg_pool2d_padded
// CHECK: strata.pad %{{.*}} axis 1 low 1 high 1
// CHECK-COUNT-8: strata.add
// CHECK: strata.constant dense<0.111111{{.*}}> : tensor<f32>
func.func @avg_pool2d_padded(%x: tensor<2x4x4x3xf32>) -> tensor<2x2x2x3xf32> {
  %y = strata.avg_pool2d %x window [3, 3] stride [2, 2] padding [1, 1] : tensor<2x4x4x3xf32> -> tensor<2x2x2x3xf32>
  return %y : tensor<2x2x2x3xf32>
}

// Nearest upsampling: each axis repeated by concatenating copies on a new axis.
// CHECK-LABEL: func.func @upsample_nearest
// CHECK: strata.reshape %{{.*}} [-1, 3, 1, 4, 2]
// CHECK: strata.concat %{{.*}}, %{{.*}} axis 2 : tensor<2x3x1x4x2xf32>, tensor<2x3x1x4x2xf32> -> tensor<2x3x2x4x2xf32>
// CHECK: strata.reshape %{{.*}} [-1, 6, 4, 2]
// CHECK: strata.concat %{{.*}}, %{{.*}} axis 3
// CHECK: strata.reshape %{{.*}} [-1, 6, 8, 2]
func.func @upsample_nearest(%x: tensor<2x3x4x2xf32>) -> tensor<2x6x8x2xf32> {
  %y = strata.upsample2d %x factor 2 mode "nearest" : tensor<2x3x4x2xf32> -> tensor<2x6x8x2xf32>
  return %y : tensor<2x6x8x2xf32>
}

// Bilinear, factor 2: phase 0 is 3/4 of a pixel and 1/4 of the one before it
// (the first pixel is its own), phase 1 3/4 and 1/4 of the one after.
// CHECK-LABEL: func.func @upsample_bilinear
// CHECK-DAG: strata.constant dense<7.500000e-01> : tensor<f32>
// CHECK-DAG: strata.constant dense<2.500000e-01> : tensor<f32>
// CHECK: strata.reshape %{{.*}} [-1, 6, 4, 2]
// CHECK: strata.reshape %{{.*}} [-1, 6, 8, 2]
func.func @upsample_bilinear(%x: tensor<2x3x4x2xf32>) -> tensor<2x6x8x2xf32> {
  %y = strata.upsample2d %x factor 2 mode "bilinear" : tensor<2x3x4x2xf32> -> tensor<2x6x8x2xf32>
  return %y : tensor<2x6x8x2xf32>
}

// batch_norm, training form: statistics over every axis but the channels;
// the running mean moves 0.1 of the way to the batch mean, the running
// variance to the batch variance made unbiased (times 32 / 31).
// CHECK-LABEL: func.func @batch_norm
// CHECK: strata.reduce_sum %{{.*}} axes [0, 1, 2] keep_dims : tensor<2x4x4x3xf32> -> tensor<1x1x1x3xf32>
// CHECK-DAG: strata.constant dense<0.89999997{{.*}}> : tensor<f32>
// CHECK-DAG: strata.constant dense<1.0322{{.*}}> : tensor<f32>
// CHECK: strata.stop_gradient
// CHECK-NOT: strata.batch_norm
func.func @batch_norm(%x: tensor<2x4x4x3xf32>, %g: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>)
    -> (tensor<2x4x4x3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %y, %mean, %var = strata.batch_norm %x, %g, %b, %m, %v eps 1.0e-05 momentum 1.0e-01 : tensor<2x4x4x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  return %y, %mean, %var : tensor<2x4x4x3xf32>, tensor<3xf32>, tensor<3xf32>
}

