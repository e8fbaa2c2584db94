// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-split-reductions{lanes=8}))" | FileCheck %s
// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-split-reductions{lanes=8 min-elements=1000}))" | FileCheck %s --check-prefix=SMALL

#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
#col = affine_map<(i, j) -> (j)>

// A row sum over 64: 8 lanes of 8 elements each (element j in lane j mod 8),
// the lanes an inner parallel loop, then a sum of the 8 lanes per row.
// CHECK-LABEL: func.func @row_sum
// CHECK: %[[X:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [4, 8, 8] : tensor<4x64xf32> into tensor<4x8x8xf32>
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK: %[[LANES:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]] : tensor<4x8x8xf32>) outs(%[[ZERO]] : tensor<4x8xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[LANES]] : tensor<4x8xf32>) outs(%{{.*}} : tensor<4xf32>)
// CHECK: arith.addf
// Below min-elements (4 x 64 < 1000, like every reduction in this file),
// nothing is split.
// SMALL-NOT: tensor.expand_shape
func.func @row_sum(%x: tensor<4x64xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %0 = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x64xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// 100 elements: 8 lanes do not divide it, 4 do.
// CHECK-LABEL: func.func @lanes_divide_the_extent
// CHECK: tensor.expand_shape {{.*}} into tensor<2x25x4xf32>
// CHECK: arith.maximumf
// CHECK: tensor<2x4xf32>
func.func @lanes_divide_the_extent(%x: tensor<2x100xf32>, %init: tensor<2xf32>) -> tensor<2xf32> {
  %0 = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<2x100xf32>) outs(%init : tensor<2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %o : f32
    linalg.yield %m : f32
  } -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// A dot product of a row broadcast along a unit dimension ([4, 1, 16] read at
// (i, 0, k)) with a fused gather that reads the split loop's index: the input
// is read collapsed, and the gather's column is rebuilt as block * 8 + lane.
// CHECK-LABEL: func.func @broadcast_gather_dot
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<4x1x16xf32> into tensor<4x16xf32>
// CHECK: iterator_types = ["parallel", "parallel", "reduction", "parallel"]
// CHECK: %[[BLOCK:.*]] = linalg.index 2 : index
// CHECK: %[[LANE:.*]] = linalg.index 3 : index
// CHECK: %[[SCALED:.*]] = arith.muli %[[BLOCK]], %{{.*}} : index
// CHECK: %[[COLUMN:.*]] = arith.addi %[[SCALED]], %[[LANE]] : index
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %[[COLUMN]]] : tensor<10x16xf32>
func.func @broadcast_gather_dot(%x: tensor<4x1x16xf32>, %ids: tensor<4x3xi32>, %table: tensor<10x16xf32>,
                                %init: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, 0, k)>, affine_map<(i, j, k) -> (i, j)>,
                                        affine_map<(i, j, k) -> (i, j)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %ids : tensor<4x1x16xf32>, tensor<4x3xi32>) outs(%init : tensor<4x3xf32>) {
  ^bb0(%a: f32, %id: i32, %o: f32):
    %row = arith.index_cast %id : i32 to index
    %k = linalg.index 2 : index
    %w = tensor.extract %table[%row, %k] : tensor<10x16xf32>
    %p = arith.mulf %a, %w : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  } -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// Left serial: a column sum (its inner loop is parallel already), an integer
// sum (exact in any order), an extent no lane count divides, two reduction
// loops.
// CHECK-LABEL: func.func @left_serial
// CHECK-NOT: tensor.expand_shape
// CHECK-NOT: linalg.fill
// CHECK: return
func.func @left_serial(%x: tensor<64x8xf32>, %c: tensor<8xf32>, %i: tensor<4x64xi32>, %ci: tensor<4xi32>,
                       %odd: tensor<4x7xf32>, %r: tensor<4xf32>, %s: tensor<f32>)
    -> (tensor<8xf32>, tensor<4xi32>, tensor<4xf32>, tensor<f32>) {
  %0 = linalg.generic {indexing_maps = [#id, #col], iterator_types = ["reduction", "parallel"]}
      ins(%x : tensor<64x8xf32>) outs(%c : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.addf %a, %o : f32
    linalg.yield %v : f32
  } -> tensor<8xf32>
  %1 = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%i : tensor<4x64xi32>) outs(%ci : tensor<4xi32>) {
  ^bb0(%a: i32, %o: i32):
    %v = arith.addi %a, %o : i32
    linalg.yield %v : i32
  } -> tensor<4xi32>
  %2 = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%odd : tensor<4x7xf32>) outs(%r : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.addf %a, %o : f32
    linalg.yield %v : f32
  } -> tensor<4xf32>
  %3 = linalg.generic {indexing_maps = [#id, affine_map<(i, j) -> ()>], iterator_types = ["reduction", "reduction"]}
      ins(%x : tensor<64x8xf32>) outs(%s : tensor<f32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.addf %a, %o : f32
    linalg.yield %v : f32
  } -> tensor<f32>
  return %0, %1, %2, %3 : tensor<8xf32>, tensor<4xi32>, tensor<4xf32>, tensor<f32>
}
