#!/usr/bin/env bash
# A local federation on loopback, started by one command (on a fresh Debian 12 machine too):
#
#   deploy/federation.sh up       install dependencies, build nexusd and nexusctl, create a
#                                 development PKI and four nodes, publish the sample records of
#                                 deploy/federation/ at three of them, wait until they have
#                                 propagated, print where each went and what was withheld
#   deploy/federation.sh status   which nodes run, and each one's view of its peers
#   deploy/federation.sh down     stop the four nodes (SIGTERM: graceful shutdown)
#   deploy/federation.sh stop|start|restart AGENCY
#                                 one node of the running federation (its peers catch up)
#   deploy/federation.sh exercise a table-top exercise on the running federation: records
#                                 arrive at different agencies over a few minutes; at each step
#                                 what a trainee should find and the nexusctl command that finds
#                                 it (NEXUS_EXERCISE_PAUSE seconds between steps, default 45)
#
# The nodes, each its own nexusd with its own data directory, certificates, config and policy
# (deploy/federation/AGENCY.policy.textproto):
#   fr-police  French police unit (FR)                       BASE_PORT
#   ml-ct      Malian counter-terrorism unit (ML)            BASE_PORT+1
#   sn-fiu     Senegalese financial intelligence unit (SN)   BASE_PORT+2  accepts no peer connections:
#                                                                         pulls from and pushes to wa-coord
#   wa-coord   West African regional coordinator (NG)        BASE_PORT+3
# fr-police and ml-ct exchange directly and with wa-coord; wa-coord relays between all three.
# `up` starts a fresh federation: a running one is stopped and its data directories removed (the
# PKI is kept).
#
# Environment:
#   NEXUS_FEDERATION_BASE_PORT  first of the four loopback ports (default 7501)
#   NEXUS_FEDERATION_DIR        PKI, configurations, data, logs (default deploy/run/federation)
#   NEXUS_FEDERATION_TIMEOUT    seconds to wait for the records to propagate (default 60)
#   NEXUS_FEDERATION_NO_BUILD   1: use the binaries already built (no install-deps, no build)
#   NEXUS_BUILD_DIR             where the binaries are built (default build/)
# Exit codes: 0 done; 1 a step failed (the message says which, and where its log is); 2 usage.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
samples=$root/deploy/federation
run=${NEXUS_FEDERATION_DIR:-$root/deploy/run/federation}
base=${NEXUS_FEDERATION_BASE_PORT:-7501}
timeout=${NEXUS_FEDERATION_TIMEOUT:-60}
build=${NEXUS_BUILD_DIR:-$root/build}
nexusd=$build/server/nexusd
nexusctl=$build/client/cli/nexusctl

# The comment at the top of this file.
header() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; }
usage() { header >&2; exit 2; }
fail() { echo "federation: $*" >&2; exit 1; }

if ! [[ "$base" =~ ^[0-9]+$ ]] || [ "$base" -lt 1 ] || [ "$base" -gt 65532 ]; then
  echo "federation: NEXUS_FEDERATION_BASE_PORT must be a port number, not '$base'" >&2
  exit 2
fi
[[ "$timeout" =~ ^[0-9]+$ ]] ||
  { echo "federation: NEXUS_FEDERATION_TIMEOUT must be whole seconds, not '$timeout'" >&2; exit 2; }

# ---- The federation: members, ports, peers --------------------------------------------------

agencies=(fr-police ml-ct sn-fiu wa-coord)
# agency:country:groups:sector:liaison, as every node's configuration lists the members.
members=(
  "fr-police:FR:police,europe,region-west-africa:police:OCRTIS international liaison desk, +33 1 00 00 01 31 (fictitious)"
  "ml-ct:ML:counter-terrorism,region-west-africa:counter-terrorism:ML-CT duty officer, +223 20 00 02 11 (fictitious)"
  "sn-fiu:SN:fiu,region-west-africa:financial-intelligence:CENTIF analysis unit, +221 33 000 00 48 (fictitious)"
  "wa-coord:NG:coordinator,region-west-africa:regional-body:Coordination centre watch desk, +234 9 000 0003 (fictitious)"
)
# Agencies that publish samples (deploy/federation/records-AGENCY.jsonl), in this order.
origins=(fr-police ml-ct sn-fiu)

