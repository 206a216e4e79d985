#!/usr/bin/env bash
# Installs what Nexus Exchange needs to build, test and run, from Debian 12 packages only.
# Quick and silent when everything is already there. Needs root (or sudo) to install.
set -euo pipefail

# clang-14 builds the project (deploy/build.sh); libclang-rt-14-dev holds its libFuzzer and
# sanitizer runtimes, which the test suite uses (fuzz targets, the ASan/UBSan suite).
packages=(
  build-essential clang-14 libclang-rt-14-dev cmake ninja-build ccache pkg-config openssl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libssl-dev librocksdb-dev libabsl-dev libgtest-dev libbenchmark-dev
  nlohmann-json3-dev python3-jsonschema graphviz
  # The TAXII 2.1 endpoint's HTTPS (cpp-httplib with OpenSSL); its test client is Python.
  libcpp-httplib-dev python3-requests
  # The audit report's test renders the page in a real browser (headless), with its fonts.
  chromium fonts-dejavu-core
  # promtool checks the metrics endpoint's scrapes and the operator's alerting rules; a real
  # Prometheus server scrapes a test federation.
  prometheus
  # systemd-analyze verifies the service unit (deploy/systemd/).
  systemd
  # The Kubernetes manifests (deploy/k8s/) are read as YAML and validated with Node.js.
  python3-yaml
)
# Node.js and npm, for the Kubernetes schema validator: Debian's, unless the machine has its own.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The Kubernetes API's schemas and their validator (kubernetes-models, the version and checksums
# pinned in deploy/k8s/validate/package-lock.json), from the npm registry.
validate="$(cd "$(dirname "$0")" && pwd)/k8s/validate"
if [ ! -d "$validate/node_modules/kubernetes-models" ]; then
  echo "installing the Kubernetes manifest validator (npm ci in deploy/k8s/validate)"
  (cd "$validate" && npm ci --no-audit --no-fund --loglevel=error)
fi
