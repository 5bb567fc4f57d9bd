#!/usr/bin/env bash
# Steward as separate processes on the machine's PostgreSQL and RabbitMQ (docs/processes.md):
#   the simulated cloud (its own process, notifying over RabbitMQ), one API, one decision engine and N appliers.
#
#   scripts/processes.sh start [appliers]   # default 2 appliers; logs and pids under $STEWARD_RUN_DIR (./run)
#   scripts/processes.sh status             # the services API: one row per process, with its heartbeat
#   scripts/processes.sh stop
#
# Environment: STEWARD_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/steward, created if missing),
# STEWARD_BUS_URL (default amqp://guest:guest@127.0.0.1:5672), STEWARD_API_PORT (9322), SIMULATOR_HOSTS (16).
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_DIR=${STEWARD_RUN_DIR:-./run}
DATABASE_URL=${STEWARD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/steward}
BUS_URL=${STEWARD_BUS_URL:-amqp://guest:guest@127.0.0.1:5672}
API_PORT=${STEWARD_API_PORT:-9322}
HOSTS=${SIMULATOR_HOSTS:-16}
STEWARD=(node --import tsx src/main.ts)

start_process() { # name, then the command; the pid goes to $RUN_DIR/<name>.pid
  local name=$1
  shift
  "$@" >"$RUN_DIR/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
}

wait_for_log() { # file, text, seconds
  for _ in $(seq 1 "$3"); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 1
  done
  echo "timed out waiting for '$2' in $1" >&2
  return 1
}

case ${1:-} in
  start)
    appliers=${2:-2}
    mkdir -p "$RUN_DIR"
    db_name=${DATABASE_URL##*/}
    admin_url=${DATABASE_URL%/*}/postgres
    if ! psql "$admin_url" -tAc "select 1 from pg_database where datname = '$db_name'" | grep -q 1; then
      psql "$admin_url" -qc "create database $db_name"
    fi
    start_process simulator "${STEWARD[@]}" simulator --port 0 --hosts "$HOSTS" --bus "$BUS_URL"
    wait_for_log "$RUN_DIR/simulator.log" 'Stop with Ctrl-C' 60
    # The cloud is reached like a real one: through the Keystone it prints (export OS_…=… lines).
    eval "$(grep '^export OS_' "$RUN_DIR/simulator.log")"
    prometheus=$(sed -n 's/.*Prometheus:[[:space:]]*\([^[:space:]]*\).*/\1/p' "$RUN_DIR/simulator.log" | head -1)
    export STEWARD_DATABASE_URL=$DATABASE_URL STEWARD_BUS_URL=$BUS_URL STEWARD_CLOUD=openstack
    export STEWARD_OS_PASSWORD=$OS_PASSWORD STEWARD_PROMETHEUS_URL=$prometheus STEWARD_API_PORT=$API_PORT
    # Each process names itself: the services API shows one row per process, and a plan's hostname is its applier.
    STEWARD_HOST="$(hostname)-api" start_process api "${STEWARD[@]}" serve --roles api
    STEWARD_HOST="$(hostname)-engine" start_process decision-engine "${STEWARD[@]}" serve --roles decision-engine
    for n in $(seq 1 "$appliers"); do
      STEWARD_HOST="$(hostname)-applier-$n" start_process "applier-$n" "${STEWARD[@]}" serve --roles applier
    done
    wait_for_log "$RUN_DIR/api.log" 'Steward is running' 60
    echo "API: http://127.0.0.1:$API_PORT  (logs and pids in $RUN_DIR; scripts/processes.sh status | stop)"
    ;;
  status)
    curl -s "http://127.0.0.1:$API_PORT/v1/services/detail" | node -e '
      let text = ""; process.stdin.on("data", (c) => (text += c)).on("end", () => {
        for (const s of JSON.parse(text).services) console.log(`${s.name}\t${s.host}\t${s.status}\t${s.last_seen_up ?? ""}`);
      });'
    ;;
  stop)
    for file in "$RUN_DIR"/*.pid; do
      [ -e "$file" ] || continue
      kill "$(cat "$file")" 2>/dev/null || true
      rm -f "$file"
    done
    ;;
  *)
    echo "usage: $0 start [appliers] | status | stop" >&2
    exit 2
    ;;
esac
