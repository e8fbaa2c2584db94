# lit configuration for Strata: one folder per stage (dialect, passes, frontend, tools).
import os
import shutil
import subprocess

import lit.formats

config.name = "Strata"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".strata", ".test"]
config.excludes = ["Inputs", "unit", "fuzz", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.strata_build_dir, "test")

config.environment["PATH"] = os.pathsep.join(
    [config.llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])
config.substitutions.append(("%strata-opt", os.path.join(config.strata_bin_dir, "strata-opt")))
config.substitutions.append(("%strata", os.path.join(config.strata_bin_dir, "strata")))
config.substitutions.append(("%models", os.path.join(config.strata_source_dir, "models")))
config.substitutions.append(("%source-root", config.strata_source_dir))
config.substitutions.append(("%kernels", os.path.join(config.strata_source_dir, "compiler", "kernels")))
# mlir-cpu-runner's printMemref* functions, for tests that run kernels on the CPU.
llvm_lib_dir = os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")
config.substitutions.append(("%mlir-runner-utils", ",".join(
    os.path.join(llvm_lib_dir, name) for name in ("libmlir_runner_utils.so", "libmlir_c_runner_utils.so"))))
# `%exit1 CMD` succeeds only if CMD exits with exactly 1 (a user error, not a crash).
config.substitutions.append(("%exit1", os.path.join(config.test_source_root, "expect-exit.sh") + " 1"))
# `%check-json COND...` reads one JSON object on stdin: FIELD<V, FIELD>V, FIELD=V.
config.substitutions.append(("%check-json", "python3 " + os.path.join(config.test_source_root, "check-json.py")))
# Training tests read Debian's dataset-fashion-mnist (or a copy STRATA_FASHION_MNIST
# names, as on a machine without the package); without it they are unsupported.
fashion_mnist = os.environ.get("STRATA_FASHION_MNIST") or "/usr/share/datasets/fashion-mnist"
if os.path.exists(os.path.join(fashion_mnist, "train-images-idx3-ubyte.gz")):
    config.available_features.add("fashion-mnist")
for var in ("STRATA_FASHION_MNIST", "STRATA_KJV"):
    if os.environ.get(var):
        config.environment[var] = os.environ[var]
# Text tests read Debian's bible-kjv, or the `bible -f` output STRATA_KJV names.
if shutil.which("bible") or os.path.exists(os.environ.get("STRATA_KJV", "")):
    config.available_features.add("kjv")
# PyPI tooling (scripts/install-deps.sh puts it in .venv): Hugging Face tokenizers.
venv_python = os.path.join(config.strata_source_dir, ".venv", "bin", "python")
if os.path.exists(venv_python) and subprocess.run(
        [venv_python, "-c", "import tokenizers"], capture_output=True).returncode == 0:
    config.available_features.add("hf-tokenizers")
    config.substitutions.append(("%venv-python", venv_python))
# Debian's python3 (not a pyenv one on PATH) runs the tests that import Debian's
# python3-numpy, python3-torch and python3-selenium.
debian_python = "/usr/bin/python3"
def debian_python_has(modules):
    return os.path.exists(debian_python) and subprocess.run(
        [debian_python, "-c", "import " + ", ".join(modules)], capture_output=True).returncode == 0
config.substitutions.append(("%debian-python", debian_python))
if debian_python_has(["numpy"]):
    config.available_features.add("numpy")
if debian_python_has(["torch"]):
    config.available_features.add("torch")
# The explorer's browser test drives Debian's chromium through chromedriver.
if shutil.which("chromium") and shutil.which("chromedriver") and debian_python_has(["selenium"]):
    config.available_features.add("chromium")
# GPU code is checked by ptxas from the CUDA toolkit wherever the toolkit is installed.
ptxas = os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", "ptxas")
if os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
# strata-run exists where the CUDA toolkit was found at configure time.
strata_run = os.path.join(config.strata_bin_dir, "strata-run")
if os.path.exists(strata_run):
    config.available_features.add("strata-run")
    config.substitutions.append(("%strata-run", strata_run))
# Tests that run on a GPU need one visible; elsewhere lit reports them UNSUPPORTED.
nvidia_smi = shutil.which("nvidia-smi")
if nvidia_smi and subprocess.run([nvidia_smi, "-L"], capture_output=True).returncode == 0:
    config.available_features.add("cuda-device")
