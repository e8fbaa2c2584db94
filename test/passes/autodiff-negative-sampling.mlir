// RUN: %strata-opt %s --strata-autodiff | FileCheck %s

// Negative sampling differentiates into one op for both gradients (so the CPU
// can compute them in one loop with the loss), not into its decomposition.
module attributes {strata.train = {optimizer = "sgd", optimizer_args = {lr = 2.5e-02 : f64}}} {
  func.func @forward(%c: tensor<4xi32> {strata.input = "center"}, %p: tensor<4xi32> {strata.input = "context"},
                     %n: tensor<4x3xi32> {strata.input = "noise"}) -> (tensor<f32> {strata.loss}) {
    %t = strata.param "table" init(uniform) : tensor<11x8xf32>
    %o = strata.param "out" init(zeros) : tensor<11x8xf32>
    %x = strata.embedding %t, %c : tensor<11x8xf32>, tensor<4xi32> -> tensor<4x8xf32>
    %l = strata.negative_sampling %x, %o, %p, %n reduce(sum) : tensor<4x8xf32>, tensor<11x8xf32>, tensor<4xi32>, tensor<4x3xi32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// CHECK-LABEL: func.func @train_step(
// CHECK: %[[X:.*]] = strata.embedding
// CHECK: %[[L:.*]] = strata.negative_sampling %[[X]], %[[O:.*]], %[[P:.*]], %[[N:.*]] reduce(sum)
// CHECK: %[[ONE:.*]] = strata.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[GX:.*]], %[[GO:.*]] = strata.negative_sampling_grad %[[X]], %[[O]], %[[P]], %[[N]], %[[ONE]] reduce(sum)
// CHECK-NOT: strata.reduce_sum
// CHECK: %[[GT:.*]] = strata.embedding_grad %{{.*}}, %[[GX]] vocab 11
// CHECK: strata.arena_pack %[[GT]], %[[GO]]
