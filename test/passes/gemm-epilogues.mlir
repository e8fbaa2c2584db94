// RUN: %strata-opt %s --split-input-file --strata-matmul-to-blas=library=cublaslt --canonicalize | FileCheck %s

// strata-matmul-to-blas's epilogues: a zero-filled GEMM whose result only
// feeds a bias add (then optionally ReLU) writes the bias add's output itself,
// cuBLASLt's BIAS / RELU_BIAS epilogue; the last flag is ReLU.

#rows = affine_map<(d0, d1) -> (d0, d1)>
#cols = affine_map<(d0, d1) -> (d1)>

// CHECK-LABEL: func.func @relu_bias
// CHECK-NOT: linalg.generic
// CHECK-NOT: memref.alloc
// CHECK: call @strata_cublaslt_gemm_bias_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c0_i64, %c0_i64, %c1_i64)
// CHECK-NOT: linalg.generic
// CHECK-LABEL: func.func @bias_only
// CHECK: call @strata_cublaslt_gemm_bias_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c0_i64, %c1_i64, %c0_i64)
// CHECK-NOT: linalg.generic
func.func @relu_bias(%x: memref<4x3xf32>, %w: memref<3x8xf32>, %params: memref<16xf32>, %d: memref<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %bias = memref.subview %params[8] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 8>>
  %c = memref.alloc() : memref<4x8xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<4x8xf32>)
  linalg.matmul ins(%x, %w : memref<4x3xf32>, memref<3x8xf32>) outs(%c : memref<4x8xf32>)
  linalg.generic {indexing_maps = [#rows, #cols, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<4x8xf32>, memref<8xf32, strided<[1], offset: 8>>) outs(%d : memref<4x8xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return
}
func.func @bias_only(%x: memref<4x3xf32>, %wt: memref<8x3xf32>, %bias: memref<8xf32>, %d: memref<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<4x8xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<4x8xf32>)
  linalg.matmul_transpose_b ins(%x, %wt : memref<4x3xf32>, memref<8x3xf32>) outs(%c : memref<4x8xf32>)
  %d2 = memref.alloc() : memref<4x8xf32>
  linalg.generic {indexing_maps = [#cols, #rows, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%bias, %c : memref<8xf32>, memref<4x8xf32>) outs(%d : memref<4x8xf32>) {
  ^bb0(%b: f32, %in: f32, %out: f32):
    %s = arith.addf %b, %in : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#rows = affine_map<(d0, d1) -> (d0, d1)>
#cols = affine_map<(d0, d1) -> (d1)>

// What must not fuse: C read again after the bias add; an accumulating GEMM
// (no zero fill); a bias add that writes one of the GEMM's inputs; a bias
// that does not start on 16 bytes (offset 3 floats); a bias add followed by
// another op (tanh).
// CHECK-LABEL: func.func @no_epilogue
// CHECK-NOT: gemm_bias
// CHECK-COUNT-5: call @strata_cublaslt_gemm_f32
// CHECK-NOT: gemm_bias
func.func @no_epilogue(%x: memref<4x8xf32>, %w: memref<8x8xf32>, %params: memref<16xf32>,
                       %d: memref<4x8xf32>, %e: memref<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %bias = memref.subview %params[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
  %odd = memref.subview %params[3] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 3>>
  %c = memref.alloc() : memref<4x8xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<4x8xf32>)
  linalg.matmul ins(%x, %w : memref<4x8xf32>, memref<8x8xf32>) outs(%c : memref<4x8xf32>)
  linalg.generic {indexing_maps = [#rows, #cols, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<4x8xf32>, memref<8xf32, strided<[1]>>) outs(%d : memref<4x8xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  }
  memref.copy %c, %e : memref<4x8xf32> to memref<4x8xf32>
  %c2 = memref.alloc() : memref<4x8xf32>
  linalg.matmul ins(%x, %w : memref<4x8xf32>, memref<8x8xf32>) outs(%c2 : memref<4x8xf32>)
  linalg.generic {indexing_maps = [#rows, #cols, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%c2, %bias : memref<4x8xf32>, memref<8xf32, strided<[1]>>) outs(%d : memref<4x8xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  }
  %c3 = memref.alloc() : memref<4x8xf32>
  linalg.fill ins(%zero : f32) outs(%c3 : memref<4x8xf32>)
  linalg.matmul ins(%x, %w : memref<4x8xf32>, memref<8x8xf32>) outs(%c3 : memref<4x8xf32>)
  linalg.generic {indexing_maps = [#rows, #cols, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%c3, %bias : memref<4x8xf32>, memref<8xf32, strided<[1]>>) outs(%x : memref<4x8xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  }
  %c4 = memref.alloc() : memref<4x8xf32>
  linalg.fill ins(%zero : f32) outs(%c4 : memref<4x8xf32>)
  linalg.matmul ins(%x, %w : memref<4x8xf32>, memref<8x8xf32>) outs(%c4 : memref<4x8xf32>)
  linalg.generic {indexing_maps = [#rows, #cols, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%c4, %odd : memref<4x8xf32>, memref<8xf32, strided<[1], offset: 3>>) outs(%d : memref<4x8xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  }
  %c5 = memref.alloc() : memref<4x8xf32>
  linalg.fill ins(%zero : f32) outs(%c5 : memref<4x8xf32>)
  linalg.matmul ins(%x, %w : memref<4x8xf32>, memref<8x8xf32>) outs(%c5 : memref<4x8xf32>)
  linalg.generic {indexing_maps = [#rows, #cols, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%c5, %bias : memref<4x8xf32>, memref<8xf32, strided<[1]>>) outs(%d : memref<4x8xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    %t = math.tanh %s : f32
    linalg.yield %t : f32
  }
  return
}

// -----

// On a sequence the add runs over [B, S, N] and reads C through an
// expand_shape of its rows; the GEMM writes D collapsed to [B*S, N]. An
// expand_shape that splits the columns is not a row view: no epilogue.
#seq = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#last = affine_map<(d0, d1, d2) -> (d2)>

// CHECK: func.func private @strata_cublaslt_gemm_bias_f32(
// CHECK-LABEL: func.func @sequence_bias
// CHECK: %[[D:.*]] = memref.collapse_shape %arg3 {{\[}}[0, 1], [2]] : memref<2x4x8xf32> into memref<8x8xf32>
// CHECK: %[[DC:.*]] = memref.cast %[[D]]
// CHECK: call @strata_cublaslt_gemm_bias_f32(%{{.*}}, %{{.*}}, %[[DC]], %{{.*}}, %c0_i64, %c0_i64, %c0_i64)
// CHECK-NOT: linalg.generic
// CHECK-NOT: memref.expand_shape
// CHECK-LABEL: func.func @columns_split
// CHECK: call @strata_cublaslt_gemm_f32(
// CHECK: linalg.generic
func.func @sequence_bias(%x: memref<8x3xf32>, %w: memref<3x8xf32>, %bias: memref<8xf32>, %d: memref<2x4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<8x8xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<8x8xf32>)
  linalg.matmul ins(%x, %w : memref<8x3xf32>, memref<3x8xf32>) outs(%c : memref<8x8xf32>)
  %c3 = memref.expand_shape %c [[0, 1], [2]] output_shape [2, 4, 8] : memref<8x8xf32> into memref<2x4x8xf32>
  linalg.generic {indexing_maps = [#seq, #last, #seq], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c3, %bias : memref<2x4x8xf32>, memref<8xf32>) outs(%d : memref<2x4x8xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  }
  return
}
func.func @columns_split(%x: memref<8x3xf32>, %w: memref<3x8xf32>, %bias: memref<4xf32>, %d: memref<8x2x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<8x8xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<8x8xf32>)
  linalg.matmul ins(%x, %w : memref<8x3xf32>, memref<3x8xf32>) outs(%c : memref<8x8xf32>)
  %c3 = memref.expand_shape %c [[0], [1, 2]] output_shape [8, 2, 4] : memref<8x8xf32> into memref<8x2x4xf32>
  linalg.generic {indexing_maps = [#seq, #last, #seq], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c3, %bias : memref<8x2x4xf32>, memref<4xf32>) outs(%d : memref<8x2x4xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  }
  return
}
