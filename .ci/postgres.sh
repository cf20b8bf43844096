#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 cluster on 127.0.0.1:$PGPORT, as the non-root `postgres`
# user, with trust authentication on loopback only, and prints the URL of a database for the
# tests: `export VAULTCRED_TEST_POSTGRES=$(bash .ci/postgres.sh)`. Stop it with
# `bash .ci/postgres.sh stop`.
set -euo pipefail
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
PGPORT="${PGPORT:-55432}"
DIR="${PGDIR:-/tmp/vaultcred-postgres}"
as_postgres() { runuser -u postgres -- "$@"; }
if [ "${1:-}" = "stop" ]; then
  as_postgres "$PGBIN/pg_ctl" -D "$DIR/data" stop -m fast >&2 || true
  rm -rf "$DIR"
  exit 0
fi
id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
if [ -f "$DIR/data/postmaster.pid" ]; then
  as_postgres "$PGBIN/pg_ctl" -D "$DIR/data" stop -m fast >&2 || true
fi
rm -rf "$DIR" && mkdir -p "$DIR" && chown postgres "$DIR"
as_postgres "$PGBIN/initdb" -D "$DIR/data" -U vaultcred -A trust --no-sync >&2
as_postgres "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $DIR -c fsync=off -c max_connections=200" start >&2
"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U vaultcred vaultcred >&2
echo "postgres://vaultcred@127.0.0.1:$PGPORT/vaultcred"
