#!/usr/bin/env bash
# The native engine on an NVIDIA GPU: @tensorflow/tfjs-node-gpu built against TensorFlow's own
# CUDA build (the official `tensorflow` wheel, whose libtensorflow_cc.so.2 is built for CUDA 12)
# and NVIDIA's CUDA and cuDNN wheels from PyPI, all placed in tfjs-node-gpu's deps/lib. No CUDA
# toolkit install is needed, only the NVIDIA driver.
#
# WRITTEN, NOT TESTED: icmix's machines have no GPU, and the GPU machine the project can borrow
# takes at most 64 MiB of files, which these libraries (about 3 GB) do not fit. Run it after
# scripts/setup.sh; `icmix doctor` then says whether the GPU is used.
#
#   bash scripts/setup-gpu.sh          (ICMIX_CACHE_DIR as in scripts/native-engine.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

TF_VERSION=2.18.1
CACHE="${ICMIX_CACHE_DIR:-$HOME/.cache/icmix}/native/tensorflow-gpu-$TF_VERSION"
TARBALL=libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz

log() { echo "setup-gpu: $*" >&2; }
die() { log "error: $*"; exit 1; }

command -v nvidia-smi >/dev/null || die "no nvidia-smi: install the NVIDIA driver (CUDA 12 needs driver 525 or newer) first"
driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -n1)
major=${driver%%.*}
[ "$major" -ge 525 ] || die "NVIDIA driver $driver is too old for CUDA 12 (needs 525 or newer): update the driver"
log "driver $driver, GPU $(nvidia-smi --query-gpu=name --format=csv,noheader | head -n1)"

if [ ! -f "$CACHE/$TARBALL" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  log "downloading tensorflow[and-cuda]==$TF_VERSION and its CUDA/cuDNN wheels (about 3 GB)"
  # pip resolves the CUDA and cuDNN versions this TensorFlow was built against (its and-cuda extra).
  /usr/bin/python3 -m pip download --quiet --only-binary=:all: --python-version 3.11 --platform manylinux_2_17_x86_64 \
    -d "$work/wheels" "tensorflow[and-cuda]==$TF_VERSION"
  mkdir -p "$work/pkg/lib" "$work/pkg/include"
  for w in "$work"/wheels/tensorflow-*.whl "$work"/wheels/nvidia_*.whl; do
    /usr/bin/python3 -c "
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
z.extractall(sys.argv[2], [n for n in z.namelist() if '.so' in n.rsplit('/', 1)[-1] or n.startswith('tensorflow/include/tensorflow/c/') or n.startswith('tensorflow/include/tsl/') or n.startswith('tensorflow/include/xla/tsl/c/') or n.startswith('tensorflow/include/tensorflow/core/platform/ctstring')])
" "$w" "$work/x"
  done
  cp "$work"/x/tensorflow/libtensorflow_cc.so.2 "$work"/x/tensorflow/libtensorflow_framework.so.2 "$work/pkg/lib/"
  # CUDA/cuDNN libraries beside libtensorflow_cc.so.2, whose RUNPATH includes $ORIGIN.
  find "$work/x/nvidia" -name '*.so*' -exec cp -a {} "$work/pkg/lib/" \;
  (cd "$work/pkg/lib" && ln -s libtensorflow_cc.so.2 libtensorflow.so && ln -s libtensorflow_cc.so.2 libtensorflow.so.2.9.1 &&
    ln -s libtensorflow_framework.so.2 libtensorflow_framework.so && ln -s libtensorflow_framework.so.2 libtensorflow_framework.so.2.9.1)
  cp -r "$work/x/tensorflow/include/." "$work/pkg/include/"
  printf '{"source": "tensorflow %s wheel with NVIDIA CUDA/cuDNN wheels from PyPI, built by scripts/setup-gpu.sh"}\n' "$TF_VERSION" > "$work/pkg/icmix-origin.json"
  mkdir -p "$CACHE"
  (cd "$work/pkg" && tar -cf - lib include icmix-origin.json | gzip -1 > "$CACHE/$TARBALL.tmp")
  mv "$CACHE/$TARBALL.tmp" "$CACHE/$TARBALL"
fi

nodedir=""
for d in "$(dirname "$(dirname "$(command -v node)")")" /usr /usr/local; do
  if [ -f "$d/include/node/node_api.h" ]; then nodedir=$d; break; fi
done
[ -n "$nodedir" ] || die "no Node headers beside $(command -v node): install them (Debian: apt-get install libnode-dev)"
node scripts/serve-dir.mjs "$CACHE" > "$CACHE/port" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do port=$(cat "$CACHE/port" 2>/dev/null || true); [ -n "$port" ] && break; sleep 0.1; done
# tfjs-node-gpu's install always deletes deps/ and downloads: here from the loopback server.
TFJS_NODE_BASE_URI="http://127.0.0.1:$port/libtensorflow-" npm_config_nodedir="$nodedir" \
  npm install --no-save --no-audit --no-fund @tensorflow/tfjs-node-gpu@4.22.0
node -e "
  const tf = require('@tensorflow/tfjs-node-gpu');
  const b = tf.backend();
  console.log('TensorFlow', b.binding.TF_Version, b.isUsingGpuDevice ? 'on the GPU' : 'NOT on the GPU (check the driver and nvidia-smi)');
"
log "done; 'icmix train --backend tensorflow' now uses tfjs-node-gpu"
