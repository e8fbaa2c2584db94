// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-split-reductions{lanes=1024 contiguous=true max-outputs=4 min-elements=1000}))" | FileCheck %s

// The GPU's form: a full sum over 6,000 elements becomes contiguous chunks
// (element i in chunk i / 6; 1,000 divides 6,000 and is the largest count up
// to 1,024 that does), the chunks an outer parallel loop, then one sum of
// the 1,000 chunks in order.
// CHECK-LABEL: func.func @full_sum
// CHECK: %[[X:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [1000, 6] : tensor<6000xf32> into tensor<1000x6xf32>
// CHECK: %[[CHUNKS:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<1000x6xf32>) outs(%{{.*}} : tensor<1000xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction"]} ins(%[[CHUNKS]] : tensor<1000xf32>) outs(%{{.*}} : tensor<f32>)
func.func @full_sum(%x: tensor<6000xf32>, %init: tensor<f32>) -> tensor<f32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>], iterator_types = ["reduction"]}
      ins(%x : tensor<6000xf32>) outs(%init : tensor<f32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %0 : tensor<f32>
}

// A read of the split loop's index is rebuilt as chunk * 6 + offset (the
// chunk's length), not chunk * 1000 + lane as for lanes.
// CHECK-LABEL: func.func @reads_its_index
// CHECK-DAG: %[[LEN:.*]] = arith.constant 6 : index
// CHECK-DAG: %[[CHUNK:.*]] = linalg.index 0 : index
// CHECK-DAG: %[[OFFSET:.*]] = linalg.index 1 : index
// CHECK: %[[BASE:.*]] = arith.muli %[[CHUNK]], %[[LEN]] : index
// CHECK: arith.addi %[[BASE]], %[[OFFSET]] : index
func.func @reads_its_index(%x: tensor<6000xf32>, %init: tensor<f32>) -> tensor<f32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>], iterator_types = ["reduction"]}
      ins(%x : tensor<6000xf32>) outs(%init : tensor<f32>) {
  ^bb0(%a: f32, %o: f32):
    %i = linalg.index 0 : index
    %c = arith.index_cast %i : index to i64
    %f = arith.sitofp %c : i64 to f32
    %p = arith.mulf %a, %f : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %0 : tensor<f32>
}

// Must not apply: eight row sums are eight blocks already (more results than
// max-outputs), however long the rows.
// CHECK-LABEL: func.func @many_rows
// CHECK-NOT: tensor.expand_shape
// CHECK: return
func.func @many_rows(%x: tensor<8x6000xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x6000xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// Must not apply: a prime extent has no chunk count but 1.
// CHECK-LABEL: func.func @prime_extent
// CHECK-NOT: tensor.expand_shape
// CHECK: return
func.func @prime_extent(%x: tensor<6007xf32>, %init: tensor<f32>) -> tensor<f32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>], iterator_types = ["reduction"]}
      ins(%x : tensor<6007xf32>) outs(%init : tensor<f32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %0 : tensor<f32>
}
