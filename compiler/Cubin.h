//===- Cubin.h - PTX assembled for one GPU architecture ------*- C++ -*-===//
//
// A bundle carries its kernels as PTX, which the driver compiles for whatever
// GPU loads it, and, where the CUDA toolkit's ptxas is installed, as a cubin
// for the chip it was compiled for, which loads without that JIT step.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

namespace strata::compiler {

/// The toolkit's ptxas under $CUDA_HOME, $CUDA_ROOT, $CUDA_PATH or
/// /usr/local/cuda, else on PATH; empty when there is none.
std::string findPtxas();

/// `ptx` assembled by `ptxas` for `chip` (sm_80, sm_90, ...) at -O3: the
/// cubin's bytes. Throws CompileError with ptxas's messages when it fails.
std::string assembleCubin(const std::string &ptx, const std::string &chip, const std::string &ptxas);

} // namespace strata::compiler
