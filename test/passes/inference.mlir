// RUN: %strata-opt %s --pass-pipeline='builtin.module(func.func(strata-inference))' | FileCheck %s

// Training's corruptions switched off: dropout, shifts, flips and erasing
// pass their input, noise and a random scale become their means (constants),
// and masking leaves the tokens as they are while its labels, which the loss
// reads, stay.
// CHECK-LABEL: func.func @corruptions
// CHECK-SAME: (%[[X:arg[0-9]+]]: tensor<4x784xf32>, %[[IMG:arg[0-9]+]]: tensor<4x28x28xf32>, %[[TOK:arg[0-9]+]]: tensor<4x16xi32>)
// CHECK-NOT: strata.dropout
// CHECK-NOT: strata.random_shift
// CHECK-NOT: strata.random_flip
// CHECK-NOT: strata.random_erase
// CHECK-NOT: strata.random_scale
// CHECK-NOT: strata.random_normal
// CHECK-NOT: strata.random_uniform
// CHECK-DAG: %[[MEAN:.*]] = strata.constant dense<2.500000e-01> : tensor<4x784xf32>
// CHECK-DAG: %[[MID:.*]] = strata.constant dense<5.000000e-01> : tensor<4x784xf32>
// CHECK-DAG: %[[NOISY:.*]] = strata.add %[[X]], %[[MEAN]]
// CHECK-DAG: %[[SCALED:.*]] = strata.mul %[[X]], %[[MID]]
// CHECK-DAG: %{{.*}}, %[[LABELS:.*]] = strata.mlm_mask %[[TOK]]
// CHECK-DAG: %[[BRIGHT:.*]] = strata.constant dense<8.000000e-01> : tensor<f32>
// CHECK-DAG: %[[JITTERED:.*]] = strata.mul %[[IMG]], %[[BRIGHT]]
// CHECK: return %[[X]], %[[NOISY]], %[[SCALED]], %[[IMG]], %[[TOK]], %[[LABELS]], %[[IMG]], %[[JITTERED]], %[[IMG]] :
func.func @corruptions(%x: tensor<4x784xf32>, %img: tensor<4x28x28xf32>, %tok: tensor<4x16xi32>)
    -> (tensor<4x784xf32>, tensor<4x784xf32>, tensor<4x784xf32>, tensor<4x28x28xf32>, tensor<4x16xi32>, tensor<4x16xi32>,
        tensor<4x28x28xf32>, tensor<4x28x28xf32>, tensor<4x28x28xf32>) {
  %0 = strata.dropout %x rate 0.1 stream 0 : tensor<4x784xf32>
  %n = strata.random_normal like %x mean 0.25 std 1.0 stream 1 : tensor<4x784xf32>
  %1 = strata.add %x, %n : tensor<4x784xf32>, tensor<4x784xf32> -> tensor<4x784xf32>
  %u = strata.random_uniform like %x low 0.0 high 1.0 stream 2 : tensor<4x784xf32>
  %2 = strata.mul %x, %u : tensor<4x784xf32>, tensor<4x784xf32> -> tensor<4x784xf32>
  %3 = strata.random_shift %img max 2 stream 3 : tensor<4x28x28xf32>
  %4:2 = strata.mlm_mask %tok rate 0.15 mask_token 1 vocab 64 reserved 3 ignore -100 stream 4 : tensor<4x16xi32>
  %5 = strata.random_flip %img stream 5 : tensor<4x28x28xf32>
  %6 = strata.random_scale %img low 0.6 high 1.0 stream 6 : tensor<4x28x28xf32>
  %7 = strata.random_erase %img rate 0.5 max 12 stream 7 : tensor<4x28x28xf32>
  return %0, %1, %2, %3, %4#0, %4#1, %5, %6, %7 : tensor<4x784xf32>, tensor<4x784xf32>, tensor<4x784xf32>, tensor<4x28x28xf32>, tensor<4x16xi32>, tensor<4x16xi32>,
      tensor<4x28x28xf32>, tensor<4x28x28xf32>, tensor<4x28x28xf32>
}

// The loss and metrics of the inference form are zero, so what computed only
// them (here the logits) is dead; the representation is untouched.
// CHECK-LABEL: func.func @loss_and_metric
// CHECK: %[[ZERO:.*]] = strata.constant dense<0.000000e+00> : tensor<f32>
// CHECK: %[[ZERO2:.*]] = strata.constant dense<0.000000e+00> : tensor<f32>
// CHECK: return %[[ZERO]], %{{.*}}, %[[ZERO2]] :
func.func @loss_and_metric(%x: tensor<4x8xf32>, %labels: tensor<4xi32>)
    -> (tensor<f32> {strata.loss}, tensor<4x8xf32> {strata.represent = "x"}, tensor<f32> {strata.metric = "acc"}) {
  %l = strata.cross_entropy %x, %labels ignore -100 : tensor<4x8xf32>, tensor<4xi32> -> tensor<f32>
  %a = strata.accuracy %x, %labels ignore -100 : tensor<4x8xf32>, tensor<4xi32> -> tensor<f32>
  return %l, %x, %a : tensor<f32>, tensor<4x8xf32>, tensor<f32>
}
