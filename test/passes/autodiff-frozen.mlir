// RUN: %strata-opt %s --strata-autodiff --canonicalize | FileCheck %s

// Parameters under `frozen` ("enc") get a zero gradient, their batch norm
// normalizes by the running statistics (no batch statistics, none moved),
// and the updated arena gets their old values back over the optimizer's:
// enc.w (0..12), enc.gamma (12..16), enc.mean (16..20) and enc.var (20..24)
// are the incoming arena's slice, head.w (24..28) the optimizer's.
// CHECK-LABEL: func.func @train_step
// CHECK: %[[W:.*]] = strata.arena_slice %{{.*}} offset 0 shape [3, 4]
// CHECK: %[[G:.*]] = strata.arena_slice %{{.*}} offset 12 shape [4]
// CHECK: %[[M:.*]] = strata.arena_slice %{{.*}} offset 16 shape [4]
// CHECK: %[[V:.*]] = strata.arena_slice %{{.*}} offset 20 shape [4]
// CHECK-NOT: strata.batch_norm
// CHECK-NOT: keep_dims
// CHECK: %[[NEW:.*]], %{{.*}} = strata.optimizer_update
// CHECK: %[[HEAD:.*]] = strata.slice %[[NEW]] axis 0 from 24 to 28
// CHECK: strata.concat %{{.*}}, %[[G]], %[[M]], %[[V]], %[[HEAD]] axis 0
module attributes {strata.train = {optimizer = "adamw", optimizer_args = {lr = 1.0e-03 : f64}, frozen = "enc"}} {
  func.func @forward(%x: tensor<2x3xf32> {strata.input = "x"}) -> (tensor<f32> {strata.loss}) {
    %w = strata.param "enc.w" init(xavier_uniform) : tensor<3x4xf32>
    %g = strata.param "enc.gamma" init(ones) : tensor<4xf32>
    %m = strata.param "enc.mean" init(zeros) : tensor<4xf32>
    %v = strata.param "enc.var" init(ones) : tensor<4xf32>
    %hw = strata.param "head.w" init(xavier_uniform) : tensor<4x1xf32>
    %h = strata.matmul %x, %w : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
    %y, %mean, %var = strata.batch_norm %h, %g, %g, %m, %v eps 1.0e-05 momentum 1.0e-01 : tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
    %o = strata.matmul %y, %hw : tensor<2x4xf32>, tensor<4x1xf32> -> tensor<2x1xf32>
    %l = strata.reduce_mean %o axes [0, 1] : tensor<2x1xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}
