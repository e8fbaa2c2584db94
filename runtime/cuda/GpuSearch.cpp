//===- GpuSearch.cpp - exact nearest neighbours on a GPU ------------------===//

#include "GpuSearch.h"

#include <algorithm>
#include <climits>
#include <map>
#include <cstring>

using namespace strata::runtime;

namespace {

/// Lanes per query in top_k_lanes: its threads per block.
constexpr int64_t kLanes = 128;
/// Device memory one block of queries may take (scores and lists).
constexpr int64_t kBlockBudgetBytes = int64_t(256) << 20;

/// Device memory freed with its owner.
struct DeviceBuffer {
  CUdeviceptr ptr = 0;
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes) { check(driver().cuMemAlloc(&ptr, std::max<size_t>(bytes, 1)), "cuMemAlloc"); }
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  ~DeviceBuffer() {
    if (ptr)
      driver().cuMemFree(ptr);
  }
};

/// An argument of a host function of the top-k kernels: a 1-D buffer or an index.
struct HostArg {
  CUdeviceptr buffer = 0;
  int64_t value = 0; // the buffer's elements, or the index
  bool isBuffer = false;
};

HostArg bufferArg(const DeviceBuffer &b, int64_t elements) { return {b.ptr, elements, true}; }
HostArg indexArg(int64_t value) { return {0, value, false}; }

/// One block of queries: how many, and the device buffers they use.
struct BlockBuffers {
  DeviceBuffer queries, scores, listScores, listIds, outScores, outIds;
  BlockBuffers(int64_t block, int64_t rows, int64_t dim, int64_t want)
      : queries(block * dim * 4), scores(block * rows * 4), listScores(block * kLanes * want * 4),
        listIds(block * kLanes * want * 4), outScores(block * want * 4), outIds(block * want * 4) {}
};

} // namespace

struct GpuExactSearch::Impl {
  CUdevice device = 0;
  CUcontext context = nullptr;
  CUstream stream = nullptr;
  CUmodule module = nullptr;
  cublasLtHandle_t lt = nullptr;
  TopKKernels kernels;
  std::map<std::string, CUfunction> functions; // by host function

  /// Launches host function `name`'s kernel with `args` in its plan's order;
  /// a 1-D memref parameter is (allocated, aligned, offset, size, stride).
  void launch(const std::string &name, const std::vector<HostArg> &args) {
    const KernelLaunchPlan &plan = kernels.functions.at(name);
    std::vector<uint64_t> slots;
    for (int p : plan.params) {
      const HostArg &a = args.at(p);
      if (a.isBuffer)
        slots.insert(slots.end(), {a.buffer, a.buffer, 0, static_cast<uint64_t>(a.value), 1});
      else
        slots.push_back(static_cast<uint64_t>(a.value));
    }
    std::vector<void *> pointers;
    for (uint64_t &slot : slots)
      pointers.push_back(&slot);
    auto extent = [&](const LaunchExtent &e) {
      return static_cast<unsigned>(e.arg >= 0 ? args.at(e.arg).value : e.value);
    };
    check(driver().cuLaunchKernel(functions.at(name), extent(plan.blocks), 1, 1, extent(plan.threads), 1, 1, 0,
                                  stream, pointers.data(), nullptr),
          "cuLaunchKernel");
  }

