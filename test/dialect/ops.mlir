// Every strata op parses, verifies and prints back; printing twice is stable.
// RUN: %strata-opt %s | FileCheck %s
// RUN: %strata-opt %s | %strata-opt | FileCheck %s
// RUN: %strata-opt %s -mlir-print-op-generic | %strata-opt | FileCheck %s

// CHECK-LABEL: func.func @params_and_constants
func.func @params_and_constants() -> (tensor<784x512xf32>, tensor<f32>, tensor<f32>) {
  // CHECK: strata.param "l0.w" init(he_normal) : tensor<784x512xf32>
  %w = strata.param "l0.w" init(he_normal) : tensor<784x512xf32>
  // CHECK: strata.param "t" init(constant, 2.6{{.*}}) : tensor<f32>
  %t = strata.param "t" init(constant, 2.6593) : tensor<f32>
  // CHECK: strata.constant dense<5.000000e-01> : tensor<f32>
  %c = strata.constant dense<0.5> : tensor<f32>
  return %w, %t, %c : tensor<784x512xf32>, tensor<f32>, tensor<f32>
}

// CHECK-LABEL: func.func @linear_algebra
func.func @linear_algebra(%x: tensor<?x784xf32>, %w: tensor<784x512xf32>, %b: tensor<512xf32>,
                          %q: tensor<?x4x128x64xf32>) -> (tensor<?x512xf32>, tensor<?x4x128x128xf32>) {
  // CHECK: strata.matmul %{{.*}}, %{{.*}} : tensor<?x784xf32>, tensor<784x512xf32> -> tensor<?x512xf32>
  %y = strata.matmul %x, %w : tensor<?x784xf32>, tensor<784x512xf32> -> tensor<?x512xf32>
  // CHECK: strata.matmul {{.*}} {transpose_rhs} : tensor<?x4x128x64xf32>, tensor<?x4x128x64xf32> -> tensor<?x4x128x128xf32>
  %s = strata.matmul %q, %q {transpose_rhs} : tensor<?x4x128x64xf32>, tensor<?x4x128x64xf32> -> tensor<?x4x128x128xf32>
  // CHECK: strata.add {{.*}} : tensor<?x512xf32>, tensor<512xf32> -> tensor<?x512xf32>
  %a = strata.add %y, %b : tensor<?x512xf32>, tensor<512xf32> -> tensor<?x512xf32>
  // CHECK: strata.sub
  %d = strata.sub %a, %y : tensor<?x512xf32>, tensor<?x512xf32> -> tensor<?x512xf32>
  // CHECK: strata.mul
  %m = strata.mul %d, %b : tensor<?x512xf32>, tensor<512xf32> -> tensor<?x512xf32>
  // CHECK: strata.div
  %v = strata.div %m, %a : tensor<?x512xf32>, tensor<?x512xf32> -> tensor<?x512xf32>
  return %v, %s : tensor<?x512xf32>, tensor<?x4x128x128xf32>
}

// CHECK-LABEL: func.func @unary
func.func @unary(%x: tensor<?x512xf32>) -> tensor<?x512xf32> {
  // CHECK: strata.neg %{{.*}} : tensor<?x512xf32>
  %0 = strata.neg %x : tensor<?x512xf32>
  // CHECK: strata.relu
  %1 = strata.relu %0 : tensor<?x512xf32>
  // CHECK: strata.gelu %{{.*}} : tensor<?x512xf32>
  %2 = strata.gelu %1 : tensor<?x512xf32>
  // CHECK: strata.gelu %{{.*}} {tanh} : tensor<?x512xf32>
  %3 = strata.gelu %2 {tanh} : tensor<?x512xf32>
  // CHECK: strata.sigmoid
  %4 = strata.sigmoid %3 : tensor<?x512xf32>
  // CHECK: strata.tanh
  %5 = strata.tanh %4 : tensor<?x512xf32>
  // CHECK: strata.exp
  %6 = strata.exp %5 : tensor<?x512xf32>
  // CHECK: strata.log
  %7 = strata.log %6 : tensor<?x512xf32>
  // CHECK: strata.sqrt
  %8 = strata.sqrt %7 : tensor<?x512xf32>
  return %8 : tensor<?x512xf32>
}

