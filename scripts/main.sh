#!/usr/bin/env bash
# The README's main job: the quick study (train -> export -> calibrate -> evaluate on ONNX Runtime
# CPU and web, for ICM and Mixup on Fashion-MNIST), then its comparison table. Re-running resumes:
# finished cells are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
node dist/src/cli/main.js study studies/quick.yaml --out runs/quick "$@"
