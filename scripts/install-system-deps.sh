#!/usr/bin/env bash
# Debian packages the tests drive for real: the Watcher CLI (API compatibility), Prometheus and promtool
# (datasource contract tests), Chromium (dashboard tests), Keystone 22.x served by uWSGI (token validation and
# the service catalog; scripts/ensure-services.sh starts it), and Horizon with watcher-dashboard 8.0.0 (the
# compatibility test starts it under uWSGI itself). Idempotent: installs only what is missing.
set -euo pipefail
packages=(python3-watcherclient python3-openstackclient prometheus chromium
  keystone uwsgi-core uwsgi-plugin-python3 python3-psycopg2 openstack-dashboard python3-watcher-dashboard)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  # Keystone's package would otherwise create a database through dbconfig-common, bootstrap an admin and start
  # its own daemon on :5000; ensure-services.sh does all of that on the test PostgreSQL instead.
  $SUDO debconf-set-selections <<'SEL'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
SEL
  # No daemon may start from a postinst (machines without a Docker-style policy-rc.d get a temporary one).
  created_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    created_policy=yes
  fi
  # Other developers' apt runs on the same machine hold the lock for minutes: wait for it instead of failing.
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
  # openstack-dashboard's postinst compresses Horizon's SCSS again when the watcher-dashboard trigger fires, and that
  # second pass has failed once on a fresh machine with a syntax error in a file it had just written (a rerun passed):
  # finish the configuration once more before giving up, and then show what dpkg printed.
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null; then
    echo "apt-get install failed; configuring the unpacked packages again"
    if ! DEBIAN_FRONTEND=noninteractive $SUDO dpkg --configure -a >/dev/null; then
      tail -n 40 /var/log/apt/term.log >&2 || true
      exit 1
    fi
  fi
  if [ -n "$created_policy" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
  # Debian's prometheus package starts a daemon on :9090 through its init scripts on some machines; tests run
  # their own instances on random ports, so a stray one does no harm but is stopped to free the port. Only right
  # after installing it: before, no prometheus of ours could run, while later a test's or a benchmark's may be.
  if [[ " ${missing[*]} " == *" prometheus "* ]]; then
    pkill -x prometheus 2>/dev/null || true
    pkill -f prometheus-node-exporter 2>/dev/null || true
  fi
fi
exit 0