  /// scores [block, rows] = queries [block, dim] x index [rows, dim]^T. In
  /// cuBLASLt's column-major terms: scores^T = index^T(op T) x queries^T.
  void scoreBlock(CUdeviceptr index, const BlockBuffers &b, int64_t block, int64_t rows, int64_t dim) {
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t indexLayout = nullptr, queryLayout = nullptr, scoreLayout = nullptr;
    check(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F), "cublasLtMatmulDescCreate");
    cublasOperation_t transpose = CUBLAS_OP_T;
    check(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &transpose, sizeof transpose),
          "TRANSA");
    check(cublasLtMatrixLayoutCreate(&indexLayout, CUDA_R_32F, dim, rows, dim), "cublasLtMatrixLayoutCreate");
    check(cublasLtMatrixLayoutCreate(&queryLayout, CUDA_R_32F, dim, block, dim), "cublasLtMatrixLayoutCreate");
    check(cublasLtMatrixLayoutCreate(&scoreLayout, CUDA_R_32F, rows, block, rows), "cublasLtMatrixLayoutCreate");
    float one = 1.0f, zero = 0.0f;
    // No algorithm given: cuBLASLt picks one by its heuristic; no workspace.
    cublasStatus_t status =
        cublasLtMatmul(lt, desc, &one, reinterpret_cast<void *>(index), indexLayout,
                       reinterpret_cast<void *>(b.queries.ptr), queryLayout, &zero,
                       reinterpret_cast<void *>(b.scores.ptr), scoreLayout, reinterpret_cast<void *>(b.scores.ptr),
                       scoreLayout, nullptr, nullptr, 0, reinterpret_cast<cudaStream_t>(stream));
    cublasLtMatrixLayoutDestroy(scoreLayout);
    cublasLtMatrixLayoutDestroy(queryLayout);
    cublasLtMatrixLayoutDestroy(indexLayout);
    cublasLtMatmulDescDestroy(desc);
    check(status, "cublasLtMatmul");
  }

  /// Each query's `want` best rows, as ids and scores [block, want].
  void rankBlock(BlockBuffers &b, int64_t block, int64_t rows, int64_t want) {
    int64_t lists = block * kLanes * want;
    launch("top_k_lanes", {bufferArg(b.scores, block * rows), bufferArg(b.listScores, lists),
                           bufferArg(b.listIds, lists), indexArg(block), indexArg(rows), indexArg(want),
                           indexArg(kLanes)});
    for (int64_t stride = kLanes / 2; stride >= 1; stride /= 2)
      launch("top_k_merge", {bufferArg(b.listScores, lists), bufferArg(b.listIds, lists), indexArg(block),
                             indexArg(want), indexArg(kLanes), indexArg(stride)});
    launch("top_k_gather", {bufferArg(b.listScores, lists), bufferArg(b.listIds, lists),
                            bufferArg(b.outScores, block * want), bufferArg(b.outIds, block * want),
                            indexArg(block), indexArg(want), indexArg(kLanes)});
  }
};

