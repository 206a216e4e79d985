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
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