// CHECK-LABEL: func.func @reductions_and_norms
func.func @reductions_and_norms(%x: tensor<?x128x256xf32>, %g: tensor<256xf32>, %m: tensor<?x1x1x128xf32>,
                                %s: tensor<?x4x128x128xf32>) -> (tensor<?x256xf32>, tensor<?x128x1xf32>, tensor<?x128xf32>, tensor<?x128x256xf32>, tensor<?x4x128x128xf32>) {
  // CHECK: strata.reduce_sum %{{.*}} axes [1] : tensor<?x128x256xf32> -> tensor<?x256xf32>
  %0 = strata.reduce_sum %x axes [1] : tensor<?x128x256xf32> -> tensor<?x256xf32>
  // CHECK: strata.reduce_mean %{{.*}} axes [-1] keep_dims : tensor<?x128x256xf32> -> tensor<?x128x1xf32>
  %1 = strata.reduce_mean %x axes [-1] keep_dims : tensor<?x128x256xf32> -> tensor<?x128x1xf32>
  // CHECK: strata.reduce_max %{{.*}} axes [2] : tensor<?x128x256xf32> -> tensor<?x128xf32>
  %2 = strata.reduce_max %x axes [2] : tensor<?x128x256xf32> -> tensor<?x128xf32>
  // CHECK: strata.layer_norm {{.*}} eps 1.000000e-05 : tensor<?x128x256xf32>, tensor<256xf32>, tensor<256xf32>
  %3 = strata.layer_norm %x, %g, %g eps 1.0e-5 : tensor<?x128x256xf32>, tensor<256xf32>, tensor<256xf32>
  // CHECK: strata.softmax %{{.*}} mask %{{.*}} axis -1 : tensor<?x4x128x128xf32>, tensor<?x1x1x128xf32>
  %4 = strata.softmax %s mask %m axis -1 : tensor<?x4x128x128xf32>, tensor<?x1x1x128xf32>
  // CHECK: strata.softmax %{{.*}} axis -1 : tensor<?x4x128x128xf32>
  %5 = strata.softmax %4 axis -1 : tensor<?x4x128x128xf32>
  return %0, %1, %2, %3, %5 : tensor<?x256xf32>, tensor<?x128x1xf32>, tensor<?x128xf32>, tensor<?x128x256xf32>, tensor<?x4x128x128xf32>
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<?x128x256xf32>, %t: tensor<8192x256xf32>, %ids: tensor<?x128xi32>,
                  %z: tensor<512x64xf32>) -> (tensor<?x4x128x64xf32>, tensor<?x256x256xf32>, tensor<256x64xf32>, tensor<?x128x256xf32>) {
  // CHECK: strata.reshape %{{.*}} [-1, 128, 4, 64] : tensor<?x128x256xf32> -> tensor<?x128x4x64xf32>
  %0 = strata.reshape %x [-1, 128, 4, 64] : tensor<?x128x256xf32> -> tensor<?x128x4x64xf32>
  // CHECK: strata.transpose %{{.*}} [0, 2, 1, 3] : tensor<?x128x4x64xf32> -> tensor<?x4x128x64xf32>
  %1 = strata.transpose %0 [0, 2, 1, 3] : tensor<?x128x4x64xf32> -> tensor<?x4x128x64xf32>
  // CHECK: strata.concat %{{.*}}, %{{.*}} axis 1 : tensor<?x128x256xf32>, tensor<?x128x256xf32> -> tensor<?x256x256xf32>
  %2 = strata.concat %x, %x axis 1 : tensor<?x128x256xf32>, tensor<?x128x256xf32> -> tensor<?x256x256xf32>
  // CHECK: strata.slice %{{.*}} axis 0 from 0 to 256 : tensor<512x64xf32> -> tensor<256x64xf32>
  %3 = strata.slice %z axis 0 from 0 to 256 : tensor<512x64xf32> -> tensor<256x64xf32>
  // CHECK: strata.embedding {{.*}} : tensor<8192x256xf32>, tensor<?x128xi32> -> tensor<?x128x256xf32>
  %4 = strata.embedding %t, %ids : tensor<8192x256xf32>, tensor<?x128xi32> -> tensor<?x128x256xf32>
  return %1, %2, %3, %4 : tensor<?x4x128x64xf32>, tensor<?x256x256xf32>, tensor<256x64xf32>, tensor<?x128x256xf32>
}

