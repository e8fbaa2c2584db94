#!/usr/bin/env bash
# Configures and builds Strata into build/ (ccache-backed, Ninja). Extra CMake
# arguments pass through: scripts/build.sh -DSTRATA_SANITIZE=ON -B build-asan
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=build
for arg in "$@"; do
  case "$arg" in -B*) build_dir=${arg#-B} ;; esac
done
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
