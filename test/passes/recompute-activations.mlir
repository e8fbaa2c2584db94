// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-recompute-activations{min-elements=8}))" | FileCheck %s

#id = affine_map<(i, j) -> (i, j)>

// The activation %y feeds a forward GEMM and, after the loss, a weight
// gradient; its input %x (an argument) is read after the loss anyway. The backward GEMM
// reads a copy computed right before it, into a fresh tensor.empty.
// CHECK-LABEL: func.func @recomputed
// CHECK: %[[E0:.*]] = tensor.empty() : tensor<4x8xf32>
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[X:arg0]] : tensor<4x8xf32>) outs(%[[E0]] : tensor<4x8xf32>)
// CHECK: linalg.matmul ins(%[[Y]], %{{.*}} : tensor<4x8xf32>, tensor<8x2xf32>)
// CHECK: %[[LOSS:.*]] = linalg.generic
// CHECK: %[[DX:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}} : tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<4x8xf32>
// CHECK: %[[Y2:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<4x8xf32>) outs(%[[E1]] : tensor<4x8xf32>)
// CHECK: linalg.matmul_transpose_a ins(%[[Y2]], %{{.*}} : tensor<4x8xf32>, tensor<4x2xf32>)
func.func @recomputed(%x: tensor<4x8xf32>, %w: tensor<8x2xf32>, %g: tensor<4x2xf32>, %gy: tensor<4x8xf32>)
    -> (tensor<2xf32> {strata.loss}, tensor<4x8xf32>, tensor<8x2xf32>) {
  %e0 = tensor.empty() : tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e0 : tensor<4x8xf32>) {
  ^bb0(%i: f32, %o: f32):
    %t = math.tanh %i : f32
    linalg.yield %t : f32
  } -> tensor<4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e2 = tensor.empty() : tensor<4x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %h = linalg.matmul ins(%y, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%f2 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %el = tensor.empty() : tensor<2xf32>
  %fl = linalg.fill ins(%zero : f32) outs(%el : tensor<2xf32>) -> tensor<2xf32>
  %loss = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>], iterator_types = ["reduction", "parallel"]}
      ins(%h : tensor<4x2xf32>) outs(%fl : tensor<2xf32>) {
  ^bb0(%i: f32, %o: f32):
    %s = arith.addf %i, %o : f32
    linalg.yield %s : f32
  } -> tensor<2xf32>
  %e3 = tensor.empty() : tensor<4x8xf32>
  %dx = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %gy : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e3 : tensor<4x8xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %m = arith.mulf %i, %j : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %e4 = tensor.empty() : tensor<8x2xf32>
  %f4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<8x2xf32>) -> tensor<8x2xf32>
  %gw = linalg.matmul_transpose_a ins(%y, %g : tensor<4x8xf32>, tensor<4x2xf32>) outs(%f4 : tensor<8x2xf32>) -> tensor<8x2xf32>
  return %loss, %dx, %gw : tensor<2xf32>, tensor<4x8xf32>, tensor<8x2xf32>
}

// Must not apply: the input %x is not read after the loss (recomputing would
// keep it alive instead), and a result below min-elements stays as it is.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-1: math.tanh
// CHECK-NOT: math.tanh
// CHECK-COUNT-1: math.exp
// CHECK-NOT: math.exp
func.func @kept(%a: tensor<4x8xf32>, %s: tensor<2x2xf32>, %w: tensor<8x2xf32>, %g: tensor<4x2xf32>)
    -> (tensor<2xf32> {strata.loss}, tensor<8x2xf32>, tensor<2x2xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %x = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%i: f32, %o: f32):
    %d = arith.addf %i, %i : f32
    linalg.yield %d : f32
  } -> tensor<4x8xf32>
  %e0 = tensor.empty() : tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e0 : tensor<4x8xf32>) {
  ^bb0(%i: f32, %o: f32):
    %t = math.tanh %i : f32
    linalg.yield %t : f32
  } -> tensor<4x8xf32>
  %es = tensor.empty() : tensor<2x2xf32>
  %small = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<2x2xf32>) outs(%es : tensor<2x2xf32>) {
  ^bb0(%i: f32, %o: f32):
    %t = math.exp %i : f32
    linalg.yield %t : f32
  } -> tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e2 = tensor.empty() : tensor<4x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %h = linalg.matmul ins(%y, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%f2 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %el = tensor.empty() : tensor<2xf32>
  %fl = linalg.fill ins(%zero : f32) outs(%el : tensor<2xf32>) -> tensor<2xf32>
  %loss = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>], iterator_types = ["reduction", "parallel"]}
      ins(%h : tensor<4x2xf32>) outs(%fl : tensor<2xf32>) {
  ^bb0(%i: f32, %o: f32):
    %d = arith.addf %i, %o : f32
    linalg.yield %d : f32
  } -> tensor<2xf32>
  %e4 = tensor.empty() : tensor<8x2xf32>
  %f4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<8x2xf32>) -> tensor<8x2xf32>
  %gw = linalg.matmul_transpose_a ins(%y, %g : tensor<4x8xf32>, tensor<4x2xf32>) outs(%f4 : tensor<8x2xf32>) -> tensor<8x2xf32>
  return %loss, %gw, %small : tensor<2xf32>, tensor<8x2xf32>, tensor<2x2xf32>
}
