//===- Blas.cpp - the GEMM entry points compiled code calls ---------------===//
//
// strata-matmul-to-blas turns 2-D matmuls into calls of strata_gemm_f32/f64
// (batched ones into strata_gemm_batched_*) with llvm.emit_c_interface:
// C = op(A) op(B) (+ C when `accumulate`) on strided memref descriptors.
//
//===----------------------------------------------------------------------===//

#include "Blas.h"
#include "BufferCache.h"

#include <cblas.h>

#include <cstring>

namespace {
template <typename T> struct Descriptor2D {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
  T *data() const { return aligned + offset; }
};

template <typename T> struct Descriptor3D {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[3];
  int64_t strides[3];
  /// Matrix i as a 2-D descriptor.
  Descriptor2D<T> matrix(int64_t i) const {
    return {allocated, aligned, offset + i * strides[0], {sizes[1], sizes[2]}, {strides[1], strides[2]}};
  }
};

template <typename T> struct Descriptor1D {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t size;
  int64_t stride;
  const T &operator[](int64_t i) const { return aligned[offset + i * stride]; }
};
} // namespace

namespace {
void gemm(const Descriptor2D<float> *A, const Descriptor2D<float> *B, Descriptor2D<float> *C,
          CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float beta) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, A->data(), A->strides[0], B->data(),
              B->strides[0], beta, C->data(), C->strides[0]);
}
void gemm(const Descriptor2D<double> *A, const Descriptor2D<double> *B, Descriptor2D<double> *C,
          CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, double beta) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, A->data(), A->strides[0], B->data(),
              B->strides[0], beta, C->data(), C->strides[0]);
}

/// C = op(A) op(B) + beta C on row-major descriptors, beta 1 or 0.
template <typename T>
void gemmDescriptors(void *a, void *b, void *c, int64_t ta, int64_t tb, int64_t accumulate) {
  auto *A = static_cast<Descriptor2D<T> *>(a);
  auto *B = static_cast<Descriptor2D<T> *>(b);
  auto *C = static_cast<Descriptor2D<T> *>(c);
  int m = C->sizes[0], n = C->sizes[1];
  int k = ta ? A->sizes[0] : A->sizes[1];
  gemm(A, B, C, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k,
       accumulate ? T(1) : T(0));
}

/// The batched form: one GEMM per matrix of the batch.
template <typename T>
void batchedGemmDescriptors(void *a, void *b, void *c, int64_t ta, int64_t tb, int64_t accumulate) {
  auto *A = static_cast<Descriptor3D<T> *>(a);
  auto *B = static_cast<Descriptor3D<T> *>(b);
  auto *C = static_cast<Descriptor3D<T> *>(c);
  for (int64_t i = 0; i < C->sizes[0]; ++i) {
    Descriptor2D<T> ai = A->matrix(i), bi = B->matrix(i), ci = C->matrix(i);
    gemmDescriptors<T>(&ai, &bi, &ci, ta, tb, accumulate);
  }
}
} // namespace

/// The epilogue after the GEMM, with the float semantics of the generic it
/// replaces: addf, then arith.maximumf with +0 (NaN stays NaN, -0 becomes +0).
template <typename T> void biasEpilogue(void *d, void *bias, int64_t relu) {
  auto *D = static_cast<Descriptor2D<T> *>(d);
  auto *Bias = static_cast<Descriptor1D<T> *>(bias);
  for (int64_t i = 0; i < D->sizes[0]; ++i) {
    T *row = D->data() + i * D->strides[0];
    for (int64_t j = 0; j < D->sizes[1]; ++j) {
      T v = row[j * D->strides[1]] + (*Bias)[j];
      if (relu && (v < T(0) || v == T(0)))
        v = T(0);
      row[j * D->strides[1]] = v;
    }
  }
}

extern "C" void _mlir_ciface_strata_gemm_bias_f32(void *a, void *b, void *d, void *bias, int64_t ta,
                                                   int64_t tb, int64_t relu) {
  gemmDescriptors<float>(a, b, d, ta, tb, /*accumulate=*/0);
  biasEpilogue<float>(d, bias, relu);
}

extern "C" void _mlir_ciface_strata_gemm_bias_f64(void *a, void *b, void *d, void *bias, int64_t ta,
                                                   int64_t tb, int64_t relu) {
  gemmDescriptors<double>(a, b, d, ta, tb, /*accumulate=*/0);
  biasEpilogue<double>(d, bias, relu);
}

/// The column sums of 2-D B into `sums`, row after row from zero: the order
/// of the reduction loops the bias-gradient epilogue replaces.
template <typename T> void columnSums(void *b, void *sums) {
  auto *B = static_cast<Descriptor2D<T> *>(b);
  auto *S = static_cast<Descriptor1D<T> *>(sums);
  T *out = S->aligned + S->offset;
  for (int64_t j = 0; j < B->sizes[1]; ++j)
    out[j * S->stride] = T(0);
  for (int64_t i = 0; i < B->sizes[0]; ++i) {
    const T *row = B->data() + i * B->strides[0];
    for (int64_t j = 0; j < B->sizes[1]; ++j)
      out[j * S->stride] += row[j * B->strides[1]];
  }
}

extern "C" void _mlir_ciface_strata_gemm_bgrad_f32(void *a, void *b, void *c, void *bgrad, int64_t ta,
                                                    int64_t tb, int64_t) {
  gemmDescriptors<float>(a, b, c, ta, tb, /*accumulate=*/0);
  columnSums<float>(b, bgrad);
}

