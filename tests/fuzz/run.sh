#!/usr/bin/env bash
# Fuzzes one target for a while, in the ASan + UBSan build (build-asan/, coverage of all our
# code), keeping the corpus it grows between runs:
#   tests/fuzz/run.sh TARGET [SECONDS]      e.g. tests/fuzz/run.sh signed_record 600
# TARGET is a file name in tests/fuzz without "_fuzzer.cc". A crash or broken invariant stops the
# run; the input is saved as build-asan/fuzz/artifacts/TARGET/crash-* (replay: pass the file to
# build-asan/tests/fuzz/fuzz_TARGET). Ends with libFuzzer's stats (executions, coverage).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
target=$1
seconds=${2:-300}
[ -f "$root/tests/fuzz/${target}_fuzzer.cc" ] || { echo "no fuzz target '$target'" >&2; exit 2; }
build=${NEXUS_BUILD_DIR:-$root/build-asan}
NEXUS_BUILD_DIR=$build NEXUS_SANITIZE=${NEXUS_SANITIZE-address,undefined} \
  "$root/deploy/build.sh" "fuzz_$target"
corpus=$build/fuzz/corpus/$target
artifacts=$build/fuzz/artifacts/$target
mkdir -p "$corpus" "$artifacts"
exec "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=4096 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$root/tests/fuzz/corpus/$target"
