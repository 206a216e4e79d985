#!/usr/bin/env bash
# Writes a node.textproto for one agency of a development federation.
#
#   deploy/make-node-config.sh PKI_DIR AGENCY LISTEN_ADDRESS DATA_DIR MEMBER [MEMBER ...]
#
# MEMBER is "agency[:country[:group,group...]]"; every member's key must be in PKI_DIR/keys.
set -euo pipefail
[ $# -ge 5 ] || { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
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
for member in "$@"; do
  IFS=: read -r id country groups <<<"$member"
  echo "agencies {"
  echo "  id: \"$id\""
  [ -n "${country:-}" ] && echo "  country: \"$country\""
  if [ -n "${groups:-}" ]; then
    IFS=, read -ra gs <<<"$groups"
    for g in "${gs[@]}"; do echo "  groups: \"$g\""; done
  fi
  echo "  keys { key_id: \"1\" public_key_file: \"$pki/keys/$id.pub\" }"
  echo "}"
done
echo "limits { max_message_bytes: 4194304 max_records_per_publish: 1000 }"
