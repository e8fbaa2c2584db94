// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-gather-through-elementwise))" | FileCheck %s

#id3 = affine_map<(i, j, k) -> (i, j, k)>
#bias3 = affine_map<(i, j, k) -> (k)>
#id2 = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
#id1 = affine_map<(i) -> (i)>

// Cross-entropy's label logit from a bias add: the gather reads the GEMM's
// output and the bias at the label, and the [2, 4, 8] bias add is gone.
// CHECK-LABEL: func.func @label_logit_of_bias_add
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK-DAG: %[[I:.*]] = linalg.index 0 : index
// CHECK-DAG: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[C:.*]] = arith.index_cast
// CHECK-DAG: %[[X:.*]] = tensor.extract %arg0[%[[I]], %[[J]], %[[C]]] : tensor<2x4x8xf32>
// CHECK-DAG: %[[B:.*]] = tensor.extract %arg1[%[[C]]] : tensor<8xf32>
// CHECK: arith.addf %[[X]], %[[B]] : f32
func.func @label_logit_of_bias_add(%x: tensor<2x4x8xf32>, %b: tensor<8xf32>, %l: tensor<2x4xi32>) -> tensor<2x4xf32> {
  %e3 = tensor.empty() : tensor<2x4x8xf32>
  %logits = linalg.generic {indexing_maps = [#id3, #bias3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %b : tensor<2x4x8xf32>, tensor<8xf32>) outs(%e3 : tensor<2x4x8xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<2x4x8xf32>
  %e2 = tensor.empty() : tensor<2x4xf32>
  %picked = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%l : tensor<2x4xi32>) outs(%e2 : tensor<2x4xf32>) {
  ^bb0(%label: i32, %o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c = arith.index_cast %label : i32 to index
    %v = tensor.extract %logits[%i, %j, %c] : tensor<2x4x8xf32>
    linalg.yield %v : f32
  } -> tensor<2x4xf32>
  return %picked : tensor<2x4xf32>
}


// Through two elementwise producers, one of which reads its own index: both
// bodies are evaluated at the gathered point (the index becomes the row).
// The first producer keeps its other user.
// CHECK-LABEL: func.func @through_a_chain
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: %[[R:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: %[[X:.*]] = tensor.extract %arg0[%[[R]], %{{.*}}] : tensor<4x8xf32>
// CHECK: arith.mulf %[[X]], %[[X]] : f32
// CHECK: arith.index_cast %[[R]] : index to i64
func.func @through_a_chain(%x: tensor<4x8xf32>, %rows: tensor<4xi32>) -> (tensor<4x8xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %sq = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %shifted = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%sq : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i64
    %f = arith.sitofp %ii : i64 to f32
    %s = arith.addf %a, %f : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %e1 = tensor.empty() : tensor<4xf32>
  %c3 = arith.constant 3 : index
  %picked = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%rows : tensor<4xi32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%r: i32, %o: f32):
    %ri = arith.index_cast %r : i32 to index
    %v = tensor.extract %shifted[%ri, %c3] : tensor<4x8xf32>
    linalg.yield %v : f32
  } -> tensor<4xf32>
  return %sq, %picked : tensor<4x8xf32>, tensor<4xf32>
}


// Must not apply: a gather from a reduction's result, or from an argument
// (an embedding table), stays as it is.
// CHECK-LABEL: func.func @not_elementwise
// CHECK: %[[SUMS:.*]] = linalg.generic {{.*}}["parallel", "reduction"]
// CHECK: linalg.generic
// CHECK: tensor.extract %[[SUMS]][%{{.*}}] : tensor<4xf32>
// CHECK: linalg.generic
// CHECK: tensor.extract %arg0[%{{.*}}, %{{.*}}] : tensor<4x8xf32>
func.func @not_elementwise(%x: tensor<4x8xf32>, %rows: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4xf32>) -> tensor<4xf32>
  %sums = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x8xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %picked = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%rows : tensor<4xi32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%r: i32, %o: f32):
    %ri = arith.index_cast %r : i32 to index
    %v = tensor.extract %sums[%ri] : tensor<4xf32>
    linalg.yield %v : f32
  } -> tensor<4xf32>
  %looked = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%rows : tensor<4xi32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%r: i32, %o: f32):
    %ri = arith.index_cast %r : i32 to index
    %c0 = arith.constant 0 : index
    %v = tensor.extract %x[%ri, %c0] : tensor<4x8xf32>
    linalg.yield %v : f32
  } -> tensor<4xf32>
  return %picked, %looked : tensor<4xf32>, tensor<4xf32>
}
