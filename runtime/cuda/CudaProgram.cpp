//===- CudaProgram.cpp - a bundle on a GPU --------------------------------===//

#include "CudaProgram.h"

#include "Driver.h"

#include <cublasLt.h>
#include <cuda.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

using namespace strata::runtime;

namespace {

cudaDataType_t cudaType(DType dtype) {
  if (dtype == DType::F32) return CUDA_R_32F;
  if (dtype == DType::F64) return CUDA_R_64F;
  throw CudaError("GEMMs on the GPU take f32 or f64");
}

/// A launch with its parameters packed: once, or every call for launches
/// that take the step or the seed.
struct PreparedLaunch {
  const LaunchCommand *command;
  CUfunction kernel;
  PackedParams params;
  bool readsScalars;
  std::vector<uint64_t> addresses; // the function's buffer arguments
  CUgraphNode node = nullptr;      // its node in the function's graph, once captured
};

/// What run() keeps of one function: its launches, packed on the first call,
/// and from the second call on its CUDA graph.
struct FunctionState {
  std::vector<PreparedLaunch> launches;
  int64_t calls = 0;
  bool graphs = true; // false once a capture has failed
  CUgraph graph = nullptr;
  CUgraphExec exec = nullptr;
};

/// One input of one pipeline slot: pinned host memory and device staging.
struct StagedInput {
  void *pinned = nullptr;
  CUdeviceptr device = 0;
  size_t capacity = 0, used = 0;
};

/// A slot of the input pipeline. `staged`: its transfers are done (the pinned
/// memory may be written again); `taken`: the compute stream has moved them
/// into the input buffers (the device staging may be written again).
struct PipelineSlot {
  std::map<std::string, StagedInput> inputs;
  CUevent staged = nullptr, taken = nullptr, scalarReady = nullptr;
  void *scalar = nullptr; // pinned, 8 bytes
  DType scalarType = DType::F32;
};

bool graphsWanted() {
  const char *value = std::getenv("STRATA_CUDA_GRAPHS");
  return !value || std::strcmp(value, "0") != 0;
}

/// Column sums of a row-major [rows, cols] matrix as a second GEMM,
/// sums[1, cols] = ones[1, rows] x M: a bias gradient where cuBLASLt has no
/// BGRADA algorithm for the weight-gradient GEMM.
struct ColumnSumGemm {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t matrix = nullptr, ones = nullptr, sums = nullptr;
  cublasLtMatmulAlgo_t algo{};
  CUdeviceptr onesBuffer = 0;
};

/// A GEMM with its cuBLASLt descriptors and chosen algorithm. Row-major
/// C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: B goes first.
struct PreparedGemm {
  GemmCommand command;
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t first = nullptr, second = nullptr, result = nullptr;
  cublasLtMatmulAlgo_t algo{};
  CUdeviceptr a = 0, b = 0, c = 0, bias = 0; // bound on the function's first run
  std::unique_ptr<ColumnSumGemm> columnSums; // the bias gradient without BGRADA
};

/// cuBLASLt's epilogue for ours. In column-major terms a bias-gradient GEMM
/// C^T = B^T (A^T)^T has B first (cuBLASLt's A), and the bias gradient is
/// the sum of B over the GEMM's k (the rows of B): BGRADA.
cublasLtEpilogue_t cublasEpilogue(Epilogue e) {
  switch (e) {
  case Epilogue::Bias: return CUBLASLT_EPILOGUE_BIAS;
  case Epilogue::ReluBias: return CUBLASLT_EPILOGUE_RELU_BIAS;
  case Epilogue::BiasGradient: return CUBLASLT_EPILOGUE_BGRADA;
  case Epilogue::None: break;
  }
  return CUBLASLT_EPILOGUE_DEFAULT;
}

} // namespace

struct CudaProgram::Impl {
  CUcontext context = nullptr;
  CUmodule module = nullptr;
  CUstream stream = nullptr;     // the compute stream
  CUstream copyStream = nullptr; // input transfers
  CUdevice device = 0;
  bool graphs = graphsWanted();
  cublasLtHandle_t lt = nullptr;
  CUdeviceptr workspace = 0;
  size_t workspaceBytes = 32 << 20;
  const Bundle *bundle = nullptr;
  std::map<std::string, CUfunction> kernels;
  std::map<std::string, std::vector<PreparedGemm>> gemms; // per function, in schedule order
  std::map<std::string, FunctionState> functions;
  std::map<std::string, CUdeviceptr> buffers; // by role
  std::map<std::string, size_t> bufferBytes;
  std::map<std::string, DType> bufferTypes;
  PipelineSlot slots[2];
  std::string kernelsLoaded;

