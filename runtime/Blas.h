//===- Blas.h - the GEMM entry points compiled code calls -------*- C++ -*-===//
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

/// C = op(A) op(B), plus C when `accumulate` (linalg.matmul's semantics).
extern "C" void _mlir_ciface_strata_gemm_f32(void *a, void *b, void *c, int64_t ta, int64_t tb,
                                              int64_t accumulate);
extern "C" void _mlir_ciface_strata_gemm_f64(void *a, void *b, void *c, int64_t ta, int64_t tb,
                                              int64_t accumulate);

/// The same on [batch, rows, cols] views: C[i] = op(A[i]) op(B[i]) (+ C[i]).
extern "C" void _mlir_ciface_strata_gemm_batched_f32(void *a, void *b, void *c, int64_t ta,
                                                      int64_t tb, int64_t accumulate);
extern "C" void _mlir_ciface_strata_gemm_batched_f64(void *a, void *b, void *c, int64_t ta,
                                                      int64_t tb, int64_t accumulate);

/// D = op(A) op(B) + bias (a row vector), then max(., 0) when `relu`: a GEMM
/// with the bias add (and ReLU) of a linear layer as its epilogue.
extern "C" void _mlir_ciface_strata_gemm_bias_f32(void *a, void *b, void *d, void *bias, int64_t ta,
                                                   int64_t tb, int64_t relu);
extern "C" void _mlir_ciface_strata_gemm_bias_f64(void *a, void *b, void *d, void *bias, int64_t ta,
                                                   int64_t tb, int64_t relu);

/// C = op(A) op(B), and `bgrad` the column sums of B (a linear layer's bias
/// gradient, when C is its weight gradient X^T dY): a GEMM with the bias
/// gradient as its epilogue. The last argument is unused (0).
extern "C" void _mlir_ciface_strata_gemm_bgrad_f32(void *a, void *b, void *c, void *bgrad, int64_t ta,
                                                    int64_t tb, int64_t unused);
extern "C" void _mlir_ciface_strata_gemm_bgrad_f64(void *a, void *b, void *c, void *bgrad, int64_t ta,
                                                    int64_t tb, int64_t unused);

/// The strided copy that memref.copy lowers to for non-contiguous memrefs.
extern "C" void memrefCopy(int64_t elementSize, void *source, void *destination);

namespace strata::runtime {
/// (symbol, address) of every runtime function compiled code calls, for a
/// JIT: the GEMMs, memrefCopy, and malloc and free (BufferCache.h).
std::vector<std::pair<const char *, void *>> blasSymbols();
} // namespace strata::runtime
