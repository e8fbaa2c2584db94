//===- GpuSearch.h - exact nearest neighbours on a GPU -----------*- C++ -*-===//
//
// runtime/VectorSearch.h's exact search on GPU 0. The index is uploaded (its
// rows made unit length for cosine), and the queries go in blocks: each
// block's scores are one cuBLASLt GEMM (FP32) against every row, and the
// top-k kernels (compiler/kernels/top-k.mlir, PTX and launch plans from the
// compiler: TopKLaunchPlan.h) rank each query's best as the CPU ranks them,
// higher score first, then the lower id. Excluded ids are dropped from the
// k + (longest exclude list) best.
//
// The GEMM sums in another order than the CPU's BLAS, so scores may differ
// in the last bits and rows whose scores tie that closely may swap places.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Driver.h"
#include "TopKLaunchPlan.h"
#include "VectorSearch.h"

#include <memory>
#include <string>
#include <vector>

namespace strata::runtime {

class GpuExactSearch {
public:
  /// Creates a context on device 0 and loads the kernels; throws CudaError.
  explicit GpuExactSearch(const TopKKernels &kernels);
  ~GpuExactSearch();
  GpuExactSearch(const GpuExactSearch &) = delete;
  GpuExactSearch &operator=(const GpuExactSearch &) = delete;

  /// exactSearch(index, queries, k, similarity, exclude), on the GPU.
  std::vector<std::vector<Neighbour>> search(const Tensor &index, const Tensor &queries, int64_t k,
                                             Similarity similarity,
                                             const std::vector<std::vector<int64_t>> &exclude = {});

  std::string deviceName() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace strata::runtime
