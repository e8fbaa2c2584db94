#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: trains ae-mlp on the
# default target (cuda when a GPU is visible, else cpu) for its 5 epochs, with
# checkpoints in runs/ae_mlp, then evaluates that checkpoint: test
# reconstruction MSE, linear-probe and kNN accuracy of the 32-d representation z.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/bin/strata train models/ae-mlp.strata
build/bin/strata eval models/ae-mlp.strata