// CHECK-LABEL: func.func @randomness
func.func @randomness(%x: tensor<?x784xf32>, %img: tensor<?x28x28xf32>, %tok: tensor<?x128xi32>)
    -> (tensor<?x784xf32>, tensor<?x784xf32>, tensor<?x784xf32>, tensor<?x28x28xf32>, tensor<?x128xi32>, tensor<?x128xi32>) {
  // CHECK: strata.dropout %{{.*}} rate 1.000000e-01 stream 0 : tensor<?x784xf32>
  %0 = strata.dropout %x rate 0.1 stream 0 : tensor<?x784xf32>
  // CHECK: strata.random_normal like %{{.*}} mean 0.000000e+00 std 1.000000e+00 stream 1 : tensor<?x784xf32>
  %1 = strata.random_normal like %x mean 0.0 std 1.0 stream 1 : tensor<?x784xf32>
  // CHECK: strata.random_uniform like %{{.*}} low 0.000000e+00 high 1.000000e+00 stream 2 : tensor<?x784xf32>
  %2 = strata.random_uniform like %x low 0.0 high 1.0 stream 2 : tensor<?x784xf32>
  // CHECK: strata.random_shift %{{.*}} max 2 stream 3 : tensor<?x28x28xf32>
  %3 = strata.random_shift %img max 2 stream 3 : tensor<?x28x28xf32>
  // CHECK: strata.random_flip %{{.*}} stream 5 : tensor<?x28x28xf32>
  %5 = strata.random_flip %img stream 5 : tensor<?x28x28xf32>
  // CHECK: strata.random_erase %{{.*}} rate 5.000000e-01 max 12 stream 7 : tensor<?x28x28xf32>
  %7 = strata.random_erase %img rate 0.5 max 12 stream 7 : tensor<?x28x28xf32>
  // CHECK: strata.random_scale %{{.*}} low 6.000000e-01 high 1.400000e+00 stream 6 : tensor<?x28x28xf32>
  %6 = strata.random_scale %img low 0.6 high 1.4 stream 6 : tensor<?x28x28xf32>
  // CHECK: strata.mlm_mask %{{.*}} rate 1.500000e-01 mask_token 1 vocab 8192 reserved 3 ignore -100 stream 4 : tensor<?x128xi32>
  %4:2 = strata.mlm_mask %tok rate 0.15 mask_token 1 vocab 8192 reserved 3 ignore -100 stream 4 : tensor<?x128xi32>
  return %0, %1, %2, %3, %4#0, %4#1 : tensor<?x784xf32>, tensor<?x784xf32>, tensor<?x784xf32>, tensor<?x28x28xf32>, tensor<?x128xi32>, tensor<?x128xi32>
}