  /// This device's architecture, as a chip name: sm_90 for compute 9.0.
  std::string deviceChip() const {
    int major = 0, minor = 0;
    check(driver().cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
          "cuDeviceGetAttribute");
    check(driver().cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device),
          "cuDeviceGetAttribute");
    return "sm_" + std::to_string(major) + std::to_string(minor);
  }

  /// The bundle's cubin when it was assembled for this architecture; its PTX
  /// otherwise, which the driver compiles for this device (PTX for sm_90
  /// runs on sm_90 and later, not earlier).
  void loadKernels() {
    std::string chip = deviceChip();
    if (!bundle->cubin.empty() && bundle->chip == chip) {
      check(driver().cuModuleLoadData(&module, bundle->cubin.data()), "cuModuleLoadData(cubin)");
      kernelsLoaded = "cubin " + chip;
      return;
    }
    CUresult loaded = driver().cuModuleLoadData(&module, bundle->ptx.c_str());
    if (loaded != CUDA_SUCCESS)
      check(loaded, ("cuModuleLoadData: the kernels are PTX for " + bundle->chip + " and this GPU is " + chip +
                     "; compile the bundle with --chip=" + chip)
                        .c_str());
    kernelsLoaded = "ptx " + bundle->chip + " (JIT for " + chip + ")";
  }

  PipelineSlot &slot(int index) {
    if (index != 0 && index != 1)
      throw CudaError("the input pipeline has slots 0 and 1, not " + std::to_string(index));
    return slots[index];
  }

  PreparedGemm prepare(const GemmCommand &g) {
    PreparedGemm p;
    p.command = g;
    cudaDataType_t type = cudaType(g.c.dtype);
    cublasComputeType_t compute = type == CUDA_R_64F ? CUBLAS_COMPUTE_64F : CUBLAS_COMPUTE_32F;
    check(cublasLtMatmulDescCreate(&p.desc, compute, type), "cublasLtMatmulDescCreate");
    cublasOperation_t opFirst = g.transposeB ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t opSecond = g.transposeA ? CUBLAS_OP_T : CUBLAS_OP_N;
    check(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &opFirst, sizeof opFirst), "TRANSA");
    check(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &opSecond, sizeof opSecond), "TRANSB");
    // A batched GEMM has [batch, rows, cols] operands, all of one batch.
    size_t rank = g.c.sizes.size();
    auto layout = [&](const BufferView &v, cublasLtMatrixLayout_t &out) {
      if ((rank != 2 && rank != 3) || v.sizes.size() != rank || v.strides.back() != 1 ||
          (rank == 3 && v.sizes[0] != g.c.sizes[0]))
        throw CudaError("a GEMM operand is not a row-major matrix or a batch of them");
      // Row-major [rows, cols] with row stride ld is column-major [cols, rows].
      check(cublasLtMatrixLayoutCreate(&out, type, v.sizes[rank - 1], v.sizes[rank - 2],
                                       v.strides[rank - 2]),
            "cublasLtMatrixLayoutCreate");
      if (rank == 3) {
        int32_t count = static_cast<int32_t>(v.sizes[0]);
        int64_t stride = v.strides[0];
        check(cublasLtMatrixLayoutSetAttribute(out, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof count),
              "BATCH_COUNT");
        check(cublasLtMatrixLayoutSetAttribute(out, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
                                               sizeof stride),
              "STRIDED_BATCH_OFFSET");
      }
    };
    layout(g.b, p.first);
    layout(g.a, p.second);
    layout(g.c, p.result);
    if (g.epilogue != Epilogue::None) {
      // Column-major C^T has a row per column of C: the bias is per row there,
      // which is what cuBLASLt's bias epilogues add (and BGRADA writes).
      if (g.bias.sizes.size() != 1 || g.bias.strides[0] != 1)
        throw CudaError("a GEMM bias is not a contiguous vector");
      setEpilogue(p.desc, cublasEpilogue(g.epilogue));
      cudaDataType_t biasType = type;
      check(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &biasType,
                                           sizeof biasType),
            "BIAS_DATA_TYPE");
    }
    bool found = bestAlgorithm(p.desc, p.first, p.second, p.result, p.algo);
    if (!found && g.epilogue == Epilogue::BiasGradient) {
      // No BGRADA kernel for this shape or type: a plain GEMM, then the
      // column sums as a second cuBLASLt call.
      setEpilogue(p.desc, CUBLASLT_EPILOGUE_DEFAULT);
      found = bestAlgorithm(p.desc, p.first, p.second, p.result, p.algo);
      p.columnSums = prepareColumnSums(g.b, type);
    }
    if (!found)
      throw CudaError("cuBLASLt has no algorithm for a GEMM of the schedule");
    return p;
  }

  static void setEpilogue(cublasLtMatmulDesc_t desc, cublasLtEpilogue_t epilogue) {
    check(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof epilogue),
          "EPILOGUE");
  }

  /// The heuristic's first choice for a GEMM, within the workspace; false
  /// when it has none.
  bool bestAlgorithm(cublasLtMatmulDesc_t desc, cublasLtMatrixLayout_t first, cublasLtMatrixLayout_t second,
                     cublasLtMatrixLayout_t result, cublasLtMatmulAlgo_t &algo) {
    cublasLtMatmulPreference_t preference;
    check(cublasLtMatmulPreferenceCreate(&preference), "cublasLtMatmulPreferenceCreate");
    check(cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                               &workspaceBytes, sizeof workspaceBytes),
          "MAX_WORKSPACE_BYTES");
    cublasLtMatmulHeuristicResult_t heuristic{};
    int found = 0;
    cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(lt, desc, first, second, result, result, preference,
                                                           1, &heuristic, &found);
    cublasLtMatmulPreferenceDestroy(preference);
    if (status == CUBLAS_STATUS_NOT_SUPPORTED)
      return false;
    check(status, "cublasLtMatmulAlgoGetHeuristic");
    if (found == 0)
      return false;
    algo = heuristic.algo;
    return true;
  }

  /// sums[1, cols] = ones[1, rows] x m for row-major `m` [rows, cols]: in
  /// column-major terms sums^T [cols, 1] = m^T [cols, rows] x ones [rows, 1].
  std::unique_ptr<ColumnSumGemm> prepareColumnSums(const BufferView &m, cudaDataType_t type) {
    if (m.sizes.size() != 2 || m.strides.back() != 1)
      throw CudaError("a bias-gradient GEMM's B is not a row-major matrix");
    auto cs = std::make_unique<ColumnSumGemm>();
    uint64_t rows = m.sizes[0], cols = m.sizes[1];
    cublasComputeType_t compute = type == CUDA_R_64F ? CUBLAS_COMPUTE_64F : CUBLAS_COMPUTE_32F;
    check(cublasLtMatmulDescCreate(&cs->desc, compute, type), "cublasLtMatmulDescCreate");
    check(cublasLtMatrixLayoutCreate(&cs->matrix, type, cols, rows, m.strides[0]), "cublasLtMatrixLayoutCreate");
    check(cublasLtMatrixLayoutCreate(&cs->ones, type, rows, 1, rows), "cublasLtMatrixLayoutCreate");
    check(cublasLtMatrixLayoutCreate(&cs->sums, type, cols, 1, cols), "cublasLtMatrixLayoutCreate");
    if (!bestAlgorithm(cs->desc, cs->matrix, cs->ones, cs->sums, cs->algo))
      throw CudaError("cuBLASLt has no algorithm for a bias gradient's column sums");
    size_t element = type == CUDA_R_64F ? 8 : 4;
    check(driver().cuMemAlloc(&cs->onesBuffer, rows * element), "cuMemAlloc(ones)");
    std::vector<char> ones(rows * element);
    for (uint64_t i = 0; i < rows; ++i) {
      if (element == 8) {
        double one = 1.0;
        std::memcpy(ones.data() + i * 8, &one, 8);
      } else {
        float one = 1.0f;
        std::memcpy(ones.data() + i * 4, &one, 4);
      }
    }
    check(driver().cuMemcpyHtoDAsync(cs->onesBuffer, ones.data(), ones.size(), stream), "cuMemcpyHtoDAsync(ones)");
    check(driver().cuStreamSynchronize(stream), "cuStreamSynchronize");
    return cs;
  }

  /// The device buffer of `role`, which must hold at least `bytes`.
  CUdeviceptr buffer(const std::string &role, size_t bytes = 0) {
    auto it = buffers.find(role);
    if (it == buffers.end() || bufferBytes.at(role) < bytes)
      throw CudaError("no device buffer " + (bytes ? "of " + std::to_string(bytes) + " bytes " : std::string()) +
                      "for '" + role + "' (allocate its function first)");
    return it->second;
  }

  CUdeviceptr address(const BundleFunction &f, const BufferView &v) {
    return buffer(f.args.at(v.arg).role) + v.byteOffset + v.offset * sizeOf(v.dtype);
  }

  /// Buffers are allocated after prepare() and never move: their addresses,
  /// and the bias pointer of an epilogue, are set once, on the first run.
  void bind(const BundleFunction &f, PreparedGemm &p) {
    const GemmCommand &g = p.command;
    p.a = address(f, g.a);
    p.b = address(f, g.b);
    p.c = address(f, g.c);
    if (g.epilogue != Epilogue::None) {
      p.bias = address(f, g.bias);
      void *bias = reinterpret_cast<void *>(p.bias);
      if (!p.columnSums)
        check(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias),
              "BIAS_POINTER");
    }
  }

  void gemm(const PreparedGemm &p) {
    const GemmCommand &g = p.command; // m, n and k are in the layouts
    double one = 1.0, zero = 0.0, beta = g.accumulate ? 1.0 : 0.0;
    float onef = 1.0f, zerof = 0.0f, betaf = static_cast<float>(beta);
    bool f64 = g.c.dtype == DType::F64;
    check(cublasLtMatmul(lt, p.desc, f64 ? static_cast<const void *>(&one) : &onef,
                         reinterpret_cast<void *>(p.b), p.first, reinterpret_cast<void *>(p.a), p.second,
                         f64 ? static_cast<const void *>(&beta) : &betaf, reinterpret_cast<void *>(p.c),
                         p.result, reinterpret_cast<void *>(p.c), p.result, &p.algo,
                         reinterpret_cast<void *>(workspace), workspaceBytes,
                         reinterpret_cast<cudaStream_t>(stream)),
          "cublasLtMatmul");
    if (const ColumnSumGemm *cs = p.columnSums.get())
      check(cublasLtMatmul(lt, cs->desc, f64 ? static_cast<const void *>(&one) : &onef,
                           reinterpret_cast<void *>(p.b), cs->matrix, reinterpret_cast<void *>(cs->onesBuffer),
                           cs->ones, f64 ? static_cast<const void *>(&zero) : &zerof,
                           reinterpret_cast<void *>(p.bias), cs->sums, reinterpret_cast<void *>(p.bias), cs->sums,
                           &cs->algo, reinterpret_cast<void *>(workspace), workspaceBytes,
                           reinterpret_cast<cudaStream_t>(stream)),
            "cublasLtMatmul(column sums)");
  }

  /// Packs each launch and binds each GEMM's addresses: buffers are
  /// allocated by the first call and never move.
  void prepareCalls(const std::string &name, const BundleFunction &f, FunctionState &fs,
                    const std::vector<int64_t> &scalars) {
    std::vector<uint64_t> addresses(f.args.size(), 0);
    for (size_t i = 0; i < f.args.size(); ++i)
      if (f.args[i].isBuffer)
        addresses[i] = buffer(f.args[i].role);
    for (const Command &c : f.schedule) {
      if (!c.isLaunch)
        continue;
      PreparedLaunch l{&c.launch, kernels.at(c.launch.kernel), packLaunch(c.launch, addresses, scalars),
                       false, addresses};
      for (const KernelOperand &op : c.launch.args)
        l.readsScalars |= !op.isBuffer && op.scalar.arg >= 0;
      fs.launches.push_back(std::move(l));
    }
    for (PreparedGemm &p : gemms[name])
      bind(f, p);
  }

  /// The node the last operation enqueued on a capturing stream became.
  CUgraphNode lastCapturedNode() {
    CUstreamCaptureStatus status;
    const CUgraphNode *nodes = nullptr;
    size_t count = 0;
    check(driver().cuStreamGetCaptureInfo(stream, &status, nullptr, nullptr, &nodes, nullptr, &count),
          "cuStreamGetCaptureInfo");
    if (status != CU_STREAM_CAPTURE_STATUS_ACTIVE || count != 1)
      throw CudaError("the capture of a train step is not one chain of nodes");
    return nodes[0];
  }

  /// Enqueues the schedule on the stream, launch by launch; while capturing,
  /// notes the graph node of each launch that reads the step or the seed.
  void enqueue(const std::string &name, const BundleFunction &f, FunctionState &fs, bool capturing) {
    std::vector<PreparedGemm> &list = gemms[name];
    size_t nextGemm = 0, nextLaunch = 0;
    for (const Command &c : f.schedule) {
      if (!c.isLaunch) {
        gemm(list.at(nextGemm++));
        continue;
      }
      PreparedLaunch &l = fs.launches[nextLaunch++];
      const LaunchCommand &cmd = *l.command;
      check(driver().cuLaunchKernel(l.kernel, cmd.grid[0], cmd.grid[1], cmd.grid[2], cmd.block[0],
                                    cmd.block[1], cmd.block[2], 0, stream, l.params.pointers.data(),
                                    nullptr),
            "cuLaunchKernel");
      if (capturing && l.readsScalars)
        l.node = lastCapturedNode();
    }
  }

  /// Captures one call into fs's graph and instantiates it. On failure the
  /// capture is dropped and fs runs launch by launch from then on.
  void capture(const std::string &name, const BundleFunction &f, FunctionState &fs) {
    check(driver().cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture");
    std::string failure;
    try {
      enqueue(name, f, fs, /*capturing=*/true);
    } catch (const CudaError &e) {
      failure = e.message;
    }
    CUgraph graph = nullptr;
    CUresult ended = driver().cuStreamEndCapture(stream, &graph);
    if (failure.empty() && ended != CUDA_SUCCESS)
      failure = "cuStreamEndCapture failed";
    if (failure.empty()) {
      CUresult made = driver().cuGraphInstantiate(&fs.exec, graph, 0);
      if (made == CUDA_SUCCESS) {
        fs.graph = graph;
        return;
      }
      failure = "cuGraphInstantiate failed";
    }
    if (graph)
      driver().cuGraphDestroy(graph);
    fs.exec = nullptr;
    fs.graphs = false;
    for (PreparedLaunch &l : fs.launches)
      l.node = nullptr;
    std::fprintf(stderr, "strata: warning: @%s runs without a CUDA graph: %s\n", name.c_str(), failure.c_str());
  }

  /// Sets the parameters of the graph nodes that read the step or the seed.
  void updateGraph(FunctionState &fs) {
    for (PreparedLaunch &l : fs.launches) {
      if (!l.readsScalars)
        continue;
      const LaunchCommand &cmd = *l.command;
      CUDA_KERNEL_NODE_PARAMS p{};
      p.func = l.kernel;
      p.gridDimX = static_cast<unsigned>(cmd.grid[0]);
      p.gridDimY = static_cast<unsigned>(cmd.grid[1]);
      p.gridDimZ = static_cast<unsigned>(cmd.grid[2]);
      p.blockDimX = static_cast<unsigned>(cmd.block[0]);
      p.blockDimY = static_cast<unsigned>(cmd.block[1]);
      p.blockDimZ = static_cast<unsigned>(cmd.block[2]);
      p.kernelParams = l.params.pointers.data();
      check(driver().cuGraphExecKernelNodeSetParams(fs.exec, l.node, &p), "cuGraphExecKernelNodeSetParams");
    }
  }
};

