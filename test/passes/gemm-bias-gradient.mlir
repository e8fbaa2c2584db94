// RUN: %strata-opt %s --split-input-file --strata-matmul-to-blas=library=cublaslt --canonicalize | FileCheck %s
// RUN: %strata-opt %s --split-input-file --strata-matmul-to-blas=library=blas --canonicalize | FileCheck %s --check-prefix=CPU

// strata-matmul-to-blas's bias-gradient epilogue: a linear layer's weight
// gradient dW = X^T dY (zero-filled) takes over the zero-filled column sums
// of dY (its bias gradient) computed before it: one call, which also writes
// the bias gradient; the reduction and both fills are gone.

#rows = affine_map<(d0, d1) -> (d0, d1)>
#cols = affine_map<(d0, d1) -> (d1)>

// CHECK-LABEL: func.func @dense
// CHECK-NOT: linalg.
// CHECK: call @strata_cublaslt_gemm_bgrad_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c1_i64, %c0_i64, %c0_i64)
// CHECK-NOT: linalg.
// CPU-LABEL: func.func @dense
// CPU: call @strata_gemm_bgrad_f32(
func.func @dense(%x: memref<4x3xf32>, %dy: memref<4x8xf32>, %grads: memref<32xf32>) {
  %zero = arith.constant 0.0 : f32
  %db = memref.subview %grads[24] [8] [1] : memref<32xf32> to memref<8xf32, strided<[1], offset: 24>>
  %dw = memref.expand_shape %grads [[0, 1]] output_shape [4, 8] : memref<32xf32> into memref<4x8xf32>
  %dw3 = memref.subview %dw[0, 0] [3, 8] [1, 1] : memref<4x8xf32> to memref<3x8xf32, strided<[8, 1]>>
  linalg.fill ins(%zero : f32) outs(%db : memref<8xf32, strided<[1], offset: 24>>)
  linalg.generic {indexing_maps = [#rows, #cols], iterator_types = ["reduction", "parallel"]}
      ins(%dy : memref<4x8xf32>) outs(%db : memref<8xf32, strided<[1], offset: 24>>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  linalg.fill ins(%zero : f32) outs(%dw3 : memref<3x8xf32, strided<[8, 1]>>)
  linalg.matmul_transpose_a ins(%x, %dy : memref<4x3xf32>, memref<4x8xf32>) outs(%dw3 : memref<3x8xf32, strided<[8, 1]>>)
  return
}

// -----

// A sequence linear: the sum runs over dY as [B, S, N], the GEMM reads the
// same buffer as [B*S, N].

#rows3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#cols3 = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @sequence
// CHECK-NOT: linalg.generic
// CHECK: call @strata_cublaslt_gemm_bgrad_f32(
func.func @sequence(%x: memref<8x3xf32>, %dy: memref<2x4x8xf32>, %db: memref<8xf32>, %dw: memref<3x8xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%db : memref<8xf32>)
  linalg.generic {indexing_maps = [#rows3, #cols3], iterator_types = ["reduction", "reduction", "parallel"]}
      ins(%dy : memref<2x4x8xf32>) outs(%db : memref<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    linalg.yield %s : f32
  }
  %rows = memref.collapse_shape %dy [[0, 1], [2]] : memref<2x4x8xf32> into memref<8x8xf32>
  linalg.fill ins(%zero : f32) outs(%dw : memref<3x8xf32>)
  linalg.matmul_transpose_a ins(%x, %rows : memref<8x3xf32>, memref<8x8xf32>) outs(%dw : memref<3x8xf32>)
  return
}

// -----

// Left as they are: dY written between the sum and the GEMM; the bias
// gradient read between them; a bias gradient 4 bytes off a 16-byte boundary.

#rows = affine_map<(d0, d1) -> (d0, d1)>
#cols = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @dy_written_between
// CHECK: linalg.generic
// CHECK: call @strata_cublaslt_gemm_f32(
// CHECK-LABEL: func.func @bias_read_between
// CHECK: linalg.generic
// CHECK: call @strata_cublaslt_gemm_f32(
// CHECK-LABEL: func.func @misaligned
// CHECK: linalg.generic
// CHECK: call @strata_cublaslt_gemm_f32(
func.func @dy_written_between(%x: memref<4x3xf32>, %dy: memref<4x8xf32>, %db: memref<8xf32>, %dw: memref<3x8xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%db : memref<8xf32>)
  linalg.generic {indexing_maps = [#rows, #cols], iterator_types = ["reduction", "parallel"]}
      ins(%dy : memref<4x8xf32>) outs(%db : memref<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  linalg.fill ins(%zero : f32) outs(%dy : memref<4x8xf32>)
  linalg.fill ins(%zero : f32) outs(%dw : memref<3x8xf32>)
  linalg.matmul_transpose_a ins(%x, %dy : memref<4x3xf32>, memref<4x8xf32>) outs(%dw : memref<3x8xf32>)
  return
}
func.func @bias_read_between(%x: memref<4x3xf32>, %dy: memref<4x8xf32>, %db: memref<8xf32>, %dw: memref<3x8xf32>,
                             %copy: memref<8xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%db : memref<8xf32>)
  linalg.generic {indexing_maps = [#rows, #cols], iterator_types = ["reduction", "parallel"]}
      ins(%dy : memref<4x8xf32>) outs(%db : memref<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  memref.copy %db, %copy : memref<8xf32> to memref<8xf32>
  linalg.fill ins(%zero : f32) outs(%dw : memref<3x8xf32>)
  linalg.matmul_transpose_a ins(%x, %dy : memref<4x3xf32>, memref<4x8xf32>) outs(%dw : memref<3x8xf32>)
  return
}
func.func @misaligned(%x: memref<4x3xf32>, %dy: memref<4x8xf32>, %grads: memref<16xf32>, %dw: memref<3x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %db = memref.subview %grads[1] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 1>>
  linalg.fill ins(%zero : f32) outs(%db : memref<8xf32, strided<[1], offset: 1>>)
  linalg.generic {indexing_maps = [#rows, #cols], iterator_types = ["reduction", "parallel"]}
      ins(%dy : memref<4x8xf32>) outs(%db : memref<8xf32, strided<[1], offset: 1>>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  linalg.fill ins(%zero : f32) outs(%dw : memref<3x8xf32>)
  linalg.matmul_transpose_a ins(%x, %dy : memref<4x3xf32>, memref<4x8xf32>) outs(%dw : memref<3x8xf32>)
  return
}
