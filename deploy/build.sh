#!/usr/bin/env bash
# Configures and builds with clang++-14 (Debian's libstdc++, so it links with Debian's gRPC,
# protobuf and RocksDB) and ccache if present. clang is needed for libFuzzer and for checking the
# ABSL_GUARDED_BY annotations (-Wthread-safety).
#   NEXUS_BUILD_DIR   where to build (default build/)
#   NEXUS_SANITIZE    "address,undefined" (ASan + UBSan, whole suite) or "thread" (TSan); see README
#   NEXUS_BUILD_TYPE  CMake build type (default RelWithDebInfo)
# Arguments are ninja targets (default: everything).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NEXUS_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE="${NEXUS_BUILD_TYPE:-RelWithDebInfo}" \
  -DNEXUS_SANITIZE="${NEXUS_SANITIZE:-}" >/dev/null
ninja -C "$build" "$@"
