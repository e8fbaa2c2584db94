#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job on a reference model:
# check (shapes, parameters, FLOPs) and the strata-dialect form of ae-mlp.
# Training arrives with the CPU back end; this script will then train.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/bin/strata check models/ae-mlp.strata
build/bin/strata emit models/ae-mlp.strata --stage=strata
