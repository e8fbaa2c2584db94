//===- Driver.h - the CUDA driver API, loaded at run time --------*- C++ -*-===//
//
// strata-run must start, and say clearly that there is no GPU, on a machine
// without the NVIDIA driver. Linking libcuda.so (the toolkit's stub) would
// make the dynamic loader refuse to start it there, so the driver library is
// opened with dlopen and the functions the runtime uses are looked up by
// their exported names (cuda.h maps some to _v2 versions; so does this).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Error.h"

#include <cublasLt.h>
#include <cuda.h>

#include <string>

namespace strata::runtime {

#define STRATA_CUDA_DRIVER_FUNCTIONS(X)                                                            \
  X(cuInit) X(cuDeviceGet) X(cuDeviceGetCount) X(cuDeviceGetName) X(cuDevicePrimaryCtxRetain)      \
  X(cuDevicePrimaryCtxRelease) X(cuCtxSetCurrent) X(cuGetErrorName) X(cuGetErrorString)            \
  X(cuStreamCreate) X(cuStreamDestroy) X(cuStreamSynchronize) X(cuModuleLoadData)                  \
  X(cuModuleUnload) X(cuModuleGetFunction) X(cuLaunchKernel) X(cuMemAlloc) X(cuMemFree)            \
  X(cuMemsetD8) X(cuMemcpyHtoDAsync) X(cuMemcpyDtoHAsync) X(cuMemcpyDtoDAsync) X(cuMemHostAlloc)       \
  X(cuMemFreeHost) X(cuEventCreate) X(cuEventDestroy) X(cuEventRecord) X(cuEventSynchronize)       \
  X(cuStreamWaitEvent) X(cuStreamBeginCapture) X(cuStreamEndCapture) X(cuStreamGetCaptureInfo)     \
  X(cuGraphInstantiate) X(cuGraphLaunch) X(cuGraphExecKernelNodeSetParams) X(cuGraphExecDestroy)   \
  X(cuGraphDestroy) X(cuDeviceGetAttribute)

struct Driver {
#define STRATA_DECLARE_DRIVER_FUNCTION(f) decltype(&::f) f = nullptr;
  STRATA_CUDA_DRIVER_FUNCTIONS(STRATA_DECLARE_DRIVER_FUNCTION)
#undef STRATA_DECLARE_DRIVER_FUNCTION
};

/// The driver, loaded once; nullptr with `why` set when it cannot be.
const Driver *cudaDriver(std::string &why);

struct CudaError : Error {
  using Error::Error;
};

/// The driver; throws CudaError when it cannot be loaded. For code that runs
/// once cudaDeviceAvailable has succeeded.
const Driver &driver();

/// Whether a CUDA device is visible; `why` says why not.
bool cudaDeviceAvailable(std::string &why);

/// Throw CudaError naming `what` and the error unless the call succeeded.
void check(CUresult result, const char *what);
void check(cublasStatus_t status, const char *what);

} // namespace strata::runtime
