#!/usr/bin/env bash
# Configures and builds everything into build/ (Release with debug info, ccache if present).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NEXUS_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" "$@"
