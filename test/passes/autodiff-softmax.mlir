// RUN: %strata-opt %s --strata-autodiff | FileCheck %s

// Softmax's gradient reads its output only: dz = y (g - sum(g y)). The
// backward pass takes no maximum and no exponential of the input, so the
// input (attention's scores) need not live until the backward pass.
module attributes {strata.train = {optimizer = "sgd", optimizer_args = {lr = 1.0e-01 : f64}}} {
  func.func @forward(%x: tensor<4x3xf32> {strata.input = "x"}) -> (tensor<f32> {strata.loss}) {
    %w = strata.param "w" init(xavier_uniform) : tensor<3x5xf32>
    %z = strata.matmul %x, %w : tensor<4x3xf32>, tensor<3x5xf32> -> tensor<4x5xf32>
    %y = strata.softmax %z axis -1 : tensor<4x5xf32>
    %s = strata.mul %y, %z : tensor<4x5xf32>, tensor<4x5xf32> -> tensor<4x5xf32>
    %l = strata.reduce_sum %s axes [0, 1] : tensor<4x5xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// CHECK-LABEL: func.func @train_step(
// CHECK: %[[Y:.*]] = strata.softmax %[[Z:.*]] axis -1 : tensor<4x5xf32>
// CHECK: %[[S:.*]] = strata.reduce_sum %{{.*}} axes [-1] keep_dims
// CHECK: %[[D:.*]] = strata.sub %{{.*}}, %[[S]]
// CHECK: strata.mul %[[Y]], %[[D]] : tensor<4x5xf32>, tensor<4x5xf32>
// CHECK-NOT: strata.reduce_max
// CHECK-NOT: strata.exp
