// RUN: %strata-opt %s --split-input-file --strata-negative-sampling-kernels | FileCheck %s

// A train step's pair: the loss and its gradients over the same rows become
// one loop over the rows, placed where the loss was. D = 12: vectors of 4
// lanes; each row's 1 + 3 dot products in one sweep over D (an accumulator
// each), reduced in lane order; then a second sweep writes the input's
// gradient row and adds into the table's gradient at each of the row's ids.
// CHECK-LABEL: func.func @loss_and_gradients
// CHECK: %[[G:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK: %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<11x12xf32>)
// CHECK: %[[ROWS:.*]]:3 = scf.for %[[ROW:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %[[ZEROS]]) -> (f32, tensor<2x12xf32>, tensor<11x12xf32>)
// CHECK: %[[DOTS:.*]]:4 = scf.for {{.*}} -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// CHECK-COUNT-4: vector.fma
// CHECK: vector.reduction <add>, %[[DOTS]]#0 : vector<4xf32> into f32
// CHECK: math.log1p
// CHECK: scf.for {{.*}} -> (tensor<2x12xf32>, tensor<11x12xf32>)
// CHECK-COUNT-4: vector.fma
// CHECK: vector.transfer_write %{{.*}}, %{{.*}}[%[[ROW]], %{{.*}}] {in_bounds = [true]} : vector<4xf32>, tensor<2x12xf32>
// CHECK-COUNT-4: vector.fma
// The mean over the 2 rows scales the loss and the incoming gradient by 1/2.
// CHECK: arith.mulf %[[ROWS]]#0, %{{.*}} : f32
// CHECK: return %{{.*}}, %[[ROWS]]#1, %[[ROWS]]#2
// CHECK-NOT: strata.negative_sampling
func.func @loss_and_gradients(%x: tensor<2x12xf32>, %t: tensor<11x12xf32>, %p: tensor<2xi32>, %n: tensor<2x3xi32>)
    -> (tensor<f32>, tensor<2x12xf32>, tensor<11x12xf32>) {
  %one = strata.constant dense<1.0> : tensor<f32>
  %l = strata.negative_sampling %x, %t, %p, %n reduce(mean) : tensor<2x12xf32>, tensor<11x12xf32>, tensor<2xi32>, tensor<2x3xi32> -> tensor<f32>
  %gx, %gt = strata.negative_sampling_grad %x, %t, %p, %n, %one reduce(mean) : tensor<2x12xf32>, tensor<11x12xf32>, tensor<2xi32>, tensor<2x3xi32>, tensor<f32>
  return %l, %gx, %gt : tensor<f32>, tensor<2x12xf32>, tensor<11x12xf32>
}

// -----

// The loss alone (evaluation): no gradient sweep. D = 5: one lane.
// CHECK-LABEL: func.func @loss_only
// CHECK: scf.for {{.*}} -> (f32)
// CHECK: scf.for {{.*}} -> (vector<1xf32>, vector<1xf32>, vector<1xf32>)
// CHECK-NOT: vector.transfer_write
// CHECK: tensor.from_elements
func.func @loss_only(%x: tensor<4x5xf32>, %t: tensor<11x5xf32>, %p: tensor<4xi32>, %n: tensor<4x2xi32>) -> tensor<f32> {
  %l = strata.negative_sampling %x, %t, %p, %n reduce(sum) : tensor<4x5xf32>, tensor<11x5xf32>, tensor<4xi32>, tensor<4x2xi32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Gradients whose incoming gradient is computed after the loss cannot share
// its loop: they get a loop of their own. D = 16: 8 lanes.
// CHECK-LABEL: func.func @late_gradient
// CHECK: scf.for {{.*}} -> (f32)
// CHECK: strata.mul
// CHECK: scf.for {{.*}} -> (tensor<4x16xf32>, tensor<11x16xf32>)
// CHECK: vector<8xf32>
func.func @late_gradient(%x: tensor<4x16xf32>, %t: tensor<11x16xf32>, %p: tensor<4xi32>, %n: tensor<4x2xi32>)
    -> (tensor<f32>, tensor<4x16xf32>, tensor<11x16xf32>) {
  %l = strata.negative_sampling %x, %t, %p, %n reduce(sum) : tensor<4x16xf32>, tensor<11x16xf32>, tensor<4xi32>, tensor<4x2xi32> -> tensor<f32>
  %g = strata.mul %l, %l : tensor<f32>, tensor<f32> -> tensor<f32>
  %gx, %gt = strata.negative_sampling_grad %x, %t, %p, %n, %g reduce(sum) : tensor<4x16xf32>, tensor<11x16xf32>, tensor<4xi32>, tensor<4x2xi32>, tensor<f32>
  return %l, %gx, %gt : tensor<f32>, tensor<4x16xf32>, tensor<11x16xf32>
}

