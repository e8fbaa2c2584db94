// RUN: %strata-opt %s --strata-negative-sampling-kernels -verify-diagnostics

func.func @dynamic_batch(%x: tensor<?x4xf32>, %t: tensor<11x4xf32>, %p: tensor<?xi32>, %n: tensor<?x2xi32>) -> tensor<f32> {
  // expected-error @+1 {{needs static shapes}}
  %l = strata.negative_sampling %x, %t, %p, %n reduce(sum) : tensor<?x4xf32>, tensor<11x4xf32>, tensor<?xi32>, tensor<?x2xi32> -> tensor<f32>
  return %l : tensor<f32>
}
