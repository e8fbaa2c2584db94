// RUN: %strata-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(strata-reuse-dead-inputs{min-elements=8}))" | FileCheck %s
// RUN: %strata-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(strata-reuse-dead-inputs))" | FileCheck %s --check-prefix=SMALL

#id = affine_map<(i, j) -> (i, j)>

// The logits' gradient is written over the logits: their last reader, the
// same type, read element for element.
// CHECK-LABEL: func.func @over_last_read
// CHECK: %[[LOGITS:.*]] = linalg.generic
// CHECK: linalg.generic {{.*}} ins(%[[LOGITS]], %{{.*}} : tensor<4x8xf32>, tensor<4x8xf32>) outs(%[[LOGITS]] : tensor<4x8xf32>)
// Under min-elements (4 x 8 < 16,777,216, the default), nothing changes.
// SMALL-LABEL: func.func @over_last_read
// SMALL: linalg.generic
// SMALL: %[[E1:.*]] = tensor.empty() : tensor<4x8xf32>
// SMALL: ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<4x8xf32>) outs(%[[E1]] : tensor<4x8xf32>)
func.func @over_last_read(%x: tensor<4x8xf32>, %g: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e0 = tensor.empty() : tensor<4x8xf32>
  %logits = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %y = arith.mulf %a, %a : f32
    linalg.yield %y : f32
  } -> tensor<4x8xf32>
  %e1 = tensor.empty() : tensor<4x8xf32>
  %grad = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%logits, %g : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e1 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %y = arith.subf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<4x8xf32>
  return %grad : tensor<4x8xf32>
}

// -----

#id = affine_map<(i, j) -> (i, j)>

// Must not apply: the input is read again afterwards (by the return), and a
// function argument is the caller's.
// CHECK-LABEL: func.func @read_after
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x8xf32>
// CHECK: outs(%[[E]] : tensor<4x8xf32>)
func.func @read_after(%x: tensor<4x8xf32>, %g: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %e0 = tensor.empty() : tensor<4x8xf32>
  %logits = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %y = arith.mulf %a, %a : f32
    linalg.yield %y : f32
  } -> tensor<4x8xf32>
  %e1 = tensor.empty() : tensor<4x8xf32>
  %grad = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%logits, %g : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e1 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %y = arith.subf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<4x8xf32>
  return %grad, %logits : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

#id = affine_map<(i, j) -> (i, j)>
#t = affine_map<(i, j) -> (j, i)>

// Must not apply: read through a transposing map, element (i, j) is not the
// one written at (i, j).
// CHECK-LABEL: func.func @transposed
// CHECK: %[[E:.*]] = tensor.empty() : tensor<8x8xf32>
// CHECK: outs(%[[E]] : tensor<8x8xf32>)
func.func @transposed(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %e0 = tensor.empty() : tensor<8x8xf32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<8x8xf32>) outs(%e0 : tensor<8x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %y = arith.mulf %a, %a : f32
    linalg.yield %y : f32
  } -> tensor<8x8xf32>
  %e1 = tensor.empty() : tensor<8x8xf32>
  %t = linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
      ins(%sq : tensor<8x8xf32>) outs(%e1 : tensor<8x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<8x8xf32>
  return %t : tensor<8x8xf32>
}
