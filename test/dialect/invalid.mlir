// Every verifier error of the strata dialect, one per split.
// RUN: %strata-opt %s -split-input-file -verify-diagnostics

func.func @matmul_contracting(%a: tensor<?x784xf32>, %b: tensor<512x128xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{matmul contracting dimensions differ: [B, 784] x [512, 128] (784 vs 512)}}
  %0 = strata.matmul %a, %b : tensor<?x784xf32>, tensor<512x128xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<784xf32>, %b: tensor<784x128xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{matmul needs operands of rank >= 2, got [784] and [784, 128]}}
  %0 = strata.matmul %a, %b : tensor<784xf32>, tensor<784x128xf32> -> tensor<128xf32>
  return
}

// -----

func.func @wrong_result_type(%a: tensor<?x784xf32>, %b: tensor<784x128xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'strata.matmul' op inferred type(s) 'tensor<?x128xf32>' are incompatible with return type(s) of operation 'tensor<?x127xf32>'}}
  %0 = "strata.matmul"(%a, %b) : (tensor<?x784xf32>, tensor<784x128xf32>) -> tensor<?x127xf32>
  return
}

// -----

func.func @broadcast(%a: tensor<?x512xf32>, %b: tensor<256xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot broadcast [B, 512] with [256]}}
  %0 = strata.add %a, %b : tensor<?x512xf32>, tensor<256xf32> -> tensor<?x512xf32>
  return
}

// -----

func.func @element_types(%a: tensor<4xf32>, %b: tensor<4xf64>) {
  // expected-error @+1 {{failed to verify that all of {lhs, rhs, result} have same element type}}
  %0 = "strata.add"(%a, %b) : (tensor<4xf32>, tensor<4xf64>) -> tensor<4xf32>
  return
}

// -----

func.func @integer_operand(%a: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = "strata.relu"(%a) : (tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

func.func @param_dynamic() {
  // expected-error @+1 {{parameter 'w' must have a static shape}}
  %0 = strata.param "w" init(zeros) : tensor<?x4xf32>
  return
}

// -----

func.func @param_scale() {
  // expected-error @+1 {{initializer scale must be positive}}
  %0 = strata.param "w" init(normal, -1.0) : tensor<4xf32>
  return
}

// -----

func.func @param_name() {
  // expected-error @+1 {{needs a non-empty parameter name}}
  %0 = strata.param "" init(zeros) : tensor<4xf32>
  return
}

// -----

func.func @reduce_axis(%x: tensor<?x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{reduction axis 2 is out of range for shape [B, 8]}}
  %0 = "strata.reduce_sum"(%x) {axes = array<i64: 2>} : (tensor<?x8xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @reduce_no_axes(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{needs at least one reduction axis}}
  %0 = strata.reduce_sum %x axes [] : tensor<?x8xf32> -> tensor<?x8xf32>
  return
}

// -----

func.func @softmax_mask(%x: tensor<?x4x8x8xf32>, %m: tensor<?x1x1x7xf32>) {
  // expected-error @+1 {{softmax mask [B, 1, 1, 7] does not broadcast to input [B, 4, 8, 8]}}
  %0 = strata.softmax %x mask %m axis -1 : tensor<?x4x8x8xf32>, tensor<?x1x1x7xf32>
  return
}

// -----

func.func @layer_norm_scale(%x: tensor<?x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{layer_norm scale [4] and shift [4] must both be [8] for input [B, 8]}}
  %0 = strata.layer_norm %x, %g, %g eps 1.0e-5 : tensor<?x8xf32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<?x784xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot reshape [B, 784] to [B, 28, 27]: element counts differ}}
  %0 = strata.reshape %x [-1, 28, 27] : tensor<?x784xf32> -> tensor<?x28x27xf32>
  return
}

// -----

func.func @reshape_two_inferred(%x: tensor<8x784xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{has more than one inferred (-1/B) extent}}
  %0 = strata.reshape %x [-1, -1] : tensor<8x784xf32> -> tensor<8x784xf32>
  return
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{transpose permutation is not a permutation of 0..1}}
  %0 = strata.transpose %x [0, 0] : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @concat_mismatch(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{concat inputs [2, 3] and [2, 4] differ outside axis 0}}
  %0 = strata.concat %a, %b axis 0 : tensor<2x3xf32>, tensor<2x4xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @slice_range(%x: tensor<8x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{slice [4, 9) is out of range for axis 0 of shape [8, 4]}}
  %0 = strata.slice %x axis 0 from 4 to 9 : tensor<8x4xf32> -> tensor<5x4xf32>
  return
}

// -----

func.func @embedding_table(%t: tensor<8xf32>, %ids: tensor<?x4xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{embedding table must be [vocab, dim], got [8]}}
  %0 = strata.embedding %t, %ids : tensor<8xf32>, tensor<?x4xi32> -> tensor<?x4xf32>
  return
}

// -----

