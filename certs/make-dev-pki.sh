#!/usr/bin/env bash
# Creates a development PKI for a Nexus Exchange federation, with OpenSSL only.
#
#   certs/make-dev-pki.sh OUT_DIR AGENCY [AGENCY ...] [--test-extras]
#
# OUT_DIR/ca.crt, ca.key                the development federation CA (ECDSA P-256)
# OUT_DIR/AGENCY/node.crt, node.key     the node's TLS certificate (server and peer client)
# OUT_DIR/AGENCY/analyst.crt, .key      a client certificate for the agency's analysts
# OUT_DIR/AGENCY/auditor.crt, .key      a client certificate with the auditor role
# OUT_DIR/AGENCY/admin.crt, .key        a client certificate with the admin role (policy reload)
# OUT_DIR/AGENCY/signing.key            the agency's Ed25519 record-signing key
# OUT_DIR/keys/AGENCY.pub               its public half, to hand to every other member
# --test-extras adds, for the first agency, OUT_DIR/extras/: an expired analyst certificate, and a
# foreign CA with an analyst certificate it issued (both must be refused by every node).
#
# Identity lives in URI subject alternative names: urn:nexus:agency:<id> and urn:nexus:role:<role>.
# Existing files are kept, so running it again adds agencies without re-keying the others.
# Development only: keys are unencrypted files. See README "Production PKI".
set -euo pipefail

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] || usage
out=$1; shift
extras=0
agencies=()
for arg in "$@"; do
  case "$arg" in
    --test-extras) extras=1 ;;
    -*) echo "make-dev-pki: unknown option $arg" >&2; usage ;;
    *)
      if ! [[ "$arg" =~ ^[a-z0-9][a-z0-9.-]{0,63}$ ]]; then
        echo "make-dev-pki: '$arg' is not a valid agency id (lower-case letters, digits, '.', '-')" >&2
        exit 2
      fi
      agencies+=("$arg") ;;
  esac
done
[ ${#agencies[@]} -ge 1 ] || usage

umask 077
mkdir -p "$out/keys"
days=825

ec_key() { [ -f "$1" ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

if [ ! -f "$out/ca.crt" ]; then
  ec_key "$out/ca.key"
  openssl req -x509 -new -key "$out/ca.key" -sha256 -days 3650 -subj "/O=Nexus Exchange/CN=Nexus Dev Federation CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$out/ca.crt" 2>/dev/null
fi

# issue CA_CRT CA_KEY DIR NAME AGENCY ROLE USAGE [SAN_EXTRA]
issue() {
  local ca_crt=$1 ca_key=$2 dir=$3 name=$4 agency=$5 role=$6 usage=$7 san_extra=${8:-}
  [ -f "$dir/$name.crt" ] && return 0
  ec_key "$dir/$name.key"
  local ext
  ext=$(mktemp)
  cat > "$ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=$usage
subjectAltName=URI:urn:nexus:agency:$agency,URI:urn:nexus:role:$role$san_extra
EXT
  openssl req -new -key "$dir/$name.key" -subj "/O=$agency/OU=$role/CN=$agency $role" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$ca_crt" -CAkey "$ca_key" -CAcreateserial -days $days -sha256 \
    -extfile "$ext" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr" "$ext"
}

san_extra=${NEXUS_NODE_SAN_EXTRA:-}
for agency in "${agencies[@]}"; do
  dir="$out/$agency"
  mkdir -p "$dir"
  # NEXUS_NODE_SAN_EXTRA adds names to each node certificate, %AGENCY% standing for the agency:
  # ",DNS:%AGENCY%.nexus-region.svc.cluster.local" for a cluster (deploy/k8s/).
  issue "$out/ca.crt" "$out/ca.key" "$dir" node "$agency" node serverAuth,clientAuth \
    ",DNS:localhost,IP:127.0.0.1,IP:::1${san_extra//%AGENCY%/$agency}"
  issue "$out/ca.crt" "$out/ca.key" "$dir" analyst "$agency" analyst clientAuth
  issue "$out/ca.crt" "$out/ca.key" "$dir" auditor "$agency" auditor clientAuth
  issue "$out/ca.crt" "$out/ca.key" "$dir" admin "$agency" admin clientAuth
  if [ ! -f "$dir/signing.key" ]; then
    openssl genpkey -algorithm ed25519 -out "$dir/signing.key"
  fi
  openssl pkey -in "$dir/signing.key" -pubout -out "$out/keys/$agency.pub"
done

if [ $extras = 1 ]; then
  first=${agencies[0]}
  x="$out/extras"
  mkdir -p "$x"
  # An analyst certificate of the first agency that expired long ago, from the real CA.
  if [ ! -f "$x/expired.crt" ]; then
    ec_key "$x/expired.key"
    mkdir -p "$x/ca-db"
    : > "$x/ca-db/index.txt"
    echo 1000 > "$x/ca-db/serial"
    cat > "$x/ca-db/ca.cnf" <<CNF
[ca]
default_ca=dev
[dev]
database=$x/ca-db/index.txt
serial=$x/ca-db/serial
new_certs_dir=$x/ca-db
default_md=sha256
policy=any
copy_extensions=none
[any]
organizationName=optional
organizationalUnitName=optional
commonName=supplied
[ext]
basicConstraints=critical,CA:FALSE
extendedKeyUsage=clientAuth
subjectAltName=URI:urn:nexus:agency:$first,URI:urn:nexus:role:analyst
CNF
    openssl req -new -key "$x/expired.key" -subj "/O=$first/CN=$first expired" -out "$x/expired.csr" 2>/dev/null
    openssl ca -batch -config "$x/ca-db/ca.cnf" -cert "$out/ca.crt" -keyfile "$out/ca.key" \
      -startdate 20200101000000Z -enddate 20200201000000Z -extensions ext \
      -in "$x/expired.csr" -out "$x/expired.crt" 2>/dev/null
    rm -f "$x/expired.csr"
  fi
  # A CA nobody in the federation trusts, and an analyst certificate claiming the first agency.
  if [ ! -f "$x/foreign-ca.crt" ]; then
    ec_key "$x/foreign-ca.key"
    openssl req -x509 -new -key "$x/foreign-ca.key" -sha256 -days 3650 -subj "/CN=Foreign CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
      -out "$x/foreign-ca.crt" 2>/dev/null
  fi
  issue "$x/foreign-ca.crt" "$x/foreign-ca.key" "$x" foreign "$first" analyst clientAuth
fi
echo "development PKI in $out for: ${agencies[*]}"
