#!/usr/bin/env bash
# `systemd-analyze verify` on deploy/systemd/nexusd.service, with its ExecStart pointing at the
# nexusd just built (verify checks that the command exists): no error and no warning, so that an
# unknown or misspelt directive fails the suite rather than being ignored at install time.
set -euo pipefail
nexusd=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/local/bin/nexusd|$nexusd|g" "$(dirname "$0")/../deploy/systemd/nexusd.service" \
  >"$dir/nexusd.service"
if ! out=$(systemd-analyze verify "$dir/nexusd.service" 2>&1) || [ -n "$out" ]; then
  echo "systemd-analyze verify deploy/systemd/nexusd.service:"
  echo "$out"
  exit 1
fi
echo "deploy/systemd/nexusd.service: verified"
