// RUN: %strata-opt %s --split-input-file --strata-sparse-sgd | FileCheck %s

// word2vec's update: both tables' gradients are scatter-adds at the batch's
// ids, so the norm and the update visit those rows only. Per id, in order:
// the gradient row (D = 8: vectors of 8 lanes) goes into the squared norm,
// params[offset + id * 8] -= lr * row, and the row is zeroed.
// CHECK-LABEL: func.func @word2vec_update
// CHECK-NOT: strata.arena_pack
// CHECK-NOT: strata.optimizer_update
// The center table (offset 0): one tensor of ids.
// CHECK: %[[P1:.*]]:3 = scf.for {{.*}} iter_args(%{{.*}} = %[[PARAMS:[^,]*]], %{{.*}} = %[[GC:[^,]*]], %{{.*}} = %{{.*}}) -> (tensor<176xf32>, tensor<11x8xf32>, vector<8xf32>)
// CHECK: arith.muli %{{.*}}, %c8
// CHECK: scf.for
// CHECK: vector.transfer_read
// CHECK: vector.transfer_read
// CHECK: arith.mulf
// CHECK: arith.subf
// CHECK: vector.transfer_write
// CHECK: vector.transfer_write
// CHECK: vector.fma
// The output table (offset 88): the true ids, then the noise ids.
// CHECK: %[[P2:.*]]:3 = scf.for {{.*}} iter_args(%{{.*}} = %[[P1]]#0,
// CHECK: arith.addi %c88
// CHECK: %[[P3:.*]]:3 = scf.for {{.*}} iter_args(%{{.*}} = %[[P2]]#0, %{{.*}} = %[[P2]]#1, %{{.*}} = %[[P2]]#2)
// CHECK: %[[NORM:.*]] = math.sqrt
// CHECK: %[[N:.*]] = tensor.from_elements %[[NORM]]
// CHECK: return %[[P3]]#0, %{{.*}}, %[[N]]
func.func @word2vec_update(%params: tensor<176xf32>, %state: tensor<0xf32>, %step: i64,
                           %c: tensor<4xi32>, %p: tensor<4xi32>, %n: tensor<4x3xi32>,
                           %x: tensor<4x8xf32>, %gx: tensor<4x8xf32>, %g: tensor<f32>)
    -> (tensor<176xf32>, tensor<0xf32>, tensor<f32>) {
  %out = strata.arena_slice %params offset 88 shape [11, 8] : tensor<176xf32> -> tensor<11x8xf32>
  %ignored, %gout = strata.negative_sampling_grad %x, %out, %p, %n, %g reduce(sum) : tensor<4x8xf32>, tensor<11x8xf32>, tensor<4xi32>, tensor<4x3xi32>, tensor<f32>
  %gcenter = strata.embedding_grad %c, %gx vocab 11 : tensor<4xi32>, tensor<4x8xf32> -> tensor<11x8xf32>
  %grads = strata.arena_pack %gcenter, %gout : tensor<11x8xf32>, tensor<11x8xf32> -> tensor<176xf32>
  %sq = strata.mul %grads, %grads : tensor<176xf32>, tensor<176xf32> -> tensor<176xf32>
  %ss = strata.reduce_sum %sq axes [0] : tensor<176xf32> -> tensor<f32>
  %norm = strata.sqrt %ss : tensor<f32>
  %new_params, %new_state = strata.optimizer_update "sgd" %params, %grads, %state, %norm, %step {lr = 2.5e-02 : f64, min_lr = 1.0e-04 : f64, schedule = "linear", total_steps = 100 : i64} : tensor<176xf32>, tensor<0xf32>, tensor<f32>
  return %new_params, %new_state, %norm : tensor<176xf32>, tensor<0xf32>, tensor<f32>
}

// -----

// Momentum keeps a buffer of every parameter: the update stays dense.
// CHECK-LABEL: func.func @momentum
// CHECK: strata.optimizer_update "sgd"
func.func @momentum(%params: tensor<88xf32>, %state: tensor<88xf32>, %step: i64,
                    %c: tensor<4xi32>, %gx: tensor<4x8xf32>) -> (tensor<88xf32>, tensor<88xf32>) {
  %gcenter = strata.embedding_grad %c, %gx vocab 11 : tensor<4xi32>, tensor<4x8xf32> -> tensor<11x8xf32>
  %grads = strata.arena_pack %gcenter : tensor<11x8xf32> -> tensor<88xf32>
  %sq = strata.mul %grads, %grads : tensor<88xf32>, tensor<88xf32> -> tensor<88xf32>
  %ss = strata.reduce_sum %sq axes [0] : tensor<88xf32> -> tensor<f32>
  %norm = strata.sqrt %ss : tensor<f32>
  %new_params, %new_state = strata.optimizer_update "sgd" %params, %grads, %state, %norm, %step {lr = 1.0e-01 : f64, momentum = 9.0e-01 : f64} : tensor<88xf32>, tensor<88xf32>, tensor<f32>
  return %new_params, %new_state : tensor<88xf32>, tensor<88xf32>
}

// -----

// A dense parameter (a bias) among the tables: the update stays dense.
// CHECK-LABEL: func.func @dense_segment
// CHECK: strata.optimizer_update "sgd"
func.func @dense_segment(%params: tensor<96xf32>, %state: tensor<0xf32>, %step: i64,
                         %c: tensor<4xi32>, %gx: tensor<4x8xf32>, %gb: tensor<8xf32>) -> tensor<96xf32> {
  %gcenter = strata.embedding_grad %c, %gx vocab 11 : tensor<4xi32>, tensor<4x8xf32> -> tensor<11x8xf32>
  %grads = strata.arena_pack %gcenter, %gb : tensor<11x8xf32>, tensor<8xf32> -> tensor<96xf32>
  %sq = strata.mul %grads, %grads : tensor<96xf32>, tensor<96xf32> -> tensor<96xf32>
  %ss = strata.reduce_sum %sq axes [0] : tensor<96xf32> -> tensor<f32>
  %norm = strata.sqrt %ss : tensor<f32>
  %new_params, %new_state = strata.optimizer_update "sgd" %params, %grads, %state, %norm, %step {lr = 1.0e-01 : f64} : tensor<96xf32>, tensor<0xf32>, tensor<f32>
  return %new_params : tensor<96xf32>
}
