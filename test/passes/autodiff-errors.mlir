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
