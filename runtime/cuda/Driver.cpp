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
