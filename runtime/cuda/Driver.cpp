//===- Driver.cpp - the CUDA driver API, loaded at run time ---------------===//

#include "Driver.h"

#include <dlfcn.h>

#include <mutex>

using namespace strata::runtime;

namespace {
#define STRATA_STRINGIFY_EXPANDED(x) STRATA_STRINGIFY(x)
#define STRATA_STRINGIFY(x) #x

struct Loaded {
  Driver driver;
  std::string why;
  bool ok = false;
};

Loaded load() {
  Loaded l;
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    l.why = "the NVIDIA driver (libcuda.so.1) is not installed";
    return l;
  }
#define STRATA_LOAD_DRIVER_FUNCTION(f)                                                             \
  l.driver.f = reinterpret_cast<decltype(l.driver.f)>(dlsym(library, STRATA_STRINGIFY_EXPANDED(f))); \
  if (!l.driver.f) {                                                                               \
    l.why = std::string("the NVIDIA driver lacks ") + STRATA_STRINGIFY_EXPANDED(f);                \
    return l;                                                                                      \
  }
  STRATA_CUDA_DRIVER_FUNCTIONS(STRATA_LOAD_DRIVER_FUNCTION)
#undef STRATA_LOAD_DRIVER_FUNCTION
  l.ok = true;
  return l;
}
} // namespace

const Driver *strata::runtime::cudaDriver(std::string &why) {
  static Loaded loaded = load();
  if (!loaded.ok) {
    why = loaded.why;
    return nullptr;
  }
  return &loaded.driver;
}

const Driver &strata::runtime::driver() {
  std::string why;
  const Driver *d = cudaDriver(why);
  if (!d)
    throw CudaError(why);
  return *d;
}

bool strata::runtime::cudaDeviceAvailable(std::string &why) {
  if (!cudaDriver(why))
    return false;
  CUresult init = driver().cuInit(0);
  if (init != CUDA_SUCCESS) {
    const char *name = nullptr;
    driver().cuGetErrorName(init, &name);
    why = std::string("cuInit failed: ") + (name ? name : "no CUDA driver");
    return false;
  }
  int count = 0;
  if (driver().cuDeviceGetCount(&count) != CUDA_SUCCESS || count == 0) {
    why = "no CUDA device is visible";
    return false;
  }
  return true;
}

void strata::runtime::check(CUresult result, const char *what) {
  if (result == CUDA_SUCCESS)
    return;
  const char *name = nullptr, *text = nullptr;
  driver().cuGetErrorName(result, &name);
  driver().cuGetErrorString(result, &text);
  throw CudaError(std::string(what) + " failed: " + (name ? name : "?") + " (" + (text ? text : "") + ")");
}

void strata::runtime::check(cublasStatus_t status, const char *what) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw CudaError(std::string(what) + " failed: cuBLAS status " + std::to_string(static_cast<int>(status)));
}
