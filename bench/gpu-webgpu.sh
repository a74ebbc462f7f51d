#!/usr/bin/env bash
# WebGPU on a real GPU: ResNet-20 with ICM trained a few hundred steps through the webgpu engine
# (Dawn on Vulkan), then ONNX Runtime's WebGPU provider timed on evaluation beside its CPU one,
# and PyTorch CUDA's img/s for the same net and loss on the same machine where PyTorch is there.
#
# Made for a bare GPU machine with no network that takes at most 64 MiB of files:
#
#   bash bench/gpu-webgpu.sh pack [bench/gpu-webgpu.tar.gz]   # here, after scripts/setup.sh
#   # copy the tarball over, then on the GPU machine:
#   tar xzf gpu-webgpu.tar.gz && bash gpu-webgpu/run.sh [--steps 300] [--gpu-adapter 0]
#
# `pack` bundles icmix's bench with esbuild into one file, with the two native packages it needs
# pruned to linux-x64 (Dawn's `webgpu`, onnxruntime-node), bench/torch_ref.py, the Vulkan loader
# (Debian's libvulkan1, fetched with `apt-get download`, used only where the machine has none) and,
# with ICMIX_PACK_NODE=1, this machine's Node binary (for a machine without Node 20+). The GPU's
# own Vulkan driver comes with its vendor's driver (NVIDIA: nvidia_icd.json and libGLX_nvidia).
#
# WRITTEN AND RUN HERE ON LAVAPIPE ONLY: no GPU machine was available when it was written, so it
# has no GPU figures yet (docs/benchmarks.md gets the table once it has run on one).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "gpu-webgpu: $*" >&2; }
die() { log "error: $*"; exit 1; }

pack() {
  local out=${1:-bench/gpu-webgpu.tar.gz}
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  local dir=$stage/gpu-webgpu
  mkdir -p "$dir/node_modules" "$dir/debs"
  # One ESM file; the native packages stay outside (their .node files load by path).
  node_modules/.bin/esbuild bench/gpu-webgpu.ts --bundle --platform=node --format=esm --target=node20 \
    --external:webgpu --external:onnxruntime-node --outfile="$dir/bench.mjs" --log-level=warning \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
  mkdir -p "$dir/node_modules/webgpu/dist" "$dir/node_modules/onnxruntime-node/bin/napi-v6/linux"
  cp node_modules/webgpu/{package.json,index.js} "$dir/node_modules/webgpu/"
  cp -r node_modules/webgpu/dist/linux-x64 "$dir/node_modules/webgpu/dist/"
  cp -r node_modules/onnxruntime-node/{package.json,dist} "$dir/node_modules/onnxruntime-node/"
  cp -r node_modules/onnxruntime-node/bin/napi-v6/linux/x64 "$dir/node_modules/onnxruntime-node/bin/napi-v6/linux/"
  cp -r node_modules/onnxruntime-common "$dir/node_modules/"
  cp bench/torch_ref.py "$dir/"
  cp package.json "$dir/" # icmix finds its version (and root) by it
  mkdir -p "$dir/schemas" && cp schemas/onnx.proto "$dir/schemas/" # the ONNX exporter reads it
  # The engine checks that tfjs-backend-webgpu is installed by its package.json; its code is in bench.mjs.
  mkdir -p "$dir/node_modules/@tensorflow/tfjs-backend-webgpu" && cp node_modules/@tensorflow/tfjs-backend-webgpu/package.json "$dir/node_modules/@tensorflow/tfjs-backend-webgpu/"
  (cd "$dir/debs" && apt-get download libvulkan1 >/dev/null 2>&1) || die "apt-get download libvulkan1 failed (network, or not Debian)"
  if [ "${ICMIX_PACK_NODE:-0}" = 1 ]; then cp "$(command -v node)" "$dir/node"; fi
  cat >"$dir/run.sh" <<'RUN'
#!/usr/bin/env bash
# On the GPU machine: bash run.sh [--steps 300] [--batch 128] [--eval-images 2048] [--gpu-adapter NAME|INDEX]
set -euo pipefail
cd "$(dirname "$0")"
NODE=node; [ -x ./node ] && NODE=./node
command -v "$NODE" >/dev/null || { echo "gpu-webgpu: no node here; pack with ICMIX_PACK_NODE=1" >&2; exit 1; }
# The Vulkan loader: the system's, else the packed Debian one.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
  mkdir -p vulkan && for d in debs/*.deb; do dpkg-deb -x "$d" vulkan; done
  export LD_LIBRARY_PATH="$PWD/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
# NVIDIA's Vulkan driver is in its GL library; some driver installs leave out the ICD file.
if ! ls /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json >/dev/null 2>&1 && ldconfig -p | grep -q libGLX_nvidia.so.0; then
  printf '{"file_format_version":"1.0.0","ICD":{"library_path":"libGLX_nvidia.so.0","api_version":"1.3"}}\n' > nvidia_icd.json
  export VK_ICD_FILENAMES="$PWD/nvidia_icd.json"
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true
"$NODE" bench.mjs "$@" | tee webgpu.jsonl
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  python3 torch_ref.py --device cuda --models resnet20 --shapes 28,28,1 --methods icm --steps 100 --warmup 10 | tee torch.jsonl
else
  echo '{"figure":"train","engine":"pytorch-cuda","note":"PyTorch with CUDA is not installed here"}' | tee torch.jsonl
fi
python3 - <<'PY' 2>/dev/null || cat webgpu.jsonl torch.jsonl
import json
rows = [json.loads(l) for f in ("webgpu.jsonl", "torch.jsonl") for l in open(f) if l.strip()]
print("\n| what | where | img/s |\n| :--- | :--- | ---: |")
for r in rows:
    if r.get("figure") == "train": print(f"| ResNet-20 ICM training, batch {r.get('batch', 128)} | {r.get('engine')} {r.get('adapter', '')} | {r.get('imgPerSec', float('nan')):.0f} |")
    elif r.get("figure") == "eval": print(f"| ResNet-20 evaluation, batch {r['batch']} | ORT {r['runtime']} ({r['note']}) | {r['imgPerSec']:.0f} |")
    elif r.get("backend", "").startswith("pytorch"): print(f"| ResNet-20 ICM training, batch {r['batch']} | {r['backend']} (torch {r['torch']}) | {r['imagesPerSec']:.0f} |")
PY
RUN
  chmod +x "$dir/run.sh"
  tar -C "$stage" -czf "$out" gpu-webgpu
  local size; size=$(stat -c %s "$out")
  log "$out: $((size / 1024 / 1024)) MiB ($size bytes) of the 64 MiB allowed"
  [ "$size" -le $((64 * 1024 * 1024)) ] || die "$out is over 64 MiB"
}

case "${1:-}" in
  pack) shift; pack "$@" ;;
  *) die "usage: bash bench/gpu-webgpu.sh pack [OUT.tar.gz]; then on the GPU machine: bash gpu-webgpu/run.sh [--steps 300]" ;;
esac
