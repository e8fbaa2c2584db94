// RUN: %strata-opt %s --strata-autodiff=mode=grad --canonicalize --cse | FileCheck %s --check-prefix=NARROW

// A stride-1 convolution to fewer channels (4 -> 2) passes its input
// gradient back as a transposed convolution: the output gradient convolved
// with the filter flipped in space (slices of each axis, concatenated in
// reverse) and with its channel axes swapped, padded by K - 1 - padding. No
// col2im is left for it.
// NARROW-LABEL: func.func @grad_step
// NARROW: strata.concat %{{.*}} axis 1 : tensor<3x1x4x2xf32>, tensor<3x1x4x2xf32>, tensor<3x1x4x2xf32> -> tensor<3x3x4x2xf32>
// NARROW-NEXT: strata.transpose %{{.*}} [0, 1, 3, 2] : tensor<3x3x4x2xf32> -> tensor<3x3x2x4xf32>
// NARROW: strata.conv2d %{{.*}}, %{{.*}} stride [1, 1] padding [2, 2] dilation [1, 1] groups 1 : tensor<2x4x4x2xf32>, tensor<3x3x2x4xf32> -> tensor<2x6x6x4xf32>
// NARROW-NOT: strata.col2im {{.*}} -> tensor<2x6x6x4xf32>
module attributes {strata.train = {optimizer = "sgd", optimizer_args = {lr = 1.0e-01 : f64}}} {
  func.func @forward(%x: tensor<2x6x6x1xf32> {strata.input = "x"}) -> (tensor<f32> {strata.loss}) {
    %w1 = strata.param "w1" init(he_uniform) : tensor<3x3x1x4xf32>
    %w2 = strata.param "w2" init(he_uniform) : tensor<3x3x4x2xf32>
    %h = strata.conv2d %x, %w1 stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : tensor<2x6x6x1xf32>, tensor<3x3x1x4xf32> -> tensor<2x6x6x4xf32>
    %r = strata.relu %h : tensor<2x6x6x4xf32>
    %y = strata.conv2d %r, %w2 stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : tensor<2x6x6x4xf32>, tensor<3x3x4x2xf32> -> tensor<2x4x4x2xf32>
    %l = strata.reduce_mean %y axes [0, 1, 2, 3] : tensor<2x4x4x2xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}
