// --strata-infer-shapes fixes the symbolic batch and propagates static shapes.
// RUN: %strata-opt %s --strata-infer-shapes=batch=256 -split-input-file | FileCheck %s
// RUN: %strata-opt %s --strata-infer-shapes -split-input-file | FileCheck %s --check-prefix=KEEP

// CHECK-LABEL: func.func @forward(%{{.*}}: tensor<256x784xf32>) -> (tensor<f32>, tensor<256x32xf32>)
// CHECK: strata.matmul {{.*}} -> tensor<256x32xf32>
// CHECK: strata.add {{.*}} -> tensor<256x32xf32>
// KEEP-LABEL: func.func @forward(%{{.*}}: tensor<?x784xf32>) -> (tensor<f32>, tensor<?x32xf32>)
func.func @forward(%x: tensor<?x784xf32>) -> (tensor<f32>, tensor<?x32xf32>) {
  %w = strata.param "w" init(he_normal) : tensor<784x32xf32>
  %b = strata.param "b" init(zeros) : tensor<32xf32>
  %h = strata.matmul %x, %w : tensor<?x784xf32>, tensor<784x32xf32> -> tensor<?x32xf32>
  %z = strata.add %h, %b : tensor<?x32xf32>, tensor<32xf32> -> tensor<?x32xf32>
  %l = strata.mse %x, %x reduce(mean) : tensor<?x784xf32>, tensor<?x784xf32> -> tensor<f32>
  return %l, %z : tensor<f32>, tensor<?x32xf32>
}

// -----

// Two stacked views of a batch of 256 are 512 rows; the inferred -1 of a
// reshape becomes that extent.
// CHECK-LABEL: func.func @views
// CHECK: strata.concat {{.*}} -> tensor<512x784xf32>
// CHECK: strata.reshape {{.*}} [-1, 28, 28] : tensor<512x784xf32> -> tensor<512x28x28xf32>
// CHECK: strata.nt_xent {{.*}} : tensor<512x784xf32> -> tensor<f32>
func.func @views(%x: tensor<?x784xf32>) -> (tensor<f32>, tensor<?x28x28xf32>) {
  %v = strata.concat %x, %x axis 0 : tensor<?x784xf32>, tensor<?x784xf32> -> tensor<?x784xf32>
  %i = strata.reshape %v [-1, 28, 28] : tensor<?x784xf32> -> tensor<?x28x28xf32>
  %l = strata.nt_xent %v temperature 0.5 : tensor<?x784xf32> -> tensor<f32>
  return %l, %i : tensor<f32>, tensor<?x28x28xf32>
}
