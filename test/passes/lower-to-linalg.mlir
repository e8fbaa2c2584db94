// RUN: %strata-opt %s --pass-pipeline='builtin.module(func.func(strata-lower-to-linalg))' -split-input-file | FileCheck %s

// A bias add broadcasts through the indexing map, not a copy.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @bias_add
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.addf
func.func @bias_add(%x: tensor<4x3xf32>, %b: tensor<3xf32>) -> tensor<4x3xf32> {
  %y = strata.add %x, %b : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

// 2-D matmuls become named ops (the BLAS rewrite matches them), accumulating
// into a zero fill.
// CHECK-LABEL: func.func @matmuls
// CHECK: linalg.fill
// CHECK: linalg.matmul ins
// CHECK: linalg.matmul_transpose_a ins
// CHECK: linalg.matmul_transpose_b ins
func.func @matmuls(%a: tensor<4x3xf32>, %b: tensor<3x2xf32>, %c: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<3x2xf32>, tensor<4x3xf32>) {
  %0 = strata.matmul %a, %b : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
  %1 = strata.matmul %a, %c {transpose_lhs} : tensor<4x3xf32>, tensor<4x2xf32> -> tensor<3x2xf32>
  %2 = strata.matmul %c, %b {transpose_rhs} : tensor<4x2xf32>, tensor<3x2xf32> -> tensor<4x3xf32>
  return %0, %1, %2 : tensor<4x2xf32>, tensor<3x2xf32>, tensor<4x3xf32>
}

// -----

// Matmuls with equal batch axes (attention's [B, H, S, d]) fold the batch
// into one axis and become named batch matmuls; a broadcast batch axis keeps
// the general loops.
// CHECK-LABEL: func.func @batched
// CHECK-NOT: linalg.fill {{.*}} tensor<2x3x4x4xf32>
// CHECK: tensor.expand_shape {{.*}} : tensor<120xf32> into tensor<6x4x5xf32>
// CHECK: linalg.batch_matmul_transpose_b ins({{.*}} : tensor<6x4x5xf32>, tensor<6x4x5xf32>)
// CHECK: tensor.expand_shape {{.*}} into tensor<2x3x4x4xf32>
// CHECK: linalg.batch_matmul ins({{.*}} : tensor<6x4x4xf32>, tensor<6x4x5xf32>)
// CHECK: linalg.batch_matmul_transpose_a ins({{.*}} : tensor<6x4x5xf32>, tensor<6x4x4xf32>)
// CHECK-LABEL: func.func @broadcast_batch
// CHECK-NOT: linalg.batch_matmul
// CHECK: linalg.generic
func.func @batched(%q: tensor<2x3x4x5xf32>, %k: tensor<2x3x4x5xf32>) -> (tensor<2x3x4x4xf32>, tensor<2x3x4x5xf32>, tensor<2x3x5x4xf32>) {
  %s = strata.matmul %q, %k {transpose_rhs} : tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32> -> tensor<2x3x4x4xf32>
  %o = strata.matmul %s, %k : tensor<2x3x4x4xf32>, tensor<2x3x4x5xf32> -> tensor<2x3x4x5xf32>
  %t = strata.matmul %q, %s {transpose_lhs} : tensor<2x3x4x5xf32>, tensor<2x3x4x4xf32> -> tensor<2x3x5x4xf32>
  return %s, %o, %t : tensor<2x3x4x4xf32>, tensor<2x3x4x5xf32>, tensor<2x3x5x4xf32>
}
func.func @broadcast_batch(%a: tensor<1x4x5xf32>, %b: tensor<3x5x2xf32>) -> tensor<3x4x2xf32> {
  %y = strata.matmul %a, %b : tensor<1x4x5xf32>, tensor<3x5x2xf32> -> tensor<3x4x2xf32>
  return %y : tensor<3x4x2xf32>
}

// -----

// Reductions: a reduction iterator and a -inf start for the maximum.
// CHECK-LABEL: func.func @reduce_max
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: tensor.expand_shape
func.func @reduce_max(%x: tensor<4x3xf32>) -> tensor<4x1xf32> {
  %y = strata.reduce_max %x axes [1] keep_dims : tensor<4x3xf32> -> tensor<4x1xf32>
  return %y : tensor<4x1xf32>
}

// -----

// Random ops run Philox in the loop body, keyed by the seed and step arguments.
// CHECK-LABEL: func.func @dropout
// CHECK: linalg.generic
// CHECK: linalg.index
// CHECK-COUNT-20: arith.mului_extended
// CHECK: arith.select
func.func @dropout(%x: tensor<8xf32>, %seed: i64 {strata.seed}, %step: i64 {strata.step}) -> tensor<8xf32> {
  %y = strata.dropout %x rate 5.000000e-01 stream 0 : tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// random_flip: one Philox draw per image (the leading loop), then the width
// index is mirrored (4 - w) where the draw's low bit is set.
// CHECK-LABEL: func.func @random_flip
// CHECK: linalg.generic {{.*}}outs(%{{.*}} : tensor<2x3x5xf32>)
// CHECK: %[[IMAGE:.*]] = linalg.index 0 : index
// CHECK-COUNT-20: arith.mului_extended
// CHECK: %[[BIT:.*]] = arith.andi
// CHECK: %[[FLIP:.*]] = arith.cmpi eq, %[[BIT]]
// CHECK: %[[W:.*]] = linalg.index 2 : index
// CHECK: %[[LAST:.*]] = arith.constant 4 : index
// CHECK: %[[MIRRORED:.*]] = arith.subi %[[LAST]], %[[W]] : index
// CHECK: %[[COLUMN:.*]] = arith.select %[[FLIP]], %[[MIRRORED]], %[[W]] : index
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %[[COLUMN]]] : tensor<2x3x5xf32>
func.func @random_flip(%x: tensor<2x3x5xf32>, %seed: i64 {strata.seed}, %step: i64 {strata.step}) -> tensor<2x3x5xf32> {
  %y = strata.random_flip %x stream 7 : tensor<2x3x5xf32>
  return %y : tensor<2x3x5xf32>
}

// -----

// random_scale: one draw per row, a factor low + u (high - low), applied to
// every element of the row.
// CHECK-LABEL: func.func @random_scale
// CHECK: linalg.generic {{.*}}ins(%{{.*}} : tensor<2x3xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK: linalg.index 0 : index
// CHECK-COUNT-20: arith.mului_extended
// CHECK: %[[U:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: %[[SPAN:.*]] = arith.mulf %[[U]], %{{.*}} : f32
// CHECK: %[[FACTOR:.*]] = arith.addf %{{.*}}, %[[SPAN]] : f32
// CHECK: %[[OUT:.*]] = arith.mulf %[[IN]], %[[FACTOR]] : f32
// CHECK: linalg.yield %[[OUT]] : f32
func.func @random_scale(%x: tensor<2x3xf32>, %seed: i64 {strata.seed}, %step: i64 {strata.step}) -> tensor<2x3xf32> {
  %y = strata.random_scale %x low 0.5 high 1.5 stream 8 : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// The optimizer is one loop over the arena: Adam updates params, m and v together.
// CHECK-LABEL: func.func @adam
// CHECK: math.powf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%{{.*}} : tensor<6xf32>) outs(%{{.*}}, %{{.*}}, %{{.*}} : tensor<6xf32>, tensor<6xf32>, tensor<6xf32>)
// CHECK: math.sqrt
// CHECK: tensor.insert_slice
func.func @adam(%p: tensor<6xf32>, %g: tensor<6xf32>, %s: tensor<12xf32>, %n: tensor<f32>, %t: i64) -> (tensor<6xf32>, tensor<12xf32>) {
  %p2, %s2 = strata.optimizer_update "adam" %p, %g, %s, %n, %t {lr = 1.0e-03 : f64} : tensor<6xf32>, tensor<12xf32>, tensor<f32>
  return %p2, %s2 : tensor<6xf32>, tensor<12xf32>
}

// -----

// word2vec's linear decay: lr - (lr - min_lr) * min(step / total, 1), in f64
// before the loop.
// CHECK-LABEL: func.func @sgd_linear_decay
// CHECK: %[[T:.*]] = arith.sitofp %{{.*}} : i64 to f64
// CHECK: %[[P:.*]] = arith.divf %[[T]], %{{.*}} : f64
// CHECK: %[[C:.*]] = arith.minimumf %[[P]], %{{.*}} : f64
// CHECK: %[[D:.*]] = arith.mulf %{{.*}}, %[[C]] : f64
// CHECK: arith.subf %{{.*}}, %[[D]] : f64
// CHECK: linalg.generic
func.func @sgd_linear_decay(%p: tensor<6xf32>, %g: tensor<6xf32>, %s: tensor<0xf32>, %n: tensor<f32>, %t: i64) -> (tensor<6xf32>, tensor<0xf32>) {
  %p2, %s2 = strata.optimizer_update "sgd" %p, %g, %s, %n, %t {lr = 2.5e-02 : f64, schedule = "linear", min_lr = 1.0e-04 : f64, total_steps = 1000 : i64} : tensor<6xf32>, tensor<0xf32>, tensor<f32>
  return %p2, %s2 : tensor<6xf32>, tensor<0xf32>
}

// -----

// One-hot compares labels as i64; i32 labels are sign-extended, i64 used as is.
// CHECK-LABEL: func.func @one_hot
// CHECK: arith.extsi %{{.*}} : i32 to i64
// CHECK-LABEL: func.func @one_hot_i64
// CHECK-NOT: arith.extsi
// CHECK: arith.cmpi eq
func.func @one_hot(%l: tensor<4xi32>) -> tensor<4x3xf32> {
  %0 = strata.one_hot %l depth 3 : tensor<4xi32> -> f32
  return %0 : tensor<4x3xf32>
}
func.func @one_hot_i64(%l: tensor<4xi64>) -> tensor<4x3xf32> {
  %0 = strata.one_hot %l depth 3 : tensor<4xi64> -> f32
  return %0 : tensor<4x3xf32>
}

// -----

// A label mask is elementwise over the labels: 1 where 0 <= label < classes.
// CHECK-LABEL: func.func @label_mask
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins(%{{.*}} : tensor<2x4xi32>) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: arith.extsi %{{.*}} : i32 to i64
// CHECK-DAG: %[[GE:.*]] = arith.cmpi sge
// CHECK-DAG: %[[LT:.*]] = arith.cmpi slt
// CHECK: %[[IN:.*]] = arith.andi %[[GE]], %[[LT]] : i1
// CHECK: arith.select %[[IN]]
func.func @label_mask(%l: tensor<2x4xi32>) -> tensor<2x4xf32> {
  %0 = strata.label_mask %l classes 3 : tensor<2x4xi32> -> f32
  return %0 : tensor<2x4xf32>
}

// -----

// The label's logit is a gather of one element per row; a label that is no
// class (the ignore index) reads class 0 and gives 0.
// CHECK-LABEL: func.func @pick_label
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins(%{{.*}} : tensor<2x4xi32>) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: %[[IN:.*]] = arith.andi
// CHECK: %[[CLS:.*]] = arith.select %[[IN]], %{{.*}}, %{{.*}} : i64
// CHECK: %[[C:.*]] = arith.index_cast %[[CLS]] : i64 to index
// CHECK-DAG: %[[I:.*]] = linalg.index 0 : index
// CHECK-DAG: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[V:.*]] = tensor.extract %{{.*}}[%[[I]], %[[J]], %[[C]]] : tensor<2x4x3xf32>
// CHECK: arith.select %[[IN]], %[[V]], %{{.*}} : f32
// CHECK-NOT: linalg.generic
func.func @pick_label(%x: tensor<2x4x3xf32>, %l: tensor<2x4xi32>) -> tensor<2x4xf32> {
  %0 = strata.pick_label %x, %l : tensor<2x4x3xf32>, tensor<2x4xi32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// BERT masking: reserved ids (below 3) are never picked, random ids are drawn
// in [3, vocab), and unpicked labels hold the ignore index, -100 (an I64Attr
// read as unsigned once made this 0, the padding id, so the loss scored
// every unpicked position as padding).
// CHECK-LABEL: func.func @mlm_mask
// CHECK: linalg.generic
// CHECK: %[[RESERVED:.*]] = arith.constant 3 : i32
// CHECK: arith.cmpi sge, %{{.*}}, %[[RESERVED]] : i32
// CHECK: %[[SPAN:.*]] = arith.constant 13 : i32
// CHECK: arith.remui %{{.*}}, %[[SPAN]] : i32
// CHECK: %[[IGNORE:.*]] = arith.constant -100 : i32
// CHECK: arith.select %{{.*}}, %{{.*}}, %[[IGNORE]] : i32
func.func @mlm_mask(%t: tensor<2x8xi32>, %seed: i64 {strata.seed}, %step: i64 {strata.step}) -> (tensor<2x8xi32>, tensor<2x8xi32>) {
  %0:2 = strata.mlm_mask %t rate 0.15 mask_token 1 vocab 16 reserved 3 ignore -100 stream 0 : tensor<2x8xi32>
  return %0#0, %0#1 : tensor<2x8xi32>, tensor<2x8xi32>
}

// -----

// Padding flags: 1.0 where the token is not the pad id.
// CHECK-LABEL: func.func @token_mask
// CHECK: linalg.generic
// CHECK: arith.cmpi ne, %{{.*}}, %{{.*}} : i32
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
func.func @token_mask(%t: tensor<2x8xi32>) -> tensor<2x8xf32> {
  %0 = strata.token_mask %t pad 0 : tensor<2x8xi32> -> f32
  return %0 : tensor<2x8xf32>
}

// -----

// im2col: the input inserted into a zero padded image, then one gather over
// (b, y, x, i, j, c) reading (b, 2y + i, 2x + 2j, c): stride 2, dilation
// [1, 2]; the [B, OH, OW, KH, KW, C] result reshaped to the columns.
// CHECK-DAG: #[[READ:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 * 2 + d4 * 2, d5)>
// CHECK-LABEL: func.func @im2col
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 1, 1, 0] [2, 6, 6, 3] [1, 1, 1, 1] : tensor<2x6x6x3xf32> into tensor<2x8x8x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[READ]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%{{.*}} : tensor<2x8x8x3xf32>) outs(%{{.*}} : tensor<2x4x3x2x2x3xf32>)
func.func @im2col(%x: tensor<2x6x6x3xf32>) -> tensor<2x4x3x12xf32> {
  %c = strata.im2col %x window [2, 2] stride [2, 2] padding [1, 1] dilation [1, 2] : tensor<2x6x6x3xf32> -> tensor<2x4x3x12xf32>
  return %c : tensor<2x4x3x12xf32>
}

// -----

// col2im: each of the 4 taps added in place into its strided view of a zero
// padded image; the padding cut off at the end.
// CHECK-LABEL: func.func @col2im
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [2, 4, 3, 3] [1, 2, 2, 1] : tensor<2x8x8x3xf32> to tensor<2x4x3x3xf32>
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 0] [2, 4, 3, 3] [1, 2, 2, 1]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 2, 0] [2, 4, 3, 3] [1, 2, 2, 1]
// CHECK: tensor.extract_slice %{{.*}}[0, 1, 0, 0] [2, 4, 3, 3] [1, 2, 2, 1]
// CHECK: tensor.extract_slice %{{.*}}[0, 1, 2, 0] [2, 4, 3, 3] [1, 2, 2, 1]
// CHECK: tensor.extract_slice %{{.*}}[0, 1, 1, 0] [2, 6, 6, 3] [1, 1, 1, 1] : tensor<2x8x8x3xf32> to tensor<2x6x6x3xf32>
func.func @col2im(%c: tensor<2x4x3x12xf32>) -> tensor<2x6x6x3xf32> {
  %x = strata.col2im %c window [2, 2] stride [2, 2] padding [1, 1] dilation [1, 2] image [6, 6] : tensor<2x4x3x12xf32> -> tensor<2x6x6x3xf32>
  return %x : tensor<2x6x6x3xf32>
}

// -----

// A splat constant (the zero gradient of a parameter nothing differentiates)
// is a fill of an empty tensor: no dense global, which a GPU bundle cannot
// describe. A rank-0 constant stays a constant.
// CHECK-LABEL: func.func @splat
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<784xf32>) -> tensor<784xf32>
// CHECK-NOT: dense<0.000000e+00> : tensor<784xf32>
func.func @splat() -> tensor<784xf32> {
  %z = strata.constant dense<0.0> : tensor<784xf32>
  return %z : tensor<784xf32>
}