port_of() {
  case "$1" in
    fr-police) echo $((base)) ;;
    ml-ct) echo $((base + 1)) ;;
    sn-fiu) echo $((base + 2)) ;;
    wa-coord) echo $((base + 3)) ;;
  esac
}
address_of() { echo "127.0.0.1:$(port_of "$1")"; }
# Each node's Prometheus metrics, on loopback, 1000 above its gRPC port.
metrics_address_of() { echo "127.0.0.1:$(($(port_of "$1") + 1000))"; }

# make-node-config.sh --peer arguments of each node.
peers_of() {
  case "$1" in
    fr-police) echo "--peer wa-coord=$(address_of wa-coord) --peer ml-ct=$(address_of ml-ct)" ;;
    ml-ct) echo "--peer wa-coord=$(address_of wa-coord) --peer fr-police=$(address_of fr-police)" ;;
    # sn-fiu cannot accept connections from other nodes: it dials the coordinator both ways.
    sn-fiu) echo "--peer wa-coord=$(address_of wa-coord)/pull-and-push" ;;
    wa-coord)
      echo "--peer fr-police=$(address_of fr-police) --peer ml-ct=$(address_of ml-ct) --peer sn-fiu/inbound" ;;
  esac
}

peer_count() { peers_of "$1" | grep -o -- '--peer' | wc -l; }

# The peers each node asks in a federation-wide search (make-node-config.sh --search-peer): the
# ones it dials.
search_peers_of() {
  case "$1" in
    fr-police) echo "--search-peer wa-coord --search-peer ml-ct" ;;
    ml-ct) echo "--search-peer wa-coord --search-peer fr-police" ;;
    sn-fiu) echo "--search-peer wa-coord" ;;
    wa-coord) echo "--search-peer fr-police --search-peer ml-ct" ;;
  esac
}

config_of() { echo "$run/$1/node.textproto"; }
pidfile_of() { echo "$run/$1/nexusd.pid"; }
log_of() { echo "$run/$1/nexusd.log"; }

# nexusctl as ROLE (analyst, auditor, admin) of AGENCY, connected to AGENCY's node.
ctl_as() {
  local agency=$1 role=$2
  shift 2
  "$nexusctl" --target "$(address_of "$agency")" --ca "$run/pki/ca.crt" --keys "$run/pki/keys" \
    --cert "$run/pki/$agency/$role.crt" --key "$run/pki/$agency/$role.key" "$@"
}
ctl() { local agency=$1; shift; ctl_as "$agency" analyst "$@"; }