GpuExactSearch::GpuExactSearch(const TopKKernels &kernels) : impl_(std::make_unique<Impl>()) {
  Impl &m = *impl_;
  std::string why;
  if (!cudaDeviceAvailable(why))
    throw CudaError(why);
  m.kernels = kernels;
  check(driver().cuDeviceGet(&m.device, 0), "cuDeviceGet");
  check(driver().cuDevicePrimaryCtxRetain(&m.context, m.device), "cuDevicePrimaryCtxRetain");
  check(driver().cuCtxSetCurrent(m.context), "cuCtxSetCurrent");
  check(driver().cuStreamCreate(&m.stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  check(driver().cuModuleLoadData(&m.module, kernels.ptx.c_str()), "cuModuleLoadData");
  for (const char *name : {"top_k_lanes", "top_k_merge", "top_k_gather"}) {
    auto plan = kernels.functions.find(name);
    if (plan == kernels.functions.end())
      throw CudaError(std::string("the top-k kernels lack @") + name);
    CUfunction function = nullptr;
    check(driver().cuModuleGetFunction(&function, m.module, plan->second.kernel.c_str()), "cuModuleGetFunction");
    m.functions[name] = function;
  }
  check(cublasLtCreate(&m.lt), "cublasLtCreate");
}

GpuExactSearch::~GpuExactSearch() {
  Impl &m = *impl_;
  if (m.lt)
    cublasLtDestroy(m.lt);
  if (m.module)
    driver().cuModuleUnload(m.module);
  if (m.stream)
    driver().cuStreamDestroy(m.stream);
  if (m.context)
    driver().cuDevicePrimaryCtxRelease(m.device);
}

std::vector<std::vector<Neighbour>> GpuExactSearch::search(const Tensor &index, const Tensor &queries, int64_t k,
                                                           Similarity similarity,
                                                           const std::vector<std::vector<int64_t>> &exclude) {
  Impl &m = *impl_;
  checkMatrix(index, "the index");
  checkMatrix(queries, "the queries");
  int64_t rows = index.shape()[0], dim = index.shape()[1], count = queries.shape()[0];
  if (queries.shape()[1] != dim)
    throw CudaError("the queries have " + std::to_string(queries.shape()[1]) + " columns, the index " +
                    std::to_string(dim));
  if (rows >= INT32_MAX)
    throw CudaError("GPU search takes fewer than 2^31 - 1 rows (its kernels keep ids as i32)");
  if (!exclude.empty() && static_cast<int64_t>(exclude.size()) != count)
    throw CudaError("exclude lists: one per query");
  std::vector<std::vector<Neighbour>> results(count);
  if (count == 0 || rows == 0 || k < 1)
    return results;
  size_t longestExclude = 0;
  for (const auto &ids : exclude)
    longestExclude = std::max(longestExclude, ids.size());
  int64_t want = std::min(rows, k + static_cast<int64_t>(longestExclude));

  bool cosine = similarity == Similarity::Cosine;
  Tensor unitIndex = cosine ? unitRows(index) : Tensor();
  Tensor unitQueries = cosine ? unitRows(queries) : Tensor();
  const Tensor &indexRows = cosine ? unitIndex : index;
  const Tensor &queryRows = cosine ? unitQueries : queries;

  check(driver().cuCtxSetCurrent(m.context), "cuCtxSetCurrent");
  DeviceBuffer deviceIndex(rows * dim * 4);
  check(driver().cuMemcpyHtoDAsync(deviceIndex.ptr, indexRows.as<float>(), rows * dim * 4, m.stream),
        "cuMemcpyHtoDAsync(index)");
  int64_t perQuery = (rows + 2 * kLanes * want + 2 * want + dim) * 4;
  int64_t block = std::clamp<int64_t>(kBlockBudgetBytes / perQuery, 1, count);
  BlockBuffers buffers(block, rows, dim, want);
  std::vector<float> scores(block * want);
  std::vector<int32_t> ids(block * want);
  for (int64_t first = 0; first < count; first += block) {
    int64_t size = std::min(block, count - first);
    check(driver().cuMemcpyHtoDAsync(buffers.queries.ptr, queryRows.as<float>() + first * dim, size * dim * 4,
                                     m.stream),
          "cuMemcpyHtoDAsync(queries)");
    m.scoreBlock(deviceIndex.ptr, buffers, size, rows, dim);
    m.rankBlock(buffers, size, rows, want);
    check(driver().cuMemcpyDtoHAsync(scores.data(), buffers.outScores.ptr, size * want * 4, m.stream),
          "cuMemcpyDtoHAsync(scores)");
    check(driver().cuMemcpyDtoHAsync(ids.data(), buffers.outIds.ptr, size * want * 4, m.stream),
          "cuMemcpyDtoHAsync(ids)");
    check(driver().cuStreamSynchronize(m.stream), "cuStreamSynchronize");
    for (int64_t q = 0; q < size; ++q) {
      const std::vector<int64_t> *skip = exclude.empty() ? nullptr : &exclude[first + q];
      std::vector<Neighbour> &list = results[first + q];
      for (int64_t r = 0; r < want && static_cast<int64_t>(list.size()) < k; ++r) {
        int64_t id = ids[q * want + r];
        if (id >= rows) // an unfilled place: the query has fewer rows than places
          break;
        if (skip && std::find(skip->begin(), skip->end(), id) != skip->end())
          continue;
        list.push_back({id, scores[q * want + r]});
      }
    }
  }
  return results;
}

std::string GpuExactSearch::deviceName() const {
  char name[256] = {};
  driver().cuDeviceGetName(name, sizeof name, impl_->device);
  return name;
}
