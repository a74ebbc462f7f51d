#!/usr/bin/env bash
# The native TensorFlow engine (@tensorflow/tfjs-node) without tfjs-node's own libtensorflow
# download: the library comes from a pinned official TensorFlow wheel from PyPI, whose
# libtensorflow_cc.so.2 exports the C and eager C APIs tfjs-node's addon calls. The wheel is
# checked against its sha256, its libraries and the headers the addon includes are packed into
# the tarball layout tfjs-node's install script expects (cached), and `npm ci` then runs with
# that script pointed at a loopback server holding the tarball; the addon is built from source
# by node-gyp against the machine's Node headers.
#
#   bash scripts/native-engine.sh check      exit 0 if tfjs-node loads (prints TF's version)
#   bash scripts/native-engine.sh install    npm ci with the wheel's library (builds the tarball first)
#   bash scripts/native-engine.sh tarball    only build the cached tarball
#
# Called by scripts/setup.sh. Environment: ICMIX_CACHE_DIR (default ~/.cache/icmix); ICMIX_TF_WHEEL,
# the pinned wheel as a local file instead of a download.
set -euo pipefail
cd "$(dirname "$0")/.."

# The pinned wheel: tensorflow-cpu 2.18.1, CPython 3.11, manylinux2014 x86_64 (only its .so files
# and C headers are used, so the Python version does not matter).
TF_VERSION=2.18.1
TF_WHEEL=tensorflow_cpu-2.18.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
TF_WHEEL_SHA256=810c75d7149d2da0cb2092187817b0dcabb80728ca9f9cf3a61f3f42fadd1298
# The file name tfjs-node 4.22's install script asks for (its LIBTENSORFLOW_VERSION is 2.9.1).
TARBALL=libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz
CACHE="${ICMIX_CACHE_DIR:-$HOME/.cache/icmix}/native/tensorflow-cpu-$TF_VERSION"

log() { echo "native-engine: $*" >&2; }
die() { log "error: $*"; exit 1; }

check() {
  node -e "
    process.env.TF_CPP_MIN_LOG_LEVEL = '2';
    const tf = require('@tensorflow/tfjs-node');
    console.log(tf.backend().binding.TF_Version);
  " 2>/dev/null
}

