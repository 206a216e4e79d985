#!/usr/bin/env bash
# Builds everything and runs the whole test suite (unit, integration, fuzz smoke runs) twice:
# the normal build (build/), then the AddressSanitizer + UndefinedBehaviorSanitizer build
# (build-asan/), where every program, nexusd and nexusctl included, stops at the first report.
#   tests/run.sh            both (what CI runs)
#   tests/run.sh --quick    the normal suite only
#   tests/run.sh --tsan     both, then the concurrency tests under ThreadSanitizer (tests/tsan.sh,
#                           build-tsan/). Not in CI: a third cold build of every library would
#                           take CI's 2 cores past half of its 90 minutes; run it before changing
#                           the commit queue, the audit log or the record store.
# Installs missing Debian packages first, so it works on a fresh machine too.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/install-deps.sh"

build=${NEXUS_BUILD_DIR:-$root/build}
NEXUS_BUILD_DIR=$build NEXUS_SANITIZE= "$root/deploy/build.sh"
(cd "$build" && ctest --output-on-failure -j2 --timeout 300)
[ "${1:-}" = "--quick" ] && exit 0

asan=${NEXUS_ASAN_BUILD_DIR:-$root/build-asan}
echo "== the same suite under AddressSanitizer + UndefinedBehaviorSanitizer ($asan)"
NEXUS_BUILD_DIR=$asan NEXUS_SANITIZE=address,undefined "$root/deploy/build.sh"
(cd "$asan" && ctest --output-on-failure -j2 --timeout 600)

if [ "${1:-}" = "--tsan" ]; then
  echo "== the concurrency tests under ThreadSanitizer"
  "$root/tests/tsan.sh"
fi