# The pid of AGENCY's node if it is running: the one in our pid file, if that process is a
# nexusd whose --config is this federation's configuration of AGENCY (a recycled pid, or a node
# of another federation, is left alone).
running_pid() {
  local pidfile pid config arg args=() next=0
  pidfile=$(pidfile_of "$1")
  [ -s "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  mapfile -d '' args <"/proc/$pid/cmdline" 2>/dev/null || return 1
  [ ${#args[@]} -gt 0 ] && [ "$(basename "${args[0]}")" = nexusd ] || return 1
  for arg in "${args[@]}"; do
    if [ $next = 1 ]; then config=$arg; break; fi
    [ "$arg" = --config ] && next=1
  done
  [ -n "${config:-}" ] || return 1
  [[ "$config" == /* ]] || config=$(readlink -f "/proc/$pid/cwd")/$config
  [ "$(readlink -f "$config")" = "$(readlink -f "$(config_of "$1")")" ] || return 1
  echo "$pid"
}

# Fails if something already accepts connections on one of the federation's ports. nexusd
# listens with SO_REUSEPORT (gRPC's default), so a second nexusd on a taken port starts without
# an error and the kernel splits the connections between the two: check before starting.
check_ports_free() {
  local agency port
  for agency in "${agencies[@]}"; do
    port=$(port_of "$agency")
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      fail "port $port (for $agency) is already in use on 127.0.0.1 (ss -ltnp | grep :$port shows by what); NEXUS_FEDERATION_BASE_PORT=N uses N..N+3 instead"
    fi
  done
}

# ---- down -----------------------------------------------------------------------------------

# Waits for AGENCY's node PID, sent SIGTERM, to exit until DEADLINE (in $SECONDS); kills it
# after that. Then forgets its pid file.
await_stop() {
  local agency=$1 pid=$2 deadline=$3
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$agency (pid $pid) did not stop within 20 s of SIGTERM; killing it (log: $(log_of "$agency"))" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$(pidfile_of "$agency")"
  echo "stopped $agency"
}

# SIGTERM to every running node first, so they shut down together, then wait for each.
down() {
  local agency pid entry pids=() stopped=0 deadline
  for agency in "${agencies[@]}"; do
    if pid=$(running_pid "$agency"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$agency:$pid")
    else
      rm -f "$(pidfile_of "$agency")"
    fi
  done
  # A graceful shutdown lets in-flight calls finish (up to 10 s), then closes RocksDB.
  deadline=$((SECONDS + 20))
  for entry in "${pids[@]}"; do
    await_stop "${entry%%:*}" "${entry#*:}" "$deadline"
    stopped=$((stopped + 1))
  done
  [ $stopped -gt 0 ] || echo "no node of the federation in $run is running"
}

# ---- status ---------------------------------------------------------------------------------

# nexusctl federation status as an analyst of AGENCY; says so if this nexusctl has no such command.
federation_status() {
  local out rc=0
  out=$(ctl "$1" federation status 2>&1) || rc=$?
  if [ $rc -eq 2 ] && echo "$out" | grep -q "unknown command"; then
    echo "(this nexusctl has no 'federation status' command yet)"
  else
    echo "$out"
    [ $rc -eq 0 ] || echo "(nexusctl federation status at $1 exited $rc)"
  fi
}

status() {
  local agency pid any=0
  for agency in "${agencies[@]}"; do
    if pid=$(running_pid "$agency"); then
      any=1
      printf '%-10s running  pid %-8s %s  log %s\n' "$agency" "$pid" "$(address_of "$agency")" "$(log_of "$agency")"
    else
      printf '%-10s stopped\n' "$agency"
    fi
  done
  [ $any = 1 ] || return 0
  [ -x "$nexusctl" ] || return 0
  for agency in "${agencies[@]}"; do
    running_pid "$agency" >/dev/null || continue
    echo
    echo "== $agency: nexusctl federation status"
    federation_status "$agency"
  done
}

# Waits until every node reports each of its peers connected (nexusctl federation status), so
# that the records published next travel over live streams. Skipped, with a note, if this
# nexusctl has no federation status; a peer still unconnected after 30 s is only reported: the
# propagation deadline decides.
await_links() {
  local agency out deadline=$((SECONDS + 30)) missing
  while :; do
    missing=()
    for agency in "${agencies[@]}"; do
      if ! out=$(ctl "$agency" --json federation status 2>&1); then
        if echo "$out" | grep -q "unknown command"; then
          echo "   (this nexusctl has no 'federation status': not waiting for the links)"
          return 0
        fi
        missing+=("$agency")
        continue
      fi
      [ "$(echo "$out" | grep -o '"connected":true' | wc -l)" -ge "$(peer_count "$agency")" ] ||
        missing+=("$agency")
    done
    if [ ${#missing[@]} -eq 0 ]; then
      echo "   every node is connected to each of its peers"
      return 0
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "   still not connected to every peer after 30 s: ${missing[*]} (see their logs); going on"
      return 0
    fi
    sleep 0.2
  done
}

# ---- up -------------------------------------------------------------------------------------

# Starts every node and waits until each has written its ready file.
# Starts AGENCY's nexusd in the background, with its configuration, data and log.
launch_node() {
  local agency=$1
  rm -f "$run/$agency/ready"
  "$nexusd" --config "$(config_of "$agency")" --ready-file "$run/$agency/ready" \
    </dev/null >>"$(log_of "$agency")" 2>&1 &
  echo $! >"$(pidfile_of "$agency")"
  printf '   %-10s nexusd pid %-7s on %s  (log: %s)\n' "$agency" $! "$(address_of "$agency")" "$(log_of "$agency")"
}

# Waits until AGENCY's node serves; fails (with its log) if it exits or takes 30 s.
await_ready() {
  local agency=$1 pid deadline=$((SECONDS + 30))
  pid=$(cat "$(pidfile_of "$agency")")
  until [ -s "$run/$agency/ready" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "federation: nexusd of $agency exited during start-up; its log ($(log_of "$agency")):" >&2
      tail -n 20 "$(log_of "$agency")" >&2
      if grep -q "cannot listen" "$(log_of "$agency")"; then
        echo "federation: port $(port_of "$agency") is taken; NEXUS_FEDERATION_BASE_PORT=N uses N..N+3 instead" >&2
      fi
      return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "federation: nexusd of $agency did not become ready within 30 s; its log:" >&2
      tail -n 20 "$(log_of "$agency")" >&2
      return 1
    fi
    sleep 0.1
  done
}

start_nodes() {
  local agency
  for agency in "${agencies[@]}"; do : >"$(log_of "$agency")"; launch_node "$agency"; done
  for agency in "${agencies[@]}"; do
    await_ready "$agency" || { down >/dev/null; exit 1; }
  done
}

start_node() {
  if running_pid "$1" >/dev/null; then echo "$1 is already running"; return 0; fi
  launch_node "$1"
  await_ready "$1" || exit 1
}

# SIGTERM to AGENCY's node, then wait for it (killed after 20 s).
stop_node() {
  local agency=$1 pid deadline=$((SECONDS + 20))
  if ! pid=$(running_pid "$agency"); then
    rm -f "$(pidfile_of "$agency")"
    echo "$agency is not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  await_stop "$agency" "$pid" "$deadline"
}

# Publishes deploy/federation/records-AGENCY.jsonl at AGENCY's node as one of its analysts and
# appends "id case-reference" of each stored record to $run/published.
publish() {
  local agency=$1 file=$samples/records-$1.jsonl out
  if ! out=$(ctl "$agency" push "$file" 2>&1); then
    echo "$out" >&2
    fail "publishing $file at $agency failed"
  fi
  # Records are stored in file order; push prints "stored ID vN" for each.
  paste -d' ' <(echo "$out" | awk '$1 == "stored" { print $2, $3 }') \
    <(grep -v '^[[:space:]]*$' "$file" | grep -o '"case_reference":"[^"]*"' | cut -d'"' -f4) \
    >"$run/published-$agency"
  awk 'NF != 3 { exit 1 }' "$run/published-$agency" ||
    fail "every sample record in $file needs a case_reference"
  awk '{ printf "   %-20s %s %s\n", $3, $1, $2 }' "$run/published-$agency"
  awk '{ print $1, $3 }' "$run/published-$agency" >>"$run/published"
  rm -f "$run/published-$agency"
  printf '%s\n' "$out" | tail -n1 | sed 's/^/   /'
}

# What AGENCY's node holds, as its own analysts see it (everything it holds, with the parts that
# reached it): one line per record, "ID<TAB>ORIGIN<TAB>TLP<TAB>DISTRIBUTION<TAB>CELL<TAB>VIA",
# where CELL is "origin" (published here), "full", or "-" and the withheld parts (case,
# assessment, ind for one indicator, 2ind for two, tags, summary, related), and VIA the peer it
# came through (empty for the node's own records). Fails if a record does not verify.
snapshot() {
  local agency=$1 out rc=0
  out=$(ctl "$agency" pull --since 0 2>&1) || rc=$?
  if [ $rc -ne 0 ]; then
    echo "federation: nexusctl pull at $agency failed (exit $rc):" >&2
    echo "$out" | tail -n 20 >&2
    [ $rc -eq 4 ] && echo "federation: a record at $agency did not verify against its origin's key" >&2
    return 1
  fi
  echo "$out" | awk -v self="$agency" '
    function flush() {
      if (id == "") return
      if (origin == self) cell = "origin"
      else if (withheld == "") cell = "full"
      else {
        n = split(withheld, kinds, ", ")
        delete count
        for (i = 1; i <= n; i++) count[kinds[i]]++
        cell = ""
        split("case reference,assessment,indicator,tags,summary,related", order, ",")
        split("case,assessment,ind,tags,summary,related", short, ",")
        for (i = 1; i <= 6; i++) {
          if (!(order[i] in count)) continue
          cell = cell (cell == "" ? "-" : ",") (count[order[i]] > 1 ? count[order[i]] : "") short[i]
        }
      }
      line[id] = id "\t" origin "\t" tlp "\t" dist "\t" cell "\t" via
      id = ""
    }
    /^record / { flush(); id = $2; origin = $5; tlp = $6; sub(/^TLP:/, "", tlp); withheld = ""; dist = ""; via = "" }
    /^  received: +via / { via = $3 }
    /^  distribution: / {
      dist = $0
      sub(/^  distribution: /, "", dist)
      sub(/named agencies  agencies: /, "named ", dist)
      sub(/group  groups: /, "group ", dist)
    }
    /^  withheld: / {
      # "  withheld:    2 part(s): indicator (phone) by wa-coord'"'"'s policy; summary": the kinds
      w = $0; sub(/^  withheld: +[0-9]+ part\(s\): /, "", w)
      n = split(w, items, "; ")
      withheld = ""
      for (i = 1; i <= n; i++) {
        k = items[i]; sub(/ \(.*$/, "", k); sub(/ by .*$/, "", k)
        withheld = withheld (withheld == "" ? "" : ", ") k
      }
    }
    END { flush(); for (i in line) print line[i] }'
}

# The table of where each published record is, one row per record in publishing order, from
# $run/published and the snapshots in $run/snapshot-AGENCY. MODE "cells": "CASE TLP DISTRIBUTION
# CELL CELL CELL CELL" (distribution with "_" for spaces, so that every column is one word).
# MODE "via": "CASE PEER PEER PEER PEER", the peer each record came through at each node
# ("origin" where it was published, "." where it is not held); nothing at all if this nexusctl
# does not show where records came from.
federation_table() {
  local mode=$1 agency snapshots=()
  for agency in "${agencies[@]}"; do snapshots+=("$run/snapshot-$agency"); done
  awk -F'\t' -v mode="$mode" -v agencies="${agencies[*]}" '
    FNR == 1 { node = FILENAME; sub(/.*\/snapshot-/, "", node) }
    FILENAME ~ /\/published$/ { split($0, p, " "); n++; id[n] = p[1]; ref[n] = p[2]; next }
    {
      cell[node, $1] = $5; via[node, $1] = $6
      if ($6 != "") seen_via = 1
      if ($5 == "origin") { tlp[$1] = $3; dist[$1] = $4 }
    }
    END {
      if (mode == "via" && !seen_via) exit
      na = split(agencies, a, " ")
      for (i = 1; i <= n; i++) {
        r = id[i]
        d = dist[r]; gsub(/ /, "_", d)
        row = ref[i]
        if (mode == "cells") row = row " " tlp[r] " " d
        for (j = 1; j <= na; j++) {
          c = cell[a[j], r]
          if (mode == "via" && c != "" && c != "origin") c = via[a[j], r] == "" ? "?" : via[a[j], r]
          row = row " " (c == "" ? "." : c)
        }
        print row
      }
    }' "$run/published" "${snapshots[@]}"
}

# The expected table (deploy/federation/expected.txt without comments and notes), same columns
# as federation_table minus TLP and distribution, sorted; actual_cells makes the same of a table.
expected_table() {
  sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$samples/expected.txt" | awk '{ print $1, $2, $3, $4, $5 }' | sort
}
actual_cells() { awk '{ print $1, $4, $5, $6, $7 }' | sort; }

# Polls every node until what each holds is exactly what deploy/federation/expected.txt says, or
# the deadline passes.
await_propagation() {
  local deadline=$((SECONDS + timeout)) start agency
  start=$(date +%s%N)
  expected_table >"$run/expected"
  while :; do
    for agency in "${agencies[@]}"; do
      running_pid "$agency" >/dev/null ||
        fail "nexusd of $agency is no longer running; see $(log_of "$agency")"
      snapshot "$agency" >"$run/snapshot-$agency" || fail "could not read what $agency holds"
    done
    federation_table cells >"$run/table"
    if actual_cells <"$run/table" | diff -q "$run/expected" - >/dev/null; then
      local ms=$((($(date +%s%N) - start) / 1000000))
      propagation_time=$(printf '%d.%d s' $((ms / 1000)) $((ms % 1000 / 100)))
      return 0
    fi
    if [ $SECONDS -ge $deadline ]; then
      print_table >&2
      echo >&2
      echo "federation: after $timeout s (NEXUS_FEDERATION_TIMEOUT) the nodes do not hold what" >&2
      echo "deploy/federation/expected.txt says (< expected, > found; columns: ${agencies[*]}):" >&2
      actual_cells <"$run/table" | diff "$run/expected" - >&2 || true
      echo "Node logs: $run/AGENCY/nexusd.log; the nodes keep running (deploy/federation.sh down)." >&2
      exit 1
    fi
    sleep 0.2
  done
}

# How many link alerts each agency's analysts are told at their node once the sample records
# have converged (printed, and described in README.md).
expected_alerts=(fr-police:3 ml-ct:3 sn-fiu:2 wa-coord:3)

# Waits until every node has told its agency's analysts of the links expected_alerts counts:
# detection runs after a version is stored, and the coordinator's links travel after that.
await_alerts() {
  local deadline=$((SECONDS + 30)) entry agency want have missing
  while :; do
    missing=()
    for entry in "${expected_alerts[@]}"; do
      agency=${entry%%:*} want=${entry#*:}
      have=$(ctl "$agency" --json alerts 2>/dev/null | grep -c '"link_id"' || true)
      [ "$have" -ge "$want" ] || missing+=("$agency ($have of $want)")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ $SECONDS -ge $deadline ]; then
      fail "after 30 s not every link alert is in: ${missing[*]} (node logs: $run/AGENCY/nexusd.log)"
    fi
    sleep 0.2
  done
}

print_table() {
  local fmt="%-20s %-13s %-25s %-13s %-13s %-13s %s\n"
  # shellcheck disable=SC2059
  printf "$fmt" record TLP distribution "${agencies[@]}"
  # shellcheck disable=SC2059
  while read -r case_ref tlp dist c1 c2 c3 c4; do
    printf "$fmt" "$case_ref" "$tlp" "${dist//_/ }" "$c1" "$c2" "$c3" "$c4"
  done <"$run/table"
}

print_notes() {
  grep -v '^[[:space:]]*#' "$samples/expected.txt" | grep '#' | awk '{
    case_ref = $1; note = $0; sub(/^[^#]*#[[:space:]]*/, "", note)
    printf "  %-20s %s\n", case_ref, note }'
}

up() {
  local agency
  if [ -z "${NEXUS_FEDERATION_NO_BUILD:-}" ]; then
    "$root/deploy/install-deps.sh"
    echo "== building nexusd and nexusctl"
    "$root/deploy/build.sh" nexusd nexusctl
  fi
  if [ ! -x "$nexusd" ] || [ ! -x "$nexusctl" ]; then
    fail "no $nexusd or $nexusctl: build them (deploy/build.sh nexusd nexusctl)"
  fi

  for agency in "${agencies[@]}"; do
    if running_pid "$agency" >/dev/null; then
      echo "== stopping the federation that is running"
      down
      break
    fi
  done

  check_ports_free

  echo "== development PKI in $run/pki"
  mkdir -p "$run"
  "$root/certs/make-dev-pki.sh" "$run/pki" "${agencies[@]}" >/dev/null

  echo "== four nodes, each with its own configuration, data directory and sharing policy"
  for agency in "${agencies[@]}"; do
    rm -rf "${run:?}/${agency:?}"
    mkdir -p "$run/$agency"
    # The node reads a copy in its run directory: editing it (and reloading) leaves the tracked
    # sample as it is.
    cp "$samples/$agency.policy.textproto" "$run/$agency/policy.textproto"
    # shellcheck disable=SC2046  # peers_of prints separate words
    "$root/deploy/make-node-config.sh" --policy "$run/$agency/policy.textproto" \
      $(peers_of "$agency") $(search_peers_of "$agency") --heartbeat 2 --max-retry 5 --witness-interval 5 \
      --metrics "$(metrics_address_of "$agency")" \
      "$run/pki" "$agency" "$(address_of "$agency")" "$run/$agency/data" "${members[@]}" \
      >"$(config_of "$agency")"
    local check check_out tested
    if ! check_out=$("$nexusctl" policy check "$samples/$agency.policy.textproto" --config "$(config_of "$agency")" 2>&1); then
      echo "$check_out" >&2
      fail "the sharing policy of $agency does not pass nexusctl policy check"
    fi
    if ! tested=$("$nexusctl" policy test "$samples/$agency.policy.textproto" "$samples/$agency.policy-tests.textproto" 2>&1); then
      echo "$tested" >&2
      fail "the sharing policy of $agency fails its cases ($samples/$agency.policy-tests.textproto)"
    fi
    if ! check=$("$nexusd" --config "$(config_of "$agency")" --check-config 2>&1); then
      echo "$check" >&2
      fail "nexusd refuses the configuration of $agency ($(config_of "$agency"))"
    fi
    printf '   %-10s %-16s peers: %s\n' "$agency" "$(address_of "$agency")" \
      "$(peers_of "$agency" | sed -e 's/--peer //g' -e 's/=[^ /]*//g')"
    printf '   %-10s %-16s metrics http://%s/metrics\n' "" "" "$(metrics_address_of "$agency")"
    printf '   %-10s %-16s policy %s (a copy of deploy/federation/%s.policy.textproto; %s; %s test cases pass)\n' \
      "" "" "$run/$agency/policy.textproto" "$agency" "${check_out##*"', "}" \
      "$(echo "$tested" | tail -n1 | awk '{ print $1 }')"
  done
  write_env_files

  echo "== starting the nodes"
  start_nodes
  await_links

  : >"$run/published"
  for agency in "${origins[@]}"; do
    echo "== publishing deploy/federation/records-$agency.jsonl at $agency"
    publish "$agency"
  done

  echo "== waiting until every node holds what it should (at most $timeout s)"
  await_propagation
  echo "   in place $propagation_time after publishing; every record verified at every node against its origin's key"
  echo
  echo "== where each record went, and what was withheld at each node"
  print_table
  cat <<'LEGEND'

  origin  published here          full  received with every part       .  never reached this node
  -PARTS  received with these parts withheld by a sharing policy on the way: case = case
          reference, ind = an indicator (2ind = two), summary, tags, assessment, related
LEGEND
  echo
  echo "why:"
  print_notes
  federation_table via >"$run/via"
  if [ -s "$run/via" ]; then
    echo
    echo "== which peer each record came through"
    local fmt="%-20s %-13s %-13s %-13s %s\n"
    # shellcheck disable=SC2059
    printf "$fmt" record "${agencies[@]}"
    # shellcheck disable=SC2059,SC2086
    while read -r line; do printf "$fmt" $line; done <"$run/via"
  fi

  echo
  echo "== link alerts: what each agency's analysts are told at their own node (nexusctl alerts --brief)"
  await_alerts
  for agency in "${agencies[@]}"; do
    echo "-- $agency"
    ctl "$agency" alerts --brief | sed -e '$d' -e 's/^/   /'
  done
  cat <<'LINKS'
   "found at wa-coord": the coordinator found the link among what its members relay, decided
   it for this agency and told this agency's node. A HIT NOTICE side: a record this agency may
   not see whose holder says only that it exists, and whom to ask.
LINKS

  echo
  echo "== one federation-wide search, as each agency: nexusctl search '+223 70 11 22 33' --federation"
  echo "   (the phone of FR-SDAT-2026-0021, fr-police's RED record named to ml-ct; its originator"
  echo "   lets everyone be told that it exists)"
  for agency in "${agencies[@]}"; do
    echo "-- $agency"
    ctl "$agency" search '+223 70 11 22 33' --federation |
      grep -E '^(record |--- |hit notice|[0-9]+ records|no peers)' | sed 's/^/   /'
  done

  echo
  echo "== wa-coord: nexusctl federation status"
  federation_status wa-coord

  cat <<MSG

The federation is running. Query a node as one of its analysts, e.g. ml-ct:
  . $run/ml-ct/analyst.env
  nexusctl pull --since 0
  nexusctl search '+223 76 12 34 56'
  nexusctl federation status
Record ids by case reference: $run/published
Each node's policy is $run/AGENCY/policy.textproto: edit it, then
  . $run/AGENCY/admin.env && nexusctl policy reload
Status: deploy/federation.sh status     Stop: deploy/federation.sh down
One node: deploy/federation.sh stop|start|restart AGENCY
MSG
}

write_env_files() {
  local agency role
  for agency in "${agencies[@]}"; do
    for role in analyst auditor admin; do
      cat >"$run/$agency/$role.env" <<ENV
# nexusctl as the $role of $agency, talking to $agency's node: . ${run}/$agency/$role.env
export NEXUS_TARGET=$(address_of "$agency") NEXUS_CA=$run/pki/ca.crt NEXUS_KEYS=$run/pki/keys
export NEXUS_CERT=$run/pki/$agency/$role.crt NEXUS_KEY=$run/pki/$agency/$role.key
export PATH=$build/client/cli:\$PATH
ENV
    done
  done
}

# One node of a running federation: stop it (SIGTERM), start it again with its configuration and
# data, or both. Its peers retry it meanwhile and catch up from their cursors.
one_node() {
  local action=$1 agency=$2 known=0 each
  for each in "${agencies[@]}"; do [ "$each" = "$agency" ] && known=1; done
  [ $known -eq 1 ] || { echo "federation: no node '$agency' (${agencies[*]})" >&2; exit 2; }
  [ -f "$(config_of "$agency")" ] || fail "no federation in $run: run deploy/federation.sh up first"
  if [ "$action" != start ]; then stop_node "$agency"; fi
  if [ "$action" != stop ]; then start_node "$agency"; fi
}

# shellcheck source=deploy/federation/exercise.sh
. "$samples/exercise.sh"

case "${1:-}" in
  up | down | status | exercise) [ $# -eq 1 ] || usage ;;
  stop | start | restart) [ $# -eq 2 ] || usage ;;
  -h | --help | help) header; exit 0 ;;
  *) usage ;;
esac
case "$1" in
  up) up ;;
  down) down ;;
  status) status ;;
  exercise) exercise ;;
  stop | start | restart) one_node "$1" "$2" ;;
esac