extern "C" void _mlir_ciface_strata_gemm_bgrad_f64(void *a, void *b, void *c, void *bgrad, int64_t ta,
                                                    int64_t tb, int64_t) {
  gemmDescriptors<double>(a, b, c, ta, tb, /*accumulate=*/0);
  columnSums<double>(b, bgrad);
}

extern "C" void _mlir_ciface_strata_gemm_f32(void *a, void *b, void *c, int64_t ta, int64_t tb,
                                              int64_t accumulate) {
  gemmDescriptors<float>(a, b, c, ta, tb, accumulate);
}

extern "C" void _mlir_ciface_strata_gemm_f64(void *a, void *b, void *c, int64_t ta, int64_t tb,
                                              int64_t accumulate) {
  gemmDescriptors<double>(a, b, c, ta, tb, accumulate);
}

extern "C" void _mlir_ciface_strata_gemm_batched_f32(void *a, void *b, void *c, int64_t ta,
                                                      int64_t tb, int64_t accumulate) {
  batchedGemmDescriptors<float>(a, b, c, ta, tb, accumulate);
}

extern "C" void _mlir_ciface_strata_gemm_batched_f64(void *a, void *b, void *c, int64_t ta,
                                                      int64_t tb, int64_t accumulate) {
  batchedGemmDescriptors<double>(a, b, c, ta, tb, accumulate);
}

std::vector<std::pair<const char *, void *>> strata::runtime::blasSymbols() {
  return {{"malloc", reinterpret_cast<void *>(&cachedMalloc)},
          {"free", reinterpret_cast<void *>(&cachedFree)},
          {"_mlir_ciface_strata_gemm_f32", reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_f32)},
          {"_mlir_ciface_strata_gemm_f64", reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_f64)},
          {"_mlir_ciface_strata_gemm_bias_f32", reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_bias_f32)},
          {"_mlir_ciface_strata_gemm_bias_f64", reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_bias_f64)},
          {"_mlir_ciface_strata_gemm_bgrad_f32", reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_bgrad_f32)},
          {"_mlir_ciface_strata_gemm_bgrad_f64", reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_bgrad_f64)},
          {"_mlir_ciface_strata_gemm_batched_f32", reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_batched_f32)},
          {"_mlir_ciface_strata_gemm_batched_f64", reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_batched_f64)},
          {"memrefCopy", reinterpret_cast<void *>(&memrefCopy)},
          // The GPU pipeline run on the CPU (CompileOptions::emulateGpu) calls
          // the cuBLASLt entry points; the BLAS computes the same thing.
          {"_mlir_ciface_strata_cublaslt_gemm_f32", reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_f32)},
          {"_mlir_ciface_strata_cublaslt_gemm_f64", reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_f64)},
          {"_mlir_ciface_strata_cublaslt_gemm_batched_f32",
           reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_batched_f32)},
          {"_mlir_ciface_strata_cublaslt_gemm_batched_f64",
           reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_batched_f64)},
          {"_mlir_ciface_strata_cublaslt_gemm_bias_f32",
           reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_bias_f32)},
          {"_mlir_ciface_strata_cublaslt_gemm_bias_f64",
           reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_bias_f64)},
          {"_mlir_ciface_strata_cublaslt_gemm_bgrad_f32",
           reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_bgrad_f32)},
          {"_mlir_ciface_strata_cublaslt_gemm_bgrad_f64",
           reinterpret_cast<void *>(&_mlir_ciface_strata_gemm_bgrad_f64)}};
}

namespace {
/// memref.copy of non-contiguous memrefs lowers to a call of memrefCopy with
/// unranked descriptors {rank, pointer to the ranked descriptor}.
struct UnrankedDescriptor {
  int64_t rank;
  void *descriptor;
};

/// Copies the innermost axis: one memcpy when both sides are contiguous there
/// (im2col's taps and concat's parts are rows of channels), else element by element.
void copyRow(const char *src, char *dst, int64_t elementSize, int64_t size, int64_t srcStride,
             int64_t dstStride) {
  if (srcStride == 1 && dstStride == 1) {
    std::memcpy(dst, src, size * elementSize);
    return;
  }
  for (int64_t i = 0; i < size; ++i)
    std::memcpy(dst + i * dstStride * elementSize, src + i * srcStride * elementSize, elementSize);
}

void copyStrided(const char *src, char *dst, int64_t elementSize, int64_t rank,
                 const int64_t *sizes, const int64_t *srcStrides, const int64_t *dstStrides) {
  if (rank == 0) {
    std::memcpy(dst, src, elementSize);
    return;
  }
  if (rank == 1) {
    copyRow(src, dst, elementSize, sizes[0], srcStrides[0], dstStrides[0]);
    return;
  }
  for (int64_t i = 0; i < sizes[0]; ++i)
    copyStrided(src + i * srcStrides[0] * elementSize, dst + i * dstStrides[0] * elementSize,
                elementSize, rank - 1, sizes + 1, srcStrides + 1, dstStrides + 1);
}
} // namespace

extern "C" void memrefCopy(int64_t elementSize, void *source, void *destination) {
  auto *src = static_cast<UnrankedDescriptor *>(source);
  auto *dst = static_cast<UnrankedDescriptor *>(destination);
  // Ranked descriptor: {allocated, aligned, offset, sizes[rank], strides[rank]}.
  auto *s = static_cast<int64_t *>(src->descriptor);
  auto *d = static_cast<int64_t *>(dst->descriptor);
  int64_t rank = src->rank;
  const char *srcData = reinterpret_cast<const char *>(s[1]) + s[2] * elementSize;
  char *dstData = reinterpret_cast<char *>(d[1]) + d[2] * elementSize;
  copyStrided(srcData, dstData, elementSize, rank, s + 3, s + 3 + rank, d + 3 + rank);
}
