// RUN: %strata-opt %s --strata-autodiff=mode=grad | FileCheck %s

// A linear layer on a sequence, [B, S, K] x [K, N]: the weight's gradient is
// one GEMM over the B*S rows, x^T g, not a batch of GEMMs summed over B.
module attributes {strata.train = {optimizer = "sgd", optimizer_args = {lr = 1.0e-01 : f64}}} {
  func.func @forward(%x: tensor<2x5x3xf32> {strata.input = "x"}) -> (tensor<f32> {strata.loss}) {
    %w = strata.param "w" init(xavier_uniform) : tensor<3x4xf32>
    %v = strata.param "v" init(xavier_uniform) : tensor<6x3xf32>
    %h = strata.matmul %x, %w : tensor<2x5x3xf32>, tensor<3x4xf32> -> tensor<2x5x4xf32>
    %u = strata.matmul %x, %v {transpose_rhs} : tensor<2x5x3xf32>, tensor<6x3xf32> -> tensor<2x5x6xf32>
    %l1 = strata.reduce_mean %h axes [0, 1, 2] : tensor<2x5x4xf32> -> tensor<f32>
    %l2 = strata.reduce_mean %u axes [0, 1, 2] : tensor<2x5x6xf32> -> tensor<f32>
    %l = strata.add %l1, %l2 : tensor<f32>, tensor<f32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// CHECK-LABEL: func.func @grad_step(
// CHECK-DAG: strata.reshape %arg1 [10, 3] : tensor<2x5x3xf32> -> tensor<10x3xf32>
// CHECK-DAG: %[[GW:.*]] = strata.matmul %{{.*}}, %{{.*}} {transpose_lhs} : tensor<10x3xf32>, tensor<10x4xf32> -> tensor<3x4xf32>
// CHECK-DAG: %[[GV:.*]] = strata.matmul %{{.*}}, %{{.*}} {transpose_lhs} : tensor<10x6xf32>, tensor<10x3xf32> -> tensor<6x3xf32>
// CHECK-NOT: tensor<2x3x4xf32>
// CHECK: strata.arena_pack %[[GW]], %[[GV]]
