// Verifier errors of the ops that gradients and the train step build.
// RUN: %strata-opt %s -split-input-file -verify-diagnostics

func.func @broadcast_shape(%x: tensor<4x2xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot broadcast [4, 2] with [4, 3]}}
  %0 = strata.broadcast %x to [4, 3] : tensor<4x2xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @pad_negative(%x: tensor<4x2xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{pad needs a static axis in range and non-negative padding}}
  %0 = strata.pad %x axis 1 low -1 high 0 : tensor<4x2xf32> -> tensor<4x1xf32>
  return
}

// -----

func.func @embedding_grad_shape(%ids: tensor<4x6xi32>, %g: tensor<4x5x5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{embedding_grad needs a gradient of shape ids + [dim], got ids [4, 6] and gradient [4, 5, 5]}}
  %0 = strata.embedding_grad %ids, %g vocab 11 : tensor<4x6xi32>, tensor<4x5x5xf32> -> tensor<11x5xf32>
  return
}

// -----

func.func @arena_slice_outside(%p: tensor<11xf32>) {
  // expected-error @+1 {{slice [8, 16) is outside the arena of 11}}
  %0 = strata.arena_slice %p offset 8 shape [2, 4] : tensor<11xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @optimizer_state_size(%p: tensor<11xf32>, %s: tensor<11xf32>, %n: tensor<f32>, %t: i64) {
  // expected-error @+1 {{optimizer 'adam' needs a state arena of 2 x 11 elements, got 11}}
  %p2, %s2 = strata.optimizer_update "adam" %p, %p, %s, %n, %t {lr = 1.0e-03 : f64} : tensor<11xf32>, tensor<11xf32>, tensor<f32>
  return
}

// -----

func.func @optimizer_kind(%p: tensor<11xf32>, %n: tensor<f32>, %t: i64) {
  // expected-error @+1 {{unknown optimizer 'lion' (expected sgd, adam or adamw)}}
  %p2, %s2 = strata.optimizer_update "lion" %p, %p, %p, %n, %t {lr = 1.0e-03 : f64} : tensor<11xf32>, tensor<11xf32>, tensor<f32>
  return
}

// -----

func.func @one_hot_depth(%l: tensor<4xi32>) {
  // expected-error @+1 {{one_hot depth must be positive}}
  %0 = strata.one_hot %l depth -2 : tensor<4xi32> -> f32
  return
}

// -----

func.func @label_mask_classes(%l: tensor<4xi32>) {
  // expected-error @+1 {{label_mask classes must be positive}}
  %0 = strata.label_mask %l classes 0 : tensor<4xi32> -> f32
  return
}

// -----

func.func @pick_label_shape(%x: tensor<4x6xf32>, %l: tensor<5xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{pick_label needs labels shaped like the logits without their last (class) axis, got [4, 6] and [5]}}
  %0 = strata.pick_label %x, %l : tensor<4x6xf32>, tensor<5xi32> -> tensor<5xf32>
  return
}
