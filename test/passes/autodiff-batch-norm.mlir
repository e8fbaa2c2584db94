// RUN: %strata-opt %s --strata-autodiff | FileCheck %s

// The train step writes batch_norm's moved running statistics over their
// parameters in the optimizer's updated arena (offsets 16..20 and 20..24 of
// 24): the arena is cut around them and put back together.
// CHECK-LABEL: func.func @train_step
// CHECK: %{{.*}}, %[[MEAN:.*]], %[[VAR:.*]] = strata.batch_norm
// CHECK: %[[NEW:.*]], %{{.*}} = strata.optimizer_update
// CHECK: %[[HEAD:.*]] = strata.slice %[[NEW]] axis 0 from 0 to 16
// CHECK: %[[PARAMS:.*]] = strata.concat %[[HEAD]], %[[MEAN]], %[[VAR]] axis 0 : tensor<16xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<24xf32>
// CHECK: return %[[PARAMS]]
module attributes {strata.train = {optimizer = "adam", optimizer_args = {lr = 1.0e-03 : f64}}} {
  func.func @forward(%x: tensor<2x3xf32> {strata.input = "x"}) -> (tensor<f32> {strata.loss}) {
    %w = strata.param "w" init(xavier_uniform) : tensor<3x4xf32>
    %g = strata.param "bn.gamma" init(ones) : tensor<4xf32>
    %m = strata.param "bn.running_mean" init(zeros) : tensor<4xf32>
    %v = strata.param "bn.running_var" init(ones) : tensor<4xf32>
    %h = strata.matmul %x, %w : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
    %y, %mean, %var = strata.batch_norm %h, %g, %g, %m, %v eps 1.0e-05 momentum 1.0e-01 : tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
    %l = strata.reduce_mean %y axes [0, 1] : tensor<2x4xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}
