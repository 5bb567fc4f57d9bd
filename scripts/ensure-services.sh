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
