#!/usr/bin/env bash
# Stops the nodes started by deploy/quickstart.sh (SIGTERM: graceful shutdown).
set -euo pipefail
run=$(cd "$(dirname "$0")" && pwd)/run
for pidfile in "$run"/*.pid; do
  [ -e "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "stopped $(basename "$pidfile" .pid)"
  fi
  rm -f "$pidfile"
done
