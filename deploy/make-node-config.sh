#!/usr/bin/env bash
# Writes a node.textproto for one agency of a development federation.
#
#   deploy/make-node-config.sh [OPTION ...] PKI_DIR AGENCY LISTEN_ADDRESS DATA_DIR MEMBER [MEMBER ...]
#
# MEMBER is "agency[:country[:group,group...[:sector[:liaison]]]]", sector one of police,
# counter-terrorism, financial-intelligence, customs, border, prosecution, prisons-and-probation,
# intelligence, private-partner, regional-body; the liaison is free text (the rest of the spec).
# Every member's key must be in PKI_DIR/keys.
# Options (all optional; without them the node has no policy and no peers):
#   --policy FILE                the sharing policy (policy_file)
#   --peer AGENCY[=HOST:PORT][/DIRECTION]
#                                a peer (repeatable); DIRECTION is pull, push, pull-and-push or
#                                inbound (default: pull with an address, inbound without)
#   --heartbeat SECONDS          federation.heartbeat_seconds
#   --max-retry SECONDS          federation.max_retry_seconds
#   --witness-interval SECONDS   federation.witness_interval_seconds
#   --oversight AGENCY           audit.oversight_agencies (repeatable)
#   --search-peer AGENCY         federation.search_peers (repeatable): asked in a
#                                federation-wide search
#   --metrics HOST:PORT          metrics.listen_address: Prometheus metrics in plain HTTP at
#                                http://HOST:PORT/metrics (a loopback address only)
set -euo pipefail
usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0" >&2; exit 2; }
fail() { echo "make-node-config: $*" >&2; exit 2; }

policy="" peers=() federation=() oversight=() metrics=""
while [ $# -gt 0 ]; do
  case "$1" in
    --policy) [ $# -ge 2 ] || usage; policy=$2; shift 2 ;;
    --peer) [ $# -ge 2 ] || usage; peers+=("$2"); shift 2 ;;
    --heartbeat) [ $# -ge 2 ] || usage; federation+=("heartbeat_seconds: $2"); shift 2 ;;
    --max-retry) [ $# -ge 2 ] || usage; federation+=("max_retry_seconds: $2"); shift 2 ;;
    --witness-interval) [ $# -ge 2 ] || usage; federation+=("witness_interval_seconds: $2"); shift 2 ;;
    --oversight) [ $# -ge 2 ] || usage; oversight+=("$2"); shift 2 ;;
    --search-peer) [ $# -ge 2 ] || usage; federation+=("search_peers: \"$2\""); shift 2 ;;
    --metrics) [ $# -ge 2 ] || usage; metrics=$2; shift 2 ;;
    --) shift; break ;;
    -*) fail "unknown option $1" ;;
    *) break ;;
  esac
done
[ $# -ge 5 ] || usage
for setting in "${federation[@]}"; do
  [[ "$setting" == search_peers:* ]] && continue
  [[ "${setting#*: }" =~ ^[0-9]+$ ]] || fail "'${setting%%:*}' needs a whole number of seconds, not '${setting#*: }'"
done
if [ -n "$metrics" ] && ! [[ "$metrics" =~ ^(127\.[0-9.]+|localhost|\[::1\]):[0-9]+$ ]]; then
  fail "--metrics $metrics: a loopback HOST:PORT (127.0.0.1:9464, [::1]:9464, localhost:9464)"
fi
if [ -n "$policy" ]; then
  [ -f "$policy" ] || fail "no policy file $policy"
  policy=$(cd "$(dirname "$policy")" && pwd)/$(basename "$policy")
fi

# Peers are checked before anything is written, so an error leaves no half configuration.
peer_lines=()
for peer in "${peers[@]}"; do
  spec=$peer direction=""
  if [[ "$spec" == */* ]]; then direction=${spec##*/}; spec=${spec%/*}; fi
  id=${spec%%=*} address=""
  [[ "$spec" == *=* ]] && address=${spec#*=}
  case "$direction" in
    "") ;;
    pull) direction=DIRECTION_PULL ;;
    push) direction=DIRECTION_PUSH ;;
    pull-and-push) direction=DIRECTION_PULL_AND_PUSH ;;
    inbound) direction=DIRECTION_INBOUND ;;
    *) fail "--peer $peer: direction must be pull, push, pull-and-push or inbound" ;;
  esac
  [ -n "$id" ] || fail "--peer $peer: no agency id"
  line="peers { agency_id: \"$id\""
  [ -n "$address" ] && line+=" address: \"$address\""
  [ -n "$direction" ] && line+=" direction: $direction"
  peer_lines+=("$line }")
done

pki=$(cd "$1" && pwd); agency=$2; listen=$3; data=$4; shift 4
cat <<CFG
# Nexus Exchange node of agency "$agency" (development PKI in $pki).
agency_id: "$agency"
listen_address: "$listen"
data_dir: "$data"
tls {
  certificate_file: "$pki/$agency/node.crt"
  private_key_file: "$pki/$agency/node.key"
  ca_file: "$pki/ca.crt"
}
signing_key_file: "$pki/$agency/signing.key"
signing_key_id: "1"
CFG
[ -n "$policy" ] && echo "policy_file: \"$policy\""
for member in "$@"; do
  IFS=: read -r id country groups sector liaison <<<"$member"
  echo "agencies {"
  echo "  id: \"$id\""
  [ -n "${country:-}" ] && echo "  country: \"$country\""
  if [ -n "${groups:-}" ]; then
    IFS=, read -ra gs <<<"$groups"
    for g in "${gs[@]}"; do echo "  groups: \"$g\""; done
  fi
  if [ -n "${sector:-}" ]; then
    case "$sector" in
      police | counter-terrorism | financial-intelligence | customs | border | prosecution | \
        prisons-and-probation | intelligence | private-partner | regional-body) ;;
      *) fail "member $id: unknown sector '$sector'" ;;
    esac
    sector=${sector//-/_}
    echo "  sector: SECTOR_${sector^^}"
  fi
  if [ -n "${liaison:-}" ]; then
    liaison=${liaison//\\/\\\\}
    echo "  liaison: \"${liaison//\"/\\\"}\""
  fi
  echo "  keys { key_id: \"1\" public_key_file: \"$pki/keys/$id.pub\" }"
  echo "}"
done
[ ${#peer_lines[@]} -eq 0 ] || printf '%s\n' "${peer_lines[@]}"
[ ${#federation[@]} -gt 0 ] && echo "federation { ${federation[*]} }"
if [ ${#oversight[@]} -gt 0 ]; then
  printf 'audit {'; printf ' oversight_agencies: "%s"' "${oversight[@]}"; echo ' }'
fi
echo "limits { max_message_bytes: 4194304 max_records_per_publish: 1000 }"
[ -z "$metrics" ] || echo "metrics { listen_address: \"$metrics\" }"
