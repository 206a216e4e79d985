#!/usr/bin/env bash
# Builds everything and runs the whole test suite (unit and integration) with ctest.
# Installs missing Debian packages first, so it works on a fresh machine too.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/install-deps.sh"
"$root/deploy/build.sh"
cd "${NEXUS_BUILD_DIR:-$root/build}"
ctest --output-on-failure -j2 --timeout 300
