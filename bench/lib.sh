# Shared by the bench/ scripts (sourced, not run).

# Debian's python, with python3-torch; not a pyenv build.
python=/usr/bin/python3

# Installs Debian packages when `import MODULES` fails under Debian's python:
#   ensure_debian_modules "torch, numpy" python3-torch python3-numpy
ensure_debian_modules() {
  local modules=$1
  shift
  if "$python" -c "import $modules" 2> /dev/null; then
    return
  fi
  local sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "$@"
}

# Debian's python3-torch and python3-numpy, with OpenBLAS so torch does not fall
# back to the reference BLAS.
ensure_torch() { ensure_debian_modules "torch, numpy" python3-torch python3-numpy libopenblas0-pthread; }

# Debian's python3-faiss (FAISS with its NumPy binding), for bench/search.sh.
ensure_faiss() { ensure_debian_modules "faiss, numpy" python3-faiss python3-numpy libopenblas0-pthread; }

# gensim from PyPI, in the project's .venv (scripts/install-deps.sh makes it).
venv_python=.venv/bin/python
ensure_gensim() {
  if "$venv_python" -c 'import gensim' 2> /dev/null; then
    return
  fi
  [ -x "$venv_python" ] || /usr/bin/python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check gensim
}
