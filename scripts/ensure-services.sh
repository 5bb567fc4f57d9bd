#!/usr/bin/env bash
# Makes sure the machine's PostgreSQL and RabbitMQ are up (../shared/design/services.md), starting any that
# stopped, and waits until each accepts connections.
set -euo pipefail
wait_port() { # host port name
  for _ in $(seq 1 60); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && { exec 3>&- 3<&-; return 0; }
    sleep 1
  done
  echo "$3 did not come up on $1:$2" >&2
  return 1
}
if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
fi
wait_port 127.0.0.1 5432 PostgreSQL
if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  echo "starting RabbitMQ"
  rabbitmq-server -detached || true
fi
wait_port 127.0.0.1 5672 RabbitMQ

# Keystone 22 (Debian's `keystone`, installed by install-system-deps.sh) on its own PostgreSQL database, served by
# uWSGI on 127.0.0.1:5000, for the token-validation and service-catalog tests. State (config, fernet keys, log) in
# $STEWARD_KEYSTONE_DIR; the admin user is bootstrapped with the password below (127.0.0.1 only, tests only).
KEYSTONE_DIR="${STEWARD_KEYSTONE_DIR:-/var/tmp/steward-keystone}"
KEYSTONE_PORT="${STEWARD_KEYSTONE_PORT:-5000}"
KEYSTONE_DB=steward_keystone
KEYSTONE_ADMIN_PASSWORD="${STEWARD_KEYSTONE_ADMIN_PASSWORD:-steward-keystone-admin}"
if command -v keystone-manage >/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$KEYSTONE_PORT") 2>/dev/null; then
  echo "starting Keystone on 127.0.0.1:$KEYSTONE_PORT"
  mkdir -p "$KEYSTONE_DIR"
  conf="$KEYSTONE_DIR/keystone.conf"
  cat >"$conf" <<CONF
[DEFAULT]
log_file = $KEYSTONE_DIR/keystone.log
[database]
connection = postgresql+psycopg2://postgres@127.0.0.1:5432/$KEYSTONE_DB
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = $KEYSTONE_DIR/fernet-keys
[fernet_receipts]
key_repository = $KEYSTONE_DIR/fernet-keys
[credential]
key_repository = $KEYSTONE_DIR/credential-keys
[resource]
admin_project_name = admin
admin_project_domain_name = Default
# One process (below) keeps this in-memory cache coherent, so a revocation is seen by the next validation.
[cache]
enabled = true
backend = dogpile.cache.memory
CONF
  manage() { keystone-manage --config-file "$conf" "$@" >>"$KEYSTONE_DIR/manage.log" 2>&1; }
  owner=(--keystone-user "$(id -un)" --keystone-group "$(id -gn)")
  [ -d "$KEYSTONE_DIR/fernet-keys" ] || manage fernet_setup "${owner[@]}"
  [ -d "$KEYSTONE_DIR/credential-keys" ] || manage credential_setup "${owner[@]}"
  # The schema and the bootstrap run once per database; a marker in the database's own comment says it is done.
  if [ "$(psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$KEYSTONE_DB'")" != "bootstrapped" ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $KEYSTONE_DB" -c "CREATE DATABASE $KEYSTONE_DB"
    manage db_sync
    url="http://127.0.0.1:$KEYSTONE_PORT/v3"
    manage bootstrap --bootstrap-password "$KEYSTONE_ADMIN_PASSWORD" --bootstrap-region-id RegionOne \
      --bootstrap-admin-url "$url" --bootstrap-internal-url "$url" --bootstrap-public-url "$url"
    psql -h 127.0.0.1 -U postgres -d postgres -qc "COMMENT ON DATABASE $KEYSTONE_DB IS 'bootstrapped'"
  fi
  uwsgi --http11-socket "127.0.0.1:$KEYSTONE_PORT" --plugin python3 --wsgi-file /usr/bin/keystone-wsgi-public \
    --env "OS_KEYSTONE_CONFIG_FILES=$conf" --master --processes 1 --threads 8 --lazy-apps --die-on-term \
    --buffer-size 65535 --pidfile "$KEYSTONE_DIR/uwsgi.pid" --daemonize "$KEYSTONE_DIR/uwsgi.log"
fi
if command -v keystone-manage >/dev/null; then
  wait_port 127.0.0.1 "$KEYSTONE_PORT" Keystone
  # uWSGI binds the port before Keystone has loaded (several seconds): wait for an answer, not just the socket.
  python3 - "$KEYSTONE_PORT" <<'PY'
import sys, time, urllib.request
for _ in range(120):
    try:
        if urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/v3", timeout=5).status == 200:
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.5)
sys.exit("Keystone did not answer on 127.0.0.1:" + sys.argv[1])
PY
fi
