// RUN: %strata-opt %s --strata-autodiff -split-input-file -verify-diagnostics

// expected-error @+1 {{strata-autodiff needs static shapes: run --strata-infer-shapes=batch=N first}}
func.func @forward(%x: tensor<?x3xf32>) -> tensor<f32> {
  %w = strata.param "w" init(zeros) : tensor<3x2xf32>
  %h = strata.matmul %x, %w : tensor<?x3xf32>, tensor<3x2xf32> -> tensor<?x2xf32>
  %l = strata.reduce_sum %h axes [0, 1] : tensor<?x2xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

module attributes {strata.train = {optimizer = "sgd", optimizer_args = {lr = 2.5e-02 : f64}, schedule = "linear", schedule_args = {min_lr = 1.0e-04 : f64}}} {
  // expected-error @+1 {{a linear schedule needs the run's total steps}}
  func.func @forward(%x: tensor<4x3xf32>) -> tensor<f32> {
    %w = strata.param "w" init(zeros) : tensor<3x2xf32>
    %h = strata.matmul %x, %w : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
    %l = strata.reduce_sum %h axes [0, 1] : tensor<4x2xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

module attributes {strata.train = {optimizer = "adam", optimizer_args = {lr = 1.0e-03 : f64}, schedule = "cosine", schedule_args = {warmup = 10 : i64}}} {
  // expected-error @+1 {{a cosine schedule needs the run's total steps}}
  func.func @forward(%x: tensor<4x3xf32>) -> tensor<f32> {
    %w = strata.param "w" init(zeros) : tensor<3x2xf32>
    %h = strata.matmul %x, %w : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
    %l = strata.reduce_sum %h axes [0, 1] : tensor<4x2xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// random_resized_crop augments data: on a value computed from a parameter it
// would pass back nothing, so autodiff refuses it.
module attributes {strata.train = {optimizer = "sgd", optimizer_args = {lr = 1.0e-01 : f64}}} {
  func.func @forward(%x: tensor<2x4x4xf32>) -> tensor<f32> {
    %w = strata.param "w" init(ones) : tensor<4x4xf32>
    %h = strata.mul %x, %w : tensor<2x4x4xf32>, tensor<4x4xf32> -> tensor<2x4x4xf32>
    // expected-error @+1 {{passes no gradient back: apply it to input data, not to a value computed from parameters}}
    %c = strata.random_resized_crop %h scale 5.000000e-01 to 1.000000e+00 ratio 7.500000e-01 to 1.333000e+00 stream 0 : tensor<2x4x4xf32>
    %l = strata.reduce_sum %c axes [0, 1, 2] : tensor<2x4x4xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}
