// RUN: %strata-opt %s --strata-autodiff | FileCheck %s
// RUN: %strata-opt %s --strata-autodiff=mode=grad | FileCheck %s --check-prefix=GRAD
// RUN: %strata-opt %s --strata-autodiff --strata-bind-params | FileCheck %s --check-prefix=BIND

module attributes {strata.train = {optimizer = "sgd", optimizer_args = {lr = 1.0e-01 : f64, momentum = 9.0e-01 : f64}, clip_grad_norm = 1.0 : f64}} {
  func.func @forward(%x: tensor<4x3xf32> {strata.input = "x"}) -> (tensor<f32> {strata.loss}) {
    %w = strata.param "w" init(xavier_uniform) : tensor<3x2xf32>
    %b = strata.param "b" init(zeros) : tensor<2xf32>
    %h = strata.matmul %x, %w : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
    %y = strata.add %h, %b : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
    %r = strata.relu %y : tensor<4x2xf32>
    %l = strata.reduce_mean %r axes [0, 1] : tensor<4x2xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// The layout is recorded on the module: w first, then b.
// CHECK: strata.params = [{init = "xavier_uniform", name = "w", offset = 0 : i64, shape = array<i64: 3, 2>}, {init = "zeros", name = "b", offset = 6 : i64, shape = array<i64: 2>}]
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[P:.*]]: tensor<8xf32> {strata.arena = "params"}, %[[S:.*]]: tensor<8xf32> {strata.arena = "opt_state"}, %[[X:.*]]: tensor<4x3xf32> {strata.input = "x"}, %{{.*}}: i64 {strata.seed}, %[[STEP:.*]]: i64 {strata.step})
// CHECK-SAME: -> (tensor<8xf32> {strata.arena = "params"}, tensor<8xf32> {strata.arena = "opt_state"}, tensor<f32> {strata.loss}, tensor<f32> {strata.metric = "grad_norm"})
// CHECK: %[[W:.*]] = strata.arena_slice %[[P]] offset 0 shape [3, 2]
// CHECK: %[[B:.*]] = strata.arena_slice %[[P]] offset 6 shape [2]
// Backward: relu through heaviside, the bias gradient summed over the batch,
// the weight gradient as x^T g without a materialized transpose.
// CHECK: strata.heaviside
// CHECK: %[[GB:.*]] = strata.reduce_sum %[[G:.*]] axes [0] : tensor<4x2xf32> -> tensor<2xf32>
// CHECK: %[[GW:.*]] = strata.matmul %[[X]], %[[G]] {transpose_lhs}
// CHECK: %[[GRADS:.*]] = strata.arena_pack %[[GW]], %[[GB]] : tensor<3x2xf32>, tensor<2xf32> -> tensor<8xf32>
// CHECK: %[[NORM:.*]] = strata.sqrt
// CHECK: strata.optimizer_update "sgd" %[[P]], %[[GRADS]], %[[S]], %[[NORM]], %[[STEP]] {lr = 1.000000e-01 : f64, max_grad_norm = 1.000000e+00 : f64, momentum = 9.000000e-01 : f64

// GRAD-LABEL: func.func @grad_step(
// GRAD-SAME: -> (tensor<f32> {strata.loss}, tensor<8xf32> {strata.arena = "grads"})
// GRAD-NOT: optimizer_update

// BIND-LABEL: func.func @forward(
// BIND-SAME: %[[P:.*]]: tensor<8xf32> {strata.arena = "params"}, %{{.*}}: tensor<4x3xf32> {strata.input = "x"}, %{{.*}}: i64 {strata.seed}, %{{.*}}: i64 {strata.step})
// BIND-NOT: strata.param
// BIND: strata.arena_slice %[[P]] offset 0 shape [3, 2]
