#!/usr/bin/env bash
# Debian packages the tests drive for real: the Watcher CLI (API compatibility), Prometheus and promtool
# (datasource contract tests), Chromium (dashboard tests). Idempotent: installs only what is missing.
set -euo pipefail
packages=(python3-watcherclient python3-openstackclient prometheus chromium)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's prometheus package starts a daemon on :9090 through its init scripts on some machines; tests run
# their own instances on random ports, so a stray one does no harm but is stopped to free the port.
pkill -x prometheus 2>/dev/null || true
pkill -f prometheus-node-exporter 2>/dev/null || true
exit 0
