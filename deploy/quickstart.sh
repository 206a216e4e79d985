#!/usr/bin/env bash
# From a fresh Debian 12 machine to a running node with signed, verified records:
# installs dependencies, builds, creates a development PKI, starts one agency node (nexusd) on
# loopback, publishes the sample records and reads them back with nexusctl.
#
# The node keeps running; deploy/stop.sh stops it. State lives in deploy/run/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
run=$root/deploy/run
agency=demo-police
port=${NEXUS_PORT:-7443}
metrics_port=${NEXUS_METRICS_PORT:-9464}

"$root/deploy/install-deps.sh"
echo "== building"
"$root/deploy/build.sh" nexusd nexusctl

echo "== development PKI in $run/pki"
mkdir -p "$run"
"$root/certs/make-dev-pki.sh" "$run/pki" "$agency" demo-fiu >/dev/null
"$root/deploy/make-node-config.sh" --metrics "127.0.0.1:$metrics_port" \
  "$run/pki" "$agency" "127.0.0.1:$port" "$run/$agency-data" \
  "$agency:FR:region-sahel" "demo-fiu:FR:region-sahel" > "$run/$agency.textproto"

"$root/deploy/stop.sh" >/dev/null 2>&1 || true
echo "== starting nexusd for $agency on 127.0.0.1:$port (log: $run/$agency.log)"
rm -f "$run/$agency.ready"
"$root/build/server/nexusd" --config "$run/$agency.textproto" --ready-file "$run/$agency.ready" \
  >"$run/$agency.log" 2>&1 &
echo $! > "$run/$agency.pid"
for _ in $(seq 1 100); do
  [ -s "$run/$agency.ready" ] && break
  kill -0 "$(cat "$run/$agency.pid")" 2>/dev/null || { cat "$run/$agency.log"; exit 1; }
  sleep 0.1
done
[ -s "$run/$agency.ready" ] || { echo "nexusd did not become ready"; cat "$run/$agency.log"; exit 1; }

export NEXUS_TARGET=127.0.0.1:$port NEXUS_CA=$run/pki/ca.crt NEXUS_KEYS=$run/pki/keys
export NEXUS_CERT=$run/pki/$agency/analyst.crt NEXUS_KEY=$run/pki/$agency/analyst.key
ctl=$root/build/client/cli/nexusctl

echo "== publishing deploy/samples/records.jsonl"
"$ctl" push "$root/deploy/samples/records.jsonl"
echo "== reading everything back (each signature verified against $NEXUS_KEYS)"
"$ctl" pull --since 0
echo "== has anyone seen +33 612 345 678?"
"$ctl" search "0033 6 12 34 56 78"

echo "== the audit log, verified by an auditor (every call above is in it)"
NEXUS_CERT=$run/pki/$agency/auditor.crt NEXUS_KEY=$run/pki/$agency/auditor.key \
  "$ctl" audit verify --witness "$run/auditor-witness.checkpoints"

cat <<MSG

The node is running. Try it yourself (nexusctl is on PATH after these):
  export NEXUS_TARGET=$NEXUS_TARGET NEXUS_CA=$NEXUS_CA NEXUS_KEYS=$NEXUS_KEYS
  export NEXUS_CERT=$NEXUS_CERT NEXUS_KEY=$NEXUS_KEY
  export PATH=$root/build/client/cli:\$PATH
  nexusctl --help
Its Prometheus metrics (loopback only): curl -s http://127.0.0.1:$metrics_port/metrics
Stop it with: deploy/stop.sh
MSG
