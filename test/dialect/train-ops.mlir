// The ops that gradients, decompositions and the train step build parse,
// verify and print back; printing twice is stable.
// RUN: %strata-opt %s | FileCheck %s
// RUN: %strata-opt %s | %strata-opt | FileCheck %s
// RUN: %strata-opt %s -mlir-print-op-generic | %strata-opt | FileCheck %s

// CHECK-LABEL: func.func @gradient_ops
func.func @gradient_ops(%x: tensor<4x1xf32>, %g: tensor<4x3xf32>, %ids: tensor<4x6xi32>,
                        %e: tensor<4x6x5xf32>, %l: tensor<4xi64>) {
  // CHECK: strata.erf %{{.*}} : tensor<4x3xf32>
  %0 = strata.erf %g : tensor<4x3xf32>
  // CHECK: strata.heaviside %{{.*}} : tensor<4x3xf32>
  %1 = strata.heaviside %g : tensor<4x3xf32>
  // CHECK: strata.stop_gradient %{{.*}} : tensor<4x3xf32>
  %2 = strata.stop_gradient %g : tensor<4x3xf32>
  // CHECK: strata.equal %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<4x1xf32> -> tensor<4x3xf32>
  %3 = strata.equal %g, %x : tensor<4x3xf32>, tensor<4x1xf32> -> tensor<4x3xf32>
  // CHECK: strata.broadcast %{{.*}} to [4, 3] : tensor<4x1xf32> -> tensor<4x3xf32>
  %4 = strata.broadcast %x to [4, 3] : tensor<4x1xf32> -> tensor<4x3xf32>
  // CHECK: strata.pad %{{.*}} axis 1 low 2 high 1 : tensor<4x3xf32> -> tensor<4x6xf32>
  %5 = strata.pad %g axis 1 low 2 high 1 : tensor<4x3xf32> -> tensor<4x6xf32>
  // CHECK: strata.one_hot %{{.*}} depth 7 : tensor<4xi64> -> f32
  %6 = strata.one_hot %l depth 7 : tensor<4xi64> -> f32
  // CHECK: strata.label_mask %{{.*}} classes 7 : tensor<4xi64> -> f32
  %10 = strata.label_mask %l classes 7 : tensor<4xi64> -> f32
  // CHECK: strata.pick_label %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<4xi64> -> tensor<4xf32>
  %11 = strata.pick_label %g, %l : tensor<4x3xf32>, tensor<4xi64> -> tensor<4xf32>
  // CHECK: strata.shifted_eye rows 8 cols 8 shift 4 : f64
  %7 = strata.shifted_eye rows 8 cols 8 shift 4 : f64
  // CHECK: strata.embedding_grad %{{.*}}, %{{.*}} vocab 11 : tensor<4x6xi32>, tensor<4x6x5xf32> -> tensor<11x5xf32>
  %8 = strata.embedding_grad %ids, %e vocab 11 : tensor<4x6xi32>, tensor<4x6x5xf32> -> tensor<11x5xf32>
  // CHECK: strata.random_shift %{{.*}} max 1 stream 2 inverse : tensor<4x6x5xf32>
  %9 = strata.random_shift %e max 1 stream 2 inverse : tensor<4x6x5xf32>
  return
}

// CHECK-LABEL: func.func @train_step_ops
func.func @train_step_ops(%p: tensor<11xf32>, %s: tensor<22xf32>, %n: tensor<f32>, %t: i64) {
  // CHECK: %[[W:.*]] = strata.arena_slice %{{.*}} offset 0 shape [2, 4] : tensor<11xf32> -> tensor<2x4xf32>
  %w = strata.arena_slice %p offset 0 shape [2, 4] : tensor<11xf32> -> tensor<2x4xf32>
  // CHECK: %[[B:.*]] = strata.arena_slice %{{.*}} offset 8 shape [3] : tensor<11xf32> -> tensor<3xf32>
  %b = strata.arena_slice %p offset 8 shape [3] : tensor<11xf32> -> tensor<3xf32>
  // CHECK: strata.arena_pack %[[W]], %[[B]] : tensor<2x4xf32>, tensor<3xf32> -> tensor<11xf32>
  %g = strata.arena_pack %w, %b : tensor<2x4xf32>, tensor<3xf32> -> tensor<11xf32>
  // CHECK: strata.optimizer_update "adamw" %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {lr = 1.000000e-03 : f64, schedule = "cosine", total_steps = 100 : i64, warmup = 10 : i64, weight_decay = 1.000000e-02 : f64} : tensor<11xf32>, tensor<22xf32>, tensor<f32>
  %p2, %s2 = strata.optimizer_update "adamw" %p, %g, %s, %n, %t {lr = 1.0e-03 : f64, weight_decay = 1.0e-02 : f64, schedule = "cosine", warmup = 10 : i64, total_steps = 100 : i64} : tensor<11xf32>, tensor<22xf32>, tensor<f32>
  return
}
