#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine: system packages (datasets, the ONNX checker and
# sklearn used as test references, Chromium for the browser tests, Slurm for the --executor slurm
# tests, which start and stop a one-node cluster themselves), then the npm dependencies.
# Safe to re-run: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_pkgs=(dataset-fashion-mnist python3-onnx python3-sklearn python3-numpy python3-pil python3-pip g++ make chromium)
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
export ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}"
# The native TensorFlow engine (@tensorflow/tfjs-node, an optional dependency): its own install
# downloads libtensorflow where that host is reachable; where it is not, scripts/native-engine.sh
# builds it from TensorFlow's pinned wheel on PyPI. ICMIX_NATIVE=off skips the engine (icmix then
# trains on wasm).
native="${ICMIX_NATIVE:-auto}"
native_ok() { [ "$native" = off ] || bash scripts/native-engine.sh check >/dev/null; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || ! native_ok; then
  t0=$SECONDS
  npm ci --no-audit --no-fund
  echo "setup: npm ci took $((SECONDS - t0)) s" >&2
  if ! native_ok; then
    echo "setup: tfjs-node's own libtensorflow download did not work here; building the native engine from TensorFlow's wheel" >&2
    bash scripts/native-engine.sh install || {
      echo "setup: error: the native TensorFlow engine could not be installed (see above). Fix what it names and run setup again, or set ICMIX_NATIVE=off to train on wasm only." >&2
      exit 1
    }
  fi
fi
[ "$native" = off ] || echo "setup: native engine: TensorFlow $(bash scripts/native-engine.sh check)" >&2
# ---- WebGPU: a Vulkan driver for Dawn (issue 24) -------------------------------------------------
# The webgpu training engine and the webgpu runtime (and their tests) need a Vulkan device. Where
# Dawn finds none, this installs Mesa's Vulkan drivers from Debian's bookworm-backports suite:
# lavapipe runs Vulkan on the CPU (right answers, slow), and bookworm's own Mesa 22.3 is too old
# for Dawn. A machine with a GPU and its vendor's driver is left alone. ICMIX_WEBGPU=off skips it.
webgpu_adapters() { node --import tsx scripts/webgpu-adapters.ts 2>/dev/null; } # Dawn's own warnings go to stderr
if [ "${ICMIX_WEBGPU:-auto}" != off ]; then
  if adapters=$(webgpu_adapters); then
    echo "setup: WebGPU adapters: $adapters" >&2
  elif grep -qs '^VERSION_CODENAME=bookworm' /etc/os-release; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    t0=$SECONDS
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      echo "setup: adding Debian's bookworm-backports suite (/etc/apt/sources.list.d/icmix-bookworm-backports.sources) for Mesa's Vulkan drivers" >&2
      printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
        $SUDO tee /etc/apt/sources.list.d/icmix-bookworm-backports.sources >/dev/null
    fi
    echo "setup: no WebGPU adapter here; installing mesa-vulkan-drivers and libvulkan1 from bookworm-backports (lavapipe)" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
    if adapters=$(webgpu_adapters); then
      echo "setup: WebGPU driver installed in $((SECONDS - t0)) s; adapters: $adapters" >&2
    else
      echo "setup: error: still no WebGPU adapter after installing Mesa's Vulkan drivers; run \`npx icmix doctor\` and check \`ls /usr/share/vulkan/icd.d\`, or set ICMIX_WEBGPU=off to go without WebGPU" >&2
      exit 1
    fi
  else
    echo "setup: warning: no WebGPU adapter here and this is not Debian bookworm; install your system's Vulkan driver (Mesa 23 or newer: mesa-vulkan-drivers) for the webgpu engine and runtime, or set ICMIX_WEBGPU=off" >&2
  fi
fi
# ---- end WebGPU -----------------------------------------------------------------------------------
npm run --silent build
