#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine: system packages (datasets, the ONNX checker and
# sklearn used as test references, Chromium for the browser tests, Slurm for the --executor slurm
# tests, which start and stop a one-node cluster themselves), then the npm dependencies.
# Safe to re-run: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_pkgs=(dataset-fashion-mnist python3-onnx python3-sklearn python3-numpy python3-pil chromium)
missing=()
for p in "${apt_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# slurm-wlm and munge: installed only (no daemon starts here); see scripts/slurm-local.sh.
bash scripts/slurm-local.sh install

# onnxruntime-node's install script would download CUDA binaries; package.json's allowScripts
# (npm 11) and this variable (older npm) skip it. See README: GPU hosts.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}" npm ci --no-audit --no-fund
fi
npm run --silent build