# The tarball: lib/ (the two libraries under their sonames, and the names the addon links and
# tfjs-node's script looks for) and include/ (the headers the addon's sources include).
build_tarball() {
  [ "$(uname -m)" = x86_64 ] || die "the pinned wheel is for x86_64 Linux; on $(uname -m) install @tensorflow/tfjs-node's own build"
  command -v g++ >/dev/null && command -v make >/dev/null || die "building tfjs-node's addon needs a C++ compiler and make: apt-get install g++ make"
  local py; py=$(command -v /usr/bin/python3 || command -v python3) || die "pip is needed to fetch the TensorFlow wheel: apt-get install python3-pip"
  local work; work=$(mktemp -d)
  trap "rm -rf '$work'" RETURN
  if [ -n "${ICMIX_TF_WHEEL:-}" ]; then
    # A wheel fetched elsewhere (an offline machine): checked like a download.
    [ -f "$ICMIX_TF_WHEEL" ] || die "ICMIX_TF_WHEEL=$ICMIX_TF_WHEEL: no such file"
    cp "$ICMIX_TF_WHEEL" "$work/$TF_WHEEL"
  else
    log "downloading $TF_WHEEL from PyPI (about 230 MB)"
    "$py" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 --platform manylinux_2_17_x86_64 \
        -d "$work" "tensorflow-cpu==$TF_VERSION" || die "pip could not download tensorflow-cpu==$TF_VERSION (is PyPI reachable? is pip installed: apt-get install python3-pip?)"
  fi
  [ -f "$work/$TF_WHEEL" ] || die "pip saved $(ls "$work") instead of $TF_WHEEL"
  local sum; sum=$(sha256sum "$work/$TF_WHEEL" | cut -d' ' -f1)
  [ "$sum" = "$TF_WHEEL_SHA256" ] || die "$TF_WHEEL has sha256 $sum, expected $TF_WHEEL_SHA256: the download is corrupt or not the pinned wheel; delete $CACHE and run again"
  log "unpacking the libraries and headers"
  "$py" -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], [n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith('tensorflow/include/') or n in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2')])" "$work/$TF_WHEEL" "$work/x"
  rm "$work/$TF_WHEEL"
  local pkg="$work/pkg"
  mkdir -p "$pkg/lib" "$pkg/include"
  mv "$work/x/tensorflow/libtensorflow_cc.so.2" "$work/x/tensorflow/libtensorflow_framework.so.2" "$pkg/lib/"
  ln -s libtensorflow_cc.so.2 "$pkg/lib/libtensorflow.so"
  ln -s libtensorflow_cc.so.2 "$pkg/lib/libtensorflow.so.2.9.1"
  ln -s libtensorflow_framework.so.2 "$pkg/lib/libtensorflow_framework.so"
  ln -s libtensorflow_framework.so.2 "$pkg/lib/libtensorflow_framework.so.2.9.1"
  # The header closure of the C and eager C APIs (what tfjs-node's binding/*.cc include).
  local inc="$work/x/tensorflow/include"
  printf '#include "tensorflow/c/c_api.h"\n#include "tensorflow/c/eager/c_api.h"\n#include "tensorflow/core/platform/ctstring_internal.h"\n' > "$work/h.cc"
  local h
  for h in $(g++ -M -I "$inc" "$work/h.cc" | tr ' \\' '\n\n' | grep "^$inc/" | sed "s|^$inc/||" | sort -u); do
    mkdir -p "$pkg/include/$(dirname "$h")"
    cp "$inc/$h" "$pkg/include/$h"
  done
  printf '{"source": "tensorflow-cpu %s wheel from PyPI (sha256 %s), built by scripts/native-engine.sh", "tensorflow": "%s"}\n' "$TF_VERSION" "$TF_WHEEL_SHA256" "$TF_VERSION" > "$pkg/icmix-origin.json"
  mkdir -p "$CACHE"
  (cd "$pkg" && tar -cf - lib include icmix-origin.json | gzip -1 > "$CACHE/$TARBALL.tmp")
  mv "$CACHE/$TARBALL.tmp" "$CACHE/$TARBALL"
  log "cached $CACHE/$TARBALL ($(du -h "$CACHE/$TARBALL" | cut -f1))"
}

install() {
  local t0=$SECONDS
  [ -f "$CACHE/$TARBALL" ] || build_tarball
  # Node's headers for node-gyp, from this machine (offline it cannot fetch them).
  local nodedir=""
  for d in "$(dirname "$(dirname "$(command -v node)")")" /usr /usr/local; do
    if [ -f "$d/include/node/node_api.h" ]; then nodedir=$d; break; fi
  done
  [ -n "$nodedir" ] || die "no Node headers (include/node/node_api.h) beside $(command -v node): install them (Debian: apt-get install libnode-dev) so node-gyp can build the addon"
  node scripts/serve-dir.mjs "$CACHE" > "$CACHE/port" &
  local server=$!
  trap "kill $server 2>/dev/null || true" RETURN
  local port=""
  for _ in $(seq 50); do port=$(cat "$CACHE/port" 2>/dev/null || true); [ -n "$port" ] && break; sleep 0.1; done
  [ -n "$port" ] || die "the loopback server for the tarball did not start"
  log "npm ci with tfjs-node's library from the wheel (loopback port $port), building its addon"
  TFJS_NODE_BASE_URI="http://127.0.0.1:$port/libtensorflow-" npm_config_nodedir="$nodedir" \
    ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}" npm ci --no-audit --no-fund
  local v; v=$(check) || die "tfjs-node still does not load after the build; see the npm output above"
  log "TensorFlow $v ready in $((SECONDS - t0)) s ($(du -sh node_modules/@tensorflow/tfjs-node/deps | cut -f1) in node_modules, $(du -sh "$CACHE" | cut -f1) cached in $CACHE)"
}

case "${1:-}" in
  check) check ;;
  install) install ;;
  tarball) build_tarball ;;
  *) echo "usage: bash scripts/native-engine.sh check|install|tarball" >&2; exit 2 ;;
esac
