#!/usr/bin/env bash
# Makes sure the PostgreSQL and MariaDB servers the tests use are up on 127.0.0.1.
set -euo pipefail

wait_for() {
  local what=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "services: $what did not come up" >&2
  return 1
}

if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  echo "services: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  wait_for PostgreSQL pg_isready -h 127.0.0.1 -p 5432
fi

if ! mysqladmin -h 127.0.0.1 -u root ping >/dev/null 2>&1; then
  echo "services: starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  wait_for MariaDB mysqladmin -h 127.0.0.1 -u root ping
fi
echo "services: PostgreSQL and MariaDB are up"
