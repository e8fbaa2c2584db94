#!/usr/bin/env bash
# runtime-only-build.sh SOURCE_DIR WORK_DIR: configures Strata with the
# compiler off (no LLVM or MLIR found or used), builds the runtime and
# strata-run, and shows what strata-run links: the CUDA libraries, nothing
# of LLVM. This is the configuration a GPU machine without LLVM builds.
set -euo pipefail
src=$1 work=$2
cmake -S "$src" -B "$work" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRATA_ENABLE_COMPILER=OFF \
  -DSTRATA_BUILD_TESTS=OFF > "$work.configure.log"
cmake --build "$work" --target strata-run > "$work.build.log"
if grep -qiE "^(MLIR|LLVM)_DIR:PATH=/" "$work/CMakeCache.txt"; then
  echo "runtime-only build: the configuration found LLVM or MLIR" >&2
  exit 1
fi
libs=$(ldd "$work/bin/strata-run")
if grep -qiE "libLLVM|libMLIR" <<< "$libs"; then
  echo "runtime-only build: strata-run links LLVM or MLIR" >&2
  exit 1
fi
echo "strata-run built without LLVM/MLIR; links: $(grep -oE 'lib(cublasLt|cudart|openblas)[^ ]*' <<< "$libs" | sort -u | tr '\n' ' ')"
