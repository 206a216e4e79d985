#!/usr/bin/env bash
# deploy/k8s/make-region.sh's manifests against the Kubernetes API's schemas (kubernetes-models'
# validators, installed by deploy/install-deps.sh), and each node's configuration in them against
# nexusd itself (--check-config).
set -euo pipefail
nexusd=$1
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$root/deploy/k8s/make-region.sh" > "$dir/region.yaml"
python3 - "$dir" <<'PY'
import json, sys, yaml
out = sys.argv[1]
docs = [d for d in yaml.safe_load_all(open(out + "/region.yaml")) if d]
json.dump(docs, open(out + "/region.json", "w"))
for d in docs:
    if d["kind"] == "ConfigMap":
        name = d["metadata"]["name"]
        open("%s/%s.node.textproto" % (out, name), "w").write(d["data"]["node.textproto"])
print("%d objects" % len(docs))
PY
node "$root/deploy/k8s/validate/validate.js" < "$dir/region.json"
for config in "$dir"/*.node.textproto; do
  "$nexusd" --config "$config" --check-config >/dev/null
done
kinds=$(python3 -c "import json,collections; print(sorted(collections.Counter(d['kind'] for d in json.load(open('$dir/region.json'))).items()))")
expected="[('ConfigMap', 4), ('Namespace', 1), ('NetworkPolicy', 4), ('Service', 4), ('StatefulSet', 4)]"
[ "$kinds" = "$expected" ] || { echo "kinds: $kinds, expected $expected"; exit 1; }
echo "deploy/k8s: every manifest valid, every node configuration accepted by nexusd"
