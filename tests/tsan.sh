#!/usr/bin/env bash
# ThreadSanitizer over the concurrency tests of our own code: the commit queue, audit log, record
# store and publisher, driven from many threads (tests/audit_log_test.cc,
# tests/record_store_test.cc, tests/record_publisher_test.cc). Builds only that test program
# into build-tsan/ and stops at the first report. Arguments go to the test program, e.g.
#   tests/tsan.sh --gtest_repeat=5 --gtest_filter='*Concurrent*'
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NEXUS_BUILD_DIR:-$root/build-tsan}
NEXUS_BUILD_DIR=$build NEXUS_SANITIZE=thread "$root/deploy/build.sh" concurrency_tests
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$root/tests/tsan_suppressions.txt ${TSAN_OPTIONS:-}"
exec "$build/tests/concurrency_tests" "$@"
