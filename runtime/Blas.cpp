//===- Blas.cpp - the GEMM entry points compiled code calls ---------------===//
//
// strata-matmul-to-blas turns 2-D matmuls into calls of strata_gemm_f32/f64
// with llvm.emit_c_interface: C += op(A) op(B) on strided memref descriptors.
//
//===----------------------------------------------------------------------===//

#include "Blas.h"

#include <cblas.h>

namespace {
template <typename T> struct Descriptor2D {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
  T *data() const { return aligned + offset; }
  /// BLAS needs unit stride in the minor dimension.
  bool rowMajor() const { return strides[1] == 1; }
};
} // namespace

extern "C" void _mlir_ciface_strata_gemm_f32(void *a, void *b, void *c, int64_t ta, int64_t tb) {
  auto *A = static_cast<Descriptor2D<float> *>(a);
  auto *B = static_cast<Descriptor2D<float> *>(b);
  auto *C = static_cast<Descriptor2D<float> *>(c);
  int m = C->sizes[0], n = C->sizes[1];
  int k = ta ? A->sizes[0] : A->sizes[1];
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, 1.0f, A->data(), A->strides[0], B->data(), B->strides[0], 1.0f, C->data(),
              C->strides[0]);
}

extern "C" void _mlir_ciface_strata_gemm_f64(void *a, void *b, void *c, int64_t ta, int64_t tb) {
  auto *A = static_cast<Descriptor2D<double> *>(a);
  auto *B = static_cast<Descriptor2D<double> *>(b);
  auto *C = static_cast<Descriptor2D<double> *>(c);
  int m = C->sizes[0], n = C->sizes[1];
  int k = ta ? A->sizes[0] : A->sizes[1];
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, 1.0, A->data(), A->strides[0], B->data(), B->strides[0], 1.0, C->data(),
              C->strides[0]);
}

std::vector<std::pair<const char *, void *>> strata::runtime::blasSymbols() {
  return {{"_mlir_ciface_strata_gemm_f32", reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_f32)},
          {"_mlir_ciface_strata_gemm_f64", reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_f64)}};
}