// CHECK-LABEL: func.func @losses
func.func @losses(%y: tensor<?x784xf32>, %logits: tensor<?x128x8192xf32>, %labels: tensor<?x128xi32>,
                  %z: tensor<?x64xf32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  // CHECK: strata.mse {{.*}} reduce(mean) : tensor<?x784xf32>, tensor<?x784xf32> -> tensor<f32>
  %0 = strata.mse %y, %y reduce(mean) : tensor<?x784xf32>, tensor<?x784xf32> -> tensor<f32>
  // CHECK: strata.bce_with_logits {{.*}} reduce(batch_mean)
  %1 = strata.bce_with_logits %y, %y reduce(batch_mean) : tensor<?x784xf32>, tensor<?x784xf32> -> tensor<f32>
  // CHECK: strata.cross_entropy {{.*}} ignore -100 : tensor<?x128x8192xf32>, tensor<?x128xi32> -> tensor<f32>
  %2 = strata.cross_entropy %logits, %labels ignore -100 : tensor<?x128x8192xf32>, tensor<?x128xi32> -> tensor<f32>
  // CHECK: strata.nt_xent %{{.*}} temperature 5.000000e-01 : tensor<?x64xf32> -> tensor<f32>
  %3 = strata.nt_xent %z temperature 0.5 : tensor<?x64xf32> -> tensor<f32>
  // CHECK: strata.info_nce {{.*}} temperature 7.000000e-02 : tensor<?x64xf32>, tensor<?x64xf32> -> tensor<f32>
  %4 = strata.info_nce %z, %z temperature 0.07 : tensor<?x64xf32>, tensor<?x64xf32> -> tensor<f32>
  // CHECK: strata.info_nce %{{.*}}, %{{.*}} scale %{{.*}} temperature
  %5 = strata.info_nce %z, %z scale %t temperature 0.07 : tensor<?x64xf32>, tensor<?x64xf32>, tensor<f32> -> tensor<f32>
  // CHECK: strata.kl_normal {{.*}} : tensor<?x64xf32>, tensor<?x64xf32> -> tensor<f32>
  %6 = strata.kl_normal %z, %z : tensor<?x64xf32>, tensor<?x64xf32> -> tensor<f32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
}