func.func @dropout_rate(%x: tensor<4xf32>) {
  // expected-error @+1 {{rate must be in [0, 1), got 1}}
  %0 = strata.dropout %x rate 1.0 stream 0 : tensor<4xf32>
  return
}

// -----

func.func @uniform_bounds(%x: tensor<4xf32>) {
  // expected-error @+1 {{needs low < high}}
  %0 = strata.random_uniform like %x low 1.0 high 0.0 stream 0 : tensor<4xf32>
  return
}

// -----

func.func @shift_rank(%x: tensor<4xf32>) {
  // expected-error @+1 {{random_shift needs images of rank >= 2}}
  %0 = strata.random_shift %x max 2 stream 0 : tensor<4xf32>
  return
}

// -----

func.func @flip_rank(%x: tensor<4xf32>) {
  // expected-error @+1 {{random_flip needs images of rank >= 2, got [4]}}
  %0 = strata.random_flip %x stream 0 : tensor<4xf32>
  return
}

// -----

func.func @erase_rate(%x: tensor<4x5x5xf32>) {
  // expected-error @+1 {{random_erase needs images of rank >= 2, a rate in [0, 1] and max_size >= 1}}
  %0 = strata.random_erase %x rate 1.5 max 2 stream 0 : tensor<4x5x5xf32>
  return
}

// -----

func.func @scale_bounds(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{random_scale needs a tensor of rank >= 1 and low <= high}}
  %0 = strata.random_scale %x low 1.5 high 0.5 stream 0 : tensor<4x3xf32>
  return
}

// -----

func.func @mlm_mask_token(%t: tensor<?x8xi32>) {
  // expected-error @+1 {{mask token 9000 must be an id below the vocabulary size 8192}}
  %0:2 = strata.mlm_mask %t rate 0.15 mask_token 9000 vocab 8192 reserved 3 ignore -100 stream 0 : tensor<?x8xi32>
  return
}

// -----

func.func @mlm_mask_reserved(%t: tensor<?x8xi32>) {
  // expected-error @+1 {{reserved ids 16 must leave ids below the vocabulary size 16 to draw}}
  %0:2 = strata.mlm_mask %t rate 0.15 mask_token 1 vocab 16 reserved 16 ignore -100 stream 0 : tensor<?x8xi32>
  return
}

// -----

func.func @accuracy_labels(%l: tensor<4x5xf32>, %t: tensor<3xi32>) {
  // expected-error @+2 {{cross_entropy needs logits}}
  // expected-error @+1 {{'strata.accuracy' op failed to infer returned types}}
  %0 = strata.accuracy %l, %t ignore -100 : tensor<4x5xf32>, tensor<3xi32> -> tensor<f32>
  return
}

// -----

func.func @mse_shapes(%a: tensor<?x784xf32>, %b: tensor<?x783xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{loss operands must have the same shape, got prediction [B, 784] and target [B, 783]}}
  %0 = strata.mse %a, %b reduce(mean) : tensor<?x784xf32>, tensor<?x783xf32> -> tensor<f32>
  return
}

// -----

func.func @cross_entropy_labels(%l: tensor<?x8x16xf32>, %y: tensor<?x9xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cross_entropy needs logits [..., classes] and labels [...]: got logits [B, 8, 16] and labels [B, 9]}}
  %0 = strata.cross_entropy %l, %y ignore -100 : tensor<?x8x16xf32>, tensor<?x9xi32> -> tensor<f32>
  return
}

// -----

func.func @nt_xent_rank(%z: tensor<?x4x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{nt_xent needs embeddings [2N, D] (two views stacked), got [B, 4, 8]}}
  %0 = strata.nt_xent %z temperature 0.5 : tensor<?x4x8xf32> -> tensor<f32>
  return
}

// -----

func.func @nt_xent_temperature(%z: tensor<?x8xf32>) {
  // expected-error @+1 {{temperature must be positive, got 0}}
  %0 = strata.nt_xent %z temperature 0.0 : tensor<?x8xf32> -> tensor<f32>
  return
}

// -----

func.func @info_nce_shapes(%a: tensor<?x8xf32>, %b: tensor<?x9xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{info_nce needs two [N, D] embeddings of one shape, got [B, 8] and [B, 9]}}
  %0 = strata.info_nce %a, %b temperature 0.07 : tensor<?x8xf32>, tensor<?x9xf32> -> tensor<f32>
  return
}

// -----

func.func @kl_shapes(%a: tensor<?x8xf32>, %b: tensor<?x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{kl_normal needs mean and log-variance of one shape [B, ...], got [B, 8] and [B, 4]}}
  %0 = strata.kl_normal %a, %b : tensor<?x8xf32>, tensor<?x4xf32> -> tensor<f32>
  return
}

// -----

