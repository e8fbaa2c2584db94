// RUN: %strata-opt %s --strata-autodiff=mode=grad --canonicalize --cse | FileCheck %s
// RUN: %strata-opt %s --strata-autodiff=mode=grad --canonicalize --cse | FileCheck %s --check-prefix=DEAD

// Two convolutions differentiated through their decomposition: each filter's
// gradient is the transposed GEMM of its columns and the output gradient; the
// gradient reaching the first convolution's output goes back through the
// second's columns by col2im. The input is data: once dead code is gone, no
// col2im of the first convolution's columns is left.
// CHECK-LABEL: func.func @grad_step
// CHECK-DAG: strata.im2col %{{.*}} window [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1] : tensor<2x6x6x4xf32> -> tensor<2x3x3x36xf32>
// CHECK-DAG: strata.im2col %{{.*}} window [3, 3] stride [1, 1] padding [1, 1] dilation [1, 1] : tensor<2x6x6x1xf32> -> tensor<2x6x6x9xf32>
// CHECK-DAG: strata.matmul %{{.*}}, %{{.*}} {transpose_lhs} : tensor<18x36xf32>, tensor<18x5xf32> -> tensor<36x5xf32>
// CHECK-DAG: strata.col2im %{{.*}} window [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1] image [6, 6] : tensor<2x3x3x36xf32> -> tensor<2x6x6x4xf32>
// CHECK-DAG: strata.matmul %{{.*}}, %{{.*}} {transpose_lhs} : tensor<72x9xf32>, tensor<72x4xf32> -> tensor<9x4xf32>
// DEAD-NOT: strata.col2im {{.*}} -> tensor<2x6x6x1xf32>
module attributes {strata.train = {optimizer = "sgd", optimizer_args = {lr = 1.0e-01 : f64}}} {
  func.func @forward(%x: tensor<2x6x6x1xf32> {strata.input = "x"}) -> (tensor<f32> {strata.loss}) {
    %w1 = strata.param "w1" init(he_uniform) : tensor<3x3x1x4xf32>
    %w2 = strata.param "w2" init(he_uniform) : tensor<3x3x4x5xf32>
    %h = strata.conv2d %x, %w1 stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : tensor<2x6x6x1xf32>, tensor<3x3x1x4xf32> -> tensor<2x6x6x4xf32>
    %r = strata.relu %h : tensor<2x6x6x4xf32>
    %y = strata.conv2d %r, %w2 stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : tensor<2x6x6x4xf32>, tensor<3x3x4x5xf32> -> tensor<2x3x3x5xf32>
    %l = strata.reduce_mean %y axes [0, 1, 2, 3] : tensor<2x3x3x5xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}
