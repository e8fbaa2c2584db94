#!/usr/bin/env bash
# Installs everything Strata needs on Debian 12 (bookworm). Idempotent: packages
# already present are left alone, and apt is only touched when something is missing.
set -euo pipefail

packages=(
  cmake ninja-build ccache g++ pkg-config zlib1g-dev
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools   # MLIR 19, FileCheck, lit
  clang-19 libclang-rt-19-dev                               # libFuzzer, sanitizers
  nlohmann-json3-dev libopenblas-dev libopenblas0-pthread libgtest-dev
  libhnswlib-dev                                            # approximate vector search
  libcairo2-dev                                             # strata plot (PNG, SVG)
  libcpp-httplib-dev                                        # strata serve
  chromium chromium-driver python3-selenium                 # strata serve's browser test
  python3-numpy python3-torch                               # interop tests (npy, safetensors)
  dataset-fashion-mnist bible-kjv                           # data, never downloaded at run time
  python3-venv                                              # .venv for PyPI tooling (below)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present" >&2
fi

# Python tooling from PyPI lives in .venv beside Debian's python3: Hugging Face
# `tokenizers`, which the tokenizer round-trip test loads our tokenizer.json with.
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c "import tokenizers" 2>/dev/null; then
  echo "install-deps: installing tokenizers from PyPI into .venv" >&2
  /usr/bin/python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check tokenizers
fi