// CHECK-LABEL: func.func @negative_sampling
func.func @negative_sampling(%x: tensor<?x100xf32>, %table: tensor<8192x100xf32>,
                             %context: tensor<?xi32>, %noise: tensor<?x5xi32>) -> tensor<f32> {
  // CHECK: strata.negative_sampling %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} reduce(sum) : tensor<?x100xf32>, tensor<8192x100xf32>, tensor<?xi32>, tensor<?x5xi32> -> tensor<f32>
  %0 = strata.negative_sampling %x, %table, %context, %noise reduce(sum) : tensor<?x100xf32>, tensor<8192x100xf32>, tensor<?xi32>, tensor<?x5xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// Its gradients have the input's and the table's types.
// CHECK-LABEL: func.func @negative_sampling_grad
func.func @negative_sampling_grad(%x: tensor<?x100xf32>, %table: tensor<8192x100xf32>,
                                  %context: tensor<?xi32>, %noise: tensor<?x5xi32>, %g: tensor<f32>)
    -> (tensor<?x100xf32>, tensor<8192x100xf32>) {
  // CHECK: %{{.*}}, %{{.*}} = strata.negative_sampling_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} reduce(mean) : tensor<?x100xf32>, tensor<8192x100xf32>, tensor<?xi32>, tensor<?x5xi32>, tensor<f32>
  %gx, %gt = strata.negative_sampling_grad %x, %table, %context, %noise, %g reduce(mean) : tensor<?x100xf32>, tensor<8192x100xf32>, tensor<?xi32>, tensor<?x5xi32>, tensor<f32>
  return %gx, %gt : tensor<?x100xf32>, tensor<8192x100xf32>
}

// Padding flags and a metric: token_mask's element type is an attribute,
// accuracy is a scalar of the logits' type.
// CHECK-LABEL: func.func @text_helpers
// CHECK: strata.token_mask %{{.*}} pad 0 : tensor<?x128xi32> -> f32
// CHECK: strata.accuracy %{{.*}}, %{{.*}} ignore -100 : tensor<?x128x8192xf32>, tensor<?x128xi32> -> tensor<f32>
func.func @text_helpers(%tok: tensor<?x128xi32>, %logits: tensor<?x128x8192xf32>) -> (tensor<?x128xf32>, tensor<f32>) {
  %keep = strata.token_mask %tok pad 0 : tensor<?x128xi32> -> f32
  %a = strata.accuracy %logits, %tok ignore -100 : tensor<?x128x8192xf32>, tensor<?x128xi32> -> tensor<f32>
  return %keep, %a : tensor<?x128xf32>, tensor<f32>
}

// Image ops on NHWC tensors; result types are inferred and printed.
// CHECK-LABEL: func.func @image_ops
// CHECK: strata.conv2d %{{.*}}, %{{.*}} stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32> -> tensor<?x14x14x32xf32>
// CHECK: strata.max_pool2d %{{.*}} window [2, 2] stride [2, 2] padding [0, 0] : tensor<?x14x14x32xf32> -> tensor<?x7x7x32xf32>
// CHECK: strata.avg_pool2d %{{.*}} window [3, 3] stride [1, 1] padding [1, 1] : tensor<?x7x7x32xf32> -> tensor<?x7x7x32xf32>
// CHECK: strata.upsample2d %{{.*}} factor 2 mode "bilinear" : tensor<?x7x7x32xf32> -> tensor<?x14x14x32xf32>
// CHECK: strata.im2col %{{.*}} window [3, 3] stride [1, 1] padding [1, 1] dilation [1, 1] : tensor<?x14x14x32xf32> -> tensor<?x14x14x288xf32>
// CHECK: strata.col2im %{{.*}} window [3, 3] stride [1, 1] padding [1, 1] dilation [1, 1] image [14, 14] : tensor<?x14x14x288xf32> -> tensor<?x14x14x32xf32>
func.func @image_ops(%x: tensor<?x28x28x1xf32>, %w: tensor<3x3x1x32xf32>) -> tensor<?x14x14x32xf32> {
  %c = strata.conv2d %x, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32> -> tensor<?x14x14x32xf32>
  %m = strata.max_pool2d %c window [2, 2] stride [2, 2] padding [0, 0] : tensor<?x14x14x32xf32> -> tensor<?x7x7x32xf32>
  %a = strata.avg_pool2d %m window [3, 3] stride [1, 1] padding [1, 1] : tensor<?x7x7x32xf32> -> tensor<?x7x7x32xf32>
  %u = strata.upsample2d %a factor 2 mode "bilinear" : tensor<?x7x7x32xf32> -> tensor<?x14x14x32xf32>
  %cols = strata.im2col %u window [3, 3] stride [1, 1] padding [1, 1] dilation [1, 1] : tensor<?x14x14x32xf32> -> tensor<?x14x14x288xf32>
  %g = strata.col2im %cols window [3, 3] stride [1, 1] padding [1, 1] dilation [1, 1] image [14, 14] : tensor<?x14x14x288xf32> -> tensor<?x14x14x32xf32>
  return %g : tensor<?x14x14x32xf32>
}

// batch_norm returns the normalized input and the moved running statistics.
// CHECK-LABEL: func.func @batch_norm
// CHECK: %{{.*}}, %{{.*}}, %{{.*}} = strata.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} eps 1.000000e-05 momentum 1.000000e-01 : tensor<?x7x7x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
func.func @batch_norm(%x: tensor<?x7x7x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>, %m: tensor<8xf32>, %v: tensor<8xf32>) -> tensor<?x7x7x8xf32> {
  %y, %mean, %var = strata.batch_norm %x, %g, %b, %m, %v eps 1.0e-05 momentum 1.0e-01 : tensor<?x7x7x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return %y : tensor<?x7x7x8xf32>
}

// CHECK-LABEL: func.func @random_resized_crop
// CHECK: strata.random_resized_crop %{{.*}} scale 4.000000e-01 to 1.000000e+00 ratio 7.500000e-01 to 1.333300e+00 stream 3 : tensor<?x28x28xf32>
func.func @random_resized_crop(%x: tensor<?x28x28xf32>) -> tensor<?x28x28xf32> {
  %c = strata.random_resized_crop %x scale 4.0e-01 to 1.0 ratio 7.5e-01 to 1.3333 stream 3 : tensor<?x28x28xf32>
  return %c : tensor<?x28x28xf32>
}