CudaProgram::CudaProgram(const Bundle &bundle) : impl_(std::make_unique<Impl>()) {
  Impl &m = *impl_;
  m.bundle = &bundle;
  check(driver().cuInit(0), "cuInit");
  check(driver().cuDeviceGet(&m.device, 0), "cuDeviceGet");
  check(driver().cuDevicePrimaryCtxRetain(&m.context, m.device), "cuDevicePrimaryCtxRetain");
  check(driver().cuCtxSetCurrent(m.context), "cuCtxSetCurrent");
  check(driver().cuStreamCreate(&m.stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  check(driver().cuStreamCreate(&m.copyStream, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  for (PipelineSlot &slot : m.slots) {
    for (CUevent *event : {&slot.staged, &slot.taken, &slot.scalarReady})
      check(driver().cuEventCreate(event, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
    check(driver().cuMemHostAlloc(&slot.scalar, 8, 0), "cuMemHostAlloc");
  }
  m.loadKernels();
  check(cublasLtCreate(&m.lt), "cublasLtCreate");
  check(driver().cuMemAlloc(&m.workspace, m.workspaceBytes), "driver().cuMemAlloc(workspace)");
  for (const auto &[name, f] : bundle.functions)
    for (const Command &c : f.schedule) {
      if (c.isLaunch) {
        if (!m.kernels.count(c.launch.kernel)) {
          CUfunction fn;
          check(driver().cuModuleGetFunction(&fn, m.module, c.launch.kernel.c_str()), "cuModuleGetFunction");
          m.kernels[c.launch.kernel] = fn;
        }
      } else {
        m.gemms[name].push_back(m.prepare(c.gemm));
      }
    }
}

CudaProgram::~CudaProgram() {
  Impl &m = *impl_;
  if (m.stream)
    driver().cuStreamSynchronize(m.stream);
  for (auto &[name, fs] : m.functions) {
    if (fs.exec)
      driver().cuGraphExecDestroy(fs.exec);
    if (fs.graph)
      driver().cuGraphDestroy(fs.graph);
  }
  for (PipelineSlot &slot : m.slots) {
    for (auto &[role, in] : slot.inputs) {
      driver().cuMemFreeHost(in.pinned);
      driver().cuMemFree(in.device);
    }
    for (CUevent event : {slot.staged, slot.taken, slot.scalarReady})
      if (event)
        driver().cuEventDestroy(event);
    if (slot.scalar)
      driver().cuMemFreeHost(slot.scalar);
  }
  for (auto &[name, list] : m.gemms)
    for (PreparedGemm &p : list) {
      cublasLtMatrixLayoutDestroy(p.first);
      cublasLtMatrixLayoutDestroy(p.second);
      cublasLtMatrixLayoutDestroy(p.result);
      cublasLtMatmulDescDestroy(p.desc);
      if (ColumnSumGemm *cs = p.columnSums.get()) {
        cublasLtMatrixLayoutDestroy(cs->matrix);
        cublasLtMatrixLayoutDestroy(cs->ones);
        cublasLtMatrixLayoutDestroy(cs->sums);
        cublasLtMatmulDescDestroy(cs->desc);
        driver().cuMemFree(cs->onesBuffer);
      }
    }
  for (auto &[role, ptr] : m.buffers)
    driver().cuMemFree(ptr);
  if (m.workspace)
    driver().cuMemFree(m.workspace);
  if (m.lt)
    cublasLtDestroy(m.lt);
  if (m.module)
    driver().cuModuleUnload(m.module);
  if (m.copyStream)
    driver().cuStreamDestroy(m.copyStream);
  if (m.stream)
    driver().cuStreamDestroy(m.stream);
  if (m.context)
    driver().cuDevicePrimaryCtxRelease(m.device);
}

void CudaProgram::allocate(const std::string &function) {
  Impl &m = *impl_;
  const BundleFunction &f = m.bundle->functions.at(function);
  for (const ArgSpec &a : f.args) {
    if (!a.isBuffer)
      continue;
    size_t bytes = std::max<size_t>(a.numElements() * sizeOf(a.dtype), 1);
    auto it = m.bufferBytes.find(a.role);
    if (it != m.bufferBytes.end()) {
      if (it->second < bytes)
        throw CudaError("'" + a.role + "' has different sizes in two functions");
      continue;
    }
    CUdeviceptr ptr;
    check(driver().cuMemAlloc(&ptr, bytes), "cuMemAlloc");
    check(driver().cuMemsetD8(ptr, 0, bytes), "cuMemsetD8");
    m.buffers[a.role] = ptr;
    m.bufferBytes[a.role] = bytes;
    m.bufferTypes[a.role] = a.dtype;
  }
}

void CudaProgram::upload(const std::string &role, const Tensor &host) {
  Impl &m = *impl_;
  check(driver().cuMemcpyHtoDAsync(m.buffer(role, host.bytes()), host.data(), host.bytes(), m.stream),
        "cuMemcpyHtoDAsync");
}

void CudaProgram::download(const std::string &role, Tensor &host) {
  Impl &m = *impl_;
  check(driver().cuMemcpyDtoHAsync(host.data(), m.buffer(role, host.bytes()), host.bytes(), m.stream),
        "cuMemcpyDtoHAsync");
  check(driver().cuStreamSynchronize(m.stream), "cuStreamSynchronize");
}

void CudaProgram::run(const std::string &function, const std::vector<int64_t> &scalars) {
  Impl &m = *impl_;
  const BundleFunction &f = m.bundle->functions.at(function);
  FunctionState &fs = m.functions[function];
  if (fs.calls == 0) {
    m.prepareCalls(function, f, fs, scalars);
  } else {
    for (PreparedLaunch &l : fs.launches) // the step (and seed) change from call to call
      if (l.readsScalars)
        l.params = packLaunch(*l.command, l.addresses, scalars);
  }
  bool captureNow = fs.calls == 1 && m.graphs && fs.graphs;
  ++fs.calls;
  if (captureNow)
    m.capture(function, f, fs); // on success fs.exec is set, and this call replays it
  else if (fs.exec)
    m.updateGraph(fs);
  if (fs.exec)
    check(driver().cuGraphLaunch(fs.exec, m.stream), "cuGraphLaunch");
  else
    m.enqueue(function, f, fs, /*capturing=*/false);
}

bool CudaProgram::replaysGraph(const std::string &function) const {
  auto it = impl_->functions.find(function);
  return it != impl_->functions.end() && it->second.exec != nullptr;
}

void CudaProgram::stageInputs(int slotIndex,
                              const std::vector<std::pair<std::string, const Tensor *>> &inputs) {
  Impl &m = *impl_;
  PipelineSlot &slot = m.slot(slotIndex);
  check(driver().cuEventSynchronize(slot.staged), "cuEventSynchronize"); // the pinned memory is free
  check(driver().cuStreamWaitEvent(m.copyStream, slot.taken, 0), "cuStreamWaitEvent"); // and the staging
  for (const auto &[role, host] : inputs) {
    m.buffer(role, host->bytes()); // the input exists and is large enough
    StagedInput &in = slot.inputs[role];
    if (!in.pinned) {
      in.capacity = m.bufferBytes.at(role);
      check(driver().cuMemHostAlloc(&in.pinned, in.capacity, 0), "cuMemHostAlloc");
      check(driver().cuMemAlloc(&in.device, in.capacity), "cuMemAlloc");
    }
    in.used = host->bytes();
    std::memcpy(in.pinned, host->data(), in.used);
    check(driver().cuMemcpyHtoDAsync(in.device, in.pinned, in.used, m.copyStream), "cuMemcpyHtoDAsync");
  }
  check(driver().cuEventRecord(slot.staged, m.copyStream), "cuEventRecord");
}

void CudaProgram::takeInputs(int slotIndex) {
  Impl &m = *impl_;
  PipelineSlot &slot = m.slot(slotIndex);
  check(driver().cuStreamWaitEvent(m.stream, slot.staged, 0), "cuStreamWaitEvent");
  for (const auto &[role, in] : slot.inputs)
    check(driver().cuMemcpyDtoDAsync(m.buffers.at(role), in.device, in.used, m.stream), "cuMemcpyDtoDAsync");
  check(driver().cuEventRecord(slot.taken, m.stream), "cuEventRecord");
}

void CudaProgram::readScalarAsync(const std::string &role, int slotIndex) {
  Impl &m = *impl_;
  PipelineSlot &slot = m.slot(slotIndex);
  CUdeviceptr source = m.buffer(role);
  slot.scalarType = m.bufferTypes.at(role);
  if (slot.scalarType != DType::F32 && slot.scalarType != DType::F64)
    throw CudaError("'" + role + "' is not a float scalar");
  check(driver().cuMemcpyDtoHAsync(slot.scalar, source, sizeOf(slot.scalarType), m.stream),
        "cuMemcpyDtoHAsync");
  check(driver().cuEventRecord(slot.scalarReady, m.stream), "cuEventRecord");
}

double CudaProgram::readScalar(int slotIndex) {
  Impl &m = *impl_;
  PipelineSlot &slot = m.slot(slotIndex);
  check(driver().cuEventSynchronize(slot.scalarReady), "cuEventSynchronize");
  if (slot.scalarType == DType::F64)
    return *static_cast<const double *>(slot.scalar);
  return *static_cast<const float *>(slot.scalar);
}

std::string CudaProgram::kernelsLoaded() const { return impl_->kernelsLoaded; }

std::string CudaProgram::deviceName() const {
  char name[256] = {0};
  driver().cuDeviceGetName(name, sizeof name, impl_->device);
  return name;
}
