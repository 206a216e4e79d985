#!/usr/bin/env bash
# Prints Kubernetes manifests for a region on a cluster: the development federation's four
# agencies (deploy/federation.sh) as a coordinator and three members, each a StatefulSet of one
# nexusd with its own PersistentVolumeClaim, a headless Service, a ConfigMap (node configuration
# and sharing policy) and a NetworkPolicy that admits only its peers; certificates and keys come
# from a Secret per agency, which this script does not print (see README, "Kubernetes").
#
#   deploy/k8s/make-region.sh [NAMESPACE] > region.yaml
#
# The suite validates the output against the Kubernetes API's schemas (tests/k8s_manifests_check.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ns=${1:-nexus-region}
image=${NEXUS_IMAGE:-nexus-exchange:latest}
port=7443
agencies=(fr-police ml-ct sn-fiu wa-coord)
members=(
  "fr-police:FR:police,europe,region-west-africa:police"
  "ml-ct:ML:counter-terrorism,region-west-africa:counter-terrorism"
  "sn-fiu:SN:fiu,region-west-africa:financial-intelligence"
  "wa-coord:NG:coordinator,region-west-africa:regional-body"
)
address_of() { echo "$1-0.$1.$ns.svc.cluster.local:$port"; }
# The region's links, one table: "DIALLER PEER DIRECTION" as the dialler's configuration lists
# the peer (inbound: the peer dials in). Each node's peers, whom it dials and who may dial it
# (its NetworkPolicy) are read from it.
links=(
  "fr-police wa-coord pull" "fr-police ml-ct pull"
  "ml-ct wa-coord pull" "ml-ct fr-police pull"
  # sn-fiu cannot accept connections from other nodes: it dials the coordinator both ways.
  "sn-fiu wa-coord pull-and-push"
  "wa-coord fr-police pull" "wa-coord ml-ct pull" "wa-coord sn-fiu inbound"
)
peers_of() {
  local link from to direction
  for link in "${links[@]}"; do
    read -r from to direction <<<"$link"
    [ "$from" = "$1" ] || continue
    case "$direction" in
      pull) printf -- '--peer %s=%s ' "$to" "$(address_of "$to")" ;;
      inbound) printf -- '--peer %s/inbound ' "$to" ;;
      *) printf -- '--peer %s=%s/%s ' "$to" "$(address_of "$to")" "$direction" ;;
    esac
  done
}
# Whom a node dials.
dials_of() {
  local link from to direction
  for link in "${links[@]}"; do
    read -r from to direction <<<"$link"
    [ "$from" = "$1" ] && [ "$direction" != inbound ] && printf '%s ' "$to"
  done
  return 0
}
# Who may open connections to a node: the peers that dial it (pull from it, or push to it).
callers_of() {
  local link from to direction
  for link in "${links[@]}"; do
    read -r from to direction <<<"$link"
    [ "$to" = "$1" ] && [ "$direction" != inbound ] && printf '%s ' "$from"
  done
  return 0
}
indent() { sed "s/^/$1/"; }
# The probes' command: the gRPC health check over the node's own mTLS, with its own certificate.
health_probe() {
  printf 'nexusctl, --target, "127.0.0.1:%s", --ca, /etc/nexus/pki/ca.crt, --cert, %s, --key, %s, --timeout, "5", health' \
    "$port" "/etc/nexus/pki/$1/node.crt" "/etc/nexus/pki/$1/node.key"
}

# make-node-config.sh wants a PKI directory; the paths it writes are rewritten to where the
# Secret is mounted.
placeholder=$(mktemp -d)
trap 'rm -rf "$placeholder"' EXIT
mkdir -p "$placeholder/keys"

cat <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: $ns
  labels: {app.kubernetes.io/part-of: nexus-exchange}
YAML
for agency in "${agencies[@]}"; do
  # shellcheck disable=SC2046  # peers_of prints separate words
  config=$("$root/deploy/make-node-config.sh" --policy "$root/deploy/federation/$agency.policy.textproto" \
    $(peers_of "$agency") --metrics 127.0.0.1:9464 \
    "$placeholder" "$agency" "0.0.0.0:$port" /var/lib/nexus/data "${members[@]}" |
    sed -e "s|$placeholder|/etc/nexus/pki|g" \
      -e "s|$root/deploy/federation/$agency.policy.textproto|/etc/nexus/config/policy.textproto|")
  cat <<YAML
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: $agency-config
  namespace: $ns
  labels: {app.kubernetes.io/name: nexusd, app.kubernetes.io/instance: $agency}
