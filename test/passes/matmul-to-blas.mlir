// RUN: %strata-opt %s --strata-matmul-to-blas --cse | FileCheck %s

// CHECK: func.func private @strata_gemm_batched_f32(memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, i64, i64, i64) attributes {llvm.emit_c_interface}
// CHECK: func.func private @strata_gemm_f32(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64, i64) attributes {llvm.emit_c_interface}
// The arguments after the operands: transpose A, transpose B, accumulate.
// CHECK-LABEL: func.func @gemms
// CHECK: call @strata_gemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i64, %c0_i64, %c1_i64)
// CHECK: call @strata_gemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i64, %c1_i64, %c1_i64)
// CHECK-NOT: linalg.matmul
func.func @gemms(%a: memref<4x3xf32>, %b: memref<3x2xf32>, %c: memref<4x2xf32>, %bt: memref<2x3xf32>) {
  linalg.matmul ins(%a, %b : memref<4x3xf32>, memref<3x2xf32>) outs(%c : memref<4x2xf32>)
  linalg.matmul_transpose_b ins(%a, %bt : memref<4x3xf32>, memref<2x3xf32>) outs(%c : memref<4x2xf32>)
  return
}

// A zero fill of C right before the GEMM is dropped; the call overwrites C
// (accumulate = 0). A fill of another value, or of another buffer, stays.
// CHECK-LABEL: func.func @zero_fill
// CHECK-NOT: linalg.fill
// CHECK: call @strata_gemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i64, %c0_i64, %c0_i64)
// CHECK-LABEL: func.func @other_fills
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg2 : memref<4x2xf32>)
// CHECK: call @strata_gemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i64, %c0_i64, %c1_i64)
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg3 : memref<4x2xf32>)
// CHECK: call @strata_gemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i64, %c0_i64, %c1_i64)
func.func @zero_fill(%a: memref<4x3xf32>, %b: memref<3x2xf32>, %c: memref<4x2xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<4x2xf32>)
  linalg.matmul ins(%a, %b : memref<4x3xf32>, memref<3x2xf32>) outs(%c : memref<4x2xf32>)
  return
}
func.func @other_fills(%a: memref<4x3xf32>, %b: memref<3x2xf32>, %c: memref<4x2xf32>, %d: memref<4x2xf32>) {
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%one : f32) outs(%c : memref<4x2xf32>)
  linalg.matmul ins(%a, %b : memref<4x3xf32>, memref<3x2xf32>) outs(%c : memref<4x2xf32>)
  linalg.fill ins(%zero : f32) outs(%d : memref<4x2xf32>)
  linalg.matmul ins(%a, %b : memref<4x3xf32>, memref<3x2xf32>) outs(%c : memref<4x2xf32>)
  return
}

// Batch matmuls call the batched entry point on [batch, rows, cols] views;
// the zero fill folds the same way.
// CHECK-LABEL: func.func @batched
// CHECK-NOT: linalg.fill
// CHECK: call @strata_gemm_batched_f32(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i64, %c1_i64, %c0_i64)
// CHECK: call @strata_gemm_batched_f32(%{{.*}}, %{{.*}}, %{{.*}}, %c1_i64, %c0_i64, %c1_i64)
// CHECK-NOT: linalg.batch_matmul
func.func @batched(%q: memref<6x4x5xf32>, %k: memref<6x4x5xf32>, %s: memref<6x4x4xf32>, %t: memref<6x5x5xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%s : memref<6x4x4xf32>)
  linalg.batch_matmul_transpose_b ins(%q, %k : memref<6x4x5xf32>, memref<6x4x5xf32>) outs(%s : memref<6x4x4xf32>)
  linalg.batch_matmul_transpose_a ins(%q, %k : memref<6x4x5xf32>, memref<6x4x5xf32>) outs(%t : memref<6x5x5xf32>)
  return
}

// Tensors (before bufferization) are left alone.
// CHECK-LABEL: func.func @tensors
// CHECK: linalg.matmul
func.func @tensors(%a: tensor<4x3xf32>, %b: tensor<3x2xf32>, %c: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<4x3xf32>, tensor<3x2xf32>) outs(%c : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// library=cublaslt: the same rewrite, calling the CUDA runtime's entry point.
// RUN: %strata-opt %s --strata-matmul-to-blas=library=cublaslt | FileCheck %s --check-prefix=CUDA
// CUDA: func.func private @strata_cublaslt_gemm_f32(
// CUDA-LABEL: func.func @gemms
// CUDA: call @strata_cublaslt_gemm_f32(
// CUDA-NOT: call @strata_gemm_f32
// CUDA-LABEL: func.func @batched
// CUDA: call @strata_cublaslt_gemm_batched_f32(
// RUN: not %strata-opt %s --strata-matmul-to-blas=library=mkl 2>&1 | FileCheck %s --check-prefix=BADLIB
// BADLIB: error: strata-matmul-to-blas library must be blas or cublaslt, got 'mkl'