func.func @negative_sampling_shapes(%x: tensor<?x100xf32>, %table: tensor<8192x64xf32>,
                                    %context: tensor<?xi32>, %noise: tensor<?x5xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{negative_sampling needs input [B, D], table [V, D], positive ids [B] and negative ids [B, K], got [B, 100], [8192, 64], [B] and [B, 5]}}
  %0 = strata.negative_sampling %x, %table, %context, %noise reduce(mean) : tensor<?x100xf32>, tensor<8192x64xf32>, tensor<?xi32>, tensor<?x5xi32> -> tensor<f32>
  return
}

// -----

func.func @negative_sampling_grad_shapes(%x: tensor<?x100xf32>, %table: tensor<8192x100xf32>,
                                         %context: tensor<?x2xi32>, %noise: tensor<?x5xi32>, %g: tensor<f32>) {
  // expected-error @+1 {{negative_sampling needs input [B, D], table [V, D], positive ids [B] and negative ids [B, K], got [B, 100], [8192, 100], [B, 2] and [B, 5]}}
  %gx, %gt = strata.negative_sampling_grad %x, %table, %context, %noise, %g reduce(sum) : tensor<?x100xf32>, tensor<8192x100xf32>, tensor<?x2xi32>, tensor<?x5xi32>, tensor<f32>
  return
}

// -----

func.func @conv2d_groups(%x: tensor<?x8x8x6xf32>, %w: tensor<3x3x3x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{conv2d filter [3, 3, 3, 4] does not fit input [B, 8, 8, 6] in 1 group(s): the filter's third axis must be C / groups = 6, and groups must divide C and OC}}
  %0 = strata.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : tensor<?x8x8x6xf32>, tensor<3x3x3x4xf32> -> tensor<?x6x6x4xf32>
  return
}

// -----

func.func @conv2d_window(%x: tensor<?x4x4x1xf32>, %w: tensor<5x5x1x2xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{conv2d window [5, 5] (dilation [1, 1]) does not fit in the padded [B, 4, 4, 1] image}}
  %0 = strata.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : tensor<?x4x4x1xf32>, tensor<5x5x1x2xf32> -> tensor<?x1x1x2xf32>
  return
}

// -----

func.func @conv2d_rank(%x: tensor<?x784xf32>, %w: tensor<3x3x1x2xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{conv2d needs NHWC images [B, H, W, C], got [B, 784]}}
  %0 = strata.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : tensor<?x784xf32>, tensor<3x3x1x2xf32> -> tensor<?x1x1x2xf32>
  return
}

// -----

func.func @pool_stride(%x: tensor<?x8x8x2xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{max_pool2d stride must be two integers >= 1 ([height, width]), got [0, 2]}}
  %0 = strata.max_pool2d %x window [2, 2] stride [0, 2] padding [0, 0] : tensor<?x8x8x2xf32> -> tensor<?x4x4x2xf32>
  return
}

// -----

func.func @pool_padding(%x: tensor<?x8x8x2xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{avg_pool2d padding [2, 2] must be at most half the window [3, 3]}}
  %0 = strata.avg_pool2d %x window [3, 3] stride [1, 1] padding [2, 2] : tensor<?x8x8x2xf32> -> tensor<?x10x10x2xf32>
  return
}

// -----

func.func @upsample_mode(%x: tensor<?x8x8x2xf32>) {
  // expected-error @+1 {{mode must be "nearest" or "bilinear", got "bicubic"}}
  %0 = strata.upsample2d %x factor 2 mode "bicubic" : tensor<?x8x8x2xf32> -> tensor<?x16x16x2xf32>
  return
}

// -----

func.func @col2im_columns(%c: tensor<?x4x4x10xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{col2im needs columns [B, OH, OW, KH*KW*C] for window [3, 3], got [B, 4, 4, 10]}}
  %0 = strata.col2im %c window [3, 3] stride [1, 1] padding [0, 0] dilation [1, 1] image [6, 6] : tensor<?x4x4x10xf32> -> tensor<?x6x6x1xf32>
  return
}

// -----

func.func @batch_norm_channels(%x: tensor<?x7x7x8xf32>, %g: tensor<8xf32>, %m: tensor<4xf32>) {
  // expected-error @+1 {{batch_norm scale, shift and running statistics must all be [8] for input [B, 7, 7, 8], got [4]}}
  %y, %mean, %var = strata.batch_norm %x, %g, %g, %m, %m eps 1.0e-05 momentum 1.0e-01 : tensor<?x7x7x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

func.func @batch_norm_momentum(%x: tensor<?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{momentum must be in [0, 1], got 1.5}}
  %y, %mean, %var = strata.batch_norm %x, %g, %g, %g, %g eps 1.0e-05 momentum 1.5 : tensor<?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @crop_scale(%x: tensor<?x28x28xf32>) {
  // expected-error @+1 {{random_resized_crop needs 0 < min_scale <= max_scale <= 1, got 0.5 and 1.5}}
  %c = strata.random_resized_crop %x scale 5.0e-01 to 1.5 ratio 7.5e-01 to 1.3333 stream 3 : tensor<?x28x28xf32>
  return
}