data:
  node.textproto: |
$(echo "$config" | indent '    ')
  policy.textproto: |
$(indent '    ' <"$root/deploy/federation/$agency.policy.textproto")
---
apiVersion: v1
kind: Service
metadata:
  name: $agency
  namespace: $ns
  labels: {app.kubernetes.io/name: nexusd, app.kubernetes.io/instance: $agency}
spec:
  clusterIP: None
  selector: {app.kubernetes.io/name: nexusd, app.kubernetes.io/instance: $agency}
  ports:
    - {name: grpc, port: $port, targetPort: $port, protocol: TCP}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: $agency
  namespace: $ns
  labels: {app.kubernetes.io/name: nexusd, app.kubernetes.io/instance: $agency}
spec:
  serviceName: $agency
  replicas: 1
  selector:
    matchLabels: {app.kubernetes.io/name: nexusd, app.kubernetes.io/instance: $agency}
  template:
    metadata:
      labels: {app.kubernetes.io/name: nexusd, app.kubernetes.io/instance: $agency}
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile: {type: RuntimeDefault}
      terminationGracePeriodSeconds: 30
      containers:
        - name: nexusd
          image: $image
          args: [--config, /etc/nexus/config/node.textproto, --log-format, json]
          ports:
            - {name: grpc, containerPort: $port, protocol: TCP}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          resources:
            requests: {cpu: 250m, memory: 256Mi}
            limits: {memory: 1Gi}
          # The gRPC health check over the node's own mutual TLS (nexusctl health): a kubelet's
          # own gRPC probe speaks no TLS.
          startupProbe:
            exec:
              command: [$(health_probe "$agency")]
            periodSeconds: 5
            failureThreshold: 60
          readinessProbe:
            exec:
              command: [$(health_probe "$agency"), --service, nexus.v1.FederationService]
            periodSeconds: 10
            timeoutSeconds: 8
          livenessProbe:
            exec:
              command: [$(health_probe "$agency")]
            periodSeconds: 20
            timeoutSeconds: 8
            failureThreshold: 3
          volumeMounts:
            - {name: data, mountPath: /var/lib/nexus}
            - {name: config, mountPath: /etc/nexus/config, readOnly: true}
            - {name: pki, mountPath: /etc/nexus/pki, readOnly: true}
            - {name: tmp, mountPath: /tmp}
      volumes:
        - name: config
          configMap: {name: $agency-config}
        - name: pki
          secret:
            secretName: $agency-pki
            defaultMode: 0400
            items:
              - {key: ca.crt, path: ca.crt}
              - {key: node.crt, path: $agency/node.crt}
              - {key: node.key, path: $agency/node.key}
              - {key: signing.key, path: $agency/signing.key}
$(for m in "${agencies[@]}"; do echo "              - {key: $m.pub, path: keys/$m.pub}"; done)
        - name: tmp
          emptyDir: {sizeLimit: 64Mi}
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests: {storage: 20Gi}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: $agency
  namespace: $ns
spec:
  podSelector:
    matchLabels: {app.kubernetes.io/name: nexusd, app.kubernetes.io/instance: $agency}
  policyTypes: [Ingress, Egress]
  ingress:
YAML
  callers=$(callers_of "$agency")
  if [ -z "$callers" ]; then
    echo "    []"
  else
    echo "    - from:"
    for c in $callers; do
      echo "        - podSelector: {matchLabels: {app.kubernetes.io/name: nexusd, app.kubernetes.io/instance: $c}}"
    done
    echo "      ports: [{protocol: TCP, port: $port}]"
  fi
  echo "  egress:"
  echo "    - to:"
  for d in $(dials_of "$agency"); do
    echo "        - podSelector: {matchLabels: {app.kubernetes.io/name: nexusd, app.kubernetes.io/instance: $d}}"
  done
  echo "      ports: [{protocol: TCP, port: $port}]"
  cat <<YAML
    # Name lookups of the peers' Services.
    - to:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
          podSelector: {matchLabels: {k8s-app: kube-dns}}
      ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
YAML
done
